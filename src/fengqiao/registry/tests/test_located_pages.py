"""Organisations, places and facilities: create and edit (pages and API), jurisdiction, bad
input, the sealed contact phone and its logged reveal, export, import, status, visit links."""

from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import load_workbook

from fengqiao.core import crypto
from fengqiao.core.models import AccessLog, AuditEntry
from fengqiao.registry import located
from fengqiao.registry.models import Facility, Organization, Place
from fengqiao.registry.tests.conftest import POINT_A1, POINT_A2, POINT_B1, VILLAGE_A_CODE


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _place(actor, point=POINT_A1, name="农贸市场") -> Place:
    lat, lng = point
    return located.place_create(actor=actor, name=name, kind="market", lat=lat, lng=lng)


def _audits(obj, action: str):
    return AuditEntry.objects.filter(
        entity_type=obj._meta.label_lower, entity_id=str(obj.pk), action=action
    )


def test_place_form_creates_in_the_points_grid_and_audits_when_centre_posts(centre_a, grid_a1):
    lat, lng = POINT_A1
    response = _client(centre_a).post(
        "/registry/places/new/",
        {"name": "城南农贸市场", "kind": "market", "risk": "medium", "lat": lat, "lng": lng},
    )
    place = Place.objects.get(name="城南农贸市场")
    assert response.status_code == 302 and response.url == f"/registry/places/{place.pk}/"
    assert (place.grid_id, place.region_code, place.risk) == (grid_a1.pk, grid_a1.code, "medium")
    assert _audits(place, "create").count() == 1


def test_edit_moves_the_row_and_audits_before_and_after_when_point_changes(centre_a, grid_a2):
    place = _place(centre_a)
    lat, lng = POINT_A2
    response = _client(centre_a).post(
        f"/registry/places/{place.pk}/edit/",
        {"name": "新市场", "kind": "market", "risk": "high", "lat": lat, "lng": lng},
    )
    assert response.status_code == 302
    place.refresh_from_db()
    assert (place.name, place.risk, place.grid_id) == ("新市场", "high", grid_a2.pk)
    changes = _audits(place, "update").get().changes
    assert changes["name"] == ["农贸市场", "新市场"]
    assert changes["region_code"][1] == grid_a2.code


def test_edit_writes_no_audit_row_when_nothing_changed(centre_a):
    place = _place(centre_a)
    located.place_update(actor=centre_a, place=place, name=place.name)
    assert not _audits(place, "update").exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": "", "kind": "market"}, "name"),
        ({"name": "x" * 101, "kind": "market"}, "name"),
        ({"name": "市场", "kind": "castle"}, "kind"),
        ({"name": "市场", "kind": "market", "risk": "extreme"}, "risk"),
        ({"name": "市场", "kind": "market", "lat": "north", "lng": "110"}, "lat"),
        ({"name": "市场", "kind": "market", "lat": "1e400", "lng": "110"}, "lat"),
        ({"name": "市场", "kind": "market", "lat": "27.5", "lng": ""}, "lng"),
        ({"name": "市场", "kind": "market", "lat": "", "lng": "", "village": "9" * 12}, "village"),
    ],
)
def test_place_form_says_which_field_when_input_bad(centre_a, data, field):
    data = {"risk": "low", "lat": POINT_A1[0], "lng": POINT_A1[1], **data}
    response = _client(centre_a).post("/registry/places/new/", data)
    assert response.status_code == 400
    assert response.context["error"].field == field
    assert not Place.objects.exists()


def test_api_refuses_bad_input_with_400_naming_the_field(centre_a):
    client = _client(centre_a)
    lat, lng = POINT_A1
    body = {"code": "CAM-1", "name": "摄像头", "kind": "toaster", "lat": lat, "lng": lng}
    response = client.post("/api/v1/facilities", body, content_type="application/json")
    assert response.status_code == 400 and response.json()["field"] == "kind"
    body = {"name": "公司", "kind": "company", "lat": lat, "lng": lng, "employees": -3}
    response = client.post("/api/v1/organizations", body, content_type="application/json")
    assert response.status_code == 400 and response.json()["field"] == "employees"


def test_other_villages_rows_are_404_when_asked_by_id(centre_a, centre_b):
    place = _place(centre_b, POINT_B1)
    client = _client(centre_a)
    assert client.get(f"/registry/places/{place.pk}/").status_code == 404
    assert client.get(f"/registry/places/{place.pk}/edit/").status_code == 404
    assert client.post(f"/registry/places/{place.pk}/edit/", {"name": "x"}).status_code == 404
    response = client.patch(
        f"/api/v1/places/{place.pk}", {"name": "改名"}, content_type="application/json"
    )
    assert response.status_code == 404
    assert client.get("/registry/places/99999999999999999999999/").status_code == 404
    place.refresh_from_db()
    assert place.name == "农贸市场"


def test_create_outside_the_jurisdiction_is_refused_when_point_in_other_village(centre_a):
    lat, lng = POINT_B1
    response = _client(centre_a).post(
        "/api/v1/places",
        {"name": "乙村市场", "kind": "market", "lat": lat, "lng": lng},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert not Place.objects.exists()


def test_moving_a_row_out_of_the_jurisdiction_is_refused(centre_a):
    place = _place(centre_a)
    lat, lng = POINT_B1
    response = _client(centre_a).patch(
        f"/api/v1/places/{place.pk}", {"lat": lat, "lng": lng}, content_type="application/json"
    )
    assert response.status_code == 403
    place.refresh_from_db()
    assert place.region_code.startswith(VILLAGE_A_CODE)


def test_read_only_role_may_not_create_or_edit(leader_a, centre_a):
    place = _place(centre_a)
    client = _client(leader_a)
    assert client.get("/registry/places/new/").status_code == 404
    assert client.get(f"/registry/places/{place.pk}/edit/").status_code == 404
    lat, lng = POINT_A1
    response = client.post(
        "/api/v1/places",
        {"name": "x", "kind": "market", "lat": lat, "lng": lng},
        content_type="application/json",
    )
    assert response.status_code == 403


def test_facility_code_is_unique_when_created_or_renamed(centre_a):
    lat, lng = POINT_A1
    first = located.facility_create(
        actor=centre_a, code="CAM-1", name="路口", kind="camera", lat=lat, lng=lng
    )
    located.facility_create(
        actor=centre_a, code="CAM-2", name="桥头", kind="camera", lat=lat, lng=lng
    )
    client = _client(centre_a)
    body = {"code": "CAM-1", "name": "又一个", "kind": "camera", "lat": lat, "lng": lng}
    response = client.post("/api/v1/facilities", body, content_type="application/json")
    assert response.status_code == 409 and response.json()["field"] == "code"
    response = client.patch(
        f"/api/v1/facilities/{first.pk}", {"code": "CAM-2"}, content_type="application/json"
    )
    assert response.status_code == 409


def test_facility_status_is_set_on_its_page_and_audited(centre_a):
    lat, lng = POINT_A1
    facility = located.facility_create(
        actor=centre_a, code="CAM-9", name="路口", kind="camera", lat=lat, lng=lng
    )
    client = _client(centre_a)
    assert "status-form" in client.get(f"/registry/facilities/{facility.pk}/").content.decode()
    response = client.post(f"/registry/facilities/{facility.pk}/status/", {"status": "faulty"})
    assert response.status_code == 302
    facility.refresh_from_db()
    assert facility.status == Facility.Status.FAULTY
    assert _audits(facility, "update").get().changes["status"] == ["working", "faulty"]
    bad = client.post(f"/registry/facilities/{facility.pk}/status/", {"status": "exploded"})
    assert bad.status_code == 400


def test_contact_phone_is_sealed_audited_masked_and_revealed_with_a_log(centre_a, leader_a):
    lat, lng = POINT_A1
    response = _client(centre_a).post(
        "/api/v1/organizations",
        {
            "name": "甲村合作社",
            "kind": "cooperative",
            "lat": lat,
            "lng": lng,
            "contact_phone": "13700137000",
        },
        content_type="application/json",
    )
    assert response.status_code == 201
    assert response.json()["contact_phone"] == "137****7000"
    org = Organization.objects.get()
    assert "13700137000" not in org.contact_phone_sealed
    located.organization_update(actor=centre_a, organization=org, contact_phone="13800138000")
    changes = _audits(org, "update").get().changes
    assert changes["contact_phone_sealed"] == ["***", "***"]
    page = _client(centre_a).get(f"/registry/organizations/{org.pk}/").content.decode()
    assert "13800138000" not in page and "organization_reveal" not in page
    revealed = _client(centre_a).post(f"/registry/organizations/{org.pk}/reveal/")
    assert "13800138000" in revealed.content.decode()
    log = AccessLog.objects.get(action="reveal", object_type="organization")
    assert (log.object_id, log.field) == (str(org.pk), "contact_phone")
    assert _client(leader_a).post(f"/registry/organizations/{org.pk}/reveal/").status_code == 403
    assert crypto.open_field(org, "contact_phone_sealed") == "13800138000"


def test_exports_are_logged_and_phones_masked_when_centre_exports(centre_a, grid_worker_a):
    _place(centre_a)
    lat, lng = POINT_A1
    located.organization_create(
        actor=centre_a, name="公司", kind="company", lat=lat, lng=lng, contact_phone="13700137000"
    )
    client = _client(centre_a)
    for url, kind in [
        ("/registry/places/export.xlsx", "place"),
        ("/registry/organizations/export.xlsx", "organization"),
        ("/api/v1/facilities/export.xlsx", "facility"),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        rows = list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))
        assert AccessLog.objects.filter(action="export", object_type=kind).count() == 1
        assert "13700137000" not in repr(rows)
    places = load_workbook(BytesIO(client.get("/registry/places/export.xlsx").content)).active
    assert list(places.iter_rows(values_only=True))[1][:3] == ("农贸市场", "市场", "低")
    assert _client(grid_worker_a).get("/registry/places/export.xlsx").status_code == 403


def test_export_reads_back_through_the_importer(centre_a, village_a):
    _place(centre_a, name="旧市场")
    content = _client(centre_a).get("/registry/places/export.xlsx").content
    Place.objects.all().delete()
    upload = SimpleUploadedFile("places.xlsx", content)
    result = _client(centre_a).post("/api/v1/places/import", {"file": upload}).json()
    assert (result["created"], result["errors"]) == (1, [])
    assert Place.objects.get().name == "旧市场"


def test_import_page_names_row_and_column_and_saves_nothing_when_a_row_is_bad(centre_a):
    lat, lng = POINT_A1
    csv = (
        "部件编码,部件名称,部件类型,纬度,经度\n"
        f"CAM-1,路口,视频监控,{lat},{lng}\n"
        f"CAM-2,桥头,烤面包机,{lat},{lng}\n"
    ).encode()
    response = _client(centre_a).post(
        "/registry/import/",
        {"kind": "facilities", "mode": "all_or_nothing", "file": SimpleUploadedFile("f.csv", csv)},
    )
    result = response.context["result"]
    assert [(e.row, e.column) for e in result.errors] == [(3, "部件类型")]
    assert not Facility.objects.exists()


def test_list_filters_by_kind_grid_and_search_and_pages(centre_a, grid_a1, grid_a2):
    _place(centre_a, POINT_A1, "一号市场")
    lat, lng = POINT_A2
    located.place_create(actor=centre_a, name="二号网吧", kind="internet_cafe", lat=lat, lng=lng)
    client = _client(centre_a)
    assert "二号网吧" not in client.get("/registry/places/", {"kind": "market"}).content.decode()
    body = client.get("/registry/places/", {"grid": grid_a1.code}).content.decode()
    assert "一号市场" in body and "二号网吧" not in body
    body = client.get("/registry/places/", {"q": "网吧", "page": "x" * 50}).content.decode()
    assert "二号网吧" in body and "一号市场" not in body
    api = client.get("/api/v1/places", {"grid": grid_a2.code}).json()
    assert [p["name"] for p in api["items"]] == ["二号网吧"]


def test_detail_links_to_record_a_visit_and_to_its_visits(centre_a):
    place = _place(centre_a)
    page = _client(centre_a).get(f"/registry/places/{place.pk}/").content.decode()
    assert f"/m/visits/place/{place.pk}/" in page
    assert f"/fieldwork/?target=place&amp;target_id={place.pk}" in page


def test_menu_lists_the_new_pages_for_roles_that_have_dwellings(grid_worker_a, leader_a):
    from fengqiao.accounts.menus import menu_keys

    assert {"organizations", "places", "facilities"} <= set(menu_keys(grid_worker_a))
    assert "places" not in menu_keys(leader_a)
