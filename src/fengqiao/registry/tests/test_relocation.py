"""Tests for re-locating the registry after grids are redrawn."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fengqiao.regions import services as region_services
from fengqiao.registry import located, services
from fengqiao.registry.models import Dwelling, Household, Person, PersonTagging, Place
from fengqiao.registry.relocation import registry_relocate_all_system

from .conftest import POINT_A1, id_number, square


@pytest.fixture
def redrawn(grid_a1, grid_a2, django_capture_on_commit_callbacks):
    """Grid A1 shrinks to its western 0.002°; A2 takes the strip freed, where POINT_A1 lies."""

    def redraw():
        with django_capture_on_commit_callbacks(execute=True):
            region_services.grid_update_boundary(
                grid=grid_a1, boundary=square(110.0, 27.50, 110.002, 27.51)
            )
            region_services.grid_update_boundary(
                grid=grid_a2, boundary=square(110.002, 27.50, 110.01, 27.51)
            )

    return redraw


@pytest.fixture
def family_a1(centre_a, dwelling_a1, tag_elderly):
    """A household of two in dwelling A1, the head tagged."""
    household = services.household_create(actor=centre_a, number="H-A1-1", dwelling=dwelling_a1)
    head = services.person_create(
        actor=centre_a, name="张三", id_number=id_number(1), dwelling=dwelling_a1
    )
    services.household_add_member(actor=centre_a, household=household, person=head, relation="head")
    child = services.person_create(
        actor=centre_a, name="张小三", id_number=id_number(2), household=household
    )
    services.household_add_member(
        actor=centre_a, household=household, person=child, relation="child"
    )
    services.person_tag(actor=centre_a, person=head, tag_code=tag_elderly.code)
    return household


def test_dwelling_and_its_people_move_when_their_grid_is_redrawn(
    redrawn, grid_a1, grid_a2, family_a1, dwelling_a2, dwelling_b1
):
    dwelling_a1 = family_a1.dwelling
    assert dwelling_a1.region_code == grid_a1.code
    redrawn()

    counts = registry_relocate_all_system(batch_size=1)

    assert counts["dwellings"].as_dict() == {"checked": 3, "moved": 1, "outside": 0}
    dwelling_a1.refresh_from_db()
    assert (dwelling_a1.grid_id, dwelling_a1.region_code) == (grid_a2.pk, grid_a2.code)
    assert Household.objects.get(pk=family_a1.pk).region_code == grid_a2.code
    assert set(Person.objects.values_list("region_code", flat=True)) == {grid_a2.code}
    assert set(PersonTagging.objects.values_list("region_code", flat=True)) == {grid_a2.code}
    # Those already in the right grid are untouched.
    assert Dwelling.objects.get(pk=dwelling_a2.pk).region_code == grid_a2.code
    assert Dwelling.objects.get(pk=dwelling_b1.pk).region_code == dwelling_b1.region_code


def test_places_move_too_when_their_grid_is_redrawn(redrawn, centre_a, grid_a2):
    lat, lng = POINT_A1
    place = located.place_create(actor=centre_a, name="农贸市场", kind="market", lat=lat, lng=lng)
    redrawn()

    counts = registry_relocate_all_system()

    assert counts["places"].moved == 1
    assert Place.objects.get(pk=place.pk).grid_id == grid_a2.pk


def test_queries_do_not_grow_with_rows_when_they_fit_one_batch(redrawn, centre_a):
    def add_dwellings(first: int, count: int) -> None:
        for n in range(first, first + count):
            lat, lng = POINT_A1
            services.dwelling_create(
                actor=centre_a, code=f"A1-{n:03d}", address="甲村", lat=lat, lng=lng + n * 1e-5
            )

    add_dwellings(0, 2)
    redrawn()
    registry_relocate_all_system()  # builds the locator index
    Dwelling.objects.update(grid=None, region_code="x")  # so every row moves again
    with CaptureQueriesContext(connection) as two:
        registry_relocate_all_system()
    add_dwellings(2, 6)
    Dwelling.objects.update(grid=None, region_code="x")
    with CaptureQueriesContext(connection) as eight:
        counts = registry_relocate_all_system()

    assert counts["dwellings"].as_dict() == {"checked": 8, "moved": 8, "outside": 0}
    assert len(eight) == len(two)


def test_dwelling_without_point_keeps_its_village_when_grids_are_redrawn(
    redrawn, centre_a, village_a
):
    dwelling = services.dwelling_create(
        actor=centre_a, code="A-NOPOINT", address="甲村", village=village_a
    )
    redrawn()

    counts = registry_relocate_all_system()

    assert counts["dwellings"].checked == 0
    dwelling.refresh_from_db()
    assert (dwelling.grid_id, dwelling.region_code) == (None, village_a.code)


def test_dwelling_left_in_place_when_its_point_leaves_every_village(
    dwelling_a1, village_a, grid_a1
):
    # The point is moved outside behind the services' back (say, a corrected survey).
    Dwelling.objects.filter(pk=dwelling_a1.pk).update(lat=30.0, lng=100.0)

    counts = registry_relocate_all_system()

    assert counts["dwellings"].as_dict() == {"checked": 1, "moved": 0, "outside": 1}
    assert Dwelling.objects.get(pk=dwelling_a1.pk).region_code == grid_a1.code
