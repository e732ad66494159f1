"""The case figures the dashboard counts, each defined once and in two forms side by side: a
Python form for a case in hand (the rollup sweep) and a database expression for a query (the
set-based rebuild and the GROUP BY reference the dashboard is checked against).
insight/tests/test_metrics.py checks on random cases that the two forms agree.

- Reported day: the local (Asia/Shanghai) date the case was reported.
- Category group: the parent of the case's category, or the category itself when it has none.
- Resolved (化解): status resolved, verified or closed (`cases.models.RESOLVED_STATUSES`).
- Resolution time: the case's last step into `resolved` in its log (a note on a resolved case
  is not such a step).
- On time (按期化解): resolved, and its resolution time no later than its stored resolve
  deadline (`Case.resolve_due_at`: set when the resolve stage starts, moved by an approved
  extension and left alone after). A case without a deadline (no SLA rule applies) counts as
  on time; a resolved case without a step into `resolved` in its log does not. "By the
  deadline" is `cases.sla.within_deadline`, the rule disputes and petitions log too.
- Closed day: the local date a closed case was closed; none for any other status.
"""

from collections.abc import Iterable
from datetime import date, datetime

from django.db import models
from django.db.models import Max, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from fengqiao.cases.models import RESOLVED_STATUSES, CaseEvent, Category, Status
from fengqiao.cases.sla import within_deadline, within_deadline_q

# The name under which queries carry a case's resolution time (see `with_resolution`).
RESOLUTION = "resolution"


def local_day(moment: datetime) -> date:
    return timezone.localtime(moment).date()


# --- reported day ---------------------------------------------------------------------------


def reported_day(reported_at: datetime) -> date:
    return local_day(reported_at)


def reported_day_expression() -> TruncDate:
    return TruncDate("reported_at")  # in the current time zone, as local_day


# --- category group -------------------------------------------------------------------------


def category_groups() -> dict[int, int]:
    """Category id → its group's id (a group counts as its own group)."""
    return {pk: parent or pk for pk, parent in Category.objects.values_list("pk", "parent_id")}


def category_group_expression() -> Coalesce:
    return Coalesce("category__parent_id", "category_id")


# --- resolved -------------------------------------------------------------------------------


def is_resolved(status: str) -> bool:
    return status in RESOLVED_STATUSES


def resolved_q() -> Q:
    return Q(status__in=RESOLVED_STATUSES)


def resolved_sql(column: str = "status") -> str:
    """The same condition in SQL over a quoted status column (the rebuild's raw statements)."""
    return f"{column} IN (" + ", ".join(f"'{status.value}'" for status in RESOLVED_STATUSES) + ")"


# --- resolution time ------------------------------------------------------------------------


def is_resolution_step(from_status: str, to_status: str) -> bool:
    """Whether a log entry is a step into `resolved` (a note on a resolved case is not)."""
    return to_status == Status.RESOLVED and from_status != Status.RESOLVED


def _resolution_steps() -> models.QuerySet:
    return CaseEvent.objects.filter(to_status=Status.RESOLVED).exclude(from_status=Status.RESOLVED)


def resolution_times(case_ids: Iterable[int]) -> dict[int, datetime]:
    """Each case's resolution time, for many cases in one query (cases never resolved are
    missing)."""
    rows = (
        _resolution_steps()
        .filter(case_id__in=list(case_ids))
        .values("case_id")
        .annotate(at=Max("at"))
        .order_by()
    )
    return {row["case_id"]: row["at"] for row in rows}


def resolution_time_expression() -> Subquery:
    """The resolution time of the case a query is over, as a correlated subquery."""
    return Subquery(
        _resolution_steps()
        .filter(case_id=OuterRef("pk"))
        .order_by()
        .values("case_id")
        .annotate(at=Max("at"))
        .values("at")
    )


def with_resolution(cases: models.QuerySet) -> models.QuerySet:
    """Cases annotated with their resolution time, as `on_time_q` reads it."""
    return cases.annotate(**{RESOLUTION: resolution_time_expression()})


# --- on time --------------------------------------------------------------------------------


def is_on_time(status: str, resolved_at: datetime | None, due_at: datetime | None) -> bool:
    if not is_resolved(status) or resolved_at is None:
        return False
    return within_deadline(resolved_at, due_at)


def on_time_q() -> Q:
    """On time, over cases annotated by `with_resolution`."""
    return (
        resolved_q()
        & Q(**{f"{RESOLUTION}__isnull": False})
        & within_deadline_q(RESOLUTION, "resolve_due_at")
    )


def on_time_expression() -> models.Case:
    """On time as a boolean column, over cases annotated by `with_resolution`."""
    return models.Case(
        When(on_time_q(), then=Value(True)),
        default=Value(False),
        output_field=models.BooleanField(),
    )


# --- closed day -----------------------------------------------------------------------------


def closed_day(status: str, closed_at: datetime | None) -> date | None:
    return local_day(closed_at) if status == Status.CLOSED and closed_at else None


def closed_q() -> Q:
    """Cases that have a closed day."""
    return Q(status=Status.CLOSED, closed_at__isnull=False)


def closed_day_expression() -> models.Case:
    return models.Case(
        When(closed_q(), then=TruncDate("closed_at")),
        default=None,
        output_field=models.DateField(),
    )
