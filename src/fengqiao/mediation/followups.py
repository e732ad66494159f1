"""Follow-up visits (回访) after settlement; a relapse reopens the dispute with its mediator."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from fengqiao.cases import services as case_services
from fengqiao.core import clock
from fengqiao.core.errors import Conflict, NotFound, ValidationFailed
from fengqiao.mediation.models import Dispute, FollowUp
from fengqiao.mediation.selectors import dispute_get

RETRY_DAYS = 7  # parties not reached: try again a week later


def follow_up_days() -> int:
    return int(getattr(settings, "FENGQIAO_FOLLOW_UP_DAYS", 30))


def follow_up_schedule(dispute: Dispute, at: datetime, days: int | None = None) -> FollowUp:
    return FollowUp.objects.create(
        dispute=dispute,
        due_on=clock.localdate(at) + timedelta(days=days or follow_up_days()),
        region_code=dispute.region_code,
    )


def follow_up_record(*, actor, follow_up_id: int, result: str, note: str = "") -> FollowUp:
    """Record the visit. Relapsed: the dispute goes back to its committee and mediator."""
    follow_up = FollowUp.objects.filter(pk=follow_up_id).first()
    if follow_up is None:
        raise NotFound(_("Follow-up not found."))
    try:
        dispute = dispute_get(actor=actor, dispute_id=follow_up.dispute_id)
    except NotFound:
        raise NotFound(_("Follow-up not found.")) from None
    if follow_up.done_at is not None:
        raise Conflict(_("This follow-up is already recorded."), code="done")
    if result not in FollowUp.Result.values:
        raise ValidationFailed(_("Unknown follow-up result."), field="result")
    if result == FollowUp.Result.RELAPSED and not note.strip():
        raise ValidationFailed(_("Say what went wrong."), field="note")
    at = clock.now()

    def mutate(case):
        follow_up.done_at, follow_up.done_by = at, actor
        follow_up.result, follow_up.note = result, note.strip()
        follow_up.save(update_fields=["done_at", "done_by", "result", "note"])
        if result == FollowUp.Result.UNREACHABLE:
            FollowUp.objects.create(
                dispute=dispute,
                due_on=clock.localdate(at) + timedelta(days=RETRY_DAYS),
                region_code=dispute.region_code,
            )

    def reopen(case):
        committee = dispute.committee
        case.unit = committee.unit if committee else None
        mediator = dispute.mediator
        case.assignee = mediator.user if mediator and mediator.user.is_active else None
        case.closed_at = None
        case.rating, case.rating_comment = None, ""
        dispute.outcome, dispute.concluded_at = "", None
        dispute.save(update_fields=["outcome", "concluded_at"])

    with transaction.atomic():
        case_services.case_step(
            actor=actor,
            case_id=dispute.pk,
            action="follow_up",
            note=note.strip(),
            data={"result": result, "follow_up": follow_up.pk},
            mutate=mutate,
            at=at,
        )
        if result == FollowUp.Result.RELAPSED:
            if dispute.committee_id is None:
                raise Conflict(_("The dispute has no committee to go back to."), code="no_unit")
            case_services.case_step(
                actor=actor,
                case_id=dispute.pk,
                action="relapse",
                note=note.strip(),
                data={"committee": dispute.committee_id, "mediator": dispute.mediator_id},
                mutate=reopen,
                at=at,
            )
    return follow_up
