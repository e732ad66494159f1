"""Registry API: lists, filters, detail, create, reveal with its access log, query counts."""

from datetime import date

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from fengqiao.core import crypto
from fengqiao.core.idnumbers import make_id_number
from fengqiao.core.models import AccessLog
from fengqiao.registry.models import Dwelling, Person, PersonTagging


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _village_code(users) -> str:
    return users["village_centre"].bindings.get().code


def test_people_list_is_paginated_and_masked_when_staff_asks(users):
    body = _client(users["village_centre"]).get("/api/v1/people", {"page_size": 5}).json()
    assert (
        body["count"] == Person.objects.filter(region_code__startswith=_village_code(users)).count()
    )
    assert len(body["items"]) == 5
    for item in body["items"]:
        assert "**********" in item["id_number"]
        assert item["region_code"].startswith(_village_code(users))


def test_people_list_query_count_is_constant_when_page_grows(users):
    client = _client(users["county_centre"])
    with CaptureQueriesContext(connection) as small:
        client.get("/api/v1/people", {"page_size": 5})
    with CaptureQueriesContext(connection) as large:
        client.get("/api/v1/people", {"page_size": 100})
    assert len(large) == len(small)
    assert len(large) <= 6


def test_people_search_finds_exact_id_number_when_given_in_full(users):
    person = Person.objects.filter(region_code__startswith=_village_code(users)).first()
    number = crypto.decrypt(person.id_number_sealed)
    body = _client(users["village_centre"]).get("/api/v1/people", {"q": number}).json()
    assert [p["id"] for p in body["items"]] == [person.pk]
    # A partial number matches no one: lookup is by keyed hash only.
    body = _client(users["village_centre"]).get("/api/v1/people", {"q": number[:10]}).json()
    assert body["count"] == 0


def test_people_filter_by_tag_hides_sensitive_tags_when_role_may_not_see_them(users):
    tagged = PersonTagging.objects.filter(tag__isnull=True).first()
    assert tagged is not None, "the small demo county has a sensitive tag"
    code = crypto.decrypt(tagged.tag_sealed)
    county = _client(users["county_centre"]).get("/api/v1/people", {"tag": code}).json()
    assert county["count"] >= 1
    leader = _client(users["leader"]).get("/api/v1/people", {"tag": code}).json()
    assert leader["count"] == 0
    detail = _client(users["leader"]).get(f"/api/v1/people/{tagged.person_id}").json()
    assert all(not t["is_sensitive"] for t in detail["tags"])
    detail = _client(users["county_centre"]).get(f"/api/v1/people/{tagged.person_id}").json()
    assert any(t["code"] == code for t in detail["tags"])


def test_reveal_returns_full_number_and_logs_when_role_allows(users):
    person = Person.objects.filter(region_code__startswith=_village_code(users)).first()
    response = _client(users["village_centre"]).post(
        f"/api/v1/people/{person.pk}/reveal",
        {"field": "id_number"},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["value"] == crypto.decrypt(person.id_number_sealed)
    log = AccessLog.objects.get()
    assert (log.actor, log.action, log.object_id, log.field) == (
        users["village_centre"],
        "reveal",
        str(person.pk),
        "id_number",
    )


def test_reveal_is_refused_and_not_logged_when_role_may_not(users):
    person = Person.objects.filter(region_code__startswith=_village_code(users)).first()
    response = _client(users["leader"]).post(
        f"/api/v1/people/{person.pk}/reveal",
        {"field": "id_number"},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert AccessLog.objects.count() == 0


def test_person_create_stores_only_ciphertext_when_posted(users):
    dwelling = Dwelling.objects.filter(region_code__startswith=_village_code(users)).first()
    number = make_id_number("439901", date(1990, 5, 17), 31)
    response = _client(users["village_centre"]).post(
        "/api/v1/people",
        {"name": "测试人", "id_number": number, "phone": "13800001234", "dwelling_id": dwelling.pk},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["sex"] == "M" and body["birth_year"] == 1990
    assert "birth_date" not in body
    person = Person.objects.get(pk=body["id"])
    assert number not in person.id_number_sealed
    assert person.phone_masked == "138****1234"
    assert person.region_code == dwelling.region_code
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id_number_sealed, phone_sealed FROM registry_person WHERE id = %s", [person.pk]
        )
        row = cursor.fetchone()
    assert number not in row[0] and "13800001234" not in row[1]


@pytest.mark.parametrize(
    ("number", "code"),
    [
        ("43990119900517003", "bad_length"),
        ("439901199005170310", "bad_check_digit"),
        ("439901199002300312", "bad_birth_date"),
    ],
)
def test_person_create_explains_when_id_number_bad(users, number, code):
    dwelling = Dwelling.objects.filter(region_code__startswith=_village_code(users)).first()
    response = _client(users["village_centre"]).post(
        "/api/v1/people",
        {"name": "测试人", "id_number": number, "dwelling_id": dwelling.pk},
        content_type="application/json",
    )
    assert response.status_code == 400
    body = response.json()
    assert body["field"] == "id_number"
    assert body["code"] in (code, "bad_check_digit", "bad_birth_date")
    assert body["message"]


def test_person_create_conflicts_when_id_number_registered(users):
    person = Person.objects.filter(region_code__startswith=_village_code(users)).first()
    response = _client(users["village_centre"]).post(
        "/api/v1/people",
        {
            "name": "重复",
            "id_number": crypto.decrypt(person.id_number_sealed),
            "dwelling_id": person.dwelling_id,
        },
        content_type="application/json",
    )
    assert response.status_code == 409
    assert response.json()["field"] == "id_number"


def test_person_create_refused_when_role_read_only(users):
    dwelling = Dwelling.objects.filter(region_code__startswith=_village_code(users)).first()
    response = _client(users["leader"]).post(
        "/api/v1/people",
        {
            "name": "测试",
            "id_number": make_id_number("439901", date(1980, 1, 1), 1),
            "dwelling_id": dwelling.pk,
        },
        content_type="application/json",
    )
    assert response.status_code == 403


def test_dwelling_create_locates_point_when_inside_a_grid(users):
    grid_worker = users["grid_worker"]
    micro = grid_worker.bindings.get().grid
    response = _client(grid_worker).post(
        "/api/v1/dwellings",
        {
            "code": "TEST-0001",
            "address": "测试路1号",
            "lat": micro.centroid_lat,
            "lng": micro.centroid_lng,
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["grid_code"] == micro.code


def test_dwelling_create_says_outside_when_point_in_no_grid(users):
    response = _client(users["county_centre"]).post(
        "/api/v1/dwellings",
        {"code": "X-1", "address": "海上", "lat": 10.0, "lng": 150.0},
        content_type="application/json",
    )
    assert response.status_code == 404
    assert response.json()["code"] == "outside_jurisdiction"


def test_grid_locate_returns_smallest_grid_when_point_inside(users):
    micro = users["grid_worker"].bindings.get().grid
    body = (
        _client(users["county_centre"])
        .get("/api/v1/grids/locate", {"lat": micro.centroid_lat, "lng": micro.centroid_lng})
        .json()
    )
    assert body["grid_code"] == micro.code
    assert body["region_code"] == micro.code


def test_households_and_groups_list_when_staff_asks(users):
    client = _client(users["village_centre"])
    households = client.get("/api/v1/households").json()
    assert households["count"] >= 1
    detail = client.get(f"/api/v1/households/{households['items'][0]['id']}").json()
    assert any(m["relation"] == "head" for m in detail["members"])
    groups = client.get("/api/v1/household-groups").json()
    assert groups["count"] >= 1
    assert all(5 <= g["households"] <= 50 for g in groups["items"])


def test_openapi_docs_served_when_asked(db):
    client = Client()
    assert client.get("/api/v1/openapi.json").status_code == 200
    assert client.get("/api/docs").status_code == 302
