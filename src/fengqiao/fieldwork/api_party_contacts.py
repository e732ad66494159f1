"""API: 党员联户 (/api/v1/party-contacts). Centre staff set a party member's 10–30 contact
households; the member (with an account) or staff in reach record each contact, offline-safe
by client id."""

from ninja import Router, Status
from ninja.pagination import PageNumberPagination, paginate

from fengqiao.fieldwork import groups_selectors, party_contacts
from fengqiao.fieldwork.schemas_groups import (
    PartyContactDetailOut,
    PartyContactIn,
    PartyContactOut,
    PartyVisitIn,
    PartyVisitOut,
)

router = Router(tags=["household groups"])


@router.get("/party-contacts", response=list[PartyContactOut])
@paginate(PageNumberPagination, page_size=50)
def party_contact_list(request):
    """The members' contacts in the caller's jurisdiction, and the caller's own."""
    return groups_selectors.party_contact_list(actor=request.auth)


@router.put("/party-contacts", response=PartyContactDetailOut)
def party_contact_set(request, payload: PartyContactIn):
    """Set a party member's contact households (10–30, all in reach); centre staff only."""
    contact = party_contacts.contact_set(
        actor=request.auth, member_id=payload.member_id, household_ids=payload.households
    )
    return groups_selectors.party_contact_get(actor=request.auth, contact_id=contact.pk)


@router.get("/party-contacts/{contact_id}", response=PartyContactDetailOut)
def party_contact_get(request, contact_id: int):
    """One member's households and latest 50 contacts."""
    return groups_selectors.party_contact_get(actor=request.auth, contact_id=contact_id)


@router.post(
    "/party-contacts/{contact_id}/visits", response={200: PartyVisitOut, 201: PartyVisitOut}
)
def party_visit_record(request, contact_id: int, payload: PartyVisitIn):
    """Record a contact with one of the member's households; the same `client_id` again
    answers 200 with the contact already recorded."""
    visit = party_contacts.contact_visit_record(
        actor=request.auth, contact_id=contact_id, **payload.dict()
    )
    return Status(201 if visit.is_new else 200, visit)
