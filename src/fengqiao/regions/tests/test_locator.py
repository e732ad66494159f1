"""Tests for the point → grid locator."""

import pytest
from django.core.cache import cache

from fengqiao.core.errors import OutsideJurisdiction, ValidationFailed
from fengqiao.regions import locator, services
from fengqiao.regions.models import Grid

from .conftest import square


def test_smallest_grid_chosen_when_micro_grids_exist(tree):
    location = locator.locate(27.005, 111.002)

    assert location.grid_code == tree.m1.code
    assert location.grid_id == tree.m1.pk
    assert location.village_code == tree.village_a1.code
    assert location.village_id == tree.village_a1.pk
    assert location.region_code == tree.m1.code


def test_grid_chosen_when_point_lies_in_a_grid_without_micro_grids(tree):
    assert locator.locate(27.015, 111.005).grid_code == tree.g2.code


def test_village_returned_when_no_grid_covers_the_point(tree):
    location = locator.locate(27.01, 111.035)

    assert location.grid_code is None
    assert location.grid_id is None
    assert location.village_code == tree.village_b2.code
    assert location.region_code == tree.village_b2.code


def test_smallest_code_wins_when_point_on_shared_edge(tree):
    # The edge between micro-grids m1 and m2.
    assert locator.locate(27.005, 111.005).grid_code == tree.m1.code
    # The edge between h1 and h2 (same depth, no micro-grids).
    assert locator.locate(27.005, 111.015).grid_code == tree.h1.code
    # The edge between villages A1 and A2, beside grid g2 and grid h3.
    assert locator.locate(27.015, 111.01).grid_code == tree.g2.code


def test_smallest_code_wins_when_point_on_corner_of_four_grids(tree):
    assert locator.locate(27.01, 111.015).grid_code == tree.h1.code


def test_deepest_grid_wins_when_point_on_edge_between_grid_and_micro_grid(tree):
    # On the edge between g2 (depth 1) and m2 (depth 2): the micro-grid is smaller.
    assert locator.locate(27.01, 111.007).grid_code == tree.m2.code


def test_smallest_village_wins_when_point_on_edge_between_villages_without_grids(tree):
    # B1 and B2 have no grids; their shared edge goes to the smaller code.
    location = locator.locate(27.01, 111.03)

    assert location.grid_code is None
    assert location.village_code == tree.village_b1.code


def test_outside_jurisdiction_raised_when_point_outside_every_village(tree):
    with pytest.raises(OutsideJurisdiction):
        locator.locate(30.0, 120.0)


def test_outside_jurisdiction_raised_when_there_are_no_regions(db):
    with pytest.raises(OutsideJurisdiction):
        locator.locate(27.0, 111.0)


@pytest.mark.parametrize(
    ("lat", "lng", "field"),
    [
        (91, 111.0, "lat"),
        (-90.5, 111.0, "lat"),
        (27.0, 180.5, "lng"),
        (float("nan"), 1, "lat"),
        ("north", 111.0, "lat"),
    ],
)
def test_validation_failed_when_coordinates_out_of_range(db, lat, lng, field):
    with pytest.raises(ValidationFailed) as caught:
        locator.locate(lat, lng)
    assert caught.value.field == field


def test_swap_hinted_when_latitude_and_longitude_are_swapped(db):
    with pytest.raises(ValidationFailed, match="swapped"):
        locator.locate(111.0, 27.0)


def test_locate_finds_new_grid_when_grid_added_after_index_built(
    tree, django_capture_on_commit_callbacks
):
    assert locator.locate(27.005, 111.035).grid_code is None

    with django_capture_on_commit_callbacks(execute=True):
        grid = services.grid_create(
            village=tree.village_b2, name="B2 grid 1", boundary=square(111.03, 27.0, 111.04, 27.01)
        )

    assert locator.locate(27.005, 111.035).grid_code == grid.code


def test_index_rebuilt_when_another_process_bumps_the_shared_version(tree):
    assert locator.locate(27.005, 111.035).grid_code is None
    # Another process wrote a grid and bumped the shared counter; ours did neither.
    grid = Grid.objects.create(
        code="430521200202001",
        name="B2 grid 1",
        kind="comprehensive",
        village=tree.village_b2,
        boundary=square(111.03, 27.0, 111.04, 27.01),
    )
    cache.incr(locator.VERSION_KEY)

    assert locator.locate(27.005, 111.035).grid_code == grid.code


def test_index_rebuilt_when_shared_version_was_evicted(tree):
    locator.locate(27.005, 111.035)
    Grid.objects.create(
        code="430521200202001",
        name="B2 grid 1",
        kind="comprehensive",
        village=tree.village_b2,
        boundary=square(111.03, 27.0, 111.04, 27.01),
    )
    cache.delete(locator.VERSION_KEY)

    assert locator.locate(27.005, 111.035).grid_code == "430521200202001"


def test_grids_changed_recreates_counter_when_key_missing(db):
    cache.delete(locator.VERSION_KEY)
    locator.grids_changed()
    first = cache.get(locator.VERSION_KEY)
    locator.grids_changed()

    assert cache.get(locator.VERSION_KEY) == first + 1


def test_locate_many_matches_locate_when_points_mixed(tree):
    points = [
        (27.005, 111.002),  # m1
        (27.01, 111.015),  # corner of four
        (27.01, 111.035),  # village B2 only
        (30.0, 120.0),  # outside
        (27.005, 111.005),  # edge m1 | m2
        (27.015, 111.005),  # g2
    ]

    located = locator.locate_many(points)

    assert located[3] is None
    for (lat, lng), location in zip(points, located, strict=True):
        if location is not None:
            assert location == locator.locate(lat, lng)


def test_locate_many_returns_empty_list_when_no_points(db):
    assert locator.locate_many([]) == []


def test_locate_many_names_the_point_when_one_is_invalid(db):
    with pytest.raises(ValidationFailed, match="Point 2") as caught:
        locator.locate_many([(27.0, 111.0), (27.0, 200.0)])
    assert caught.value.field == "lng"


def test_broken_stored_boundary_skipped_when_building_index(tree):
    Grid.objects.filter(pk=tree.h1.pk).update(boundary={"type": "Polygon", "coordinates": "x"})
    locator.grids_changed()

    # h1 is unreadable, so the point on the corner of four goes to the next smallest code.
    assert locator.locate(27.01, 111.015).grid_code == tree.h2.code
