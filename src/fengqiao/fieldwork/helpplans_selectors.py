"""Reads of help plans: only the plans the caller may see (fieldwork.helpplans), each view
written to the access log; the due and overdue first, with the pending T+1 contacts; and the
month's totals per responsible person for the assessment (counts only, not logged)."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.contrib.auth import get_user_model
from django.db.models import Max, QuerySet

from fengqiao.core import clock
from fengqiao.core.audit import common_region
from fengqiao.core.errors import NotFound
from fengqiao.core.roles import Role, has_role
from fengqiao.core.scoping import actor_prefixes, around_q
from fengqiao.fieldwork import helpplans as rules
from fengqiao.fieldwork.models import HelpContact, HelpKind, HelpPlan

DUE_SOON_DAYS = 3  # a contact due within this many days is listed as due


@dataclass
class ContactView:
    id: int
    due_on: date
    done_at: datetime
    on_time: bool
    by: str
    mode: str
    mode_label: str
    note: str


@dataclass
class PlanView:
    id: int
    person_id: int
    name: str
    id_number_masked: str
    region_code: str
    kind: str | None  # None for those who may not see it
    kind_label: str
    starts_on: date
    returned_on: date | None  # likewise
    contact_every_days: int
    status: str
    due_on: date | None  # None once closed
    state: str  # overdue | due | later | closed
    t_plus_1: bool  # a returnee's first contact is still to be made (shown with the kind)
    last_contact_at: datetime | None
    members: list[dict]
    may_record: bool
    may_close: bool
    notes: str = ""
    contacts: list[ContactView] = field(default_factory=list)


def _view(actor, plan: HelpPlan, last: datetime | None, today: date) -> PlanView:
    returned_on = rules.plan_returned_on(plan)
    shown = rules.may_see_kind(actor)
    kind = rules.plan_kind(plan) if shown else None
    active = plan.status == HelpPlan.Status.ACTIVE
    due_on = rules.due_after(plan, returned_on, last) if active else None
    if due_on is None:
        state = "closed"
    elif due_on < today:
        state = "overdue"
    elif due_on <= today + timedelta(days=DUE_SOON_DAYS):
        state = "due"
    else:
        state = "later"
    return PlanView(
        id=plan.pk,
        person_id=plan.person_id,
        name=plan.person.name,
        id_number_masked=plan.person.id_number_masked,
        region_code=plan.region_code,
        kind=kind,
        kind_label=str(HelpKind(kind).label) if kind else "",
        starts_on=plan.starts_on,
        returned_on=returned_on if shown else None,
        contact_every_days=plan.contact_every_days,
        status=plan.status,
        due_on=due_on,
        state=state,
        t_plus_1=shown and active and returned_on is not None and last is None,
        last_contact_at=last,
        members=[
            {"user_id": m.user_id, "name": m.user.label, "duty": m.duty} for m in plan.members.all()
        ],
        may_record=rules.may_record(actor, plan),
        may_close=active and rules.may_manage(actor, plan),
    )


_ORDER = {"overdue": 0, "due": 1, "later": 2, "closed": 3}


def helpplan_list(*, actor, due_only: bool = False, mine: bool = False) -> list[PlanView]:
    """The plans the caller may see, overdue and due first; `due_only` keeps those two,
    `mine` the plans naming the caller. One access-log row names how many were shown."""
    plans = rules.plans_visible_to(actor)
    if mine:
        plans = plans.filter(members__user=actor)
    if due_only:
        plans = plans.filter(status=HelpPlan.Status.ACTIVE)
    plans = (
        plans.select_related("person")
        .prefetch_related("members__user")
        .annotate(last=Max("contacts__done_at"))
    )
    today = clock.localdate()
    items = [_view(actor, plan, plan.last, today) for plan in plans]
    if due_only:
        items = [i for i in items if i.state in ("overdue", "due")]
    items.sort(key=lambda i: (_ORDER[i.state], i.due_on or date.max, i.name))
    rules.log_view(actor, count=len(items), region=common_region([i.region_code for i in items]))
    return items


def helpplan_get(*, actor, plan_id: int) -> PlanView:
    """One plan with its contacts, newest first; the view is written to the access log."""
    plan = (
        rules.plans_visible_to(actor)
        .select_related("person")
        .prefetch_related("members__user")
        .filter(pk=plan_id)
        .first()
        if 0 < plan_id < 2**62
        else None
    )
    if plan is None:
        raise NotFound()
    contacts = list(plan.contacts.select_related("by"))
    last = contacts[0].done_at if contacts else None
    item = _view(actor, plan, last, clock.localdate())
    item.notes = rules.plan_notes(plan)
    item.contacts = [
        ContactView(
            id=c.pk,
            due_on=c.due_on,
            done_at=c.done_at,
            on_time=clock.localdate(c.done_at) <= c.due_on,
            by=c.by.label,
            mode=c.mode,
            mode_label=str(c.get_mode_display()),
            note=rules.contact_note(c),
        )
        for c in contacts
    ]
    rules.log_view(actor, plan=plan)
    return item


def helpplan_totals(actor, month: date) -> dict[int, tuple[int, int]]:
    """For the month holding `month`: per responsible person of the plans the caller may
    see, (contacts due that month, of them done on time). A contact due and not made by the
    end of its day counts as due and not on time; each plan counts for all its people."""
    first = month.replace(day=1)
    after = (first + timedelta(days=32)).replace(day=1)
    today = clock.localdate()
    plans = list(
        rules.plans_visible_to(actor)
        .prefetch_related("members")
        .annotate(last=Max("contacts__done_at"))
    )
    counted: dict[int, list[int]] = {}
    for plan_id, due_on, done_at in HelpContact.objects.filter(
        plan__in=[p.pk for p in plans], due_on__gte=first, due_on__lt=after
    ).values_list("plan_id", "due_on", "done_at"):
        counts = counted.setdefault(plan_id, [0, 0])
        counts[0] += 1
        counts[1] += clock.localdate(done_at) <= due_on
    totals: dict[int, list[int]] = {}
    for plan in plans:
        due, on_time = counted.get(plan.pk, (0, 0))
        if plan.status == HelpPlan.Status.ACTIVE:
            pending = rules.due_after(plan, rules.plan_returned_on(plan), plan.last)
            if first <= pending < after and pending < today:
                due += 1  # missed, still not made
        if not due:
            continue
        for member in plan.members.all():
            counts = totals.setdefault(member.user_id, [0, 0])
            counts[0] += due
            counts[1] += on_time
    return {user_id: (d, o) for user_id, (d, o) in totals.items()}


def responsible_candidates(actor) -> QuerySet:
    """Staff who may be named on a plan the actor makes: those working inside the actor's
    jurisdiction or in an area containing it (the township police, the county's social
    workers). The service still checks that each covers the person."""
    users = get_user_model().objects.filter(is_active=True).exclude(role=Role.RESIDENT)
    if not has_role(actor, rules.MANAGER_ROLES):
        return users.none()
    prefixes = actor_prefixes(actor)
    if prefixes is not None:
        users = users.filter(around_q(prefixes, "bindings__code"))
    return users.distinct().order_by("role", "username")
