"""Tests for resident ID number parsing, validation and masking."""

from datetime import date

import pytest

from fengqiao.core.idnumbers import (
    IdNumber,
    IdNumberError,
    check_character,
    is_valid_id_number,
    make_id_number,
    mask_id_number,
    mask_phone,
    parse_id_number,
)

FAMOUS = "11010519491231002X"  # the widely cited example number
TODAY = date(2025, 6, 1)
# The ends of each range of province prefixes, and the gaps just beside them.
PROVINCE_PREFIXES = [str(n) for n in (11, 15, 21, 23, 31, 37, 41, 46, 50, 54, 61, 65, 71, 81, 83)]
NON_PROVINCE_PREFIXES = [
    f"{n:02d}" for n in (0, 10, 16, 20, 24, 30, 38, 40, 47, 55, 60, 66, 72, 84)
]


def _with_check(first17: str) -> str:
    return first17 + check_character(first17)


def _error_code(raw: str, *, today: date = TODAY) -> str:
    with pytest.raises(IdNumberError) as caught:
        parse_id_number(raw, today=today)
    return caught.value.code


# -- check character -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first17", "expected"),
    [
        ("11010519491231002", "X"),
        ("44052418800101001", "4"),
        ("43120219900101123", "4"),
    ],
)
def test_check_character_matches_mod_11_2_when_given_17_digits(first17, expected):
    assert check_character(first17) == expected


@pytest.mark.parametrize("first17", ["1101051949123100", "110105194912310021", "1101051949123100X"])
def test_check_character_raises_when_input_is_not_17_digits(first17):
    with pytest.raises(IdNumberError) as caught:
        check_character(first17)
    assert caught.value.code == "bad_characters"


def test_check_character_covers_every_remainder_when_sequence_varies():
    seen = {check_character(f"11010519491231{n:03d}") for n in range(200)}
    assert seen == set("10X98765432")


# -- parsing valid numbers -------------------------------------------------------------------


def test_parse_extracts_fields_when_number_is_the_standard_example():
    parsed = parse_id_number(FAMOUS, today=TODAY)
    assert parsed == IdNumber(
        number=FAMOUS,
        region_code="110105",
        birth_date=date(1949, 12, 31),
        sequence="002",
        sex="F",
    )


def test_parse_reports_male_when_sequence_is_odd():
    number = _with_check("43120219900101123")
    parsed = parse_id_number(number, today=TODAY)
    assert parsed.sex == "M"
    assert parsed.sequence == "123"


def test_parse_accepts_lowercase_x_and_whitespace_when_pasted_sloppily():
    assert parse_id_number("  110105 19491231 002x\n", today=TODAY).number == FAMOUS


def test_parse_accepts_full_width_characters_when_typed_with_a_chinese_ime():
    full_width = "１１０１０５１９４９１２３１００２Ｘ"
    assert parse_id_number(full_width, today=TODAY).number == FAMOUS


def test_parse_converts_to_18_characters_when_number_is_legacy_15_digits():
    parsed = parse_id_number("110105491231002", today=TODAY)
    assert parsed.number == FAMOUS
    assert parsed.birth_date == date(1949, 12, 31)
    assert parsed.sex == "F"


def test_parse_appends_a_fresh_check_character_when_converting_a_legacy_number():
    parsed = parse_id_number("431202900101123", today=TODAY)
    assert parsed.number == "431202199001011234"
    assert parsed.sex == "M"


def test_parse_accepts_leap_day_when_year_is_a_leap_year():
    number = _with_check("43120220000229001")
    assert parse_id_number(number, today=TODAY).birth_date == date(2000, 2, 29)


def test_parse_accepts_birth_today_when_child_was_just_born():
    number = _with_check("43120220250601002")
    assert parse_id_number(number, today=TODAY).birth_date == TODAY


@pytest.mark.parametrize("prefix", PROVINCE_PREFIXES)
def test_parse_accepts_region_when_prefix_is_a_province(prefix):
    number = _with_check(f"{prefix}010219900101001")
    assert parse_id_number(number, today=TODAY).region_code == f"{prefix}0102"


# -- error codes -----------------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["", "   ", "\t\n"])
def test_parse_raises_empty_when_input_is_blank(raw):
    assert _error_code(raw) == "empty"


def test_parse_raises_empty_when_input_is_none():
    assert _error_code(None) == "empty"  # type: ignore[arg-type]


@pytest.mark.parametrize("raw", ["11010519491231002", "11010519491231002X1", "1101054912310"])
def test_parse_raises_bad_length_when_length_is_neither_15_nor_18(raw):
    assert _error_code(raw) == "bad_length"


def test_error_message_names_the_length_when_length_is_wrong():
    with pytest.raises(IdNumberError) as caught:
        parse_id_number("11010519491231002")
    assert str(caught.value) == "ID number must be 18 characters, got 17"
    assert caught.value.message == str(caught.value)


@pytest.mark.parametrize(
    "raw",
    [
        "1101051949123100XX",  # X only allowed last
        "X1010519491231002X",
        "11010519491231002Y",
        "11010519491231-02X",
        "11010549123100X",  # legacy numbers are all digits
    ],
)
def test_parse_raises_bad_characters_when_non_digits_appear(raw):
    assert _error_code(raw) == "bad_characters"


@pytest.mark.parametrize("last", ["0", "1", "9"])
def test_parse_raises_bad_check_digit_when_last_character_is_wrong(last):
    with pytest.raises(IdNumberError) as caught:
        parse_id_number(FAMOUS[:17] + last, today=TODAY)
    assert caught.value.code == "bad_check_digit"
    assert "should be X" in caught.value.message


def test_parse_raises_bad_check_digit_when_two_digits_are_swapped():
    swapped = "11010519491321002X"  # ...1231... -> ...1321...
    assert _error_code(swapped) == "bad_check_digit"


@pytest.mark.parametrize(
    "first17",
    [
        "43120219900230001",  # 30 February
        "43120219901301001",  # month 13
        "43120219900100001",  # day 0
        "43120220010229001",  # 2001 is not a leap year
    ],
)
def test_parse_raises_bad_birth_date_when_date_does_not_exist(first17):
    assert _error_code(_with_check(first17)) == "bad_birth_date"


def test_parse_raises_bad_birth_date_when_born_before_1900():
    assert _error_code("440524188001010014") == "bad_birth_date"


def test_parse_accepts_birth_date_when_born_on_1900_01_01():
    number = _with_check("43120219000101001")
    assert parse_id_number(number, today=TODAY).birth_date == date(1900, 1, 1)


def test_parse_raises_bad_birth_date_when_legacy_number_has_impossible_date():
    assert _error_code("110105490231002") == "bad_birth_date"


def test_parse_raises_future_birth_date_when_born_after_today():
    assert _error_code(_with_check("43120220250602001")) == "future_birth_date"


def test_parse_raises_future_birth_date_when_year_is_far_ahead_of_the_real_clock():
    assert _error_code(_with_check("43120220990101001"), today=None) == "future_birth_date"


@pytest.mark.parametrize("prefix", NON_PROVINCE_PREFIXES)
def test_parse_raises_bad_region_when_prefix_is_not_a_province(prefix):
    assert _error_code(_with_check(f"{prefix}010219900101001")) == "bad_region"


def test_error_is_a_value_error_when_caught_generically():
    with pytest.raises(ValueError, match="check character"):
        parse_id_number(FAMOUS[:17] + "1", today=TODAY)


# -- is_valid_id_number ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "valid"),
    [
        (FAMOUS, True),
        ("110105491231002", True),
        ("110105194912310021", False),
        ("", False),
        ("abc", False),
    ],
)
def test_is_valid_reflects_parse_outcome_when_given_various_inputs(raw, valid):
    assert is_valid_id_number(raw, today=TODAY) is valid


# -- masking ---------------------------------------------------------------------------------


def test_masked_keeps_region_and_check_character_when_number_is_18_long():
    parsed = parse_id_number(_with_check("43120219900101123"), today=TODAY)
    assert parsed.masked == "431202***********4"
    assert parsed.masked[:6] + parsed.masked[-1] == parsed.number[:6] + parsed.number[-1]


def test_mask_id_number_matches_masked_property_when_given_a_valid_number():
    assert mask_id_number(FAMOUS) == "110105***********X"
    assert mask_id_number(FAMOUS) == parse_id_number(FAMOUS, today=TODAY).masked


def test_mask_id_number_hides_birth_date_and_sequence_when_number_is_legacy_15_digits():
    assert mask_id_number("110105491231002") == "110105********2"


@pytest.mark.parametrize(
    ("raw", "masked"),
    [("", ""), ("1234", "****"), ("12345678", "********"), ("123456789012", "*" * 12)],
)
def test_mask_id_number_hides_everything_when_input_is_twelve_characters_or_fewer(raw, masked):
    assert mask_id_number(raw) == masked


def test_mask_id_number_does_not_raise_when_input_is_garbage():
    assert mask_id_number(" abcdefghijklm ") == "ABCDEF******M"


def test_mask_phone_hides_middle_four_when_number_is_an_11_digit_mobile():
    assert mask_phone("13812345678") == "138****5678"


def test_mask_phone_strips_whitespace_when_mobile_is_padded():
    assert mask_phone(" 13812345678 ") == "138****5678"


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("0731-12345678", "073********78"),
        ("+8613812345678", "+86*********78"),
        ("123456", "123*56"),
        ("12345", "*****"),
        ("110", "***"),
        ("", ""),
    ],
)
def test_mask_phone_keeps_first_three_and_last_two_when_not_an_11_digit_mobile(phone, masked):
    assert mask_phone(phone) == masked


# -- make_id_number --------------------------------------------------------------------------


def test_make_id_number_builds_a_parseable_number_when_inputs_are_valid():
    number = make_id_number("431202", date(1990, 1, 1), 123)
    assert number == "431202199001011234"
    parsed = parse_id_number(number)
    assert parsed.birth_date == date(1990, 1, 1)
    assert parsed.sex == "M"


def test_make_id_number_reproduces_the_standard_example_when_given_its_parts():
    assert make_id_number("110105", date(1949, 12, 31), 2) == FAMOUS


@pytest.mark.parametrize("sequence", range(0, 1000, 37))
def test_make_id_number_is_always_valid_when_sequence_varies(sequence):
    assert is_valid_id_number(make_id_number("330106", date(1985, 7, 15), sequence))


@pytest.mark.parametrize("sequence", [-1, 1000])
def test_make_id_number_raises_when_sequence_is_out_of_range(sequence):
    with pytest.raises(ValueError, match="Sequence"):
        make_id_number("431202", date(1990, 1, 1), sequence)


@pytest.mark.parametrize("region", ["43120", "4312021", "43120A"])
def test_make_id_number_raises_bad_region_when_region_is_not_six_digits(region):
    with pytest.raises(IdNumberError) as caught:
        make_id_number(region, date(1990, 1, 1), 1)
    assert caught.value.code == "bad_region"


def test_make_id_number_raises_bad_region_when_province_prefix_is_unknown():
    with pytest.raises(IdNumberError) as caught:
        make_id_number("991202", date(1990, 1, 1), 1)
    assert caught.value.code == "bad_region"


def test_make_id_number_raises_when_birth_date_is_before_1900():
    with pytest.raises(IdNumberError) as caught:
        make_id_number("431202", date(1899, 12, 31), 1)
    assert caught.value.code == "bad_birth_date"


# -- IdNumber --------------------------------------------------------------------------------


def test_id_number_is_immutable_when_someone_tries_to_edit_it():
    parsed = parse_id_number(FAMOUS, today=TODAY)
    with pytest.raises(AttributeError):
        parsed.number = "x"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("on", "age"),
    [(date(1950, 12, 30), 0), (date(1950, 12, 31), 1), (date(2024, 12, 30), 74)],
)
def test_age_on_counts_completed_years_when_birthday_has_or_has_not_passed(on, age):
    assert parse_id_number(FAMOUS, today=TODAY).age_on(on) == age
