"""Every write to a case: one transaction each, one CaseEvent each, notifications on commit."""

import uuid
from datetime import UTC, datetime

from django.db import IntegrityError, connection, transaction
from django.db.models import Max
from django.utils.translation import gettext_lazy as _

from fengqiao.cases import duplicates, hashchain, notify, sla, workflow
from fengqiao.cases.models import (
    LEVEL_ORDER,
    OPEN_STATUSES,
    Case,
    CaseEvent,
    Category,
    Channel,
    HandlingUnit,
    Kind,
    Priority,
    Status,
)
from fengqiao.core import chain, clock, crypto
from fengqiao.core.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from fengqiao.core.roles import Role
from fengqiao.core.scoping import code_within
from fengqiao.registry import sealing
from fengqiao.registry.services import place_at

SYSTEM = workflow.SYSTEM
level_code = workflow.level_code


def _actor_label(actor) -> str:
    if actor == SYSTEM:
        return "system"
    return f"{actor.label} ({actor.get_role_display()})"


_NEXT_SERIAL_SQL = (
    "INSERT INTO cases_casedaysequence (day, last) VALUES (%s, 1) "
    "ON CONFLICT (day) DO UPDATE SET last = cases_casedaysequence.last + 1 RETURNING last"
)
_SET_CODE_SQL = "UPDATE cases_case SET code = %s WHERE id = %s"


def _provisional_code() -> str:
    """A unique stand-in for the case number until _number_case gives the real one."""
    return "~" + uuid.uuid4().hex[:19]


def _number_case(case: Case, now: datetime) -> None:
    """Give the case its number: SJ + date + 4-digit serial from the day's counter row.

    The upsert locks that row until commit, so no two cases share a number and a rolled-back
    case leaves no gap; every report of the day queues on that lock, so it is taken in the
    transaction's last two statements. (PostgreSQL does the same at commit, migration 0004.)"""
    day = clock.localdate(now)
    with connection.cursor() as cursor:
        cursor.execute(_NEXT_SERIAL_SQL, [day])
        (serial,) = cursor.fetchone()
        case.code = f"SJ{day:%Y%m%d}{serial:04d}"
        cursor.execute(_SET_CODE_SQL, [case.code, case.pk])


def _append(
    case: Case,
    *,
    actor,
    action: str,
    at: datetime,
    from_status: str = "",
    from_level: str = "",
    note: str = "",
    data: dict | None = None,
    before: dict | None = None,
    is_first: bool = False,
) -> CaseEvent:
    """Append the next event of the case's keyed chain (`is_first`: the case was just made),
    with the before → after of every tracked field (`before`: hashchain.snapshot taken
    before the step changed the case; a new case starts from nothing)."""
    last = 0 if is_first else case.events.aggregate(seq=Max("seq"))["seq"] or 0
    prev_hash = case.events.get(seq=last).hash if last else hashchain.GENESIS
    event = CaseEvent(
        case=case,
        seq=last + 1,
        action=action,
        actor=None if actor == SYSTEM else actor,
        actor_label=_actor_label(actor),
        at=at.astimezone(UTC),  # hashed as the database gives it back (UTC), so it verifies
        from_status=from_status,
        to_status=case.status,
        from_level=from_level,
        to_level=case.level,
        note=note,
        data=data or {},
        changes=chain.diff(before or {}, hashchain.snapshot(case)),
        case_code="" if case.code.startswith("~") else case.code,
        region_code=case.region_code,
        prev_hash=prev_hash,
    )
    event.hash = hashchain.event_hash(event, prev_hash)
    event.save(force_insert=True)
    return event


def _set_clock(case: Case, start: datetime, *, extra: float = 0.0) -> None:
    deadline = sla.deadline_for(case, start, extra=extra)
    case.stage_started_at = start
    if deadline is None:
        case.due_at = case.warn_at = None
    else:
        case.due_at, case.warn_at = deadline.due_at, deadline.warn_at
        if deadline.stage == "resolve":
            case.resolve_due_at = deadline.due_at
    case.warned_for = ""


def _locked(actor, case_id: int, action: str = "") -> Case:
    case = (
        Case.objects.select_for_update(of=("self",))
        .select_related("category", "village", "grid", "unit")
        .filter(pk=case_id)
        .first()
    )
    if case is None:
        raise NotFound()
    if not case.is_visible_to(actor) and not workflow.guard_admits(actor, case, action):
        raise NotFound()
    return case


def _transition(
    *,
    actor,
    case_id: int,
    action: str,
    note: str = "",
    data: dict | None = None,
    mutate=None,
    at: datetime | None = None,
) -> Case:
    """Lock the case, check the step, apply it (and `mutate`), log it — all in one transaction."""
    at = at or clock.now()
    with transaction.atomic():
        case = _locked(actor, case_id, action)
        step = workflow.step(case, action, actor)
        before = hashchain.snapshot(case)
        from_status, from_level = case.status, case.level
        to = step.target(data or {})
        if to is not None:
            case.status = to
        extra = mutate(case) if mutate else None
        if case.status != from_status or case.level != from_level:
            _set_clock(case, at, extra=extra or 0.0)
        case.version += 1
        case.save()
        _append(
            case,
            actor=actor,
            action=action,
            at=at,
            from_status=from_status,
            from_level=from_level,
            note=note,
            data=data,
            before=before,
        )
    transaction.on_commit(lambda: notify.notify_next(case.pk))
    return case


def case_report(
    *,
    actor,
    category: Category,
    title: str,
    description: str = "",
    channel: str = Channel.GRID_APP,
    lat: float | None = None,
    lng: float | None = None,
    address: str = "",
    village=None,
    reporter_name: str = "",
    callback_phone: str = "",
    is_anonymous: bool = False,
    priority: str = Priority.NORMAL,
    client_id: str | None = None,
    people=(),
    dwellings=(),
    kind: str = Kind.GENERAL,
    at: datetime | None = None,
) -> Case:
    """Take in a report from any channel; the same client_id twice returns the first case.

    The case made now carries `is_new = True` and its first event as `report_event`; a
    resubmission returns the stored case with `is_new = False`. The inbox rows for the centre
    are written in the same transaction (notify.notify_reported). A kind's own record (a
    dispute file, a petition) is written by its app in the same transaction as this call."""
    if actor is None or not actor.is_active:
        raise NotAllowed(_("Sign in to report."))
    title = (title or "").strip()
    if not title:
        raise ValidationFailed(_("A report needs a title."), field="title")
    if channel not in Channel.values:
        raise ValidationFailed(_("Unknown channel."), field="channel")
    if priority not in Priority.values:
        raise ValidationFailed(_("Unknown priority."), field="priority")
    if not category.is_active or category.parent_id is None:
        raise ValidationFailed(_("Choose a category (not a group)."), field="category")
    placement = place_at(lat=lat, lng=lng, village=village)
    # Residents report wherever they see something; staff (administrators bound to an area
    # included) only inside their jurisdiction. A superuser's jurisdiction is everything.
    staff_outside = actor.role != Role.RESIDENT and not code_within(actor, placement.region_code)
    if staff_outside and channel != Channel.OPEN311:
        raise NotAllowed(
            _("This place lies outside your jurisdiction."), code="outside_jurisdiction"
        )
    phone = sealing.normalize_phone(callback_phone) if callback_phone else ""
    at = at or clock.now()
    case = Case(
        channel=channel,
        category=category,
        title=title[:120],
        description=description,
        lat=lat,
        lng=lng,
        address=address,
        village=placement.village,
        grid=placement.grid,
        region_code=placement.region_code,
        reporter=actor,
        reporter_name=reporter_name or ("" if is_anonymous else actor.label),
        is_anonymous=is_anonymous,
        priority=priority,
        client_id=client_id or None,
        kind=kind,
        status=Status.REPORTED,
        level=category.start_level,
        reported_at=at,
        stage_started_at=at,
    )
    if phone:
        from fengqiao.core.idnumbers import mask_phone

        case.callback_phone_sealed = crypto.encrypt(phone)
        case.callback_phone_masked = mask_phone(phone)
    # Everything that reads first: the day's number row is locked from the moment a number
    # is taken until commit, so that stretch must stay short.
    _set_clock(case, at)
    case.duplicate_candidates = duplicates.candidates_for(case)
    centre = notify.recipients(case)
    # A resubmitted client id is found by its unique index (the insert below fails and the
    # savepoint takes the day's number back), not by a look-up on every report.
    # On PostgreSQL a report in a transaction of its own (API intake) is numbered at commit by
    # a deferred trigger (migration 0004), so reports never queue behind one another's work;
    # inside a caller's transaction the number is taken here, in the last statements.
    numbered_at_commit = connection.vendor == "postgresql" and not connection.in_atomic_block
    try:
        with transaction.atomic():
            case.code = _provisional_code()
            case.save(force_insert=True)
            if phone:
                crypto.bind_row(case)  # the sealed phone opens only in this row from now on
            if people:
                case.people.set(people)
            if dwellings:
                case.dwellings.set(dwellings)
            case.report_event = _append(
                case,
                actor=actor,
                action="report",
                at=at,
                data={"channel": channel, "candidates": case.duplicate_candidates},
                is_first=True,
            )
            notify.notify_reported(case, centre)
            if not numbered_at_commit:
                _number_case(case, at)
    except IntegrityError as exc:
        existing = client_id and Case.objects.filter(client_id=client_id).first()
        if existing:
            return _resubmitted(existing, actor)  # a concurrent resubmission won
        raise Conflict() from exc
    if numbered_at_commit:
        case.code = Case.objects.filter(pk=case.pk).values_list("code", flat=True).get()
    case.is_new = True
    return case


def _resubmitted(case: Case, actor) -> Case:
    if case.reporter_id != actor.pk:
        raise Conflict(_("This client id belongs to another report."), field="client_id")
    case.is_new = False
    return case


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

    return _transition(actor=actor, case_id=case_id, action="accept", note=note, mutate=mutate)


def case_reject(*, actor, case_id: int, reason: str) -> Case:
    if not reason.strip():
        raise ValidationFailed(_("Say why the report is rejected."), field="reason")

    def mutate(case):
        case.closed_at = clock.now()

    return _transition(actor=actor, case_id=case_id, action="reject", note=reason, mutate=mutate)


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
        case = _transition(
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
    if unit is not None and not case.region_code.startswith(unit.region_code):
        raise ValidationFailed(
            _("%(unit)s does not serve the place of this case.") % {"unit": unit.name},
            field="unit",
        )


def _send_to(*, actor, case_id: int, action: str, unit_id, assignee, note: str) -> Case:
    """Dispatch or transfer: the case goes to a unit of its area, or to a person."""
    unit = _unit_or_404(unit_id)
    _check_target(actor, unit, assignee)

    def mutate(case):
        _check_serves(unit, case)
        check_assignee_reaches(case, assignee, unit)
        case.unit, case.assignee = unit, assignee

    return _transition(
        actor=actor,
        case_id=case_id,
        action=action,
        note=note,
        mutate=mutate,
        data={
            "unit": unit.name if unit else None,
            "assignee": assignee.label if assignee else None,
        },
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

    return _transition(actor=actor, case_id=case_id, action="claim", note=note, mutate=mutate)


def case_return(*, actor, case_id: int, reason: str) -> Case:
    if not reason.strip():
        raise ValidationFailed(_("Say why the dispatch is wrong."), field="reason")

    def mutate(case):
        case.unit = case.assignee = None

    return _transition(actor=actor, case_id=case_id, action="return", note=reason, mutate=mutate)


def case_resolve(*, actor, case_id: int, result: str) -> Case:
    if not result.strip():
        raise ValidationFailed(_("Describe what was done."), field="result")

    def mutate(case):
        case.result = result

    return _transition(actor=actor, case_id=case_id, action="resolve", note=result, mutate=mutate)


def case_verify(*, actor, case_id: int, note: str = "") -> Case:
    return _transition(actor=actor, case_id=case_id, action="verify", note=note)


def case_reopen(*, actor, case_id: int, reason: str) -> Case:
    """Back to the unit that handled it: the check failed or the resident is unhappy."""
    if not reason.strip():
        raise ValidationFailed(_("Say why the case is reopened."), field="reason")

    def mutate(case):
        case.rating = None
        case.rating_comment = ""

    return _transition(actor=actor, case_id=case_id, action="reopen", note=reason, mutate=mutate)


def case_rate(*, actor, case_id: int, rating: int, comment: str = "") -> Case:
    """The resident's rating (1–5); the table's guard closes the case on a satisfied one."""
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        raise ValidationFailed(_("A rating is a whole number from 1 to 5."), field="rating")

    def mutate(case):
        case.rating, case.rating_comment = rating, comment[:300]
        if case.status == Status.CLOSED:
            case.closed_at = clock.now()

    return _transition(
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

    return _transition(
        actor=actor, case_id=case_id, action="close", note=reason, mutate=mutate, at=at
    )


def case_escalate(*, actor, case_id: int, reason: str, at: datetime | None = None) -> Case:
    """Up one level (by decision, or by the sweep when overdue); back to be dispatched there."""
    if not reason.strip():
        raise ValidationFailed(_("Say why the case goes up."), field="reason")

    def mutate(case):
        case.level = workflow.next_level(case.level)
        case.unit = case.assignee = None

    return _transition(
        actor=actor, case_id=case_id, action="escalate", note=reason, mutate=mutate, at=at
    )


def case_note(*, actor, case_id: int, note: str, data: dict | None = None) -> Case:
    if not note.strip():
        raise ValidationFailed(_("A note cannot be empty."), field="note")
    return _transition(actor=actor, case_id=case_id, action="note", note=note, data=data)


def case_attach_event(*, actor, case_id: int, note: str, data: dict) -> Case:
    """The log row for photos or files added to a case (the files are stored by the caller
    in the same transaction, see cases.attachments)."""
    return _transition(actor=actor, case_id=case_id, action="attach", note=note, data=data)


def case_request_extension(*, actor, case_id: int, days: float, reason: str) -> Case:
    if not 0 < days <= 30:
        raise ValidationFailed(_("Ask for between 0 and 30 working days."), field="days")
    if not reason.strip():
        raise ValidationFailed(_("Say why more time is needed."), field="reason")
    return _transition(
        actor=actor, case_id=case_id, action="request_extension", note=reason, data={"days": days}
    )


def case_approve_extension(*, actor, case_id: int, note: str = "") -> Case:
    """Approved by the level above the case's: the resolve deadline moves by the days asked."""
    with transaction.atomic():
        case = _locked(actor, case_id)
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

        return _transition(
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
    return _transition(
        actor=actor, case_id=case_id, action=action, note=note, data=data, mutate=mutate, at=at
    )


def verify_log(case: Case) -> list[str]:
    """The case's chain checked, and its changes replayed against the row as stored."""
    values = Case.objects.filter(pk=case.pk).values(*hashchain.ROW_VALUES).get()
    return hashchain.verify_case(values, list(case.events.order_by("seq")))


__all__ = [name for name in dir() if name.startswith("case_")] + ["LEVEL_ORDER", "verify_log"]
