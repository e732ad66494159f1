"""The before → after an event records, put in words for the case page (names, not ids)."""

from django.contrib.auth import get_user_model
from django.db import models
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from fengqiao.cases.models import Category, HandlingUnit, Priority
from fengqiao.regions.models import Grid, Region

# Status and level have their own timeline columns; region_code, warn_at and
# stage_started_at follow from what is shown.
LABELS = {
    "category": _("Category"),
    "priority": _("Priority"),
    "unit": _("Handling unit"),
    "assignee": _("Assigned to"),
    "village": _("Village"),
    "grid": _("Grid"),
    "address": _("Address"),
    "lat": _("Latitude"),
    "lng": _("Longitude"),
    "due_at": _("Deadline"),
    "resolve_due_at": _("Resolve by"),
    "closed_at": _("Closed at"),
    "rating": _("Rating"),
}
_NAMED: dict[str, tuple[type[models.Model], str, str]] = {
    "category": (Category, "code", "name"),
    "unit": (HandlingUnit, "pk", "name"),
    "village": (Region, "pk", "name"),
    "grid": (Grid, "pk", "name"),
}


def _names(events) -> dict[str, dict]:
    """One query per kind of named value that the events mention."""
    wanted: dict[str, set] = {name: set() for name in (*_NAMED, "assignee")}
    for event in events:
        for name, pair in (event.changes or {}).items():
            if name in wanted:
                wanted[name].update(value for value in pair if value is not None)
    names: dict[str, dict] = {}
    for name, (model, key, label) in _NAMED.items():
        rows = model._default_manager.filter(**{f"{key}__in": wanted[name]}) if wanted[name] else []
        names[name] = {getattr(row, key): getattr(row, label) for row in rows}
    users = get_user_model().objects.filter(pk__in=wanted["assignee"]) if wanted["assignee"] else []
    names["assignee"] = {user.pk: user.label for user in users}
    return names


def _shown(name: str, value, names: dict) -> str:
    if value is None or value == "":
        return "—"
    if name in names:
        return str(names[name].get(value, value))
    if name == "priority":
        return str(dict(Priority.choices).get(value, value))
    if name.endswith("_at"):
        moment = parse_datetime(value)
        return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else value
    return str(value)


def change_rows(events) -> dict[int, list[tuple[str, str, str]]]:
    """(label, old, new) per event id, for the steps after the report (whose changes are the
    whole starting state, shown on the page already)."""
    events = [e for e in events if e.seq > 1 and e.changes]
    names = _names(events)
    rows = {}
    for event in events:
        rows[event.pk] = [
            (
                str(label),
                _shown(name, event.changes[name][0], names),
                _shown(name, event.changes[name][1], names),
            )
            for name, label in LABELS.items()
            if name in event.changes
        ]
    return rows
