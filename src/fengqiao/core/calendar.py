"""The working calendar in force: chinese-calendar plus the admin's overrides from the database."""

from fengqiao.core.configcache import cached_config
from fengqiao.core.models import WorkdayOverride
from fengqiao.core.workcalendar import WorkCalendar


def working_calendar() -> WorkCalendar:
    """A WorkCalendar that knows every WorkdayOverride row (this process's copy of them, see
    core.configcache)."""
    return cached_config("working-calendar", _load)


def _load() -> WorkCalendar:
    return WorkCalendar(overrides=dict(WorkdayOverride.objects.values_list("date", "is_workday")))
