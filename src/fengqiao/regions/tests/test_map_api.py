"""The map endpoints: GET /api/v1/gazetteer and GET /api/v1/basemap, scoped, 400 on bad input,
and the map pages carrying the base-map config and the search box."""

import json

import pytest
from django.test import Client, override_settings

from fengqiao.regions.models import Grid, Region, Road
from fengqiao.registry.models import Dwelling

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def view_of(code: str) -> str:
    """The bbox of a village or grid, as the map would send it."""
    row = (Grid if len(code) > 12 else Region).objects.get(code=code)
    return f"{row.min_lng},{row.min_lat},{row.max_lng},{row.max_lat}"


def test_gazetteer_answers_ranked_hits_with_names_and_points(users):
    response = client_for(users["county_centre"]).get(
        "/api/v1/gazetteer", {"q": "建设路与文化路", "limit": "3"}
    )
    assert response.status_code == 200
    hits = response.json()
    assert len(hits) <= 3
    assert hits[0]["kind"] == "junction" and hits[0]["name"] == "建设路与文化路"
    assert set(hits[0]) == {"kind", "kind_label", "name", "area", "lat", "lng"}
    assert "枫桥县" in hits[0]["area"]


GAZETTEER_BAD = [
    ({}, "q"),
    ({"q": "   "}, "q"),
    ({"q": "路" * 101}, "q"),
    ({"q": "路", "limit": "abc"}, "limit"),
    ({"q": "路", "limit": "1000"}, "limit"),
    ({"q": "路", "near": "27.5"}, "near"),
    ({"q": "路", "near": "nan,110"}, "near"),
    ({"q": "路", "near": "95,110"}, "near"),
]


def test_gazetteer_bad_input_is_a_400_naming_the_field(users):
    client = client_for(users["county_centre"])
    for query, field in GAZETTEER_BAD:
        response = client.get("/api/v1/gazetteer", query)
        assert (response.status_code, response.json()["field"]) == (400, field), query


ODD_TEXT = ["%25", "_", "%5C", "%27%3B+--", "%E8%B7%AF%00", "%ED%A0%80", "%FF%FE", "ｊｓｌ", "🙂"]


def test_gazetteer_never_fails_on_odd_text(users):
    client = client_for(users["county_centre"])
    for q in ODD_TEXT:
        assert client.get(f"/api/v1/gazetteer?q={q}").status_code in (200, 400), q


def test_gazetteer_needs_sign_in():
    assert Client().get("/api/v1/gazetteer", {"q": "路"}).status_code == 401


def test_gazetteer_hides_other_villages_dwellings(users):
    home = users["village_centre"].scope_prefixes()[0]
    elsewhere = Dwelling.objects.exclude(region_code__startswith=home).exclude(address="").first()
    mine = Dwelling.objects.filter(region_code__startswith=home).exclude(address="").first()
    client = client_for(users["village_centre"])
    assert client.get("/api/v1/gazetteer", {"q": elsewhere.address}).json() == []
    names = [h["name"] for h in client.get("/api/v1/gazetteer", {"q": mine.address}).json()]
    assert names[0] == mine.address


def test_basemap_draws_outlines_roads_and_points_of_the_view(users):
    village = users["village_centre"].scope_prefixes()[0]
    client = client_for(users["village_centre"])
    response = client.get("/api/v1/basemap", {"bbox": view_of(village), "zoom": "16"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    features = response.json()["features"]
    layers = {f["properties"]["layer"] for f in features}
    assert {"village", "grid", "micro", "dwelling"} <= layers
    if Road.objects.filter(region_code__startswith=village).exists():
        assert "road" in layers
    name = Region.objects.get(code=village).name
    assert any(f["properties"]["name"] == name and "at" in f["properties"] for f in features)
    for feature in features:
        assert feature["properties"]["layer"] != "dwelling" or set(feature["properties"]) == {
            "layer",
            "name",
        }
    text = response.content.decode()
    assert "owner" not in text and village not in text  # addresses, not people or codes


def test_basemap_shows_fewer_layers_zoomed_out(users):
    county = Region.objects.get(level="county").code
    client = client_for(users["county_centre"])
    features = client.get("/api/v1/basemap", {"bbox": view_of(county), "zoom": "10"}).json()[
        "features"
    ]
    assert {f["properties"]["layer"] for f in features} <= {"county", "township"}
    assert features


def test_basemap_outside_the_jurisdiction_is_empty(users):
    village = users["village_centre"].scope_prefixes()[0]
    client = client_for(users["village_centre_b"])
    response = client.get("/api/v1/basemap", {"bbox": view_of(village), "zoom": "17"})
    names = {f["properties"]["name"] for f in response.json()["features"]}
    addresses = set(
        Dwelling.objects.filter(region_code__startswith=village).values_list("address", flat=True)
    )
    assert not names & addresses
    assert Region.objects.get(code=village).name not in names


def test_basemap_for_a_resident_has_no_dwellings(users):
    village = users["village_centre"].scope_prefixes()[0]
    client = client_for(users["resident"])
    features = client.get("/api/v1/basemap", {"bbox": view_of(village), "zoom": "17"}).json()[
        "features"
    ]
    layers = {f["properties"]["layer"] for f in features}
    assert "village" in layers and not layers & {"dwelling", "place", "organization"}


BASEMAP_BAD = [
    ({}, "bbox"),
    ({"bbox": "1,2,3", "zoom": "12"}, "bbox"),
    ({"bbox": "110,27,109,28", "zoom": "12"}, "bbox"),
    ({"bbox": "nan,27,111,28", "zoom": "12"}, "bbox"),
    ({"bbox": "-inf,27,111,28", "zoom": "12"}, "bbox"),
    ({"bbox": "109,27,111,28"}, "zoom"),
    ({"bbox": "109,27,111,28", "zoom": "23"}, "zoom"),
    ({"bbox": "109,27,111,28", "zoom": "1.5"}, "zoom"),
]


def test_basemap_bad_input_is_a_400_naming_the_field(users):
    client = client_for(users["county_centre"])
    for query, field in BASEMAP_BAD:
        response = client.get("/api/v1/basemap", query)
        assert (response.status_code, response.json()["field"]) == (400, field), query


def test_new_case_page_carries_the_map_config_and_the_search_box(users):
    page = client_for(users["county_centre"]).get("/cases/new/").content.decode()
    assert 'id="fq-map-config"' in page and 'id="map-search-input"' in page
    assert "basemap.js" in page and "gazetteer.js" in page


@override_settings(FENGQIAO_TIANDITU_TOKEN="abc123")
def test_tianditu_key_gives_vector_and_annotation_layers(users):
    from fengqiao.regions.tiles import tile_layers

    vector, notes = tile_layers()
    assert "/vec_w/wmts?" in vector["url"] and "LAYER=vec" in vector["url"]
    assert "/cva_w/wmts?" in notes["url"] and "LAYER=cva" in notes["url"]
    for layer in (vector, notes):
        assert layer["url"].startswith("https://t{s}.tianditu.gov.cn/")
        assert "TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=abc123" in layer["url"]
        assert layer["subdomains"] == "01234567"
    page = client_for(users["county_centre"]).get("/cases/new/")
    config = page.content.decode().split('id="fq-map-config" type="application/json">')[1]
    assert json.loads(config.split("</script>")[0])["layers"][0]["url"] == vector["url"]


@override_settings(FENGQIAO_TIANDITU_TOKEN="abc123")
def test_tianditu_hosts_are_allowed_images_in_the_csp():
    from fengqiao.core.security import content_security_policy

    assert "https://*.tianditu.gov.cn" in content_security_policy()
