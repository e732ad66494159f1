"""The cases app's panel on the home page (settings.FENGQIAO_HOME_PANELS): today's queues."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fengqiao.cases import selectors

# The queues a centre works through every day, in the order the panel shows them.
HOME_QUEUES = {
    "new": _("New"),
    "to_dispatch": _("To dispatch"),
    "overdue": _("Overdue"),
    "due_soon": _("Due soon"),
    "escalated": _("Escalated"),
}
# Queues whose count is drawn as an alert when it is not zero.
ALERT_QUEUES = frozenset({"overdue", "escalated"})


def queues_panel(*, user) -> dict:
    """Today's queues with the user's counts (scoped by the case visibility rule), each linking
    to the queue page filtered to it."""
    counts = selectors.queue_counts(actor=user, names=tuple(HOME_QUEUES))
    base = reverse("cases:queue")
    return {
        "template": "cases/_home_queues.html",
        "queues": [
            {
                "key": key,
                "label": label,
                "count": counts[key],
                "url": f"{base}?queue={key}",
                "alert": key in ALERT_QUEUES and counts[key] > 0,
            }
            for key, label in HOME_QUEUES.items()
        ],
    }
