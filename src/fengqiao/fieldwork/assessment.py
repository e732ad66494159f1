"""The grid-worker assessment (网格员考核): per grid worker and per grid, one month's figures
read from the recorded work only — visits made and the people who were due one, patrols,
campaign items, cases reported and verified, care and help-plan contacts on time. Nothing is
typed in and nothing is stored: every figure is a count over the records of that month, so
it can be re-read (and checked) at any time.

Each column is a `Figure` (key, label, unit); each counter is a function from (the workers,
the month) to {figure key: {user id: number}}, so one query may give several figures. The
parts of fieldwork add their figures to `FIGURES` and their counters to `COUNTERS`."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fengqiao.accounts.models import JurisdictionBinding
from fengqiao.campaigns.selectors import campaign_totals
from fengqiao.cases.models import CaseEvent
from fengqiao.core import clock
from fengqiao.core.errors import NotAllowed, NotFound, ValidationFailed
from fengqiao.core.ledger import Column, Ledger, LedgerFile, ledger_export
from fengqiao.core.roles import Role, has_role
from fengqiao.core.scoping import code_within, enclosing_codes, prefix_q, scoped
from fengqiao.fieldwork import selectors
from fengqiao.fieldwork.care_selectors import care_contacts_on_time
from fengqiao.fieldwork.helpplans_selectors import helpplan_totals
from fengqiao.fieldwork.models import Visit, VisitPerson
from fengqiao.fieldwork.patrol_selectors import patrol_totals
from fengqiao.regions.models import Grid, Region
from fengqiao.registry.models import Person

READER_ROLES = frozenset({Role.ADMIN, Role.CENTRE_STAFF, Role.GRID_CHIEF, Role.LEADER})
ASSESSED_ROLES = (Role.GRID_WORKER,)
MAX_WORKERS = 5000
PER_GRID = frozenset({"people_due", "people_seen"})  # figures of the grid, not the worker


@dataclass(frozen=True)
class Month:
    """One month: its first day, and [start, end) as aware datetimes in local time."""

    first: date
    start: datetime
    end: datetime

    @property
    def label(self) -> str:
        return f"{self.first.year}年{self.first.month}月"

    @property
    def key(self) -> str:
        return f"{self.first:%Y-%m}"


def month_of(raw: str = "") -> Month:
    """The month `raw` (YYYY-MM; this month when blank). ValidationFailed names `month`."""
    raw = (raw or "").strip()
    if not raw:
        first = clock.localdate().replace(day=1)
    else:
        try:
            if len(raw) != 7 or raw[4] != "-":
                raise ValueError(raw)
            first = date.fromisoformat(f"{raw}-01")
        except ValueError as exc:
            raise ValidationFailed(_("Give the month as YYYY-MM."), field="month") from exc
        if not 2000 <= first.year <= clock.localdate().year + 1:
            raise ValidationFailed(_("Give the month as YYYY-MM."), field="month")
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    zone = timezone.get_current_timezone()
    return Month(
        first,
        timezone.make_aware(datetime.combine(first, time.min), zone),
        timezone.make_aware(datetime.combine(following, time.min), zone),
    )


Counter = Callable[[object, Sequence[int], Month], dict[str, dict[int, float]]]


@dataclass(frozen=True)
class Figure:
    """One column of the assessment: its key, label and unit ("h", "km" or none)."""

    key: str
    label: object  # lazy text
    unit: str = ""


@dataclass
class WorkerMonth:
    user_id: int
    username: str
    name: str
    grids: list[str]  # binding codes
    grid_label: str
    figures: dict[str, float] = field(default_factory=dict)

    @property
    def cells(self) -> list[tuple[Figure, float]]:
        """The figures in column order (for pages)."""
        return [(f, self.figures.get(f.key, 0)) for f in FIGURES]

    @property
    def seen_share(self) -> float | None:
        due = self.figures.get("people_due", 0)
        return None if not due else self.figures.get("people_seen", 0) / due


# -- the measures --------------------------------------------------------------------------


def visits_made(actor, workers: Sequence[int], month: Month) -> dict[str, dict[int, float]]:
    rows = (
        Visit.objects.filter(
            visitor_id__in=workers, visited_at__gte=month.start, visited_at__lt=month.end
        )
        .values("visitor_id")
        .annotate(n=Count("pk"))
    )
    return {"visits": {row["visitor_id"]: row["n"] for row in rows}}


def cases_reported_and_verified(
    actor, workers: Sequence[int], month: Month
) -> dict[str, dict[int, float]]:
    """Cases the worker reported, and cases they verified on the spot, read from the case log."""
    found: dict[str, dict[int, float]] = {"cases_reported": {}, "cases_verified": {}}
    rows = (
        CaseEvent.objects.filter(
            actor_id__in=workers,
            action__in=("report", "verify"),
            at__gte=month.start,
            at__lt=month.end,
        )
        .values("actor_id", "action")
        .annotate(n=Count("case_id", distinct=True))
    )
    for row in rows:
        key = "cases_reported" if row["action"] == "report" else "cases_verified"
        found[key][row["actor_id"]] = row["n"]
    return found


def people_due_and_seen(actor, workers: Sequence[int], month: Month) -> dict[str, dict[int, float]]:
    """For each worker: how many people of their grids a visit plan (one a grid worker's list
    counts, so never a sensitive tag) said were due a visit by the month's end — their last
    visit before the month plus the plan's interval, or never visited — and how many of those
    were met in the month (by anyone: the person was seen)."""
    found: dict[str, dict[int, float]] = {"people_due": {}, "people_seen": {}}
    grid_workers: dict[str, list[int]] = defaultdict(list)
    for user_id, code in _bindings(workers):
        grid_workers[code].append(user_id)
    if not grid_workers:
        return found
    plans = {
        key: plan
        for key, plan in selectors.visit_plans_for(None).items()
        if not plan.tag.is_sensitive
    }
    if not plans:
        return found
    people = Person.objects.filter(prefix_q(sorted(grid_workers)))
    pairs = selectors.tagged_pairs(people, plans)
    codes = dict(
        Person.objects.filter(pk__in={p for p, _t in pairs}).values_list("pk", "region_code")
    )
    every: dict[int, int] = {}
    for person_id, tag_id in pairs:
        plan = selectors.plan_for(plans, tag_id, codes[person_id])
        if plan is not None:
            every[person_id] = min(every.get(person_id, plan.every_days), plan.every_days)
    before = dict(
        VisitPerson.objects.filter(person_id__in=list(every), visited_at__lt=month.start)
        .values("person_id")
        .annotate(last=Max("visited_at"))
        .values_list("person_id", "last")
    )
    seen = set(
        VisitPerson.objects.filter(
            person_id__in=list(every), visited_at__gte=month.start, visited_at__lt=month.end
        ).values_list("person_id", flat=True)
    )
    last_day = (month.end - timedelta(days=1)).date()
    for person_id, days in every.items():
        last = before.get(person_id)
        if last is None:
            due_on = month.first
        else:
            due_on = timezone.localtime(last).date() + timedelta(days=days)
        if due_on > last_day:
            continue
        for code in enclosing_codes(codes[person_id]):
            for user_id in grid_workers.get(code, ()):
                found["people_due"][user_id] = found["people_due"].get(user_id, 0) + 1
                if person_id in seen:
                    found["people_seen"][user_id] = found["people_seen"].get(user_id, 0) + 1
    return found


FIGURES: list[Figure] = [
    Figure("visits", _("Visits made")),
    Figure("people_due", _("People due a visit")),
    Figure("people_seen", _("of them seen")),
    Figure("patrols", _("Patrols")),
    Figure("patrol_hours", _("Patrol hours"), "h"),
    Figure("patrol_km", _("Patrol distance"), "km"),
    Figure("campaign_items", _("Campaign items checked")),
    Figure("cases_reported", _("Cases reported")),
    Figure("cases_verified", _("Cases verified")),
    Figure("care_due", _("Care needs raised")),
    Figure("care_on_time", _("of them helped within a week")),
    Figure("help_due", _("Help-plan contacts due")),
    Figure("help_on_time", _("of them on time")),
]


def help_contacts_on_time(
    actor, workers: Sequence[int], month: Month
) -> dict[str, dict[int, float]]:
    """Help-plan contacts due in the month and made on time, of the plans the reader may see
    (each plan counts for every responsible person on it)."""
    totals = helpplan_totals(actor, month.first)
    wanted = set(workers)
    return {
        "help_due": {uid: due for uid, (due, _ok) in totals.items() if uid in wanted},
        "help_on_time": {uid: ok for uid, (_due, ok) in totals.items() if uid in wanted},
    }


def care_needs_on_time(actor, workers: Sequence[int], month: Month) -> dict[str, dict[int, float]]:
    """Care needs the worker raised in the month, and of them those helped within a week."""
    totals = care_contacts_on_time(actor=actor, month=month.key)
    wanted = set(workers)
    return {
        "care_due": {uid: due for uid, (due, _ok) in totals.items() if uid in wanted},
        "care_on_time": {uid: ok for uid, (_due, ok) in totals.items() if uid in wanted},
    }


def campaign_items_checked(
    actor, workers: Sequence[int], month: Month
) -> dict[str, dict[int, float]]:
    """Campaign items the worker checked in the month (done, not found or a problem)."""
    return {"campaign_items": dict(campaign_totals(actor=actor, month=month.key))}


def patrols_walked(actor, workers: Sequence[int], month: Month) -> dict[str, dict[int, float]]:
    """Patrols the worker walked in the month, their hours and kilometres."""
    totals = patrol_totals(actor, month.first)
    wanted = [uid for uid in workers if uid in totals]
    return {
        "patrols": {uid: totals[uid][0] for uid in wanted},
        "patrol_hours": {uid: round(totals[uid][1] / 3600, 1) for uid in wanted},
        "patrol_km": {uid: round(totals[uid][2] / 1000, 1) for uid in wanted},
    }


COUNTERS: list[Counter] = [
    visits_made,
    people_due_and_seen,
    cases_reported_and_verified,
    help_contacts_on_time,
    care_needs_on_time,
    campaign_items_checked,
    patrols_walked,
]


# -- reading -------------------------------------------------------------------------------


def _bindings(workers: Sequence[int]) -> list[tuple[int, str]]:
    return list(
        JurisdictionBinding.objects.filter(user_id__in=workers)
        .order_by("user_id", "code")
        .values_list("user_id", "code")
    )


def require_reader(actor) -> None:
    if not has_role(actor, READER_ROLES) or not actor.is_active:
        raise NotAllowed(_("Your role does not read the grid-worker assessment."))


def assessment(*, actor, month: Month, area: str = "", own: bool = False) -> list[WorkerMonth]:
    """The month's figures of every grid worker bound inside the caller's jurisdiction
    (inside `area` when given), by name. `own`: only the caller's own row (a grid worker
    reading their month)."""
    User = get_user_model()
    if own:
        workers = User.objects.filter(pk=actor.pk, role__in=ASSESSED_ROLES, is_active=True)
    else:
        require_reader(actor)
        workers = scoped(
            User.objects.filter(role__in=ASSESSED_ROLES, is_active=True), actor, "bindings__code"
        )
        area = (area or "").strip()
        if area:
            if not area.isdigit() or not code_within(actor, area):
                raise NotFound(_("No such area in your jurisdiction."), field="area")
            workers = workers.filter(Q(bindings__code__startswith=area))
    users = list(workers.distinct().order_by("pk")[:MAX_WORKERS])
    ids = [u.pk for u in users]
    codes: dict[int, list[str]] = defaultdict(list)
    for user_id, code in _bindings(ids):
        codes[user_id].append(code)
    names = _grid_names({c for cs in codes.values() for c in cs})
    rows = {
        u.pk: WorkerMonth(
            user_id=u.pk,
            username=u.username,
            name=u.label,
            grids=codes[u.pk],
            grid_label="、".join(names.get(c, c) for c in codes[u.pk]) or "—",
        )
        for u in users
    }
    if ids:
        counted: dict[str, dict[int, float]] = {}
        for counter in COUNTERS:
            counted.update(counter(actor, ids, month))
        for user_id, row in rows.items():
            row.figures = {f.key: counted.get(f.key, {}).get(user_id, 0) for f in FIGURES}
    return sorted(rows.values(), key=lambda r: (r.grid_label, r.name))


def _grid_names(codes: set[str]) -> dict[str, str]:
    names = dict(Grid.objects.filter(code__in=codes).values_list("code", "name"))
    names.update(
        dict(Region.objects.filter(code__in=codes - set(names)).values_list("code", "name"))
    )
    return names


def by_grid(rows: Sequence[WorkerMonth]) -> list[WorkerMonth]:
    """The workers' figures summed per grid (a worker of two grids counts in each)."""
    grids: dict[str, WorkerMonth] = {}
    for row in rows:
        for code, label in zip(row.grids, row.grid_label.split("、"), strict=False):
            total = grids.setdefault(
                code, WorkerMonth(user_id=0, username="", name="", grids=[code], grid_label=label)
            )
            total.name = f"{total.name}、{row.name}" if total.name else row.name
            for key, value in row.figures.items():
                if key in PER_GRID:  # the grid's people, whoever of its workers is asked
                    total.figures[key] = max(total.figures.get(key, 0), value)
                else:
                    total.figures[key] = total.figures.get(key, 0) + value
    return sorted(grids.values(), key=lambda r: r.grids[0])


# -- the ledger ----------------------------------------------------------------------------


def _figure_column(figure: Figure) -> Column:
    return Column(str(figure.label), lambda row: row.figures.get(figure.key, 0), 12)


def assessment_ledger(*, actor, data, ip: str | None = None) -> LedgerFile:
    """The month's assessment as an XLSX (one row per grid worker, then one per grid),
    logged as an export."""
    month = month_of(data.get("month", ""))
    area = (data.get("area") or "").strip()
    rows = assessment(actor=actor, month=month, area=area)
    ledger = Ledger(
        name="assessment",
        title=f"网格员考核（{month.label}）",
        columns=[
            Column("网格", lambda r: r.grid_label, 18),
            Column("网格员", lambda r: r.name, 16),
            *[_figure_column(f) for f in FIGURES],
        ],
    )
    return ledger_export(
        actor=actor,
        ledger=ledger,
        rows=[*rows, *by_grid(rows)],
        filters={"month": month.key, "area": area},
        filter_labels=[("月份", month.label), ("区域", area)],
        ip=ip,
    )
