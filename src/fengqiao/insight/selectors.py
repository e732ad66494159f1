"""Dashboard reads, scoped to the caller: figures from the rollups, and the same figures by a
plain GROUP BY over the case table (the reference, and the path for a single grid)."""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db import connection
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fengqiao.cases.models import LEVEL_ORDER, OPEN_STATUSES, Case, Category, Status, case_overdue_q
from fengqiao.core import clock
from fengqiao.core.errors import NotAllowed, NotFound, ValidationFailed
from fengqiao.core.roles import Role, has_role
from fengqiao.core.scoping import actor_prefixes, code_within, contains, prefix_q
from fengqiao.insight import metrics
from fengqiao.insight.models import (
    LEVEL_COLUMNS,
    RESOLVED_COLUMNS,
    STATUS_COLUMNS,
    CaseCategoryRollup,
    CaseDailyRollup,
    Scale,
)
from fengqiao.insight.rollup import SCALE_DIGITS
from fengqiao.regions.models import Grid, Region

DASHBOARD_ROLES = frozenset({Role.ADMIN, Role.LEADER, Role.CENTRE_STAFF})
TREND_DAYS = 30
MAX_DAYS = 3 * 366
COARSE_FIRST = sorted(SCALE_DIGITS.items(), key=lambda item: item[1])
# The period sums: the first two are also the trend's (reported, closed).
SUM_COLUMNS = [
    "reported",
    "closed",
    "on_time",
    *STATUS_COLUMNS.values(),
    *LEVEL_COLUMNS.values(),
    *RESOLVED_COLUMNS.values(),
]


@dataclass
class Figures:
    """Raw counts for cases reported in [start, end] inside some code prefixes; the trend
    covers the last TREND_DAYS days up to `end` (cases reported, cases closed per day)."""

    by_status: Counter = field(default_factory=Counter)
    by_group: Counter = field(default_factory=Counter)
    by_level: Counter = field(default_factory=Counter)
    resolved_by_level: Counter = field(default_factory=Counter)
    on_time: int = 0
    reported_per_day: Counter = field(default_factory=Counter)
    closed_per_day: Counter = field(default_factory=Counter)

    def add(self, other: "Figures") -> None:
        for name in (
            "by_status",
            "by_group",
            "by_level",
            "resolved_by_level",
            "reported_per_day",
            "closed_per_day",
        ):
            getattr(self, name).update(getattr(other, name))
        self.on_time += other.on_time

    def comparable(self) -> dict:
        """Every figure with zero counts dropped (for comparing two ways of counting)."""
        return {
            name: {k: v for k, v in getattr(self, name).items() if v}
            for name in (
                "by_status",
                "by_group",
                "by_level",
                "resolved_by_level",
                "reported_per_day",
                "closed_per_day",
            )
        } | {"on_time": self.on_time}


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    zone = timezone.get_current_timezone()
    return (
        datetime.combine(start, time.min, tzinfo=zone),
        datetime.combine(end + timedelta(days=1), time.min, tzinfo=zone),
    )


def _trend_start(end: date) -> date:
    return end - timedelta(days=TREND_DAYS - 1)


def _outermost(prefixes: list[str]) -> list[str]:
    """Drop prefixes inside another one, so nothing is counted twice."""
    kept: list[str] = []
    for prefix in sorted(set(prefixes), key=len):
        if not any(contains(other, prefix) for other in kept):
            kept.append(prefix)
    return kept


# --- the reference: GROUP BY over the case table ------------------------------------------


def figures_from_cases(prefixes: list[str], start: date, end: date) -> Figures:
    """The figures straight from the case table and its log (no rollups)."""
    prefixes = _outermost(prefixes)
    inside = Q() if "" in prefixes else prefix_q(prefixes)
    low, high = _bounds(start, end)
    cases = Case.objects.filter(inside, reported_at__gte=low, reported_at__lt=high).order_by()
    figures = Figures()

    def counts(qs, key) -> Counter:
        return Counter({row["k"]: row["n"] for row in qs.values(k=key).annotate(n=Count("pk"))})

    figures.by_status = counts(cases, F("status"))
    figures.by_level = counts(cases, F("level"))
    figures.by_group = counts(cases, metrics.category_group_expression())
    figures.resolved_by_level = counts(cases.filter(metrics.resolved_q()), F("level"))
    figures.on_time = metrics.with_resolution(cases).filter(metrics.on_time_q()).count()
    trend_low, _ = _bounds(_trend_start(end), end)
    in_trend = Case.objects.filter(inside).order_by()
    figures.reported_per_day = counts(
        in_trend.filter(reported_at__gte=trend_low, reported_at__lt=high),
        metrics.reported_day_expression(),
    )
    figures.closed_per_day = counts(
        in_trend.filter(metrics.closed_q(), closed_at__gte=trend_low, closed_at__lt=high),
        metrics.closed_day_expression(),
    )
    return figures


# --- the fast path: rollups ---------------------------------------------------------------


def _scale(prefix: str) -> Scale:
    """The coarsest scale whose areas lie inside the prefix (a city scope reads city rows)."""
    return next(scale for scale, digits in COARSE_FIRST if len(prefix) <= digits)


def _areas_sql(prefixes: list[str]) -> tuple[str, list]:
    """WHERE condition of the rollup rows inside the prefixes (ranges, not LIKE: they use the
    (scale, region_code, day …) index on both databases; codes are digits and "A" sorts after
    every digit in C and linguistic collations)."""
    terms, params = [], []
    for prefix in prefixes:
        if prefix:
            terms.append("(scale = %s AND region_code >= %s AND region_code < %s)")
            params += [_scale(prefix).value, prefix, prefix + "A"]
        else:
            terms.append("scale = %s")
            params.append(Scale.CITY.value)
    return "(" + " OR ".join(terms) + ")", params


def _rollup_query(prefixes: list[str], start: date, end: date) -> tuple[str, list]:
    """One statement for every figure: the period's sums (part 0), the trend per day (1) and
    the cases per category group (2), as rows of (part, day, group, counters…)."""
    q = connection.ops.quote_name
    daily, category = (q(m._meta.db_table) for m in (CaseDailyRollup, CaseCategoryRollup))
    where, area = _areas_sql(prefixes)
    width = len(SUM_COLUMNS)
    sums = ", ".join(f"SUM({q(c)})" for c in SUM_COLUMNS)
    pad = ", 0" * (width - 2)
    day = connection.ops.adapt_datefield_value
    sql = (
        f"SELECT 0, CAST(NULL AS date), CAST(NULL AS bigint), {sums} FROM {daily} "  # noqa: S608
        f"WHERE {where} AND day >= %s AND day <= %s "
        f"UNION ALL SELECT 1, day, CAST(NULL AS bigint), SUM(reported), SUM(closed){pad} "
        f"FROM {daily} WHERE {where} AND day >= %s AND day <= %s GROUP BY day "
        f"UNION ALL SELECT 2, CAST(NULL AS date), group_id, SUM(reported), 0{pad} "
        f"FROM {category} WHERE {where} AND day >= %s AND day <= %s GROUP BY group_id"
    )
    params = [*area, day(start), day(end), *area, day(_trend_start(end)), day(end)]
    return sql, [*params, *area, day(start), day(end)]


def _as_date(value) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value  # SQLite: text


def figures_from_rollups(prefixes: list[str], start: date, end: date) -> Figures:
    """The figures from the rollups the worker keeps, in one query (a grid code, finer than
    any rollup, is counted from the case table: a few hundred cases at most)."""
    figures = Figures()
    prefixes = _outermost(prefixes)
    grids = [p for p in prefixes if len(p) > SCALE_DIGITS[Scale.VILLAGE]]
    if grids:
        figures.add(figures_from_cases(grids, start, end))
    areas = [p for p in prefixes if p not in grids]
    if not areas:
        return figures
    with connection.cursor() as cursor:
        cursor.execute(*_rollup_query(areas, start, end))
        rows = cursor.fetchall()
    for part, day, group_id, *values in rows:
        if part == 0:
            sums = dict(zip(SUM_COLUMNS, (v or 0 for v in values), strict=True))
            _add_sums(figures, sums)
        elif part == 1:
            figures.reported_per_day[_as_date(day)] += values[0]
            figures.closed_per_day[_as_date(day)] += values[1]
        else:
            figures.by_group[group_id] += values[0]
    return figures


def _add_sums(figures: Figures, sums: dict[str, int]) -> None:
    figures.by_status.update({s: sums[c] for s, c in STATUS_COLUMNS.items()})
    figures.by_level.update({lv: sums[c] for lv, c in LEVEL_COLUMNS.items()})
    figures.resolved_by_level.update({lv: sums[c] for lv, c in RESOLVED_COLUMNS.items()})
    figures.on_time += sums["on_time"]


# --- the scoped entry point ---------------------------------------------------------------


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def dashboard_get(*, actor, scope: str = "", days: int = 30, end: date | None = None) -> dict:
    """The dashboard of the actor's jurisdiction, or of `scope` (a region code inside it),
    for the `days` days up to `end` (today)."""
    if not has_role(actor, DASHBOARD_ROLES):
        raise NotAllowed()
    if not 1 <= days <= MAX_DAYS:
        raise ValidationFailed(f"days must be 1 to {MAX_DAYS}.", field="days")
    scope = scope.strip()
    if scope and not scope.isdigit():
        raise NotFound(field="scope")
    prefixes = actor_prefixes(actor)
    if scope:
        if not code_within(actor, scope):
            raise NotFound(field="scope")
        prefixes = [scope]
    elif prefixes is None:
        prefixes = [""]
    end = end or clock.localdate()
    start = end - timedelta(days=days - 1)
    figures = figures_from_rollups(prefixes, start, end) if prefixes else Figures()
    # A scope with cases names a place; one without is checked, so a mistyped code is an
    # error, not a page of zeros (the check costs a query only then).
    empty = not any(figures.by_status.values()) and not any(figures.reported_per_day.values())
    if scope and empty and not _names_a_place(scope):
        raise ValidationFailed(
            _("No area has the code %(code)s.") % {"code": scope},
            field="scope",
            code="unknown_scope",
        )
    payload = dashboard_payload(figures, scope=scope or ",".join(prefixes), start=start, end=end)
    return payload | open_now(prefixes)


def open_now(prefixes: list[str]) -> dict:
    """Open cases of the areas now, and how many of them are past their deadline: shown
    beside the on-time rate, which counts only resolved cases, so the two read together."""
    cases = Case.objects.filter(status__in=OPEN_STATUSES)
    if prefixes != [""]:
        cases = cases.filter(prefix_q(prefixes)) if prefixes else cases.none()
    counts = cases.aggregate(
        open=Count("pk"), overdue=Count("pk", filter=case_overdue_q(clock.now()))
    )
    return {"open_now": counts["open"], "overdue_now": counts["overdue"]}


def _names_a_place(scope: str) -> bool:
    """Whether a region or grid code starts with `scope` (a full code or its prefix)."""
    return (
        Region.objects.filter(code__startswith=scope).exists()
        or Grid.objects.filter(code__startswith=scope).exists()
    )


SCOPE_LEVELS = ("province", "city", "county", "township", "village")
MAX_SCOPE_CHOICES = 500


def scope_choices(*, actor) -> list[dict]:
    """Named areas the actor may pick for the dashboard: their jurisdiction and the regions
    inside it down to villages, in code order (code, name, and a label indented by level)."""
    prefixes = actor_prefixes(actor)
    regions = Region.objects.filter(level__in=SCOPE_LEVELS)
    if prefixes is not None:
        if not prefixes:
            return []
        regions = regions.filter(prefix_q(prefixes, "code"))
    rows = list(regions.order_by("code").values("code", "name", "level")[:MAX_SCOPE_CHOICES])
    top = min((SCOPE_LEVELS.index(r["level"]) for r in rows), default=0)
    return [
        {
            "code": r["code"],
            "name": r["name"],
            "label": "\u3000" * (SCOPE_LEVELS.index(r["level"]) - top) + r["name"],
        }
        for r in rows
    ]


def dashboard_payload(figures: Figures, *, scope: str, start: date, end: date) -> dict:
    """Figures as the API and the page show them: counts, rates and a full 30-day trend."""
    reported = sum(figures.by_status.values())
    resolved = sum(figures.resolved_by_level.values())
    groups = {
        c.pk: c
        for c in Category.objects.filter(pk__in=[k for k, v in figures.by_group.items() if v])
    }
    days = [_trend_start(end) + timedelta(days=i) for i in range(TREND_DAYS)]
    return {
        "scope": scope,
        "start": start,
        "end": end,
        "reported": reported,
        "resolved": resolved,
        "on_time": figures.on_time,
        "on_time_rate": _rate(figures.on_time, resolved),
        "by_status": [
            {"key": s.value, "label": str(s.label), "count": figures.by_status[s.value]}
            for s in Status
        ],
        "by_level": [
            {"key": lv.value, "label": str(lv.label), "count": figures.by_level[lv.value]}
            for lv in LEVEL_ORDER
        ],
        "resolved_at_level": [
            {
                "key": lv.value,
                "label": str(lv.label),
                "count": figures.resolved_by_level[lv.value],
                "rate": _rate(figures.resolved_by_level[lv.value], resolved),
            }
            for lv in LEVEL_ORDER
        ],
        "by_group": sorted(
            (
                {
                    "key": groups[pk].code if pk in groups else str(pk),
                    "label": groups[pk].name if pk in groups else str(pk),
                    "label_en": groups[pk].name_en if pk in groups else str(pk),
                    "count": n,
                }
                for pk, n in figures.by_group.items()
                if n
            ),
            key=lambda row: -row["count"],
        ),
        "trend": [
            {
                "day": day,
                "reported": figures.reported_per_day[day],
                "closed": figures.closed_per_day[day],
            }
            for day in days
        ],
    }
