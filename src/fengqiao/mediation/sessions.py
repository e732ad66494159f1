"""Mediation sessions: planned on the calendar (the parties are told when and where) and
recorded once held. Each is one step of the dispute's case (one CaseEvent) with the session
row written in the same transaction."""

from datetime import datetime, timedelta

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from fengqiao.cases import services as case_services
from fengqiao.core import clock
from fengqiao.core.errors import Conflict, NotFound, ValidationFailed
from fengqiao.mediation.models import Dispute, MediationSession, Mediator
from fengqiao.mediation.selectors import dispute_get


def _session_mediator(actor, dispute: Dispute) -> Mediator:
    mediator = Mediator.objects.filter(user=actor).first() or dispute.mediator
    if mediator is None:
        raise Conflict(_("Assign a mediator first."), field="mediator")
    return mediator


def session_plan(*, actor, dispute_id: int, starts_at: datetime, place: str) -> MediationSession:
    """Put a session on the calendar (the parties are told when and where)."""
    dispute = dispute_get(actor=actor, dispute_id=dispute_id)
    if starts_at is None or starts_at < clock.now() - timedelta(minutes=5):
        raise ValidationFailed(_("Plan a session for a time to come."), field="starts_at")
    if not (place or "").strip():
        raise ValidationFailed(_("This field is required."), field="place")
    mediator = _session_mediator(actor, dispute)
    created: list[MediationSession] = []

    def mutate(case):
        created.append(
            MediationSession.objects.create(
                dispute=dispute,
                seq=dispute.sessions.count() + 1,
                starts_at=starts_at,
                place=place.strip()[:120],
                mediator=mediator,
                region_code=dispute.region_code,
            )
        )

    with transaction.atomic():
        case_services.case_step(
            actor=actor,
            case_id=dispute.pk,
            action="session_plan",
            data={"starts_at": starts_at.isoformat(), "place": place.strip()[:120]},
            mutate=mutate,
        )
    return created[0]


def session_record(
    *,
    actor,
    dispute_id: int,
    held_at: datetime,
    place: str,
    participants: str,
    record: str,
    session_id: int | None = None,
) -> MediationSession:
    """Write down a session held (date, place, who took part, what was said) — a planned one
    (`session_id`) or one held without being planned."""
    dispute = dispute_get(actor=actor, dispute_id=dispute_id)
    if held_at is None or held_at > clock.now() + timedelta(minutes=5):
        raise ValidationFailed(_("A session is recorded after it is held."), field="held_at")
    for value, field in ((place, "place"), (participants, "participants"), (record, "record")):
        if not (value or "").strip():
            raise ValidationFailed(_("This field is required."), field=field)
    planned = None
    if session_id is not None:
        planned = dispute.sessions.filter(pk=session_id, is_held=False).first()
        if planned is None:
            raise NotFound(_("No planned session with this id."), field="session_id")
    mediator = _session_mediator(actor, dispute)
    held: list[MediationSession] = []

    def mutate(case):
        session = planned or MediationSession(
            dispute=dispute, seq=dispute.sessions.count() + 1, region_code=dispute.region_code
        )
        session.starts_at, session.is_held, session.mediator = held_at, True, mediator
        session.place = place.strip()[:120]
        session.participants, session.record = participants.strip()[:300], record.strip()
        session.save()
        held.append(session)

    with transaction.atomic():
        case_services.case_step(
            actor=actor,
            case_id=dispute.pk,
            action="session",
            note=record.strip()[:500],
            data={"held_at": held_at.isoformat(), "place": place.strip()[:120]},
            mutate=mutate,
        )
    return held[0]
