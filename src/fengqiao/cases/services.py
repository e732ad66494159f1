"""Every write to a case: one transaction each, one CaseEvent each, notifications on commit.

The general steps of the table live here; reports are taken in by cases/intake.py
(`case_report`, re-exported here), and the lock-check-apply-log core is cases/transitions.py.
"""

from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from fengqiao.cases import hashchain, routing, sla, workflow
from fengqiao.cases.intake import case_report as case_report  # the public entry point
from fengqiao.cases.models import (
    LEVEL_ORDER,
    OPEN_STATUSES,
    Case,
    Category,
    HandlingUnit,
    Priority,
    Status,
)
from fengqiao.cases.transitions import locked_case, transition
from fengqiao.core import clock
from fengqiao.core.errors import Conflict, NotFound, ValidationFailed
from fengqiao.core.roles import Role
from fengqiao.core.scoping import code_within, contains


def case_accept(
    *,
    actor,
    case_id: int,
    note: str = "",
    category: Category | None = None,
    priority: str | None = None,
) -> Case:
    if priority is not None and priority not in Priority.values:
        raise ValidationFailed(_("Unknown priority."), field="priority")

    def mutate(case):
        if category is not None:
            if category.parent_id is None:
                raise ValidationFailed(_("Choose a category (not a group)."), field="category")
            case.category = category
        if priority is not None:
            case.priority = priority

    return transition(actor=actor, case_id=case_id, action="accept", note=note, mutate=mutate)


def case_reject(*, actor, case_id: int, reason: str) -> Case:
    if not reason.strip():
        raise ValidationFailed(_("Say why the report is rejected."), field="reason")

    def mutate(case):
        case.closed_at = clock.now()

    return transition(actor=actor, case_id=case_id, action="reject", note=reason, mutate=mutate)


def case_merge(*, actor, case_id: int, master_id: int, note: str = "") -> Case:
    """Close a duplicate with its master; it follows the master from now on."""
    if master_id == case_id:
        raise ValidationFailed(_("A case cannot be merged into itself."), field="master")
    master = Case.objects.filter(pk=master_id).first()
    if master is None or not master.is_visible_to(actor):
        raise NotFound(_("The master case was not found."), field="master")
    if master.status in (Status.MERGED, Status.REJECTED):
        raise Conflict(_("The master case is itself closed as rejected or merged."), field="master")

    def mutate(case):
        case.master = master
        case.closed_at = clock.now()

    with transaction.atomic():  # the merge and the master's note, or neither
        case = transition(
            actor=actor,
            case_id=case_id,
            action="merge",
            note=note,
            data={"master": master.code},
            mutate=mutate,
        )
        # A closed master takes no more notes (and no more steps); its duplicate still
        # points at it.
        if Case.objects.filter(pk=master.pk, status__in=OPEN_STATUSES).exists():
            case_note(
                actor=actor,
                case_id=master.pk,
                note=str(_("Merged duplicate %(code)s into this case.") % {"code": case.code}),
                data={"merged": case.code},
            )
    return case


def _unit_or_404(unit_id: int | None) -> HandlingUnit | None:
    if unit_id is None:
        return None
    unit = HandlingUnit.objects.filter(pk=unit_id).first()
    if unit is None:
        raise NotFound(_("Unknown handling unit."), field="unit")
    return unit


def _check_target(actor, unit: HandlingUnit | None, assignee) -> None:
    if unit is None and assignee is None:
        raise ValidationFailed(_("Dispatch to a handling unit or a person."), field="unit")
    if assignee is not None and (not assignee.is_active or assignee.role == Role.RESIDENT):
        raise ValidationFailed(_("Dispatch only to active staff."), field="assignee")


def check_assignee_reaches(case: Case, assignee, unit: HandlingUnit | None) -> None:
    """A "to whom" check from the target's side: the person a case goes to must be able to see
    it without the hand-off itself, through their jurisdiction or the unit it goes to."""
    if assignee is None or assignee.is_superuser or code_within(assignee, case.region_code):
        return
    if unit is not None and unit.members.filter(pk=assignee.pk).exists():
        return
    raise ValidationFailed(
        _("%(person)s works outside the place of this case and cannot take it.")
        % {"person": assignee.label},
        field="assignee",
    )


def _check_serves(unit: HandlingUnit | None, case: Case) -> None:
    """A unit takes cases of its own area (its township or county contains the case)."""
    if unit is not None and not contains(unit.region_code, case.region_code):
        raise ValidationFailed(
            _("%(unit)s does not serve the place of this case.") % {"unit": unit.name},
            field="unit",
        )


def _send_to(
    *, actor, case_id: int, action: str, unit_id, assignee, note: str, priority=None
) -> Case:
    """Dispatch or transfer: the case goes to a unit of its area, or to a person. A unit that
    does not handle the case's category is allowed (the operator decides) and logged as
    `off_category` (cases.routing.case_warnings tells the operator)."""
    unit = _unit_or_404(unit_id)
    _check_target(actor, unit, assignee)
    if priority is not None and priority not in Priority.values:
        raise ValidationFailed(_("Unknown priority."), field="priority")
    data = {
        "unit": unit.name if unit else None,
        "assignee": assignee.label if assignee else None,
    }

    def mutate(case):
        _check_serves(unit, case)
        check_assignee_reaches(case, assignee, unit)
        case.unit, case.assignee = unit, assignee
        if priority is not None:
            case.priority = priority
        if unit is not None and not routing.handles(unit, case):
            data["off_category"] = True

    return transition(
        actor=actor, case_id=case_id, action=action, note=note, mutate=mutate, data=data
    )


def case_dispatch(
    *, actor, case_id: int, unit_id: int | None = None, assignee=None, note: str = ""
) -> Case:
    return _send_to(
        actor=actor,
        case_id=case_id,
        action="dispatch",
        unit_id=unit_id,
        assignee=assignee,
        note=note,
    )


def case_accept_dispatch(
    *,
    actor,
    case_id: int,
    unit_id: int | None = None,
    assignee=None,
    priority: str | None = None,
    note: str = "",
) -> Case:
    """Accept a new report and send it on in one step (受理并派遣, the hotline operator's
    usual move): one transaction, one event from reported to dispatched."""
    return _send_to(
        actor=actor,
        case_id=case_id,
        action="accept_dispatch",
        unit_id=unit_id,
        assignee=assignee,
        note=note,
        priority=priority,
    )


def case_transfer(
    *, actor, case_id: int, unit_id: int | None = None, assignee=None, note: str = ""
) -> Case:
    return _send_to(
        actor=actor,
        case_id=case_id,
        action="transfer",
        unit_id=unit_id,
        assignee=assignee,
        note=note,
    )


def case_claim(*, actor, case_id: int, note: str = "") -> Case:
    """Sign for a dispatched case (签收). Exactly one concurrent claim wins."""

    def mutate(case):
        case.assignee = actor

    return transition(actor=actor, case_id=case_id, action="claim", note=note, mutate=mutate)


def case_return(*, actor, case_id: int, reason: str) -> Case:
    if not reason.strip():
        raise ValidationFailed(_("Say why the dispatch is wrong."), field="reason")

    def mutate(case):
        case.unit = case.assignee = None

    return transition(actor=actor, case_id=case_id, action="return", note=reason, mutate=mutate)


def case_resolve(*, actor, case_id: int, result: str) -> Case:
    if not result.strip():
        raise ValidationFailed(_("Describe what was done."), field="result")

    def mutate(case):
        case.result = result

    return transition(actor=actor, case_id=case_id, action="resolve", note=result, mutate=mutate)


def case_verify(*, actor, case_id: int, note: str = "") -> Case:
    return transition(actor=actor, case_id=case_id, action="verify", note=note)


def case_reopen(*, actor, case_id: int, reason: str) -> Case:
    """Back to the unit that handled it: the check failed or the resident is unhappy."""
    if not reason.strip():
        raise ValidationFailed(_("Say why the case is reopened."), field="reason")

    def mutate(case):
        case.rating = None
        case.rating_comment = ""

    return transition(actor=actor, case_id=case_id, action="reopen", note=reason, mutate=mutate)


def case_rate(*, actor, case_id: int, rating: int, comment: str = "") -> Case:
    """The resident's rating (1–5); the table's guard closes the case on a satisfied one."""
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        raise ValidationFailed(_("A rating is a whole number from 1 to 5."), field="rating")

    def mutate(case):
        case.rating, case.rating_comment = rating, comment[:300]
        if case.status == Status.CLOSED:
            case.closed_at = clock.now()

    return transition(
        actor=actor,
        case_id=case_id,
        action="rate",
        note=comment,
        data={"rating": rating},
        mutate=mutate,
    )


def case_close(*, actor, case_id: int, reason: str = "", at: datetime | None = None) -> Case:
    at = at or clock.now()

    def mutate(case):
        case.closed_at = at

    return transition(
        actor=actor, case_id=case_id, action="close", note=reason, mutate=mutate, at=at
    )


def case_escalate(*, actor, case_id: int, reason: str, at: datetime | None = None) -> Case:
    """Up one level (by decision, or by the sweep when overdue); back to be dispatched there."""
    if not reason.strip():
        raise ValidationFailed(_("Say why the case goes up."), field="reason")

    def mutate(case):
        case.level = workflow.next_level(case.level)
        case.unit = case.assignee = None

    return transition(
        actor=actor, case_id=case_id, action="escalate", note=reason, mutate=mutate, at=at
    )


def case_note(*, actor, case_id: int, note: str, data: dict | None = None) -> Case:
    if not note.strip():
        raise ValidationFailed(_("A note cannot be empty."), field="note")
    return transition(actor=actor, case_id=case_id, action="note", note=note, data=data)


def case_attach_event(*, actor, case_id: int, note: str, data: dict) -> Case:
    """The log row for photos or files added to a case (the files are stored by the caller
    in the same transaction, see cases.attachments)."""
    return transition(actor=actor, case_id=case_id, action="attach", note=note, data=data)


def case_request_extension(*, actor, case_id: int, days: float, reason: str) -> Case:
    if not 0 < days <= 30:
        raise ValidationFailed(_("Ask for between 0 and 30 working days."), field="days")
    if not reason.strip():
        raise ValidationFailed(_("Say why more time is needed."), field="reason")
    return transition(
        actor=actor, case_id=case_id, action="request_extension", note=reason, data={"days": days}
    )


def case_approve_extension(*, actor, case_id: int, note: str = "") -> Case:
    """Approved by the level above the case's: the resolve deadline moves by the days asked."""
    with transaction.atomic():
        case = locked_case(actor, case_id)
        workflow.step(case, "approve_extension", actor)  # state, role and level above
        request = case.events.filter(action="request_extension").order_by("-seq").first()
        if (
            request is None
            or case.events.filter(action="approve_extension", seq__gt=request.seq).exists()
        ):
            raise Conflict(_("There is no open extension request."), code="no_request")
        days = float(request.data.get("days", 0))

        def mutate(locked):
            from fengqiao.core.calendar import working_calendar

            calendar = working_calendar()
            locked.due_at = sla.add(locked.due_at or clock.now(), days, "workdays", calendar)
            locked.resolve_due_at = locked.due_at
            locked.warn_at = None
            locked.warned_for = ""

        return transition(
            actor=actor,
            case_id=case_id,
            action="approve_extension",
            note=note,
            data={"days": days},
            mutate=mutate,
        )


def case_step(
    *,
    actor,
    case_id: int,
    action: str,
    note: str = "",
    data: dict | None = None,
    mutate=None,
    at: datetime | None = None,
) -> Case:
    """A step of a case kind's own table (a mediation session, a referral, a petition reply):
    checked by the workflow, applied with `mutate(case)`, logged — in one transaction."""
    return transition(
        actor=actor, case_id=case_id, action=action, note=note, data=data, mutate=mutate, at=at
    )


def verify_log(case: Case) -> list[str]:
    """The case's chain checked, and its changes replayed against the row as stored."""
    values = Case.objects.filter(pk=case.pk).values(*hashchain.ROW_VALUES).get()
    return hashchain.verify_case(values, list(case.events.order_by("seq")))


__all__ = [name for name in dir() if name.startswith("case_")] + ["LEVEL_ORDER", "verify_log"]
