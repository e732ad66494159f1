"""Tests for working-day and working-hour arithmetic."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from fengqiao.core.workcalendar import DEFAULT_PERIODS, WorkCalendar, default_calendar

SHANGHAI = ZoneInfo("Asia/Shanghai")

# 2031 is beyond the chinese_calendar data, so its National Day week comes from overrides.
NATIONAL_DAY_2031 = {
    **{date(2031, 10, day): False for day in range(1, 8)},
    date(2031, 9, 28): True,  # Sunday make-up day
    date(2031, 10, 11): True,  # Saturday make-up day
}


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture
def cal() -> WorkCalendar:
    return WorkCalendar()


@pytest.fixture
def cal_2031() -> WorkCalendar:
    return WorkCalendar(overrides=NATIONAL_DAY_2031)


# -- is_workday ------------------------------------------------------------------------------


@pytest.mark.parametrize("day", range(1, 8))
def test_is_workday_is_false_when_date_is_in_national_day_2024(cal, day):
    assert not cal.is_workday(date(2024, 10, day))


@pytest.mark.parametrize("day", [date(2024, 9, 29), date(2024, 10, 12)])
def test_is_workday_is_true_when_weekend_is_a_make_up_day(cal, day):
    assert day.weekday() >= 5
    assert cal.is_workday(day)


def test_is_workday_is_false_when_weekend_is_ordinary(cal):
    assert not cal.is_workday(date(2024, 9, 28))
    assert not cal.is_workday(date(2024, 10, 13))


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2025, 1, 26), True),  # Sunday make-up day
        (date(2025, 1, 27), True),
        (date(2025, 1, 28), False),  # New Year's Eve
        (date(2025, 1, 29), False),
        (date(2025, 2, 4), False),
        (date(2025, 2, 5), True),
        (date(2025, 2, 8), True),  # Saturday make-up day
        (date(2025, 2, 9), False),
    ],
)
def test_is_workday_follows_the_schedule_when_date_is_around_spring_festival_2025(
    cal, day, working
):
    assert cal.is_workday(day) is working


def test_is_workday_uses_override_when_one_exists_for_a_known_year():
    cal = WorkCalendar(overrides={date(2024, 10, 8): False, date(2024, 10, 5): True})
    assert not cal.is_workday(date(2024, 10, 8))
    assert cal.is_workday(date(2024, 10, 5))


def test_is_workday_falls_back_to_monday_to_friday_when_year_is_unknown(cal):
    assert cal.is_workday(date(2031, 10, 1))  # a Wednesday, holiday not yet published
    assert not cal.is_workday(date(2031, 10, 4))  # a Saturday


def test_is_workday_uses_overrides_when_year_is_unknown(cal_2031):
    assert not cal_2031.is_workday(date(2031, 10, 1))
    assert cal_2031.is_workday(date(2031, 10, 11))
    assert cal_2031.is_workday(date(2031, 10, 10))  # untouched Friday falls back


def test_is_workday_reads_local_date_when_given_an_aware_datetime(cal):
    # 17:00 UTC on 7 Oct (a holiday) is already 01:00 on 8 Oct (a working day) in Beijing.
    assert cal.is_workday(datetime(2024, 10, 7, 17, 0, tzinfo=UTC))
    assert not cal.is_workday(datetime(2024, 10, 7, 15, 0, tzinfo=UTC))


def test_is_workday_raises_when_given_a_naive_datetime(cal):
    with pytest.raises(ValueError, match="aware"):
        cal.is_workday(datetime(2024, 10, 8, 10, 0))


# -- known -----------------------------------------------------------------------------------


def test_known_is_true_when_year_has_published_holidays(cal):
    assert cal.known(date(2024, 10, 1))
    assert cal.known(date(2025, 2, 8))


def test_known_is_false_when_year_is_beyond_the_data(cal):
    assert not cal.known(date(2031, 10, 1))


def test_known_is_true_only_for_overridden_dates_when_year_is_beyond_the_data(cal_2031):
    assert cal_2031.known(date(2031, 10, 1))
    assert not cal_2031.known(date(2031, 10, 10))


# -- next_workday and workdays_between -------------------------------------------------------


def test_next_workday_skips_the_holiday_when_day_before_national_day(cal):
    assert cal.next_workday(date(2024, 9, 30)) == date(2024, 10, 8)


def test_next_workday_lands_on_make_up_sunday_when_starting_saturday(cal):
    assert cal.next_workday(date(2024, 9, 28)) == date(2024, 9, 29)


def test_workdays_between_counts_end_but_not_start_when_spanning_national_day(cal):
    assert cal.workdays_between(date(2024, 9, 30), date(2024, 10, 8)) == 1
    # 29 Sep, 30 Sep, 8-11 Oct and the 12 Oct make-up Saturday.
    assert cal.workdays_between(date(2024, 9, 27), date(2024, 10, 12)) == 7


def test_workdays_between_counts_make_up_days_when_spanning_spring_festival_2025(cal):
    # 26 Jan, 27 Jan, 5-8 Feb (8 Feb a make-up Saturday) and 10 Feb.
    assert cal.workdays_between(date(2025, 1, 24), date(2025, 2, 10)) == 7


def test_workdays_between_is_zero_when_dates_are_equal(cal):
    assert cal.workdays_between(date(2024, 10, 8), date(2024, 10, 8)) == 0


def test_workdays_between_is_negative_when_end_precedes_start(cal):
    assert cal.workdays_between(date(2024, 10, 12), date(2024, 9, 27)) == -7


def test_workdays_between_is_zero_when_only_holidays_lie_between(cal):
    assert cal.workdays_between(date(2024, 9, 30), date(2024, 10, 7)) == 0


def test_workdays_between_uses_overrides_when_year_is_unknown(cal_2031):
    assert cal_2031.workdays_between(date(2031, 9, 30), date(2031, 10, 8)) == 1


# -- add_workdays ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (0, at(2024, 9, 27, 15, 0)),
        (1, at(2024, 9, 29, 15, 0)),  # make-up Sunday
        (2, at(2024, 9, 30, 15, 0)),
        (3, at(2024, 10, 8, 15, 0)),  # the holiday week is skipped
        (7, at(2024, 10, 12, 15, 0)),  # make-up Saturday
        (8, at(2024, 10, 14, 15, 0)),
    ],
)
def test_add_workdays_keeps_clock_time_when_starting_on_a_working_day(cal, n, expected):
    assert cal.add_workdays(at(2024, 9, 27, 15, 0), n) == expected


def test_add_workdays_keeps_clock_time_when_start_is_outside_office_hours(cal):
    assert cal.add_workdays(at(2024, 9, 30, 22, 15), 1) == at(2024, 10, 8, 22, 15)


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (at(2024, 9, 28, 10, 0), 0, at(2024, 9, 29, 9, 0)),  # Saturday before make-up Sunday
        (at(2024, 9, 28, 10, 0), 1, at(2024, 9, 30, 9, 0)),
        (at(2024, 10, 3, 16, 0), 0, at(2024, 10, 8, 9, 0)),  # mid-holiday
        (at(2024, 10, 3, 16, 0), 1, at(2024, 10, 9, 9, 0)),
        (at(2024, 11, 2, 23, 59), 1, at(2024, 11, 5, 9, 0)),  # ordinary Saturday night
    ],
)
def test_add_workdays_counts_from_next_opening_when_starting_on_a_day_off(cal, start, n, expected):
    assert cal.add_workdays(start, n) == expected


def test_add_workdays_skips_spring_festival_when_starting_just_before_it(cal):
    assert cal.add_workdays(at(2025, 1, 27, 16, 0), 1) == at(2025, 2, 5, 16, 0)
    assert cal.add_workdays(at(2025, 1, 26, 10, 0), 1) == at(2025, 1, 27, 10, 0)


def test_add_workdays_uses_overrides_when_year_is_unknown(cal_2031):
    assert cal_2031.add_workdays(at(2031, 9, 30, 10, 0), 1) == at(2031, 10, 8, 10, 0)
    assert cal_2031.add_workdays(at(2031, 10, 10, 10, 0), 1) == at(2031, 10, 11, 10, 0)


def test_add_workdays_assumes_monday_to_friday_when_year_is_unknown_without_overrides(cal):
    assert cal.add_workdays(at(2031, 9, 30, 10, 0), 1) == at(2031, 10, 1, 10, 0)
    assert cal.add_workdays(at(2031, 10, 3, 10, 0), 1) == at(2031, 10, 6, 10, 0)


def test_add_workdays_returns_shanghai_time_when_given_utc(cal):
    result = cal.add_workdays(datetime(2024, 9, 30, 2, 0, tzinfo=UTC), 1)
    assert result == at(2024, 10, 8, 10, 0)
    assert result.tzinfo == SHANGHAI
    assert result.utcoffset() == timedelta(hours=8)


def test_add_workdays_is_inverse_of_workdays_between_when_starting_on_a_working_day(cal):
    start = at(2024, 9, 27, 15, 0)
    for n in range(12):
        assert cal.workdays_between(start.date(), cal.add_workdays(start, n).date()) == n


@pytest.mark.parametrize("n", [-1, 1.5, True])
def test_add_workdays_raises_when_n_is_not_a_non_negative_int(cal, n):
    with pytest.raises(ValueError, match="non-negative"):
        cal.add_workdays(at(2024, 9, 30, 10, 0), n)


def test_add_workdays_raises_when_start_is_naive(cal):
    with pytest.raises(ValueError, match="aware"):
        cal.add_workdays(datetime(2024, 9, 30, 10, 0), 1)


def test_add_workdays_raises_type_error_when_start_is_a_plain_date(cal):
    with pytest.raises(TypeError):
        cal.add_workdays(date(2024, 9, 30), 1)  # type: ignore[arg-type]


# -- add_workhours ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "hours", "expected"),
    [
        (at(2024, 11, 4, 9, 0), 1, at(2024, 11, 4, 10, 0)),
        (at(2024, 11, 4, 11, 0), 2, at(2024, 11, 4, 14, 30)),  # across lunch
        (at(2024, 11, 4, 9, 0), 3, at(2024, 11, 4, 12, 0)),  # ends exactly at lunch
        (at(2024, 11, 4, 9, 0), 7, at(2024, 11, 4, 17, 30)),  # one full day
        (at(2024, 11, 4, 9, 0), 7.5, at(2024, 11, 5, 9, 30)),
        (at(2024, 11, 4, 10, 0), 0.25, at(2024, 11, 4, 10, 15)),
        (at(2024, 11, 4, 10, 0), 0, at(2024, 11, 4, 10, 0)),
    ],
)
def test_add_workhours_counts_office_time_when_starting_inside_hours(cal, start, hours, expected):
    assert cal.add_workhours(start, hours) == expected


def test_add_workhours_crosses_the_weekend_when_friday_afternoon_runs_out(cal):
    assert cal.add_workhours(at(2024, 11, 1, 16, 30), 2) == at(2024, 11, 4, 10, 0)


@pytest.mark.parametrize(
    ("start", "hours", "expected"),
    [
        (at(2024, 11, 4, 7, 0), 1, at(2024, 11, 4, 10, 0)),  # before opening
        (at(2024, 11, 4, 12, 30), 1, at(2024, 11, 4, 14, 30)),  # during lunch
        (at(2024, 11, 4, 12, 0), 0.5, at(2024, 11, 4, 14, 0)),  # at the start of lunch
        (at(2024, 11, 4, 18, 0), 1, at(2024, 11, 5, 10, 0)),  # after closing
        (at(2024, 11, 2, 20, 0), 0.5, at(2024, 11, 4, 9, 30)),  # Saturday
        (at(2024, 11, 2, 20, 0), 0, at(2024, 11, 4, 9, 0)),  # zero hours still waits
    ],
)
def test_add_workhours_begins_at_next_opening_when_starting_outside_hours(
    cal, start, hours, expected
):
    assert cal.add_workhours(start, hours) == expected


def test_add_workhours_skips_national_day_when_running_past_the_last_day_before_it(cal):
    assert cal.add_workhours(at(2024, 9, 30, 17, 0), 1) == at(2024, 10, 8, 9, 30)


def test_add_workhours_uses_make_up_sunday_when_starting_the_friday_before(cal):
    assert cal.add_workhours(at(2024, 9, 27, 17, 0), 1) == at(2024, 9, 29, 9, 30)


def test_add_workhours_skips_overridden_holidays_when_year_is_unknown(cal_2031):
    assert cal_2031.add_workhours(at(2031, 9, 30, 17, 0), 1) == at(2031, 10, 8, 9, 30)


def test_add_workhours_returns_shanghai_time_when_given_utc(cal):
    result = cal.add_workhours(datetime(2024, 11, 4, 1, 0, tzinfo=UTC), 1)  # 09:00 Beijing
    assert result == at(2024, 11, 4, 10, 0)
    assert result.utcoffset() == timedelta(hours=8)


def test_add_workhours_raises_when_hours_are_negative(cal):
    with pytest.raises(ValueError, match="negative"):
        cal.add_workhours(at(2024, 11, 4, 10, 0), -1)


def test_add_workhours_raises_when_start_is_naive(cal):
    with pytest.raises(ValueError, match="aware"):
        cal.add_workhours(datetime(2024, 11, 4, 10, 0), 1)


# -- workhours_between -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "hours"),
    [
        (at(2024, 11, 4, 9, 0), at(2024, 11, 4, 17, 30), 7),
        (at(2024, 11, 4, 0, 0), at(2024, 11, 5, 0, 0), 7),
        (at(2024, 11, 4, 11, 0), at(2024, 11, 4, 14, 30), 2),  # lunch does not count
        (at(2024, 11, 4, 12, 0), at(2024, 11, 4, 13, 30), 0),
        (at(2024, 11, 1, 16, 30), at(2024, 11, 4, 10, 0), 2),  # weekend does not count
        (at(2024, 11, 4, 9, 0), at(2024, 11, 9, 9, 0), 35),  # a full ordinary week
        (at(2024, 9, 30, 9, 0), at(2024, 10, 8, 9, 0), 7),  # National Day does not count
        (at(2024, 10, 10, 9, 0), at(2024, 10, 13, 9, 0), 21),  # make-up Saturday counts
        (at(2024, 11, 4, 10, 0), at(2024, 11, 4, 10, 0), 0),
    ],
)
def test_workhours_between_counts_only_office_time_when_given_two_instants(cal, a, b, hours):
    assert cal.workhours_between(a, b) == pytest.approx(hours)


def test_workhours_between_is_negative_when_b_precedes_a(cal):
    assert cal.workhours_between(at(2024, 11, 4, 10, 0), at(2024, 11, 1, 16, 30)) == -2


def test_workhours_between_accepts_mixed_zones_when_both_are_aware(cal):
    a = datetime(2024, 11, 4, 1, 0, tzinfo=UTC)  # 09:00 Beijing
    assert cal.workhours_between(a, at(2024, 11, 4, 10, 0)) == pytest.approx(1)


def test_workhours_between_raises_when_an_instant_is_naive(cal):
    with pytest.raises(ValueError, match="aware"):
        cal.workhours_between(at(2024, 11, 4, 10, 0), datetime(2024, 11, 4, 11, 0))


@pytest.mark.parametrize(
    "start",
    [at(2024, 9, 27, 10, 0), at(2024, 9, 30, 16, 45), at(2024, 10, 11, 11, 20)],
)
@pytest.mark.parametrize("hours", [0.5, 1, 3, 6.5, 7, 10, 30])
def test_workhours_between_undoes_add_workhours_when_starting_inside_hours(cal, start, hours):
    assert cal.workhours_between(start, cal.add_workhours(start, hours)) == pytest.approx(hours)


# -- construction ----------------------------------------------------------------------------


def test_default_periods_give_seven_hours_when_lunch_is_excluded(cal):
    assert cal.periods == DEFAULT_PERIODS
    assert cal.hours_per_day == 7


def test_custom_periods_are_used_when_given():
    cal = WorkCalendar(periods=((time(8, 0), time(16, 0)),))
    assert cal.hours_per_day == 8
    assert cal.add_workhours(at(2024, 11, 4, 15, 0), 2) == at(2024, 11, 5, 9, 0)
    assert cal.add_workdays(at(2024, 11, 2, 12, 0), 0) == at(2024, 11, 4, 8, 0)


@pytest.mark.parametrize(
    "periods",
    [
        (),
        ((time(12, 0), time(9, 0)),),
        ((time(9, 0), time(9, 0)),),
        ((time(13, 0), time(17, 0)), (time(9, 0), time(12, 0))),  # out of order
        ((time(9, 0), time(13, 0)), (time(12, 0), time(17, 0))),  # overlapping
        ((time(9, 0, tzinfo=UTC), time(12, 0)),),
    ],
)
def test_constructor_raises_when_periods_are_invalid(periods):
    with pytest.raises(ValueError):
        WorkCalendar(periods=periods)


def test_overrides_accept_datetime_keys_when_given_by_mistake():
    cal = WorkCalendar(overrides={datetime(2031, 10, 1, 0, 0): False})
    assert not cal.is_workday(date(2031, 10, 1))


def test_overrides_are_read_only_when_exposed(cal_2031):
    assert cal_2031.overrides[date(2031, 10, 1)] is False
    with pytest.raises(TypeError):
        cal_2031.overrides[date(2031, 10, 1)] = True  # type: ignore[index]


def test_overrides_are_copied_when_the_source_mapping_changes_later():
    source = {date(2031, 10, 1): False}
    cal = WorkCalendar(overrides=source)
    source[date(2031, 10, 1)] = True
    assert not cal.is_workday(date(2031, 10, 1))


def test_timezone_can_be_changed_when_given_a_zone_name():
    cal = WorkCalendar(tz="Asia/Urumqi")
    result = cal.add_workdays(datetime(2024, 11, 4, 10, 0, tzinfo=UTC), 0)
    assert result.tzinfo == ZoneInfo("Asia/Urumqi")


def test_default_calendar_has_no_overrides_when_called():
    cal = default_calendar()
    assert isinstance(cal, WorkCalendar)
    assert dict(cal.overrides) == {}
    assert default_calendar() is cal
