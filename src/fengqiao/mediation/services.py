"""Dispute writes: register, parties, accept with consent, assign and conclusion (with the
agreement it makes). Each is one case step (one CaseEvent) with the dispute rows written in the
same transaction. Sessions, follow-ups, referrals and the agreement's signed copy have their
modules."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from fengqiao.cases import services as case_services
from fengqiao.cases.models import Case, Category, Channel, Kind
from fengqiao.cases.sla import within_deadline
from fengqiao.core import clock, crypto
from fengqiao.core.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from fengqiao.core.idnumbers import mask_phone
from fengqiao.core.roles import Role
from fengqiao.core.scoping import code_within, contains
from fengqiao.mediation import agreements, followups
from fengqiao.mediation.models import (
    Dispute,
    DisputeParty,
    DisputeType,
    MediationAgreement,
    Mediator,
    Outcome,
    RiskGrade,
    RiskReason,
    Source,
)
from fengqiao.mediation.selectors import dispute_get
from fengqiao.registry import sealing
from fengqiao.registry.models import Organization, Person

CHANNEL_OF_SOURCE = {
    Source.SCREENING: Channel.SCREENING,
    Source.WALK_IN: Channel.WALK_IN,
    Source.APPLICATION: Channel.PORTAL,
    Source.POLICE: Channel.POLICE,
    Source.COURT: Channel.REFERRAL,
    Source.PETITION: Channel.PETITION,
    Source.CASE_UPGRADE: Channel.OTHER,
}


@dataclass(frozen=True)
class PartyIn:
    side: str
    name: str = ""
    person_id: int | None = None
    organization_id: int | None = None
    phone: str = ""
    address: str = ""
    representative: str = ""


def _party(actor, party: PartyIn, at: str = "") -> DisputeParty:
    """The party's row; errors name the field under `at` (`parties.1`) or, without it, the
    party's own input (`side`, `person_id`, …) as a step adding one party reads it."""

    def field(name: str, own: str) -> str:
        return f"{at}.{name}" if at else own

    if party.side not in DisputeParty.Side.values:
        raise ValidationFailed(_("Unknown party side."), field=field("side", "side"))
    row = DisputeParty(
        side=party.side,
        address=party.address.strip()[:200],
        representative=party.representative.strip()[:80],
    )
    if party.person_id is not None and party.organization_id is not None:
        raise ValidationFailed(
            _("A party is a person or an organisation, not both."), field=at or "person_id"
        )
    if party.person_id is not None:
        person = Person.objects.filter(pk=party.person_id).first()
        own = actor.role == Role.RESIDENT and actor.person_id == party.person_id
        if person is None or not (own or code_within(actor, person.region_code)):
            raise NotFound(_("Person not found."), field=field("person", "person_id"))
        row.person, row.name = person, person.name
        dwelling = person.dwelling
        row.address = row.address or (dwelling.address if dwelling is not None else "")
        # Sealed anew for the party's row: a token opens only in the row it was sealed for.
        phone = crypto.open_field(person, "phone_sealed") if person.phone_sealed else ""
        row.phone_sealed, row.phone_masked = crypto.encrypt(phone), person.phone_masked
    elif party.organization_id is not None:
        organization = Organization.objects.filter(pk=party.organization_id).first()
        if organization is None or not code_within(actor, organization.region_code):
            raise NotFound(
                _("Organisation not found."), field=field("organization", "organization_id")
            )
        row.organization, row.name = organization, organization.name
        row.address = row.address or organization.address
    else:
        row.name = party.name.strip()[:100]
        if not row.name:
            raise ValidationFailed(_("Each party needs a name."), field=field("name", "name"))
    if party.phone:
        phone = sealing.normalize_phone(party.phone)
        row.phone_sealed, row.phone_masked = crypto.encrypt(phone), mask_phone(phone)
    return row


def _amount(raw) -> Decimal | None:
    if raw in (None, ""):
        return None
    try:
        amount = Decimal(str(raw))
    except InvalidOperation as exc:
        raise ValidationFailed(_("The amount must be a number."), field="amount") from exc
    if amount < 0 or amount >= Decimal("1e12"):
        raise ValidationFailed(_("The amount must be between 0 and a trillion."), field="amount")
    return amount.quantize(Decimal("0.01"))


def _check_risk(risk_grade: str, risk_reasons) -> list[str]:
    if risk_grade not in RiskGrade.values:
        raise ValidationFailed(_("Unknown risk grade."), field="risk_grade")
    reasons = list(dict.fromkeys(risk_reasons or []))
    unknown = [r for r in reasons if r not in RiskReason.values]
    if unknown:
        raise ValidationFailed(
            _("Unknown risk reason: %(reason)s.") % {"reason": unknown[0]}, field="risk_reasons"
        )
    if risk_grade != RiskGrade.GENERAL and not reasons:
        raise ValidationFailed(
            _("A significant or major risk grade needs at least one reason."),
            field="risk_reasons",
        )
    return reasons


def dispute_register(
    *,
    actor,
    dispute_type: str,
    title: str,
    source: str,
    parties: list[PartyIn],
    description: str = "",
    amount=None,
    risk_grade: str = RiskGrade.GENERAL,
    risk_reasons=(),
    risk_note: str = "",
    lat: float | None = None,
    lng: float | None = None,
    village=None,
    address: str = "",
    origin_case_id: int | None = None,
    client_id: str | None = None,
    at: datetime | None = None,
) -> Dispute:
    """Record a dispute from screening, a walk-in, a resident's application, a referral in,
    or an upgraded case; it starts as a reported case of kind "dispute"."""
    if actor is None or not actor.is_active:
        raise NotAllowed(_("Sign in to report."))
    if not actor.is_superuser and actor.role not in REGISTRARS:
        raise NotAllowed(_("Your role does not register disputes."))
    if dispute_type not in DisputeType.values:
        raise ValidationFailed(_("Unknown dispute type."), field="dispute_type")
    if source not in Source.values:
        raise ValidationFailed(_("Unknown source."), field="source")
    is_resident = actor.role == Role.RESIDENT
    if is_resident and source != Source.APPLICATION:
        raise NotAllowed(_("Residents apply for mediation."), field="source")
    reasons = _check_risk(risk_grade, risk_reasons)
    parties = list(parties or [])
    if is_resident:
        # The resident who applies is the applicant.
        parties = [PartyIn(side=DisputeParty.Side.APPLICANT, person_id=actor.person_id)] + [
            p for p in parties if p.side != DisputeParty.Side.APPLICANT
        ]
    if not parties:
        raise ValidationFailed(_("Name at least one party."), field="parties")
    rows = [_party(actor, p, f"parties.{i}") for i, p in enumerate(parties)]
    category = Category.objects.filter(code=dispute_type, is_active=True).first()
    if category is None:
        raise ValidationFailed(
            _("The category for this dispute type is not configured."), field="dispute_type"
        )
    origin = None
    if origin_case_id is not None:
        origin = Case.objects.filter(pk=origin_case_id, kind=Kind.GENERAL).first()
        if origin is None or not origin.is_visible_to(actor):
            raise NotFound(_("The case to upgrade was not found."), field="origin_case")
    with transaction.atomic():
        case = case_services.case_report(
            actor=actor,
            category=category,
            title=title,
            description=description,
            channel=CHANNEL_OF_SOURCE[Source(source)],
            lat=lat,
            lng=lng,
            address=address,
            village=village,
            client_id=client_id,
            people=[row.person for row in rows if row.person_id],
            kind=Kind.DISPUTE,
            at=at,
        )
        if case.kind != Kind.DISPUTE:  # a client id already used for another kind
            raise Conflict(_("This client id belongs to another report."), field="client_id")
        existing = Dispute.objects.filter(pk=case.pk).first()
        if existing is not None:  # the same client_id sent again
            return existing
        dispute = Dispute.objects.create(
            case=case,
            dispute_type=dispute_type,
            source=source,
            amount=_amount(amount),
            risk_grade=risk_grade,
            risk_reasons=reasons,
            risk_note=risk_note[:300],
            region_code=case.region_code,
            origin_case=origin,
        )
        for row in rows:
            row.dispute = dispute
        DisputeParty.objects.bulk_create(rows)
        if origin is not None and origin.is_open:
            case_services.case_note(
                actor=actor,
                case_id=origin.pk,
                note=str(_("Upgraded to dispute %(code)s.") % {"code": case.code}),
                data={"dispute": case.code},
            )
    return dispute


REGISTRARS = frozenset(
    {
        Role.ADMIN,
        Role.CENTRE_STAFF,
        Role.GRID_CHIEF,
        Role.GRID_WORKER,
        Role.UNIT_HEAD,
        Role.MEDIATOR,
        Role.LEGAL_ADVISOR,
        Role.HANDLER,
        Role.RESIDENT,
    }
)


def dispute_party_add(*, actor, dispute_id: int, party: PartyIn) -> DisputeParty:
    """Name another party (or the missing side) of an open dispute."""
    dispute = dispute_get(actor=actor, dispute_id=dispute_id)
    row = _party(actor, party)
    row.dispute = dispute

    def mutate(case):
        row.save()
        if row.person_id:
            case.people.add(row.person)

    case_services.case_step(
        actor=actor,
        case_id=dispute.pk,
        action="party_add",
        data={"side": row.side, "name": row.name},
        mutate=mutate,
    )
    return row


def _sides(dispute: Dispute) -> set[str]:
    return set(dispute.parties.values_list("side", flat=True))


def dispute_accept(
    *, actor, dispute_id: int, consent: bool, consent_note: str = "", note: str = ""
) -> Dispute:
    """Accept for mediation: only with both sides named and their consent recorded."""
    dispute = dispute_get(actor=actor, dispute_id=dispute_id)
    if not consent:
        raise ValidationFailed(
            _(
                "People's mediation needs the consent of the parties; if they refuse, reject the "
                "dispute with the reason."
            ),
            field="consent",
        )
    if not {DisputeParty.Side.APPLICANT, DisputeParty.Side.RESPONDENT} <= _sides(dispute):
        raise ValidationFailed(
            _("Name the applicant and the respondent before accepting."), field="parties"
        )
    at = clock.now()

    def mutate(case):
        dispute.consent_at, dispute.consent_note = at, consent_note[:300]
        dispute.save(update_fields=["consent_at", "consent_note"])

    case_services.case_step(
        actor=actor,
        case_id=dispute.pk,
        action="accept_mediation",
        note=note or consent_note,
        data={"consent": True},
        mutate=mutate,
        at=at,
    )
    return dispute_get(actor=actor, dispute_id=dispute_id)


def dispute_assign(*, actor, dispute_id: int, mediator_id: int, note: str = "") -> Dispute:
    """Give the dispute to a mediator (and so to their committee) that serves its place."""
    dispute = dispute_get(actor=actor, dispute_id=dispute_id)
    mediator = (
        Mediator.objects.select_related("committee__unit", "user")
        .filter(pk=mediator_id, is_active=True, committee__is_active=True, user__is_active=True)
        .first()
    )
    if mediator is None:
        raise NotFound(_("Mediator not found."), field="mediator_id")
    if not contains(mediator.committee.region_code, dispute.region_code):
        raise ValidationFailed(
            _("%(committee)s does not serve the place of this dispute.")
            % {"committee": mediator.committee.name},
            field="mediator_id",
        )

    def mutate(case):
        case_services.check_assignee_reaches(case, mediator.user, mediator.committee.unit)
        case.unit, case.assignee = mediator.committee.unit, mediator.user
        dispute.committee, dispute.mediator = mediator.committee, mediator
        dispute.save(update_fields=["committee", "mediator"])

    case_services.case_step(
        actor=actor,
        case_id=dispute.pk,
        action="assign",
        note=note,
        data={
            "committee": mediator.committee_id,
            "committee_name": mediator.committee.name,
            "mediator": mediator.pk,
            "mediator_name": mediator.name,
        },
        mutate=mutate,
    )
    return dispute_get(actor=actor, dispute_id=dispute_id)


def settle_data(case: Case, at: datetime, dispute: Dispute) -> dict:
    """What the metrics read from the log: where, by whom, and whether by the deadline."""
    due = case.resolve_due_at
    return {
        "level": case.level,
        "committee": dispute.committee_id,
        "mediator": dispute.mediator_id,
        "due": due.isoformat() if due else None,
        "on_time": within_deadline(at, due),
    }


def dispute_conclude(
    *,
    actor,
    dispute_id: int,
    outcome: str,
    result: str,
    facts: str = "",
    terms: list[str] | None = None,
    performance: str = "",
) -> Dispute:
    """End the mediation: an agreement (with its document fields), failed, or withdrawn."""
    dispute = dispute_get(actor=actor, dispute_id=dispute_id)
    if outcome not in (Outcome.AGREEMENT, Outcome.FAILED, Outcome.WITHDRAWN):
        raise ValidationFailed(
            _("Conclude with an agreement, a failure or a withdrawal."), field="outcome"
        )
    if not (result or "").strip():
        raise ValidationFailed(_("Describe the outcome."), field="result")
    terms = [t.strip() for t in (terms or []) if t and t.strip()]
    if outcome != Outcome.WITHDRAWN and not dispute.sessions.filter(is_held=True).exists():
        raise Conflict(_("Record at least one session first."), code="no_session")
    if outcome == Outcome.AGREEMENT:
        if not facts.strip():
            raise ValidationFailed(_("State the facts and matters in dispute."), field="facts")
        if not terms:
            raise ValidationFailed(_("An agreement needs at least one term."), field="terms")
        if not performance.strip():
            raise ValidationFailed(_("Say how and when it will be performed."), field="performance")
    at = clock.now()
    data: dict = {"outcome": outcome}

    def mutate(case):
        case.result = result.strip()
        data.update(settle_data(case, at, dispute))
        dispute.outcome, dispute.concluded_at = outcome, at
        dispute.save(update_fields=["outcome", "concluded_at"])
        if outcome == Outcome.AGREEMENT:
            # After a relapse the new agreement replaces the old one; the old number and
            # terms stay in the log (each conclude event carries them).
            agreement = MediationAgreement.objects.filter(dispute=dispute).first()
            agreement = agreement or MediationAgreement(
                dispute=dispute, region_code=dispute.region_code
            )
            agreement.number = agreements.next_agreement_number(dispute, at)
            agreement.facts, agreement.terms = facts.strip(), terms
            agreement.performance, agreement.made_at = performance.strip(), at
            agreement.signed_copy, agreement.signed_sha256, agreement.signed_at = "", "", None
            agreement.save()
            data["agreement"], data["terms"] = agreement.number, terms
            followups.follow_up_schedule(dispute, at)

    with transaction.atomic():
        case_services.case_step(
            actor=actor,
            case_id=dispute.pk,
            action="conclude",
            note=result.strip(),
            data=data,
            mutate=mutate,
            at=at,
        )
    return dispute_get(actor=actor, dispute_id=dispute_id)


__all__ = [
    "PartyIn",
    "dispute_accept",
    "dispute_assign",
    "dispute_conclude",
    "dispute_party_add",
    "dispute_register",
]
