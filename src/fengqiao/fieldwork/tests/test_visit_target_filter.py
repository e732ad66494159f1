"""The visit list narrowed to one household, dwelling, place or organisation (the registry's
detail pages link to it); a bad target or id is ignored, never an error page."""

import pytest
from django.test import Client

from fengqiao.fieldwork import services
from fengqiao.registry.models import Household


@pytest.fixture
def two_visits(users):
    worker = users["grid_worker"]
    first, second = Household.objects.visible_to(worker).order_by("pk")[:2]
    for household in (first, second):
        services.visit_record(actor=worker, target="household", target_id=household.pk)
    return first


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_visit_list_shows_one_rows_visits_when_target_given(users, two_visits):
    client = _client(users["village_centre"])
    page = client.get("/fieldwork/", {"target": "household", "target_id": two_visits.pk})
    assert page.status_code == 200
    assert len(page.context["page"].object_list) == 1
    assert 'id="all-visits"' in page.content.decode()
    api = client.get("/api/v1/visits", {"target": "household", "target_id": two_visits.pk})
    assert api.json()["count"] == 1


@pytest.mark.parametrize(
    "query",
    [
        {"target": "castle", "target_id": "1"},
        {"target": "household", "target_id": "x"},
        {"target": "household", "target_id": "9" * 40},
        {"target_id": "1"},
    ],
)
def test_visit_list_ignores_a_bad_target_when_page_asked(users, two_visits, query):
    page = _client(users["village_centre"]).get("/fieldwork/", query)
    # A number too large for any id is refused by the request guard before the view.
    assert page.status_code == (400 if len(query.get("target_id", "")) > 18 else 200)
    if page.status_code == 200:
        assert len(page.context["page"].object_list) == 2


def test_visit_api_refuses_or_ignores_a_bad_target_without_a_server_error(users, two_visits):
    client = _client(users["village_centre"])
    assert client.get("/api/v1/visits", {"target": "castle", "target_id": 1}).json()["count"] == 2
    assert client.get("/api/v1/visits", {"target_id": "9" * 40}).status_code == 400


def test_a_facility_is_visited_and_its_page_links_its_visits(users):
    from fengqiao.registry.models import Facility

    worker = users["grid_worker"]
    camera = Facility.objects.visible_to(worker).order_by("pk").first()
    visit = services.visit_record(
        actor=worker, target="facility", target_id=camera.pk, findings="摄像头镜头被遮挡"
    )
    assert (visit.facility, visit.target_label) == (camera, camera.name)
    assert visit.region_code == camera.region_code
    centre = _client(users["village_centre"])
    detail = centre.get(f"/registry/facilities/{camera.pk}/").content.decode()
    assert f"/m/visits/facility/{camera.pk}/" in detail
    assert f"target=facility&amp;target_id={camera.pk}" in detail
    listed = centre.get("/api/v1/visits", {"target": "facility", "target_id": camera.pk}).json()
    assert [v["id"] for v in listed["items"]] == [visit.pk]
    phone = _client(worker).get(f"/m/visits/facility/{camera.pk}/")
    assert phone.status_code == 200 and camera.name in phone.content.decode()
    outsider = _client(users["village_centre_b"])
    refused = outsider.post(
        "/api/v1/visits",
        {"target": "facility", "target_id": camera.pk, "purpose": "routine"},
        content_type="application/json",
    )
    assert refused.status_code == 404 and refused.json()["field"] == "target_id"
