"""Admin overrides reach the working calendar for years chinese-calendar does not know."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from fengqiao.core.calendar import working_calendar
from fengqiao.core.models import WorkdayOverride

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_override_makes_a_weekday_a_holiday_when_year_unknown(db):
    # 2031-10-01 is a Wednesday; without an override an unknown year falls back to Mon–Fri.
    assert working_calendar().is_workday(date(2031, 10, 1))
    WorkdayOverride.objects.create(date=date(2031, 10, 1), is_workday=False, note="National Day")
    WorkdayOverride.objects.create(date=date(2031, 9, 28), is_workday=True, note="make-up day")
    calendar = working_calendar()
    assert not calendar.is_workday(date(2031, 10, 1))
    assert calendar.is_workday(date(2031, 9, 28))  # a Sunday worked in exchange
    start = datetime(2031, 9, 30, 10, 0, tzinfo=SHANGHAI)
    assert calendar.add_workdays(start, 1).date() == date(2031, 10, 2)
