"""Shared registry fixtures: a county with villages A and B, their grids, staff and dwellings."""

# Geometry (GeoJSON order is [lng, lat]):
#   village A: lng 110.00–110.01, lat 27.50–27.51; grid A1 the west half, A2 the east half
#   village B: lng 110.02–110.03, lat 27.50–27.51; grid B1 the west half, B2 the east half
# POINT_A1, POINT_A2, POINT_B1 lie inside those grids; POINT_NOWHERE lies in no village.

from datetime import date

import pytest

from fengqiao.accounts.models import JurisdictionBinding, User
from fengqiao.core.idnumbers import make_id_number
from fengqiao.core.roles import Role
from fengqiao.regions.locator import grids_changed
from fengqiao.regions.models import Grid, Region
from fengqiao.registry.models import Dwelling, PersonTag
from fengqiao.registry.services import dwelling_create

COUNTY_CODE = "431202000000"
TOWNSHIP_CODE = "431202100000"
VILLAGE_A_CODE = "431202100200"
VILLAGE_B_CODE = "431202100201"

POINT_A1 = (27.505, 110.0025)
POINT_A2 = (27.505, 110.0075)
POINT_B1 = (27.505, 110.0225)
POINT_NOWHERE = (30.0, 100.0)


def square(west: float, south: float, east: float, north: float) -> dict:
    return {
        "type": "Polygon",
        "coordinates": [
            [[west, south], [east, south], [east, north], [west, north], [west, south]]
        ],
    }


def id_number(sequence: int, born: date = date(1980, 5, 17)) -> str:
    """A valid ID number, distinct per sequence (0–999)."""
    return make_id_number("431202", born, sequence)


def _village(code: str, name: str, township: Region, west: float) -> Region:
    village = Region.objects.create(
        code=code,
        name=name,
        level=Region.Level.VILLAGE,
        kind=Region.Kind.VILLAGE,
        parent=township,
        boundary=square(west, 27.50, west + 0.01, 27.51),
    )
    for serial, offset in (("001", 0.0), ("002", 0.005)):
        Grid.objects.create(
            code=code + serial,
            name=f"{name}{serial}网格",
            kind=Grid.Kind.COMPREHENSIVE,
            village=village,
            boundary=square(west + offset, 27.50, west + offset + 0.005, 27.51),
        )
    return village


@pytest.fixture
def county(db) -> Region:
    return Region.objects.create(
        code=COUNTY_CODE, name="鹤城区", level=Region.Level.COUNTY, kind=Region.Kind.COUNTY
    )


@pytest.fixture
def township(county) -> Region:
    return Region.objects.create(
        code=TOWNSHIP_CODE,
        name="城南镇",
        level=Region.Level.TOWNSHIP,
        kind=Region.Kind.TOWN,
        parent=county,
    )


@pytest.fixture
def villages(township) -> tuple[Region, Region]:
    a = _village(VILLAGE_A_CODE, "甲村", township, 110.00)
    b = _village(VILLAGE_B_CODE, "乙村", township, 110.02)
    # Test rows are rolled back, never committed: the locator must forget its index.
    grids_changed()
    yield a, b
    grids_changed()


@pytest.fixture
def village_a(villages) -> Region:
    return villages[0]


@pytest.fixture
def village_b(villages) -> Region:
    return villages[1]


@pytest.fixture
def grid_a1(village_a) -> Grid:
    return Grid.objects.get(code=VILLAGE_A_CODE + "001")


@pytest.fixture
def grid_a2(village_a) -> Grid:
    return Grid.objects.get(code=VILLAGE_A_CODE + "002")


def _staff(username: str, role: str, target: Region | Grid) -> User:
    user = User.objects.create_user(username=username, password="not-used-1234", role=role)
    if isinstance(target, Region):
        JurisdictionBinding.objects.create(user=user, region=target, code=target.code)
    else:
        JurisdictionBinding.objects.create(user=user, grid=target, code=target.code)
    return user


@pytest.fixture
def centre_a(village_a) -> User:
    return _staff("centre_a", Role.CENTRE_STAFF, village_a)


@pytest.fixture
def centre_b(village_b) -> User:
    return _staff("centre_b", Role.CENTRE_STAFF, village_b)


@pytest.fixture
def grid_worker_a(grid_a1) -> User:
    """A grid worker bound to grid A1 only (not the whole of village A)."""
    return _staff("grid_worker_a", Role.GRID_WORKER, grid_a1)


@pytest.fixture
def leader_a(village_a) -> User:
    return _staff("leader_a", Role.LEADER, village_a)


@pytest.fixture
def dwelling_a1(centre_a) -> Dwelling:
    lat, lng = POINT_A1
    return dwelling_create(actor=centre_a, code="A1-001", address="甲村一组1号", lat=lat, lng=lng)


@pytest.fixture
def dwelling_a2(centre_a) -> Dwelling:
    lat, lng = POINT_A2
    return dwelling_create(
        actor=centre_a,
        code="A2-001",
        address="甲村二组1号",
        lat=lat,
        lng=lng,
        use=Dwelling.Use.RENTED,
    )


@pytest.fixture
def dwelling_b1(centre_b) -> Dwelling:
    lat, lng = POINT_B1
    return dwelling_create(actor=centre_b, code="B1-001", address="乙村一组1号", lat=lat, lng=lng)


@pytest.fixture
def tag_elderly(db) -> PersonTag:
    return PersonTag.objects.create(
        code="elderly_alone", name="空巢老人", name_en="Elderly living alone"
    )


@pytest.fixture
def tag_sensitive(db) -> PersonTag:
    return PersonTag.objects.create(
        code="community_correction",
        name="社区矫正",
        name_en="Community correction",
        is_sensitive=True,
    )


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "kill9: starts the import command in a subprocess and kills it (about 15 s; runs in "
        "make test, deselect with -m 'not kill9')",
    )
