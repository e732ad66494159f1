"""The mediation app's panel on a mediator's home page (settings.FENGQIAO_HOME_PANELS): their
disputes, their sessions this week and the follow-up visits due on their disputes."""

from datetime import datetime, time, timedelta

from django.utils import timezone

from fengqiao.core import clock
from fengqiao.mediation import selectors

ROWS = 10  # rows of each list on the panel; the counts are of all


def week_bounds(today) -> tuple[datetime, datetime]:
    """Monday 00:00 to next Monday 00:00 of the week holding `today`, local time."""
    monday = today - timedelta(days=today.weekday())
    start = timezone.make_aware(datetime.combine(monday, time.min))
    return start, start + timedelta(days=7)


def mediator_panel(*, user) -> dict:
    mine = selectors.dispute_list(actor=user, queue="mine")
    start, end = week_bounds(clock.localdate())
    sessions = selectors.session_calendar(actor=user, start=start, end=end).filter(
        mediator__user=user
    )
    follow_ups = selectors.follow_ups_due(actor=user).filter(dispute__mediator__user=user)
    return {
        "template": "mediation/_home_mediator.html",
        "disputes": mine[:ROWS],
        "dispute_count": mine.count(),
        "sessions": sessions[:ROWS],
        "session_count": sessions.count(),
        "follow_ups": follow_ups[:ROWS],
        "follow_up_count": follow_ups.count(),
        "today": clock.localdate(),
    }
