"""Tests for the re-location helpers: keyset batches and which rows moved."""

from fengqiao.regions import relocate, services
from fengqiao.regions.models import Grid

from .conftest import square


def test_pk_batches_cover_every_row_once_when_batches_are_small(tree):
    batches = list(relocate.pk_batches(Grid.objects.all(), batch_size=3))

    assert [len(batch) for batch in batches] == [3, 3, 2]
    assert sum(batches, []) == sorted(Grid.objects.values_list("pk", flat=True))


def test_moves_lists_only_rows_whose_grid_changed_when_grids_are_redrawn(
    tree, django_capture_on_commit_callbacks
):
    village = tree.village_a2.pk
    rows = [
        # In h1 and recorded there: stays.
        (1, 27.005, 111.012, village, tree.h1.pk, tree.h1.code),
        # In h2 (east of 111.015) but recorded in h1: moves now already.
        (2, 27.005, 111.017, village, tree.h1.pk, tree.h1.code),
        # Outside every village: counted, never moved.
        (3, 30.0, 120.0, village, tree.h1.pk, tree.h1.code),
    ]
    counts = relocate.RelocationCounts()

    assert [move.pk for move in relocate.moves(rows, counts)] == [2]

    # Redraw: h1 shrinks to its west half, h2 grows over the freed strip.
    with django_capture_on_commit_callbacks(execute=True):
        services.grid_update_boundary(grid=tree.h1, boundary=square(111.01, 27.0, 111.011, 27.01))
        services.grid_update_boundary(grid=tree.h2, boundary=square(111.011, 27.0, 111.02, 27.01))
    found = relocate.moves(rows, counts)

    assert [(move.pk, move.region_code, move.location.grid_code) for move in found] == [
        (1, tree.h1.code, tree.h2.code),
        (2, tree.h1.code, tree.h2.code),
    ]
    assert counts.as_dict() == {"checked": 6, "moved": 3, "outside": 2}


def test_moves_is_empty_when_no_rows(db):
    assert relocate.moves([], relocate.RelocationCounts()) == []
