"""Fixtures: one county, two townships, two villages each, square grids and micro-grids.

Coordinates are [lng, lat] squares 0.01° wide around (111.0, 27.0):

    lat 27.02 +--------+--------+--------+--------+
              | A1 g2  | A2 h3  | A2 h4  |        |
    lat 27.01 +--------+---+----+--------+   B1   |   B2 (no grids)
              |A1 m1|m2 | A2 h1 | A2 h2  |        |
    lat 27.00 +-----+----+-------+--------+--------+
           111.00      111.01  111.015  111.02   111.03   111.04

A1 g1 is the lower square of village A1, split into micro-grids m1 and m2.
"""

from types import SimpleNamespace

import pytest

from fengqiao.accounts.models import JurisdictionBinding, User
from fengqiao.regions import locator, services

X0, Y0 = 111.00, 27.00


def square(x0: float, y0: float, x1: float, y1: float) -> dict:
    """A GeoJSON Polygon for the box [x0, x1] × [y0, y1] (longitudes, latitudes)."""
    return {
        "type": "Polygon",
        "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]],
    }


@pytest.fixture(autouse=True)
def fresh_locator():
    # The test database rolls back, so on_commit never announces grid changes; start each
    # test from a fresh index instead of one built on another test's rows.
    locator.grids_changed()
    yield
    locator.grids_changed()


@pytest.fixture
def tree(db):
    """The whole fixture tree, built through the services."""
    county = services.region_create(
        code="430521", name="Shaoyang County", boundary=square(111.00, 27.00, 111.04, 27.02)
    )
    town_a = services.region_create(
        code="430521100", name="Town A", boundary=square(111.00, 27.00, 111.02, 27.02)
    )
    township_b = services.region_create(
        code="430521200", name="Township B", boundary=square(111.02, 27.00, 111.04, 27.02)
    )
    village_a1 = services.region_create(
        code="430521100201", name="Village A1", boundary=square(111.00, 27.00, 111.01, 27.02)
    )
    village_a2 = services.region_create(
        code="430521100202", name="Village A2", boundary=square(111.01, 27.00, 111.02, 27.02)
    )
    village_b1 = services.region_create(
        code="430521200201", name="Village B1", boundary=square(111.02, 27.00, 111.03, 27.02)
    )
    village_b2 = services.region_create(
        code="430521200202", name="Village B2", boundary=square(111.03, 27.00, 111.04, 27.02)
    )
    g1 = services.grid_create(
        village=village_a1, name="A1 grid 1", boundary=square(111.00, 27.00, 111.01, 27.01)
    )
    g2 = services.grid_create(
        village=village_a1, name="A1 grid 2", boundary=square(111.00, 27.01, 111.01, 27.02)
    )
    m1 = services.grid_create(
        village=village_a1,
        parent=g1,
        name="A1 micro 1",
        boundary=square(111.00, 27.00, 111.005, 27.01),
    )
    m2 = services.grid_create(
        village=village_a1,
        parent=g1,
        name="A1 micro 2",
        boundary=square(111.005, 27.00, 111.01, 27.01),
    )
    h = [
        services.grid_create(village=village_a2, name=f"A2 grid {n}", boundary=box)
        for n, box in enumerate(
            [
                square(111.01, 27.00, 111.015, 27.01),
                square(111.015, 27.00, 111.02, 27.01),
                square(111.01, 27.01, 111.015, 27.02),
                square(111.015, 27.01, 111.02, 27.02),
            ],
            start=1,
        )
    ]
    return SimpleNamespace(
        county=county,
        town_a=town_a,
        township_b=township_b,
        village_a1=village_a1,
        village_a2=village_a2,
        village_b1=village_b1,
        village_b2=village_b2,
        g1=g1,
        g2=g2,
        m1=m1,
        m2=m2,
        h1=h[0],
        h2=h[1],
        h3=h[2],
        h4=h[3],
    )


def _staff(username: str, region) -> User:
    user = User.objects.create_user(username=username, role="centre_staff")
    JurisdictionBinding.objects.create(user=user, region=region, code=region.prefix)
    return user


@pytest.fixture
def alice(tree) -> User:
    """Centre staff of village A1."""
    return _staff("alice", tree.village_a1)


@pytest.fixture
def bob(tree) -> User:
    """Centre staff of township B."""
    return _staff("bob", tree.township_b)


@pytest.fixture
def root(tree) -> User:
    """A superuser: sees everything."""
    return User.objects.create_superuser(username="root", password=None, role="admin")
