"""The core of every case write: lock the case, check the step in the transition table,
apply it (the table decides the new status), append its event to the case's chain — in one
transaction — and notify on commit. The services (cases/services.py for the general steps,
cases/intake.py for reports, the kinds' services through `case_step`) call these; nothing else
assigns a case's status or writes its log.
"""

from datetime import UTC, datetime

from django.db import transaction
from django.db.models import Max

from fengqiao.cases import hashchain, notify, sla, workflow
from fengqiao.cases.models import (
    Case,
    CaseEvent,
)
from fengqiao.core import chain, clock
from fengqiao.core.errors import NotFound

SYSTEM = workflow.SYSTEM


def actor_label(actor) -> str:
    if actor == SYSTEM:
        return "system"
    return f"{actor.label} ({actor.get_role_display()})"


def append_event(
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
        actor_label=actor_label(actor),
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


def set_clock(case: Case, start: datetime, *, extra: float = 0.0) -> None:
    deadline = sla.deadline_for(case, start, extra=extra)
    case.stage_started_at = start
    if deadline is None:
        case.due_at = case.warn_at = None
    else:
        case.due_at, case.warn_at = deadline.due_at, deadline.warn_at
        if deadline.stage == "resolve":
            case.resolve_due_at = deadline.due_at
    case.warned_for = ""


def locked_case(actor, case_id: int, action: str = "") -> Case:
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


def transition(
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
        case = locked_case(actor, case_id, action)
        step = workflow.step(case, action, actor)
        before = hashchain.snapshot(case)
        from_status, from_level = case.status, case.level
        to = step.target(data or {})
        if to is not None:
            case.status = to
        extra = mutate(case) if mutate else None
        if case.status != from_status or case.level != from_level:
            set_clock(case, at, extra=extra or 0.0)
        case.version += 1
        case.save()
        append_event(
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
    moved = from_status != case.status
    transaction.on_commit(lambda: notify.notify_next(case.pk, status_changed=moved))
    return case
