"""Tests for region and grid writes."""

import pytest

from fengqiao.core.errors import Conflict, ValidationFailed
from fengqiao.regions import locator, services
from fengqiao.regions.models import Grid, Region

from .conftest import square

BOWTIE = {
    "type": "Polygon",
    "coordinates": [
        [[111.0, 27.0], [111.01, 27.01], [111.01, 27.0], [111.0, 27.01], [111.0, 27.0]]
    ],
}


# --- regions ----------------------------------------------------------------------------------


def test_level_kind_and_centroid_derived_when_region_created(db):
    county = services.region_create(
        code="430521", name="County", boundary=square(111.0, 27.0, 111.04, 27.02)
    )

    assert county.code == "430521000000"
    assert county.level == Region.Level.COUNTY
    assert county.kind == Region.Kind.COUNTY
    assert county.parent is None
    assert county.centroid_lng == pytest.approx(111.02)
    assert county.centroid_lat == pytest.approx(27.01)


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("430521001", "subdistrict"),
        ("430521100", "town"),
        ("430521200", "township"),
        ("430521100001", "community"),
        ("430521100201", "village"),
        ("430521400", "township"),
    ],
)
def test_kind_follows_code_digits_when_kind_not_given(db, code, kind):
    assert services.region_create(code=code, name="x").kind == kind


def test_parent_attached_when_parent_exists_but_not_given(tree):
    village = services.region_create(code="430521100203", name="Village A3")

    assert village.parent == tree.town_a


def test_orphans_adopted_when_parent_created_after_children(db):
    township = services.region_create(code="430521100", name="Town")
    county = services.region_create(code="430521", name="County")

    township.refresh_from_db()
    assert township.parent == county


def test_validation_failed_when_parent_does_not_match_code(tree):
    with pytest.raises(ValidationFailed) as caught:
        services.region_create(code="430521100203", name="Village", parent=tree.township_b)
    assert caught.value.field == "parent"


@pytest.mark.parametrize("code", ["", "43052", "abc", "000000", "430521100201001"])
def test_validation_failed_when_region_code_bad(db, code):
    with pytest.raises(ValidationFailed) as caught:
        services.region_create(code=code, name="x")
    assert caught.value.field == "code"


def test_validation_failed_when_kind_does_not_fit_level(db):
    with pytest.raises(ValidationFailed) as caught:
        services.region_create(code="430521100", name="Town", kind="village")
    assert caught.value.field == "kind"


def test_validation_failed_when_name_blank(db):
    with pytest.raises(ValidationFailed) as caught:
        services.region_create(code="430521", name="  ")
    assert caught.value.field == "name"


def test_conflict_when_region_code_taken(tree):
    with pytest.raises(Conflict):
        services.region_create(code="430521100201", name="Again")


@pytest.mark.parametrize(
    ("boundary", "message"),
    [
        (BOWTIE, "Self-intersection"),
        ({"type": "Point", "coordinates": [111.0, 27.0]}, "Polygon or MultiPolygon"),
        ({"type": "Polygon", "coordinates": [[[111.0, 27.0], [111.1, 27.0]]]}, "malformed"),
        ({"type": "Polygon"}, "malformed"),
        (square(27.0, 111.0, 27.01, 111.01), r"\[longitude, latitude\]"),
        ("not a dict", "GeoJSON geometry object"),
        ({"type": "Polygon", "coordinates": []}, "empty"),
    ],
)
def test_validation_failed_when_boundary_bad(db, boundary, message):
    with pytest.raises(ValidationFailed, match=message) as caught:
        services.region_create(code="430521", name="County", boundary=boundary)
    assert caught.value.field == "boundary"


def test_multipolygon_accepted_when_valid(db):
    region = services.region_create(
        code="430521",
        name="County with an enclave",
        boundary={
            "type": "MultiPolygon",
            "coordinates": [
                square(111.0, 27.0, 111.01, 27.01)["coordinates"],
                square(111.02, 27.0, 111.03, 27.01)["coordinates"],
            ],
        },
    )

    assert region.boundary["type"] == "MultiPolygon"


# --- grids ------------------------------------------------------------------------------------


def test_next_serial_assigned_when_grid_code_not_given(tree):
    grid = services.grid_create(
        village=tree.village_b1, name="B1 grid", boundary=square(111.02, 27.0, 111.03, 27.01)
    )
    micro = services.grid_create(
        village=tree.village_b1,
        parent=grid,
        name="B1 micro",
        boundary=square(111.02, 27.0, 111.025, 27.01),
    )

    assert grid.code == "430521200201001"
    assert grid.depth == 1
    assert grid.kind == Grid.Kind.COMPREHENSIVE
    assert micro.code == "43052120020100101"
    assert micro.depth == 2
    assert micro.kind == Grid.Kind.MICRO


def test_serial_not_reused_when_earlier_grid_deleted(tree):
    tree.h4.delete()
    tree.h2.delete()
    grid = services.grid_create(
        village=tree.village_a2, name="Again", boundary=square(111.015, 27.01, 111.02, 27.02)
    )

    assert grid.code == "430521100202004"


def test_given_code_used_when_it_sits_under_the_village(tree):
    grid = services.grid_create(
        village=tree.village_b1,
        code="430521200201007",
        name="Seven",
        boundary=square(111.02, 27.0, 111.03, 27.01),
    )

    assert grid.code == "430521200201007"


def test_validation_failed_when_given_code_belongs_to_another_village(tree):
    with pytest.raises(ValidationFailed) as caught:
        services.grid_create(
            village=tree.village_b1,
            code="430521200202001",
            name="Wrong",
            boundary=square(111.02, 27.0, 111.03, 27.01),
        )
    assert caught.value.field == "code"


def test_conflict_when_given_grid_code_taken(tree):
    with pytest.raises(Conflict):
        services.grid_create(
            village=tree.village_a1,
            code=tree.g1.code,
            name="Again",
            boundary=square(111.0, 27.0, 111.01, 27.01),
        )


def test_validation_failed_when_grid_outside_village(tree):
    with pytest.raises(ValidationFailed, match=r"Village B1 .*50\.0%") as caught:
        services.grid_create(
            village=tree.village_b1,
            name="Spills over",
            boundary=square(111.025, 27.0, 111.035, 27.01),
        )
    assert caught.value.field == "boundary"


def test_grid_accepted_when_it_follows_the_village_edge_within_tolerance(tree):
    grid = services.grid_create(
        village=tree.village_b1,
        name="Edge noise",
        boundary=square(111.02 - 1e-11, 27.0, 111.03 + 1e-11, 27.01),
    )

    assert grid.pk


def test_validation_failed_when_grid_overlaps_sibling(tree):
    with pytest.raises(ValidationFailed, match=tree.g1.code) as caught:
        services.grid_create(
            village=tree.village_a1,
            name="Overlaps g1 and g2",
            boundary=square(111.0, 27.005, 111.002, 27.015),
        )
    assert caught.value.field == "boundary"


def test_grid_accepted_when_it_only_touches_siblings(tree):
    services.grid_create(
        village=tree.village_b1, name="Lower", boundary=square(111.02, 27.0, 111.03, 27.01)
    )
    upper = services.grid_create(
        village=tree.village_b1, name="Upper", boundary=square(111.02, 27.01, 111.03, 27.02)
    )

    assert upper.code.endswith("002")


def test_validation_failed_when_micro_grid_outside_parent_grid(tree):
    with pytest.raises(ValidationFailed, match=tree.g2.code):
        services.grid_create(
            village=tree.village_a1,
            parent=tree.g2,
            name="Leaks",
            boundary=square(111.0, 27.005, 111.005, 27.015),
        )


def test_validation_failed_when_grid_placed_under_a_township(tree):
    with pytest.raises(ValidationFailed) as caught:
        services.grid_create(
            village=tree.town_a, name="x", boundary=square(111.0, 27.0, 111.01, 27.01)
        )
    assert caught.value.field == "village"


def test_validation_failed_when_parent_grid_in_another_village(tree):
    with pytest.raises(ValidationFailed) as caught:
        services.grid_create(
            village=tree.village_a2,
            parent=tree.g1,
            name="x",
            boundary=square(111.0, 27.0, 111.01, 27.01),
        )
    assert caught.value.field == "parent"


def test_validation_failed_when_grid_has_no_boundary(tree):
    with pytest.raises(ValidationFailed) as caught:
        services.grid_create(village=tree.village_b1, name="x", boundary=None)
    assert caught.value.field == "boundary"


def test_validation_failed_when_grid_kind_unknown(tree):
    with pytest.raises(ValidationFailed) as caught:
        services.grid_create(
            village=tree.village_b1,
            name="x",
            kind="huge",
            boundary=square(111.02, 27.0, 111.03, 27.01),
        )
    assert caught.value.field == "kind"


def test_locator_told_when_grid_created(tree, django_capture_on_commit_callbacks, monkeypatch):
    calls = []
    monkeypatch.setattr(locator, "grids_changed", lambda: calls.append(1))

    with django_capture_on_commit_callbacks() as callbacks:
        services.grid_create(
            village=tree.village_b1, name="x", boundary=square(111.02, 27.0, 111.03, 27.01)
        )
    assert calls == []  # not before commit
    for callback in callbacks:
        callback()

    assert calls == [1]


def test_boundary_and_centroid_updated_when_grid_redrawn(tree, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        grid = services.grid_update_boundary(
            grid=tree.h2, boundary=square(111.015, 27.0, 111.02, 27.005)
        )

    grid.refresh_from_db()
    assert grid.centroid_lat == pytest.approx(27.0025)
    assert locator.locate(27.007, 111.017).grid_code is None


def test_validation_failed_when_redrawn_grid_overlaps_sibling(tree):
    with pytest.raises(ValidationFailed, match=tree.h1.code):
        services.grid_update_boundary(grid=tree.h2, boundary=square(111.012, 27.0, 111.02, 27.01))


def test_validation_failed_when_redrawn_grid_would_leave_micro_grid_outside(tree):
    with pytest.raises(ValidationFailed, match=tree.m2.code):
        services.grid_update_boundary(grid=tree.g1, boundary=square(111.0, 27.0, 111.007, 27.01))


def test_validation_failed_when_redrawn_grid_leaves_village(tree):
    with pytest.raises(ValidationFailed, match="Village A2"):
        services.grid_update_boundary(grid=tree.h2, boundary=square(111.015, 27.0, 111.025, 27.01))
