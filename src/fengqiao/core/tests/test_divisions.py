"""Tests for administrative division and grid code arithmetic."""

import pytest

from fengqiao.core.divisions import (
    DivisionCodeError,
    Level,
    ancestors,
    child_code,
    gb2260,
    is_within,
    level_of,
    normalize,
    parent_of,
    parse_level,
    prefix_of,
    township_kind,
    village_kind,
)

# Hunan 43 / Huaihua 4312 / Hecheng district 431202 / a town 100 / a village 201.
PROVINCE = "430000000000"
CITY = "431200000000"
COUNTY = "431202000000"
TOWN = "431202100000"
VILLAGE = "431202100201"
GRID = "431202100201001"
MICRO = "43120210020100102"
MICRO_2 = "4312021002010010203"
# Dongguan has no counties: its towns sit directly below the city.
DONGGUAN = "441900000000"
DONGGUAN_SUBDISTRICT = "441900003000"


def _error_code(func, *args) -> str:
    with pytest.raises(DivisionCodeError) as caught:
        func(*args)
    return caught.value.code


# -- Level -----------------------------------------------------------------------------------


def test_level_ranks_run_from_zero_when_listed_top_down():
    assert [level.rank for level in Level] == list(range(7))
    assert Level.PROVINCE.rank == 0
    assert Level.MICRO_GRID.rank == 6


def test_levels_compare_by_depth_when_not_by_alphabet():
    assert Level.PROVINCE < Level.CITY < Level.COUNTY < Level.TOWNSHIP
    assert Level.TOWNSHIP < Level.VILLAGE < Level.GRID < Level.MICRO_GRID
    assert Level.GRID >= Level.GRID
    assert not Level.CITY <= Level.PROVINCE
    assert sorted([Level.GRID, Level.PROVINCE, Level.VILLAGE, Level.CITY]) == [
        Level.PROVINCE,
        Level.CITY,
        Level.VILLAGE,
        Level.GRID,
    ]


def test_levels_compare_by_depth_when_other_side_is_a_plain_string():
    assert Level.PROVINCE < "city"
    assert Level.GRID > "village"


def test_level_comparison_raises_when_string_is_not_a_level():
    with pytest.raises(DivisionCodeError) as caught:
        _ = Level.CITY < "borough"
    assert caught.value.code == "unknown_level"


def test_level_comparison_raises_type_error_when_other_side_is_a_number():
    with pytest.raises(TypeError):
        _ = Level.CITY < 3


def test_level_equals_and_hashes_like_its_value_when_used_as_a_string():
    assert Level.VILLAGE == "village"
    assert {Level.VILLAGE: 1}["village"] == 1
    assert f"{Level.MICRO_GRID}" == "micro_grid"


def test_parse_level_returns_member_when_value_is_known():
    assert parse_level("township") is Level.TOWNSHIP


def test_parse_level_raises_unknown_level_when_value_is_unknown():
    assert _error_code(parse_level, "hamlet") == "unknown_level"


# -- normalize -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("43", PROVINCE),
        ("4312", CITY),
        ("431202", COUNTY),
        ("431202100", TOWN),
        ("431202100201", VILLAGE),
        ("430000", PROVINCE),
        (" 431202 ", COUNTY),
        (GRID, GRID),
        (MICRO, MICRO),
        (MICRO_2, MICRO_2),
    ],
)
def test_normalize_pads_to_twelve_digits_when_given_a_region_prefix(raw, canonical):
    assert normalize(raw) == canonical


@pytest.mark.parametrize("raw", ["43a", "4312-02", "４３１２", "43 12", "-43"])
def test_normalize_raises_bad_characters_when_code_has_non_digits(raw):
    assert _error_code(normalize, raw) == "bad_characters"


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "4",
        "431",
        "43120",
        "4312021",
        "43120210",
        "4312021002",
        "43120210020",
        "4312021002010",
        "43120210020100",
        "4312021002010010",
    ],
)
def test_normalize_raises_bad_length_when_length_is_not_a_known_form(raw):
    assert _error_code(normalize, raw) == "bad_length"


@pytest.mark.parametrize(
    "raw",
    [
        "00",  # no province
        "000000000000",
        "430002",  # zero city, non-zero county
        "430000100000",  # zero city, non-zero township
        "431202000201",  # zero township, non-zero village
        "431202100000001",  # grid below a township, not a village
        "431202100201000",  # grid serial 000
        "43120210020100100",  # micro-grid serial 00
        "4312021002010010003",  # deeper micro-grid serial 00
    ],
)
def test_normalize_raises_bad_structure_when_hierarchy_has_gaps(raw):
    assert _error_code(normalize, raw) == "bad_structure"


def test_normalize_accepts_a_township_under_a_zero_county_when_city_has_no_counties():
    assert normalize("441900003") == DONGGUAN_SUBDISTRICT


def test_error_has_code_and_message_when_raised():
    with pytest.raises(DivisionCodeError) as caught:
        normalize("43x")
    assert caught.value.code == "bad_characters"
    assert str(caught.value) == caught.value.message
    assert isinstance(caught.value, ValueError)


# -- level_of --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "level"),
    [
        ("43", Level.PROVINCE),
        (PROVINCE, Level.PROVINCE),
        (CITY, Level.CITY),
        ("1101", Level.CITY),  # Beijing municipal districts
        ("429004", Level.COUNTY),  # Xiantao, a county-level city directly under Hubei
        (COUNTY, Level.COUNTY),
        (TOWN, Level.TOWNSHIP),
        (DONGGUAN_SUBDISTRICT, Level.TOWNSHIP),
        (VILLAGE, Level.VILLAGE),
        (GRID, Level.GRID),
        (MICRO, Level.MICRO_GRID),
        (MICRO_2, Level.MICRO_GRID),
    ],
)
def test_level_of_reads_trailing_zeros_and_length_when_given_a_code(code, level):
    assert level_of(code) is level


# -- parent_of and ancestors -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "parent"),
    [
        (PROVINCE, None),
        (CITY, PROVINCE),
        (COUNTY, CITY),
        (TOWN, COUNTY),
        (VILLAGE, TOWN),
        (GRID, VILLAGE),
        (MICRO, GRID),
        (MICRO_2, MICRO),
        ("4312", PROVINCE),
        (DONGGUAN_SUBDISTRICT, DONGGUAN),
        ("441900003001", DONGGUAN_SUBDISTRICT),
    ],
)
def test_parent_of_steps_up_one_level_when_given_a_code(code, parent):
    assert parent_of(code) == parent


def test_ancestors_lists_root_first_without_the_code_when_given_a_micro_grid():
    assert ancestors(MICRO_2) == [PROVINCE, CITY, COUNTY, TOWN, VILLAGE, GRID, MICRO]


def test_ancestors_is_empty_when_code_is_a_province():
    assert ancestors("43") == []


def test_ancestors_skips_the_missing_county_when_city_has_no_counties():
    assert ancestors("441900003001") == ["440000000000", DONGGUAN, DONGGUAN_SUBDISTRICT]


# -- prefix_of and is_within -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "prefix"),
    [
        (PROVINCE, "43"),
        (CITY, "4312"),
        (COUNTY, "431202"),
        (TOWN, "431202100"),
        (VILLAGE, VILLAGE),
        (GRID, GRID),
        (MICRO, MICRO),
        ("431202", "431202"),
        (DONGGUAN_SUBDISTRICT, "441900003"),
    ],
)
def test_prefix_of_keeps_only_significant_digits_when_given_a_code(code, prefix):
    assert prefix_of(code) == prefix


def test_prefix_is_shared_by_every_descendant_when_walking_down_the_tree():
    chain = [*ancestors(MICRO_2), MICRO_2]
    for depth, outer in enumerate(chain):
        for inner in chain[depth:]:
            assert inner.startswith(prefix_of(outer))


def test_prefix_excludes_siblings_when_codes_share_leading_digits():
    sibling_county = "431221000000"  # shares "4312" but is a different county
    assert not sibling_county.startswith(prefix_of(COUNTY))
    sibling_grid = "431202100201011"
    assert not sibling_grid.startswith(prefix_of(GRID))


@pytest.mark.parametrize(
    ("inner", "outer"),
    [
        (VILLAGE, "43"),
        (VILLAGE, CITY),
        (GRID, COUNTY),
        (MICRO_2, TOWN),
        (MICRO, GRID),
        ("431202100", "431202"),
        (DONGGUAN_SUBDISTRICT, "4419"),
    ],
)
def test_is_within_returns_true_when_inner_lies_below_outer(inner, outer):
    assert is_within(inner, outer)


@pytest.mark.parametrize(
    ("inner", "outer"),
    [
        (CITY, COUNTY),  # the wrong way round
        (VILLAGE, "431221"),
        (GRID, "431202100202"),
        ("440300000000", "43"),
        ("431202100201002", GRID),
    ],
)
def test_is_within_returns_false_when_inner_lies_elsewhere(inner, outer):
    assert not is_within(inner, outer)


def test_is_within_counts_a_unit_inside_itself_when_not_strict():
    assert is_within(COUNTY, "431202")
    assert is_within(GRID, GRID)


def test_is_within_excludes_the_unit_itself_when_strict():
    assert not is_within(COUNTY, "431202", strict=True)
    assert is_within(TOWN, "431202", strict=True)


# -- gb2260 and kinds ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "expected"),
    [("43", "430000"), (CITY, "431200"), (VILLAGE, "431202"), (MICRO, "431202")],
)
def test_gb2260_returns_six_digits_when_given_any_code(code, expected):
    assert gb2260(code) == expected


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("431202001", "subdistrict"),
        ("431202099", "subdistrict"),
        ("431202100", "town"),
        ("431202199", "town"),
        ("431202200", "township"),
        ("431202399", "township"),
        ("431202400", "other"),  # development zones, farms
        (VILLAGE, "town"),
        (GRID, "town"),
    ],
)
def test_township_kind_follows_serial_ranges_when_given_township_or_below(code, kind):
    assert township_kind(code) == kind


@pytest.mark.parametrize("code", ["43", CITY, COUNTY])
def test_township_kind_raises_wrong_level_when_code_is_above_township(code):
    assert _error_code(township_kind, code) == "wrong_level"


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("431202001001", "community"),
        ("431202100199", "community"),
        ("431202100200", "village"),
        ("431202100399", "village"),
        ("431202100400", "other"),
        (GRID, "village"),
    ],
)
def test_village_kind_follows_serial_ranges_when_given_village_or_below(code, kind):
    assert village_kind(code) == kind


def test_village_kind_raises_wrong_level_when_code_is_a_township():
    assert _error_code(village_kind, TOWN) == "wrong_level"


# -- child_code ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("parent", "serial", "child"),
    [
        ("43", 12, CITY),
        ("4312", 2, COUNTY),
        ("431202", 1, "431202001000"),
        ("431202", 100, TOWN),
        ("431202", 399, "431202399000"),
        (TOWN, 201, VILLAGE),
        (TOWN, 1, "431202100001"),
        (VILLAGE, 1, GRID),
        (VILLAGE, 999, "431202100201999"),
        (GRID, 2, MICRO),
        (MICRO, 3, MICRO_2),
        (MICRO_2, 99, MICRO_2 + "99"),
        (DONGGUAN, 1, "441901000000"),
    ],
)
def test_child_code_appends_serial_at_next_level_when_in_range(parent, serial, child):
    assert child_code(parent, serial) == child


def test_child_code_round_trips_through_parent_of_when_walking_down_and_up():
    code = "43"
    for serial in (12, 2, 100, 201, 1, 2, 3):
        child = child_code(code, serial)
        assert parent_of(child) == normalize(code)
        assert level_of(child) > level_of(code) or level_of(child) is Level.MICRO_GRID
        code = child
    assert code == MICRO_2


@pytest.mark.parametrize(
    ("parent", "serial"),
    [
        ("43", 0),
        ("43", 100),
        ("4312", 100),
        (COUNTY, 0),
        (COUNTY, 400),
        (TOWN, 400),
        (VILLAGE, 0),
        (VILLAGE, 1000),
        (GRID, 100),
        (MICRO, 0),
        (VILLAGE, True),
        (VILLAGE, "1"),
    ],
)
def test_child_code_raises_out_of_range_when_serial_does_not_fit(parent, serial):
    assert _error_code(child_code, parent, serial) == "out_of_range"


def test_child_code_raises_when_parent_code_is_malformed():
    assert _error_code(child_code, "43120", 1) == "bad_length"
