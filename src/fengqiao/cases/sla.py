"""SLA arithmetic: which rule applies, and when a stage is due and when to warn."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import F, Q

from fengqiao.cases.models import Case, Category, SlaRule, Status
from fengqiao.core.calendar import working_calendar
from fengqiao.core.configcache import cached_config
from fengqiao.core.workcalendar import WorkCalendar

# Which clock runs in which status, and which rule field sets it.
STAGE_OF_STATUS: dict[str, str] = {
    Status.REPORTED: "accept",
    Status.ACCEPTED: "accept",
    Status.DISPATCHED: "claim",
    Status.CLAIMED: "resolve",
}
FIELD_OF_STAGE = {"accept": "accept_within", "claim": "claim_within", "resolve": "resolve_within"}


@dataclass(frozen=True)
class Deadline:
    stage: str
    due_at: datetime
    warn_at: datetime


def within_deadline(at: datetime, due: datetime | None) -> bool:
    """Done by the deadline (按期): there is none, or `at` is no later than it. The same rule
    in a query: `within_deadline_q`."""
    return due is None or at <= due


def within_deadline_q(at: str, due: str) -> Q:
    """`within_deadline` over the fields (or annotations) named `at` and `due`."""
    return Q(**{f"{due}__isnull": True}) | Q(**{f"{at}__lte": F(due)})


def _rules_by_key() -> dict[tuple[int | None, str], SlaRule]:
    return {(rule.category_id, rule.level): rule for rule in SlaRule.objects.all()}


def rule_for(category: Category, level: str) -> SlaRule | None:
    """The most specific rule: the category, then its group, then the default (read from this
    process's copy of the rules, see core.configcache)."""
    rules = cached_config("sla-rules", _rules_by_key)
    for key in (category.pk, category.parent_id, None):
        if (key, level) in rules:
            return rules[(key, level)]
    return None


def add(start: datetime, amount: float, unit: str, calendar: WorkCalendar) -> datetime:
    if unit == SlaRule.Unit.MINUTES:
        return start + timedelta(minutes=amount)
    if unit == SlaRule.Unit.WORKHOURS:
        return calendar.add_workhours(start, amount)
    whole = int(amount)
    due = calendar.add_workdays(start, whole)
    if amount > whole:
        due = calendar.add_workhours(due, (amount - whole) * calendar.hours_per_day)
    return due


def deadline_for(
    case: Case, start: datetime, *, calendar: WorkCalendar | None = None, extra: float = 0.0
) -> Deadline | None:
    stage = STAGE_OF_STATUS.get(case.status)
    if stage is None:
        return None
    rule = rule_for(case.category, case.level)
    if rule is None:
        return None
    calendar = calendar or working_calendar()
    amount = getattr(rule, FIELD_OF_STAGE[stage]) + extra
    due = add(start, amount, rule.unit, calendar)
    warn = add(start, amount * rule.warn_ratio, rule.unit, calendar)
    return Deadline(stage=stage, due_at=due, warn_at=min(warn, due))
