"""Every read of cases, scoped to the caller: jurisdiction, own unit, or own reports."""

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy

from fengqiao.cases import workflow
from fengqiao.cases.models import (
    OPEN_STATUSES,
    Case,
    CaseQuerySet,
    Category,
    HandlingUnit,
    Notification,
    Status,
    case_overdue_q,
)
from fengqiao.core import clock
from fengqiao.core.configcache import cached_config
from fengqiao.core.divisions import prefix_at
from fengqiao.core.errors import NotFound

QUEUES = {
    "new": "reported cases waiting to be accepted",
    "to_dispatch": "accepted cases waiting for a unit",
    "mine": "cases dispatched to me or my unit, or claimed by me",
    "overdue": "open cases past their deadline",
    "due_soon": "open cases past their warning time but not yet due",
    "escalated": "cases escalated to my level",
    "to_verify": "resolved cases waiting for a check",
    "closed": "closed, rejected and merged cases",
}
# The queue tabs by name, as the pages and the ledgers name them.
QUEUE_LABELS = {
    "new": gettext_lazy("New"),
    "to_dispatch": gettext_lazy("To dispatch"),
    "mine": gettext_lazy("Mine"),
    "overdue": gettext_lazy("Overdue"),
    "due_soon": gettext_lazy("Due soon"),
    "escalated": gettext_lazy("Escalated"),
    "to_verify": gettext_lazy("To verify"),
    "closed": gettext_lazy("Finished"),
}

# The queue page's sortable columns (?sort=key or -key, core.sorting): key → model fields.
CASE_SORTS = {
    "code": ("code",),
    "title": ("title",),
    "category": ("category__name",),
    "status": ("status",),
    "level": ("level",),
    "place": ("village__name", "grid__name"),
    "with": ("unit__name",),
    "reported_at": ("reported_at",),
    "due_at": ("due_at",),
}


def _base() -> CaseQuerySet:
    return Case.objects.select_related("category", "village", "grid", "unit", "assignee")


def case_list(
    *,
    actor,
    queue: str = "",
    q: str = "",
    status: str = "",
    category: str = "",
    level: str = "",
    channel: str = "",
) -> QuerySet[Case]:
    """Cases the actor may see: inside their jurisdiction, with their unit, or reported by
    them (residents see only their own)."""
    qs: QuerySet[Case] = _base().visible_to(actor)
    qs = _queue(qs, actor, queue)
    if q:
        qs = qs.filter(Q(code__icontains=q) | Q(title__icontains=q) | Q(address__icontains=q))
    if status:
        qs = qs.filter(status=status)
    if category:
        qs = qs.filter(Q(category__code=category) | Q(category__parent__code=category))
    if level:
        qs = qs.filter(level=level)
    if channel:
        qs = qs.filter(channel=channel)
    return qs


def _queue(qs: QuerySet[Case], actor, queue: str) -> QuerySet[Case]:
    now = clock.now()
    if not queue:
        return qs
    if queue == "new":
        return qs.filter(status=Status.REPORTED)
    if queue == "to_dispatch":
        return qs.filter(status=Status.ACCEPTED)
    if queue == "mine":
        # The unit as a subquery: a join on its members would repeat a case once per member.
        units = HandlingUnit.objects.filter(members=actor).values("pk")
        return qs.filter(
            Q(assignee=actor) | Q(unit__in=units, assignee__isnull=True),
            status__in=[Status.DISPATCHED, Status.CLAIMED],
        )
    if queue == "overdue":
        return qs.filter(case_overdue_q(now))
    if queue == "due_soon":
        return qs.filter(status__in=OPEN_STATUSES, warn_at__lte=now, due_at__gte=now)
    if queue == "escalated":
        return qs.filter(events__action="escalate", status__in=OPEN_STATUSES).distinct()
    if queue == "to_verify":
        return qs.filter(status=Status.RESOLVED)
    if queue == "closed":
        return qs.filter(status__in=[Status.CLOSED, Status.REJECTED, Status.MERGED])
    raise NotFound(f"Unknown queue {queue!r}.", field="queue")


def case_get(*, actor, case_id: int | None = None, code: str | None = None) -> Case:
    qs = case_list(actor=actor)
    case = qs.filter(pk=case_id).first() if case_id is not None else qs.filter(code=code).first()
    if case is None:
        raise NotFound()
    return case


def case_timeline(*, case: Case):
    return case.events.select_related("actor").order_by("seq")


def case_actions(*, actor, case: Case) -> list[tuple[str, str]]:
    """Buttons to draw; photos and files have their own upload form."""
    return [(a, label) for a, label in workflow.allowed_actions(actor, case) if a != "attach"]


def queue_counts(*, actor, names=tuple(QUEUES)) -> dict[str, int]:
    """How many cases the actor sees in each of the queues `names` (all by default)."""
    return {name: case_list(actor=actor, queue=name).count() for name in names}


def category_choices() -> QuerySet[Category]:
    return Category.objects.filter(is_active=True, parent__isnull=False).select_related("parent")


def category_by_code(code: str) -> Category | None:
    """An active category (not a group) by code, from this process's copy (core.configcache);
    the instance is shared: read it, never change it."""
    return cached_config("categories", lambda: {c.code: c for c in category_choices()}).get(code)


def bulk_unit_choices(*, actor, cases) -> QuerySet[HandlingUnit]:
    """Units any of `cases` (rows the actor sees) can go to, for a bulk dispatch form; each
    row's step checks its own unit again."""
    areas = {(c.region_code[:9], c.region_code[:6]) for c in cases}
    q = Q(pk__in=[])
    for township, county in areas:
        q |= Q(region_code=township) | Q(region_code=county)
    return HandlingUnit.objects.filter(q).exclude(kind="mediation").order_by("region_code", "name")


def unit_choices(*, actor, case: Case) -> QuerySet[HandlingUnit]:
    """Units a case can go to: those of the case's township and county (mediation committees
    take disputes by assignment to a mediator, not by dispatch)."""
    areas = [prefix_at(case.region_code, level) for level in ("township", "county")]
    return HandlingUnit.objects.filter(region_code__in=areas).exclude(kind="mediation")


def inbox(*, actor, unread_only: bool = False) -> QuerySet[Notification]:
    qs = Notification.objects.filter(recipient=actor).select_related("case")
    return qs.filter(read_at__isnull=True) if unread_only else qs
