"""The code-prefix rules of core.scoping, on plain stand-ins for an account (no database)."""

from types import SimpleNamespace

from fengqiao.core.scoping import around_q, code_within, contains, enclosing_codes, reaches_part_of

VILLAGE = "439901100201"
GRID = VILLAGE + "001"
MICRO = GRID + "01"


def _actor(prefixes):
    return SimpleNamespace(is_authenticated=True, scope_prefixes=lambda: prefixes)


def test_contains_is_nesting_by_prefix_not_equality_of_length():
    assert contains(VILLAGE, GRID)
    assert contains(GRID, GRID)
    assert not contains(GRID, VILLAGE)
    assert not contains("439901100202", GRID)


def test_reaches_part_of_counts_the_area_around_and_inside_the_jurisdiction():
    micro_worker = _actor([MICRO])
    assert reaches_part_of(micro_worker, GRID)  # a micro-grid of theirs lies in the grid
    assert reaches_part_of(micro_worker, MICRO + "7")
    assert not code_within(micro_worker, GRID)  # ... but the grid is not theirs
    assert not reaches_part_of(micro_worker, VILLAGE[:-1] + "9")
    assert not reaches_part_of(_actor([]), GRID)
    assert reaches_part_of(_actor(None), GRID)  # a superuser reaches everything


def test_around_q_reaches_the_areas_that_contain_the_jurisdiction():
    assert enclosing_codes(GRID)[:2] == ["43", "439"]
    text = str(around_q([GRID]))
    assert "region_code__startswith" in text and VILLAGE in text
