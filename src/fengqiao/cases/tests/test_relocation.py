"""Tests for re-locating cases after grids are redrawn."""

# Geometry (GeoJSON order is [lng, lat]): village A is lng 110.00–110.01, lat 27.50–27.51;
# grid 1 its west half, grid 2 its east half. The redraw shrinks grid 1 to 110.000–110.002
# and grows grid 2 over the strip freed, where POINT lies.

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fengqiao.accounts.models import JurisdictionBinding, User
from fengqiao.cases import hashchain, services
from fengqiao.cases.models import Case, Category, Status
from fengqiao.cases.relocation import RELOCATE, case_relocate_all_system
from fengqiao.regions import services as region_services
from fengqiao.regions.models import Region

POINT = (27.505, 110.0035)


def square(west: float, south: float, east: float, north: float) -> dict:
    return {
        "type": "Polygon",
        "coordinates": [
            [[west, south], [east, south], [east, north], [west, north], [west, south]]
        ],
    }


@pytest.fixture
def village(db) -> Region:
    region_services.region_create(code="431202", name="鹤城区")
    region_services.region_create(code="431202100", name="城南镇")
    return region_services.region_create(
        code="431202100200", name="甲村", boundary=square(110.0, 27.50, 110.01, 27.51)
    )


@pytest.fixture
def grids(village, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        west = region_services.grid_create(
            village=village, name="一网格", boundary=square(110.0, 27.50, 110.005, 27.51)
        )
        east = region_services.grid_create(
            village=village, name="二网格", boundary=square(110.005, 27.50, 110.01, 27.51)
        )
    return west, east


@pytest.fixture
def redraw(grids, django_capture_on_commit_callbacks):
    west, east = grids

    def redraw():
        with django_capture_on_commit_callbacks(execute=True):
            region_services.grid_update_boundary(
                grid=west, boundary=square(110.0, 27.50, 110.002, 27.51)
            )
            region_services.grid_update_boundary(
                grid=east, boundary=square(110.002, 27.50, 110.01, 27.51)
            )

    return redraw


@pytest.fixture
def centre_a(village) -> User:
    """Centre staff of village A."""
    user = User.objects.create_user(username="centre_a", role="centre_staff")
    JurisdictionBinding.objects.create(user=user, region=village, code=village.code)
    return user


@pytest.fixture
def garbage(db) -> Category:
    group = Category.objects.create(code="environment", name="环境", name_en="Environment")
    return Category.objects.create(code="garbage", name="垃圾", name_en="Garbage", parent=group)


def _report(actor, category, title: str, point=POINT) -> Case:
    lat, lng = point
    return services.case_report(actor=actor, category=category, title=title, lat=lat, lng=lng)


def test_open_case_moves_and_logs_it_when_its_grid_is_redrawn(redraw, grids, centre_a, garbage):
    west, east = grids
    case = _report(centre_a, garbage, "路口垃圾")
    assert case.grid_id == west.pk
    redraw()

    counts = case_relocate_all_system()

    assert counts.as_dict() == {"checked": 1, "moved": 1, "outside": 0}
    case.refresh_from_db()
    assert (case.grid_id, case.region_code, case.status) == (east.pk, east.code, Status.REPORTED)
    assert case.version == 1
    event = case.events.order_by("-seq").first()
    assert (event.seq, event.action, event.actor_id, event.region_code) == (
        2,
        RELOCATE,
        None,
        east.code,
    )
    assert event.data["from"] == west.code and event.data["to"] == east.code
    assert services.verify_log(case) == []


def test_closed_case_stays_unless_asked_when_its_grid_is_redrawn(redraw, grids, centre_a, garbage):
    west, east = grids
    case = _report(centre_a, garbage, "重复上报")
    services.case_reject(actor=centre_a, case_id=case.pk, reason="重复")
    redraw()

    assert case_relocate_all_system().checked == 0
    assert Case.objects.get(pk=case.pk).grid_id == west.pk

    counts = case_relocate_all_system(include_closed=True)

    case.refresh_from_db()
    assert counts.moved == 1 and case.grid_id == east.pk
    assert case.events.order_by("-seq").first().action == RELOCATE
    assert services.verify_log(case) == []


def test_case_in_the_right_grid_gets_no_event_when_grids_are_redrawn(
    redraw, grids, centre_a, garbage
):
    _west, east = grids
    case = _report(centre_a, garbage, "东侧路灯", point=(27.505, 110.008))
    redraw()

    assert case_relocate_all_system().as_dict() == {"checked": 1, "moved": 0, "outside": 0}
    assert case.events.count() == 1
    assert Case.objects.get(pk=case.pk).region_code == east.code


def test_queries_do_not_grow_with_cases_when_they_fit_one_batch(redraw, grids, centre_a, garbage):
    west, _east = grids
    for n in range(2):
        _report(centre_a, garbage, f"垃圾 {n}")
    redraw()
    case_relocate_all_system()  # builds the locator index for the new map
    Case.objects.update(grid=west, region_code=west.code)  # recorded in the old grid again
    with CaptureQueriesContext(connection) as two:
        case_relocate_all_system()
    for n in range(2, 8):
        _report(centre_a, garbage, f"垃圾 {n}")
    Case.objects.update(grid=west, region_code=west.code)
    with CaptureQueriesContext(connection) as eight:
        counts = case_relocate_all_system()

    assert counts.moved == 8
    assert len(eight) == len(two)
    # The links hold; the replay sees the grid this test wrote behind the log's back.
    for case in Case.objects.all():
        assert hashchain.verify_events(case.events.order_by("seq")) == []
        assert any(p.startswith("event #") and "found grid" in p for p in services.verify_log(case))
