"""党员联户: a party member (someone of the registry, perhaps with an account) keeps in touch
with 10–30 households in reach. Centre staff set the member's households; the member, or a
staff member on their behalf, records each contact. Every write leaves an audit row."""

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from fengqiao.campaigns.targets import check_recent
from fengqiao.core import clock
from fengqiao.core.audit import audit_record
from fengqiao.core.errors import NotAllowed, NotFound, ValidationFailed
from fengqiao.core.roles import Role, has_role
from fengqiao.fieldwork.models import PartyContact, PartyContactVisit
from fengqiao.registry.models import Household, Person

CONTACT_ROLES = frozenset({Role.CENTRE_STAFF, Role.ADMIN})
ON_BEHALF_ROLES = frozenset({Role.CENTRE_STAFF, Role.GRID_CHIEF, Role.GRID_WORKER, Role.ADMIN})
MAX_NOTE = 2000


def contact_set(*, actor, member_id: int, household_ids, user=None) -> PartyContact:
    """Create or change a party member's contact households (10–30, all in reach)."""
    if not has_role(actor, CONTACT_ROLES):
        raise NotAllowed(_("Only centre staff assign party members' households."))
    member = Person.objects.visible_to(actor).filter(pk=member_id).first()
    if member is None:
        raise NotFound(_("No such person in your area."), field="member")
    ids = sorted({int(pk) for pk in household_ids})
    low, high = PartyContact.MIN_HOUSEHOLDS, PartyContact.MAX_HOUSEHOLDS
    if not low <= len(ids) <= high:
        raise ValidationFailed(
            _("A party member keeps in touch with %(low)d to %(high)d households.")
            % {"low": low, "high": high},
            field="households",
        )
    households = list(Household.objects.visible_to(actor).filter(pk__in=ids))
    if len(households) != len(ids):
        raise NotFound(_("A household is not in your area."), field="households")
    if user is not None and user.person_id != member.pk:
        raise ValidationFailed(_("The account is not the member's."), field="user")
    with transaction.atomic():
        contact = PartyContact.objects.select_for_update().filter(member=member).first()
        before = sorted(contact.households.values_list("pk", flat=True)) if contact else None
        if contact is None:
            contact = PartyContact(member=member, created_by=actor)
        contact.region_code = member.region_code
        contact.user = user or getattr(member, "account", None)
        contact.updated_at = clock.now()
        contact.save()
        contact.households.set(households)
        audit_record(
            actor=actor,
            entity=contact,
            action="create" if before is None else "update",
            changes={"member": [None, member.pk], "households": [before, ids]},
        )
    return contact


def _contact_for(actor, contact_id: int) -> PartyContact:
    contact = PartyContact.objects.select_related("member").filter(pk=contact_id).first()
    if contact is None:
        raise NotFound(_("No such party member contact."), field="contact")
    if contact.user_id is not None and contact.user_id == actor.pk:
        return contact
    if has_role(actor, ON_BEHALF_ROLES) and contact.is_visible_to(actor):
        return contact
    raise NotFound(_("No such party member contact."), field="contact")


def contact_visit_record(
    *,
    actor,
    contact_id: int,
    household_id: int,
    note: str = "",
    at: datetime | None = None,
    client_id: str | None = None,
) -> PartyContactVisit:
    """Record that the member was in touch with one of their households (the same client id
    again returns the first record, `is_new = False`)."""
    if actor is None or not getattr(actor, "is_active", False):
        raise NotAllowed()
    client_id = (client_id or "").strip()[:64] or None
    if client_id:
        earlier = PartyContactVisit.objects.filter(recorded_by=actor, client_id=client_id).first()
        if earlier is not None:
            earlier.is_new = False
            return earlier
    contact = _contact_for(actor, contact_id)
    household = contact.households.filter(pk=household_id).first()
    if household is None:
        raise NotFound(_("Not one of the member's households."), field="household")
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise ValidationFailed(_("The note is too long."), field="note")
    at = check_recent(
        at,
        field="at",
        future=_("A contact cannot be in the future."),
        too_old=_("A contact older than 30 days cannot be recorded here."),
    )
    try:
        with transaction.atomic():
            visit = PartyContactVisit.objects.create(
                contact=contact,
                household=household,
                region_code=household.region_code,
                at=at,
                note=note,
                recorded_by=actor,
                client_id=client_id,
                created_at=clock.now(),
            )
            audit_record(
                actor=actor,
                entity=visit,
                action="create",
                changes={"contact": [None, contact.pk], "household": [None, household.pk]},
            )
    except IntegrityError:
        earlier = PartyContactVisit.objects.filter(recorded_by=actor, client_id=client_id).first()
        if earlier is None:
            raise
        earlier.is_new = False
        return earlier
    visit.is_new = True
    return visit
