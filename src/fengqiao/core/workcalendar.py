"""Working-day and working-hour arithmetic on the mainland China public-holiday calendar."""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping, Sequence
from datetime import date, datetime, time, timedelta
from types import MappingProxyType
from zoneinfo import ZoneInfo

import chinese_calendar

__all__ = ["DEFAULT_PERIODS", "WorkCalendar", "default_calendar"]

# Government offices open 9:00-12:00 and 13:30-17:30: seven working hours a day.
DEFAULT_PERIODS: tuple[tuple[time, time], ...] = (
    (time(9, 0), time(12, 0)),
    (time(13, 30), time(17, 30)),
)
DEFAULT_TIMEZONE = "Asia/Shanghai"

_ONE_DAY = timedelta(days=1)


class WorkCalendar:
    """Working days (State Council holiday schedule plus overrides) and office hours.

    `overrides` maps a date to True (working) or False (day off) and wins over the
    `chinese_calendar` package. For years the package has no schedule for, days default to
    Monday-Friday; `known()` tells whether a date's status comes from real data.
    """

    def __init__(
        self,
        overrides: Mapping[date, bool] | None = None,
        periods: Sequence[tuple[time, time]] = DEFAULT_PERIODS,
        tz: str | ZoneInfo = DEFAULT_TIMEZONE,
    ) -> None:
        self._overrides: dict[date, bool] = {
            _plain_date(day): bool(working) for day, working in (overrides or {}).items()
        }
        self.periods: tuple[tuple[time, time], ...] = _checked_periods(periods)
        self.tz: ZoneInfo = tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz)

    @property
    def overrides(self) -> Mapping[date, bool]:
        return MappingProxyType(self._overrides)

    @property
    def hours_per_day(self) -> float:
        return sum(_seconds_between(start, end) for start, end in self.periods) / 3600

    def __repr__(self) -> str:
        return (
            f"WorkCalendar(overrides={len(self._overrides)} dates, "
            f"periods={self.periods!r}, tz={self.tz.key!r})"
        )

    # -- days ---------------------------------------------------------------------------

    def is_workday(self, day: date) -> bool:
        """Whether `day` (a date, or an aware datetime read in the calendar's zone) is worked."""
        day = self._day(day)
        if day in self._overrides:
            return self._overrides[day]
        try:
            return chinese_calendar.is_workday(day)
        except NotImplementedError:
            return day.weekday() < 5

    def known(self, day: date) -> bool:
        """Whether `day`'s status comes from an override or published holiday data."""
        day = self._day(day)
        if day in self._overrides:
            return True
        try:
            chinese_calendar.is_workday(day)
        except NotImplementedError:
            return False
        return True

    def next_workday(self, day: date) -> date:
        """The first working day strictly after `day`."""
        day = self._day(day) + _ONE_DAY
        while not self.is_workday(day):
            day += _ONE_DAY
        return day

    def workdays_between(self, a: date, b: date) -> int:
        """Working days d with a < d <= b; negative when b is before a.

        Counting the end but not the start makes it the inverse of add_workdays: for a
        working day `a`, workdays_between(a, add_workdays(a, n).date()) == n.
        """
        a, b = self._day(a), self._day(b)
        if b < a:
            return -self.workdays_between(b, a)
        return sum(1 for day in _days(a + _ONE_DAY, b) if self.is_workday(day))

    # -- instants -----------------------------------------------------------------------

    def add_workdays(self, start: datetime, n: int) -> datetime:
        """The same clock time on the n-th working day after `start`'s day.

        Starting on a working day, the result keeps `start`'s local clock time (even outside
        office hours) on the n-th following working day; n=0 returns `start` itself.
        Starting on a non-working day, the clock is taken to start when the next working day
        opens (its first period), so a request filed on Saturday with n=1 is due Tuesday 9:00
        (all of Monday to handle it), and n=0 gives Monday 9:00.
        """
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise ValueError(f"Number of working days must be a non-negative int, got {n!r}")
        local = self._local(start)
        day = local.date()
        clock = local.timetz().replace(tzinfo=None)
        if not self.is_workday(day):
            day = self.next_workday(day)
            clock = self.periods[0][0]
        for _ in range(n):
            day = self.next_workday(day)
        return self._at(day, clock)

    def add_workhours(self, start: datetime, hours: float) -> datetime:
        """The instant after `hours` of office time have elapsed from `start`.

        Only time inside working periods of working days counts. Outside them the count
        begins at the next period's opening, so hours=0 moves such a `start` there. A total
        that runs out exactly at a period's end returns that end (12:00, not 13:30).
        """
        if hours < 0:
            raise ValueError(f"Working hours must not be negative, got {hours!r}")
        local = self._local(start)
        remaining = timedelta(hours=hours)
        for opens, closes in self._periods_from(local.date()):
            begin = max(opens, local)
            if begin >= closes:
                continue
            available = closes - begin
            if remaining <= available:
                return begin + remaining
            remaining -= available
        raise AssertionError("unreachable: working periods never run out")

    def workhours_between(self, a: datetime, b: datetime) -> float:
        """Office hours elapsed between two instants; negative when b is before a."""
        start, end = self._local(a), self._local(b)
        if end < start:
            return -self.workhours_between(b, a)
        total = timedelta()
        for day in _days(start.date(), end.date()):
            if not self.is_workday(day):
                continue
            for opens, closes in self._periods_on(day):
                overlap = min(closes, end) - max(opens, start)
                if overlap > timedelta():
                    total += overlap
        return total.total_seconds() / 3600

    # -- helpers --------------------------------------------------------------------------

    def _local(self, moment: datetime) -> datetime:
        if not isinstance(moment, datetime):
            raise TypeError(f"Expected an aware datetime, got {type(moment).__name__}")
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError("Naive datetimes are ambiguous; pass an aware datetime")
        return moment.astimezone(self.tz)

    def _day(self, day: date) -> date:
        # A datetime is also a date; reading it in the calendar's zone avoids taking the
        # UTC date of an evening in Beijing.
        if isinstance(day, datetime):
            return self._local(day).date()
        return day

    def _at(self, day: date, clock: time) -> datetime:
        return datetime.combine(day, clock, tzinfo=self.tz)

    def _periods_on(self, day: date) -> Iterator[tuple[datetime, datetime]]:
        for start, end in self.periods:
            yield self._at(day, start), self._at(day, end)

    def _periods_from(self, day: date) -> Iterator[tuple[datetime, datetime]]:
        """Working periods of `day` (if worked) and every following working day, forever."""
        if not self.is_workday(day):
            day = self.next_workday(day)
        while True:
            yield from self._periods_on(day)
            day = self.next_workday(day)


def _plain_date(day: date) -> date:
    return day.date() if isinstance(day, datetime) else day


def _days(first: date, last: date) -> Iterator[date]:
    day = first
    while day <= last:
        yield day
        day += _ONE_DAY


def _seconds_between(start: time, end: time) -> float:
    def seconds(clock: time) -> float:
        return clock.hour * 3600 + clock.minute * 60 + clock.second + clock.microsecond / 1e6

    return seconds(end) - seconds(start)


def _checked_periods(periods: Sequence[tuple[time, time]]) -> tuple[tuple[time, time], ...]:
    checked = tuple((start, end) for start, end in periods)
    if not checked:
        raise ValueError("A work calendar needs at least one working period")
    previous_end: time | None = None
    for start, end in checked:
        if start.tzinfo is not None or end.tzinfo is not None:
            raise ValueError("Working periods are local clock times; drop their tzinfo")
        if not start < end:
            raise ValueError(f"Working period {start}-{end} must end after it starts")
        if previous_end is not None and start < previous_end:
            raise ValueError("Working periods must be in order and must not overlap")
        previous_end = end
    return checked


@functools.cache
def default_calendar() -> WorkCalendar:
    """The shared calendar with no administrator overrides (it is never mutated)."""
    return WorkCalendar()
