"""The working calendar in force: chinese-calendar plus the admin's overrides from the database."""

from fengqiao.core.models import WorkdayOverride
from fengqiao.core.workcalendar import WorkCalendar


def working_calendar() -> WorkCalendar:
    """A WorkCalendar that knows every WorkdayOverride row (read once per call)."""
    overrides = dict(WorkdayOverride.objects.values_list("date", "is_workday"))
    return WorkCalendar(overrides=overrides)
