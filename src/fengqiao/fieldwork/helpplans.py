"""Help plans (帮教) for key people: who may see and write them, and the writes.

Seeing a plan: the roles that may see sensitive tags, inside their jurisdiction, and the
plan's responsible people (a grid worker named on a plan sees that plan, and no other). Only
the sensitive-tag roles are shown the kind. Every view is written to the access log (the
selectors do it); every write leaves one audit row in its transaction.

The schedule is computed, not stored: the first contact is due on `starts_on` — for a drug-rehab
returnee on the next working day after the return (T+1) — then `contact_every_days` after the
last contact done. A contact keeps the day it was due, so "on time" is one comparison."""

from datetime import date, datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from fengqiao.campaigns.targets import check_recent
from fengqiao.core import clock, crypto
from fengqiao.core.audit import audit_record, request_ip_var
from fengqiao.core.calendar import working_calendar
from fengqiao.core.errors import NotAllowed, NotFound, ValidationFailed
from fengqiao.core.models import AccessLog
from fengqiao.core.roles import SENSITIVE_TAG_ROLES, STAFF_ROLES, Role, has_role
from fengqiao.core.scoping import code_within, contains
from fengqiao.fieldwork.models import (
    ContactMode,
    HelpContact,
    HelpKind,
    HelpPlan,
    HelpPlanMember,
)
from fengqiao.registry.models import Person

MANAGER_ROLES = frozenset({Role.CENTRE_STAFF, Role.ADMIN})
DEFAULT_EVERY_DAYS = {HelpKind.CORRECTION: 30, HelpKind.DRUG_REHAB: 30, HelpKind.MENTAL_ILLNESS: 7}
MAX_MEMBERS = 10
MAX_NOTE = 2000
MAX_DUTY = 40
PLAN_SPAN = timedelta(days=366)  # a plan may start up to a year before or after today


# -- sealing -----------------------------------------------------------------------------


def kind_hash(person_id: int, kind: str) -> str:
    """Keyed per person, like a sensitive tag's: equal kinds never give equal hashes."""
    return crypto.lookup_hash(f"helpplan:{person_id}:{kind}")


def plan_kind(plan: HelpPlan) -> str:
    return crypto.open_field(plan, "kind_sealed")


def plan_returned_on(plan: HelpPlan) -> date | None:
    token = plan.returned_on_sealed
    return date.fromisoformat(crypto.open_field(plan, "returned_on_sealed")) if token else None


def plan_notes(plan: HelpPlan) -> str:
    return crypto.open_field(plan, "notes_sealed") if plan.notes_sealed else ""


def contact_note(contact: HelpContact) -> str:
    return crypto.open_field(contact, "note_sealed") if contact.note_sealed else ""


# -- who sees what -----------------------------------------------------------------------


def plans_visible_to(actor) -> QuerySet[HelpPlan]:
    """The sensitive-tag roles' plans inside their jurisdiction, and the plans naming the actor
    as a responsible person."""
    if not has_role(actor, STAFF_ROLES):
        return HelpPlan.objects.none()
    by_role = HelpPlan.objects.visible_to(actor).values("pk")
    named = HelpPlanMember.objects.filter(user=actor).values("plan_id")
    return HelpPlan.objects.filter(Q(pk__in=by_role) | Q(pk__in=named))


def may_see_kind(actor) -> bool:
    return has_role(actor, SENSITIVE_TAG_ROLES)


def is_member(actor, plan: HelpPlan) -> bool:
    return any(m.user_id == actor.pk for m in plan.members.all())  # prefetched in lists


def may_manage(actor, plan: HelpPlan) -> bool:
    return has_role(actor, MANAGER_ROLES) and code_within(actor, plan.region_code)


def may_record(actor, plan: HelpPlan) -> bool:
    return plan.status == HelpPlan.Status.ACTIVE and (
        may_manage(actor, plan) or is_member(actor, plan)
    )


def log_view(actor, *, plan: HelpPlan | None = None, count: int = 0, region: str = "") -> None:
    """One access-log row per view of a plan, or per list of plans (naming the count)."""
    AccessLog.objects.create(
        actor=actor,
        action=AccessLog.Action.REVEAL,
        object_type="help_plan",
        object_id=str(plan.pk) if plan else "",
        field="plan" if plan else "list",
        detail="" if plan else f"{count} plans",
        region_code=plan.region_code if plan else region,
        ip=request_ip_var.get(),
        at=clock.now(),
    )


# -- the schedule ------------------------------------------------------------------------


def first_due(plan: HelpPlan, returned_on: date | None) -> date:
    """T+1: a returnee's first community contact is due the next working day after return."""
    if returned_on is not None:
        return working_calendar().next_workday(returned_on)
    return plan.starts_on


def due_after(plan: HelpPlan, returned_on: date | None, last_done: datetime | None) -> date:
    if last_done is None:
        return first_due(plan, returned_on)
    return clock.localdate(last_done) + timedelta(days=plan.contact_every_days)


# -- writes ------------------------------------------------------------------------------


def _member_users(person: Person, members) -> list[tuple[object, str]]:
    found, seen = [], set()
    if not members:
        raise ValidationFailed(_("Name at least one responsible person."), field="members")
    if len(members) > MAX_MEMBERS:
        raise ValidationFailed(
            _("At most %(n)d responsible people.") % {"n": MAX_MEMBERS}, field="members"
        )
    users = get_user_model().objects.filter(is_active=True).exclude(role=Role.RESIDENT)
    for user_id, duty in members:
        duty = (duty or "").strip()
        if not duty or len(duty) > MAX_DUTY:
            raise ValidationFailed(_("Give each responsible person's duty."), field="members")
        user = users.filter(pk=user_id).first() if 0 < user_id < 2**62 else None
        prefixes = user.scope_prefixes() if user is not None else []
        covers = prefixes is None or any(contains(p, person.region_code) for p in prefixes or [])
        if user is None or not covers or user.pk in seen:
            raise ValidationFailed(
                _("Each responsible person must work where the person lives."), field="members"
            )
        seen.add(user.pk)
        found.append((user, duty))
    return found


def helpplan_create(
    *,
    actor,
    person_id: int,
    kind: str,
    members,
    starts_on: date | None = None,
    returned_on: date | None = None,
    contact_every_days: int | None = None,
    notes: str = "",
) -> HelpPlan:
    """A plan for a person in the actor's reach, naming (user id, duty) responsible people
    whose jurisdiction covers the person. Centre staff and administrators."""
    if not has_role(actor, MANAGER_ROLES):
        raise NotAllowed(_("Only centre staff make help plans."))
    person = (
        Person.objects.visible_to(actor).filter(pk=person_id).first()
        if 0 < person_id < 2**62
        else None
    )
    if person is None:
        raise NotFound(_("No such person in your area."), field="person_id")
    if kind not in HelpKind.values:
        raise ValidationFailed(_("Choose the kind of help plan."), field="kind")
    today = clock.localdate()
    starts_on = starts_on or today
    if abs(starts_on - today) > PLAN_SPAN:
        raise ValidationFailed(_("Start the plan within a year of today."), field="starts_on")
    if returned_on is not None:
        if kind != HelpKind.DRUG_REHAB:
            raise ValidationFailed(
                _("Only a drug-rehabilitation plan has a return day."), field="returned_on"
            )
        if returned_on > today or today - returned_on > PLAN_SPAN:
            raise ValidationFailed(
                _("Give the day of return (not in the future)."), field="returned_on"
            )
    every = contact_every_days
    if every is None:
        every = DEFAULT_EVERY_DAYS[HelpKind(kind)]
    if not 1 <= every <= 366:
        raise ValidationFailed(_("Give 1 to 366 days."), field="contact_every_days")
    notes = (notes or "").strip()
    if len(notes) > MAX_NOTE:
        raise ValidationFailed(_("The notes are too long."), field="notes")
    people = _member_users(person, members)
    hashed = kind_hash(person.pk, kind)
    if HelpPlan.objects.filter(person=person, kind_hash=hashed, status="active").exists():
        raise ValidationFailed(_("This person already has such a plan."), field="kind")
    try:
        with transaction.atomic():
            plan = HelpPlan.objects.create(
                person=person,
                region_code=person.region_code,
                kind_sealed=crypto.encrypt(kind),
                kind_hash=hashed,
                starts_on=starts_on,
                returned_on_sealed=crypto.encrypt(returned_on.isoformat()) if returned_on else "",
                contact_every_days=every,
                notes_sealed=crypto.encrypt(notes),
                created_by=actor,
                created_at=clock.now(),
            )
            crypto.bind_row(plan)
            HelpPlanMember.objects.bulk_create(
                [HelpPlanMember(plan=plan, user=user, duty=duty) for user, duty in people]
            )
            audit_record(
                actor=actor,
                entity=plan,
                action="create",
                changes={  # never the kind, the return day or the notes
                    "person": [None, person.pk],
                    "members": [None, [user.pk for user, _duty in people]],
                    "contact_every_days": [None, every],
                },
            )
    except IntegrityError as exc:  # the same plan, made twice at once
        raise ValidationFailed(_("This person already has such a plan."), field="kind") from exc
    return plan


def _visible_plan(actor, plan_id: int) -> HelpPlan:
    plan = plans_visible_to(actor).filter(pk=plan_id).first() if 0 < plan_id < 2**62 else None
    if plan is None:
        raise NotFound()
    return plan


def _check_done_at(done_at: datetime | None) -> datetime:
    return check_recent(
        done_at,
        field="done_at",
        future=_("A contact cannot be in the future."),
        too_old=_("A contact older than 30 days cannot be recorded here."),
    )


def contact_record(
    *,
    actor,
    plan_id: int,
    mode: str = ContactMode.VISIT,
    note: str = "",
    done_at: datetime | None = None,
    client_id: str | None = None,
) -> HelpContact:
    """A contact made under an active plan, by a responsible person or the centre; the same
    `client_id` from the same person returns the first contact (`is_new = False`)."""
    client_id = (client_id or "").strip()[:64] or None
    plan = _visible_plan(actor, plan_id)
    if client_id:
        earlier = HelpContact.objects.filter(by=actor, client_id=client_id, plan=plan).first()
        if earlier is not None:
            earlier.is_new = False
            return earlier
    if not may_record(actor, plan):
        raise NotAllowed(_("Only the plan's responsible people and the centre record contacts."))
    if mode not in ContactMode.values:
        raise ValidationFailed(_("Choose how the contact was made."), field="mode")
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise ValidationFailed(_("The note is too long."), field="note")
    done_at = _check_done_at(done_at)
    before = plan.contacts.filter(done_at__lt=done_at).order_by("-done_at").first()
    due_on = due_after(plan, plan_returned_on(plan), before.done_at if before else None)
    try:
        with transaction.atomic():
            contact = HelpContact.objects.create(
                plan=plan,
                due_on=due_on,
                done_at=done_at,
                by=actor,
                mode=mode,
                note_sealed=crypto.encrypt(note),
                client_id=client_id,
                created_at=clock.now(),
            )
            crypto.bind_row(contact)
            audit_record(
                actor=actor,
                entity=contact,
                action="create",
                region_code=plan.region_code,
                changes={
                    "plan": [None, plan.pk],
                    "mode": [None, mode],
                    "due_on": [None, due_on.isoformat()],
                },
            )
    except IntegrityError:  # the same client id, sent twice at once
        earlier = HelpContact.objects.filter(by=actor, client_id=client_id).first()
        if earlier is None:
            raise
        earlier.is_new = False
        return earlier
    contact.is_new = True
    return contact


def helpplan_close(*, actor, plan_id: int, reason: str) -> HelpPlan:
    """Close an active plan with a reason (sealed). Centre staff and administrators."""
    plan = _visible_plan(actor, plan_id)
    if not may_manage(actor, plan):
        raise NotAllowed(_("Only centre staff close help plans."))
    if plan.status != HelpPlan.Status.ACTIVE:
        raise ValidationFailed(_("The plan is closed already."), field="status")
    reason = (reason or "").strip()
    if not reason or len(reason) > MAX_NOTE:
        raise ValidationFailed(_("Give the reason for closing."), field="reason")
    with transaction.atomic():
        plan.status = HelpPlan.Status.CLOSED
        plan.closed_at = clock.now()
        plan.close_reason_sealed = crypto.seal_field(plan, "close_reason_sealed", reason)
        plan.save(update_fields=["status", "closed_at", "close_reason_sealed"])
        audit_record(
            actor=actor,
            entity=plan,
            action="close",
            changes={"status": [HelpPlan.Status.ACTIVE, HelpPlan.Status.CLOSED]},
        )
    return plan
