"""Petitions (信访): register, acknowledge (accepted or not), route, reply, extend once,
link to a dispute. Limits from the Regulations on Letters and Visits (2022): acknowledge
within 15 days, reply within 60 days of acceptance, extendable once by up to 30 days."""

from datetime import datetime, timedelta

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from fengqiao.cases import services as case_services
from fengqiao.cases.models import Category, Channel, Kind
from fengqiao.cases.sla import within_deadline
from fengqiao.core import clock
from fengqiao.core.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from fengqiao.core.roles import Role
from fengqiao.core.scoping import code_within
from fengqiao.mediation.models import Dispute, Petition
from fengqiao.registry import sealing
from fengqiao.registry.models import Person

REGISTRARS = frozenset(
    {Role.ADMIN, Role.CENTRE_STAFF, Role.GRID_CHIEF, Role.HANDLER, Role.RESIDENT}
)
ACKNOWLEDGE_DAYS = 15
REPLY_DAYS = 60
MAX_EXTENSION_DAYS = 30


def petition_get(*, actor, petition_id: int) -> Petition:
    petition = Petition.objects.select_related("case", "case__unit").filter(pk=petition_id).first()
    if petition is None or not petition.case.is_visible_to(actor):
        raise NotFound(_("Petition not found."))
    return petition


def _petitioner(actor, *, person_id, name: str, id_number: str):
    """(person, name, id hash, masked id) — a resident petitions as themselves."""
    if actor.role == Role.RESIDENT:
        person = actor.person
        return person, person.name, person.id_number_hash, person.id_number_masked
    if person_id is not None:
        person = Person.objects.filter(pk=person_id).first()
        if person is None or not code_within(actor, person.region_code):
            raise NotFound(_("Person not found."), field="petitioner")
        return person, person.name, person.id_number_hash, person.id_number_masked
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(_("Give the petitioner's name."), field="petitioner_name")
    if not id_number:
        return None, name[:50], "", ""
    parsed = sealing.parse_id_or_fail(id_number, field="id_number")
    digest = sealing.id_number_hash(parsed.number)
    # A registered resident with this ID is linked only inside the registrar's jurisdiction:
    # elsewhere the petition must not disclose that the person exists, nor who they are.
    person = Person.objects.filter(id_number_hash=digest).first()
    if person is not None and not code_within(actor, person.region_code):
        person = None
    return person, name[:50], digest, parsed.masked


def petition_register(
    *,
    actor,
    form: str,
    category_code: str,
    title: str,
    matter: str,
    petitioner_id: int | None = None,
    petitioner_name: str = "",
    id_number: str = "",
    phone: str = "",
    visitors: int = 1,
    lat: float | None = None,
    lng: float | None = None,
    village=None,
    address: str = "",
    dispute_id: int | None = None,
    client_id: str | None = None,
    at: datetime | None = None,
) -> Petition:
    if actor is None or not actor.is_active:
        raise NotAllowed(_("Sign in to report."))
    if not actor.is_superuser and actor.role not in REGISTRARS:
        raise NotAllowed(_("Your role does not register petitions."))
    if form not in Petition.Form.values:
        raise ValidationFailed(_("Unknown petition form."), field="form")
    if actor.role == Role.RESIDENT and form != Petition.Form.ONLINE:
        raise NotAllowed(_("Residents petition online."), field="form")
    if not (matter or "").strip():
        raise ValidationFailed(_("State what the petition asks for."), field="matter")
    if not isinstance(visitors, int) or not 1 <= visitors <= 1000:
        raise ValidationFailed(_("Visitors must be between 1 and 1000."), field="visitors")
    category = Category.objects.filter(
        code=category_code, parent__code="petitions", is_active=True
    ).first()
    if category is None:
        raise ValidationFailed(_("Choose a petition category."), field="category")
    person, name, id_hash, id_masked = _petitioner(
        actor, person_id=petitioner_id, name=petitioner_name, id_number=id_number
    )
    dispute = None
    if dispute_id is not None:
        dispute = Dispute.objects.filter(pk=dispute_id).select_related("case").first()
        if dispute is None or not dispute.case.is_visible_to(actor):
            raise NotFound(_("Dispute not found."), field="dispute")
    at = at or clock.now()
    with transaction.atomic():
        case = case_services.case_report(
            actor=actor,
            category=category,
            title=title,
            description=matter.strip(),
            channel=Channel.PORTAL if form == Petition.Form.ONLINE else Channel.PETITION,
            lat=lat,
            lng=lng,
            address=address,
            village=village,
            reporter_name=name,
            callback_phone=phone,
            client_id=client_id,
            people=[person] if person else [],
            kind=Kind.PETITION,
            at=at,
        )
        if case.kind != Kind.PETITION:  # a client id already used for another kind
            raise Conflict(_("This client id belongs to another report."), field="client_id")
        existing = Petition.objects.filter(pk=case.pk).first()
        if existing is not None:
            return existing
        return Petition.objects.create(
            case=case,
            form=form,
            petitioner=person,
            petitioner_name=name,
            petitioner_id_hash=id_hash,
            petitioner_id_masked=id_masked,
            visitors=visitors,
            dispute=dispute,
            region_code=case.region_code,
            acknowledge_due_at=at + timedelta(days=ACKNOWLEDGE_DAYS),
        )


def petition_acknowledge(*, actor, petition_id: int, accepted: bool, note: str = "") -> Petition:
    """Tell the petitioner whether the petition is accepted (受理) — with reasons if not."""
    petition = petition_get(actor=actor, petition_id=petition_id)
    if not accepted and not note.strip():
        raise ValidationFailed(_("Say why the petition is not accepted."), field="note")
    at = clock.now()

    def mutate(case):
        petition.acknowledged_at, petition.is_accepted = at, bool(accepted)
        if accepted:
            petition.reply_due_at = at + timedelta(days=REPLY_DAYS)
        else:
            case.closed_at = at
        petition.save(update_fields=["acknowledged_at", "is_accepted", "reply_due_at"])

    case_services.case_step(
        actor=actor,
        case_id=petition.pk,
        action="acknowledge" if accepted else "not_accept",
        note=note.strip(),
        data={
            "accepted": bool(accepted),
            "on_time": within_deadline(at, petition.acknowledge_due_at),
        },
        mutate=mutate,
        at=at,
    )
    return petition_get(actor=actor, petition_id=petition_id)


def petition_reply(*, actor, petition_id: int, reply: str) -> Petition:
    """The responsible unit's written reply (办理意见); the clock stops here."""
    petition = petition_get(actor=actor, petition_id=petition_id)
    if not reply.strip():
        raise ValidationFailed(_("Write the reply."), field="reply")
    at = clock.now()

    def mutate(case):
        case.result = reply.strip()
        petition.replied_at, petition.reply = at, reply.strip()
        petition.save(update_fields=["replied_at", "reply"])

    due = petition.reply_due_at
    case_services.case_step(
        actor=actor,
        case_id=petition.pk,
        action="reply",
        note=reply.strip(),
        data={"on_time": within_deadline(at, due)},
        mutate=mutate,
        at=at,
    )
    return petition_get(actor=actor, petition_id=petition_id)


def petition_extend(*, actor, petition_id: int, days: int, reason: str) -> Petition:
    """Extend the reply limit once, by at most 30 days, with the reason told to the petitioner."""
    petition = petition_get(actor=actor, petition_id=petition_id)
    if not isinstance(days, int) or not 1 <= days <= MAX_EXTENSION_DAYS:
        raise ValidationFailed(
            _("Extend by 1 to %(max)d days.") % {"max": MAX_EXTENSION_DAYS}, field="days"
        )
    if not reason.strip():
        raise ValidationFailed(_("Say why more time is needed."), field="reason")
    reply_due_at = petition.reply_due_at
    if reply_due_at is None:
        raise Conflict(
            _("Accept the petition first: the reply limit starts then."), code="no_limit"
        )
    if petition.extended_days:
        raise Conflict(_("The reply limit may be extended only once."), code="extended")

    def mutate(case):
        petition.reply_due_at = reply_due_at + timedelta(days=days)
        petition.extended_days = days
        petition.save(update_fields=["reply_due_at", "extended_days"])

    case_services.case_step(
        actor=actor,
        case_id=petition.pk,
        action="extend_reply",
        note=reason.strip(),
        data={"days": days},
        mutate=mutate,
    )
    return petition_get(actor=actor, petition_id=petition_id)


def petition_link_dispute(*, actor, petition_id: int, dispute_id: int) -> Petition:
    petition = petition_get(actor=actor, petition_id=petition_id)
    dispute = Dispute.objects.filter(pk=dispute_id).select_related("case").first()
    if dispute is None or not dispute.case.is_visible_to(actor):
        raise NotFound(_("Dispute not found."), field="dispute")

    def mutate(case):
        petition.dispute = dispute
        petition.save(update_fields=["dispute"])

    case_services.case_step(
        actor=actor,
        case_id=petition.pk,
        action="link_dispute",
        data={"dispute": dispute.case.code},
        mutate=mutate,
    )
    return petition_get(actor=actor, petition_id=petition_id)
