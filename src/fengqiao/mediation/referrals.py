"""Referrals between the five ways (court, procuratorate, police, sector mediation, petition
office) and judicial confirmation: the case moves with each hand-off and the result comes back."""

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from fengqiao.cases import notify
from fengqiao.cases import services as case_services
from fengqiao.cases.models import HandlingUnit
from fengqiao.core import clock
from fengqiao.core.errors import Conflict, NotFound, ValidationFailed
from fengqiao.core.scoping import contains
from fengqiao.mediation.followups import follow_up_schedule
from fengqiao.mediation.models import Dispute, MediationAgreement, Outcome, Referral
from fengqiao.mediation.selectors import dispute_get
from fengqiao.mediation.services import settle_data

# The kinds of handling unit each way reaches.
UNIT_KINDS_OF_WAY: dict[str, set[str]] = {
    Referral.Way.COURT: {"court"},
    Referral.Way.PROCURATORATE: {"procuratorate"},
    Referral.Way.POLICE: {"police_station", "public_security"},
    Referral.Way.SECTOR: {"mediation"},
    Referral.Way.PETITION: {"petition_office"},
}


def _target(dispute: Dispute, way: str, to_unit_id: int) -> HandlingUnit:
    if way not in Referral.Way.values:
        raise ValidationFailed(_("Unknown referral way."), field="way")
    unit = HandlingUnit.objects.filter(pk=to_unit_id).first()
    if unit is None:
        raise NotFound(_("Unknown handling unit."), field="to_unit_id")
    if unit.kind not in UNIT_KINDS_OF_WAY[way]:
        raise ValidationFailed(
            _("%(unit)s is not a unit of this way.") % {"unit": unit.name}, field="to_unit_id"
        )
    if not contains(unit.region_code, dispute.region_code):
        raise ValidationFailed(
            _("%(unit)s does not serve the place of this dispute.") % {"unit": unit.name},
            field="to_unit_id",
        )
    if dispute.case.unit_id == unit.pk:
        raise ValidationFailed(_("The dispute is already with this unit."), field="to_unit_id")
    return unit


def dispute_refer(*, actor, dispute_id: int, way: str, to_unit_id: int, reason: str) -> Referral:
    """Hand the dispute to another way (e.g. to court after mediation failed)."""
    dispute = dispute_get(actor=actor, dispute_id=dispute_id)
    if not reason.strip():
        raise ValidationFailed(_("Say why the dispute is referred."), field="reason")
    unit = _target(dispute, way, to_unit_id)
    made: list[Referral] = []

    def mutate(case):
        made.append(
            Referral.objects.create(
                dispute=dispute,
                way=way,
                from_unit=case.unit,
                from_user=actor,
                to_unit=unit,
                reason=reason.strip(),
                created_at=clock.now(),
                region_code=dispute.region_code,
            )
        )
        case.unit, case.assignee = unit, None
        dispute.outcome = Outcome.REFERRED
        dispute.save(update_fields=["outcome"])

    with transaction.atomic():
        case_services.case_step(
            actor=actor,
            case_id=dispute.pk,
            action="refer",
            note=reason.strip(),
            data={
                "way": way,
                "to_unit": unit.pk,
                "to_unit_name": unit.name,
                "sessions": dispute.sessions.filter(is_held=True).count(),
                "committee": dispute.committee_id,
                "mediator": dispute.mediator_id,
            },
            mutate=mutate,
        )
    return made[0]


def _open_referral(actor, referral_id: int) -> Referral:
    referral = (
        Referral.objects.select_related("dispute__case", "to_unit", "from_unit", "from_user")
        .filter(pk=referral_id)
        .first()
    )
    if referral is None or not (
        referral.to_unit.members.filter(pk=actor.pk).exists()
        or referral.dispute.case.is_visible_to(actor)
    ):
        raise NotFound(_("Referral not found."))
    if not referral.is_open:
        raise Conflict(_("This referral is already answered."), code="referral_closed")
    return referral


def _tell_sender(referral: Referral, message: str) -> None:
    case = referral.dispute.case
    transaction.on_commit(
        lambda: notify.notify(
            case, [referral.from_user], kind=f"referral_{referral.state}", message=message
        )
    )


def referral_accept(*, actor, referral_id: int, note: str = "") -> Referral:
    """The receiving unit signs for the referral."""
    referral = _open_referral(actor, referral_id)
    if referral.state != Referral.State.PENDING:
        raise Conflict(_("This referral is already accepted."), code="referral_accepted")
    confirmation = referral.purpose == Referral.Purpose.CONFIRMATION
    at = clock.now()

    def mutate(case):
        if not confirmation:
            case.assignee = actor
        referral.state, referral.accepted_by, referral.accepted_at = (
            Referral.State.ACCEPTED,
            actor,
            at,
        )
        referral.save(update_fields=["state", "accepted_by", "accepted_at"])

    with transaction.atomic():
        case_services.case_step(
            actor=actor,
            case_id=referral.dispute_id,
            action="confirmation_accept" if confirmation else "referral_accept",
            note=note,
            data={"referral": referral.pk},
            mutate=mutate,
            at=at,
        )
        _tell_sender(referral, f"{referral.dispute.case.code}: {referral.to_unit.name} ✓")
    return referral


def referral_decline(*, actor, referral_id: int, reason: str) -> Referral:
    """The receiving unit will not take it: the dispute goes back to whoever sent it."""
    referral = _open_referral(actor, referral_id)
    if referral.purpose == Referral.Purpose.CONFIRMATION:
        raise Conflict(
            _("Answer a confirmation request with the ruling, confirmed or not."),
            code="confirmation",
        )
    if referral.state != Referral.State.PENDING:
        raise Conflict(_("An accepted referral is answered with its result."), code="accepted")
    if not reason.strip():
        raise ValidationFailed(_("Say why the referral is declined."), field="reason")
    at = clock.now()

    def mutate(case):
        case.unit, case.assignee = referral.from_unit, referral.from_user
        referral.state, referral.returned_at, referral.result = (
            Referral.State.DECLINED,
            at,
            reason.strip(),
        )
        referral.save(update_fields=["state", "returned_at", "result"])
        Dispute.objects.filter(pk=referral.dispute_id).update(outcome="")

    with transaction.atomic():
        case_services.case_step(
            actor=actor,
            case_id=referral.dispute_id,
            action="referral_decline",
            note=reason.strip(),
            data={"referral": referral.pk},
            mutate=mutate,
            at=at,
        )
        _tell_sender(referral, f"{referral.dispute.case.code}: {reason.strip()[:150]}")
    return referral


def referral_return(*, actor, referral_id: int, settled: bool, result: str) -> Referral:
    """The receiving unit's result flows back: settled (the dispute is resolved there) or not
    (it goes back to the sender with the result). For a judicial confirmation, `settled`
    means the agreement was confirmed."""
    referral = _open_referral(actor, referral_id)
    if not result.strip():
        raise ValidationFailed(_("Describe the result."), field="result")
    at = clock.now()
    confirmation = referral.purpose == Referral.Purpose.CONFIRMATION
    dispute = referral.dispute
    data = {"referral": referral.pk, "way": referral.way, "settled": bool(settled)}

    def mutate(case):
        referral.state, referral.returned_at = Referral.State.RETURNED, at
        referral.is_settled, referral.result = bool(settled), result.strip()
        if referral.accepted_by_id is None:
            referral.accepted_by, referral.accepted_at = actor, at
        referral.save()
        if confirmation:
            return
        if settled:
            case.result = result.strip()
            data.update(settle_data(case, at, dispute))
            dispute.concluded_at = at
            dispute.save(update_fields=["concluded_at"])
            follow_up_schedule(dispute, at)
        else:
            case.unit, case.assignee = referral.from_unit, referral.from_user
            dispute.outcome = ""
            dispute.save(update_fields=["outcome"])

    if confirmation:
        action = "confirmation_result"
    else:
        action = "referral_settled" if settled else "referral_back"
    with transaction.atomic():
        case_services.case_step(
            actor=actor,
            case_id=referral.dispute_id,
            action=action,
            note=result.strip(),
            data=data,
            mutate=mutate,
            at=at,
        )
        _tell_sender(referral, f"{dispute.case.code}: {result.strip()[:150]}")
    return referral


def confirmation_request(*, actor, dispute_id: int, to_unit_id: int, note: str = "") -> Referral:
    """Ask the court to confirm the agreement (司法确认), within 30 days of it taking effect."""
    dispute = dispute_get(actor=actor, dispute_id=dispute_id)
    if not MediationAgreement.objects.filter(dispute=dispute).exists():
        raise Conflict(_("Only an agreement can be confirmed."), code="no_agreement")
    if dispute.referrals.filter(
        purpose=Referral.Purpose.CONFIRMATION,
        state__in=[Referral.State.PENDING, Referral.State.ACCEPTED],
    ).exists():
        raise Conflict(_("A confirmation request is already open."), code="open_request")
    unit = _target(dispute, Referral.Way.COURT, to_unit_id)
    made: list[Referral] = []

    def mutate(case):
        made.append(
            Referral.objects.create(
                dispute=dispute,
                way=Referral.Way.COURT,
                purpose=Referral.Purpose.CONFIRMATION,
                from_unit=case.unit,
                from_user=actor,
                to_unit=unit,
                reason=note.strip() or str(_("Judicial confirmation of the agreement")),
                created_at=clock.now(),
                region_code=dispute.region_code,
            )
        )

    with transaction.atomic():
        case_services.case_step(
            actor=actor,
            case_id=dispute.pk,
            action="confirmation_request",
            note=note,
            data={"to_unit": unit.pk, "to_unit_name": unit.name},
            mutate=mutate,
        )
        members = list(unit.members.filter(is_active=True))
        transaction.on_commit(
            lambda: notify.notify(
                dispute.case,
                members,
                kind="confirmation_request",
                message=f"{dispute.case.code}: {_('Request judicial confirmation')}",
            )
        )
    return made[0]
