"""The dashboard API and page: scoped to the caller, for leaders and centre staff only."""

from django.test import Client


def test_dashboard_api_returns_own_figures_when_caller_is_centre_staff(users):
    client = Client()
    client.force_login(users["village_centre_b"])
    body = client.get("/api/v1/dashboard", {"days": 30}).json()
    assert body["scope"] == users["village_centre_b"].bindings.get().code
    assert len(body["trend"]) == 30
    assert {row["key"] for row in body["by_status"]} >= {"reported", "closed"}


def test_dashboard_api_returns_404_when_scope_is_outside_jurisdiction(users):
    client = Client()
    client.force_login(users["village_centre_b"])
    other = users["village_centre"].bindings.get().code
    assert client.get("/api/v1/dashboard", {"scope": other}).status_code == 404
    assert client.get("/api/v1/dashboard", {"scope": "x"}).status_code == 404
    assert client.get("/api/v1/dashboard", {"days": 0}).status_code == 400


def test_dashboard_refused_when_caller_is_a_resident(users):
    client = Client()
    client.force_login(users["resident"])
    assert client.get("/api/v1/dashboard").status_code == 403
    assert client.get("/insight/").status_code == 403


def test_dashboard_page_shows_numbers_and_charts_when_caller_is_centre_staff(users):
    client = Client()
    client.force_login(users["village_centre"])
    response = client.get("/insight/", {"days": 90})
    assert response.status_code == 200
    assert b"chart-trend" in response.content
    assert b'href="/insight/"' in response.content  # the nav link


def test_an_unknown_scope_inside_the_jurisdiction_is_an_error_not_zeros(users):
    client = Client()
    client.force_login(users["leader"])
    county = users["leader"].bindings.get().code
    unknown = county[:6] + "999999"
    response = client.get("/api/v1/dashboard", {"scope": unknown})
    assert response.status_code == 400
    assert (response.json()["code"], response.json()["field"]) == ("unknown_scope", "scope")
    page = client.get("/insight/", {"scope": unknown})
    assert page.status_code == 400
    assert b'id="scope-error"' in page.content and b"chart-trend" not in page.content
    # A named area without cases is zeros, not an error.
    assert client.get("/api/v1/dashboard", {"scope": county, "days": 1}).status_code == 200


def test_the_scope_is_a_picker_of_named_areas(users):
    client = Client()
    client.force_login(users["leader"])
    areas = client.get("/api/v1/dashboard/areas").json()
    assert areas[0]["code"] == users["leader"].bindings.get().region.code
    village = users["village_centre"].bindings.get().region.code
    assert village in [a["code"] for a in areas]
    page = client.get("/insight/", {"scope": village}).content.decode()
    assert 'id="scope-picker"' in page
    assert f'<option value="{village}" selected>' in page


def test_the_area_list_is_refused_to_a_resident(users):
    client = Client()
    client.force_login(users["resident"])
    assert client.get("/api/v1/dashboard/areas").status_code == 403


def test_overdue_cases_sit_beside_the_on_time_rate(users):
    """The on-time rate counts resolved cases only: the open cases past their deadline now
    are shown beside it, counted in the caller's area and not in another."""
    from datetime import timedelta

    from fengqiao.cases import services
    from fengqiao.cases.models import Case, Category
    from fengqiao.core import clock

    grid = users["grid_worker"].bindings.get().grid
    case = services.case_report(
        actor=users["grid_worker"],
        category=Category.objects.get(code="garbage"),
        title="垃圾清运超期",
        lat=grid.centroid_lat,
        lng=grid.centroid_lng,
    )
    client = Client()
    client.force_login(users["village_centre"])
    before = client.get("/api/v1/dashboard").json()
    Case.objects.filter(pk=case.pk).update(due_at=clock.now() - timedelta(hours=1))

    after = client.get("/api/v1/dashboard").json()
    assert after["overdue_now"] == before["overdue_now"] + 1
    assert after["open_now"] == before["open_now"] >= 1
    page = client.get("/insight/").content.decode()
    assert 'id="overdue-now"' in page and f"<b>{after['overdue_now']}</b>" in page
    other = Client()
    other.force_login(users["village_centre_b"])
    assert other.get("/api/v1/dashboard").json()["overdue_now"] == 0
