"""Reads of household groups, through the caller's jurisdiction: the list (head, deputies,
size, term end), one group with its households and elections, the groups a head leads, and
the broadcasts to the heads with how many groups read and passed them on."""

from django.db.models import Count, Max, OuterRef, Prefetch, Q, QuerySet, Subquery

from fengqiao.core.errors import NotFound
from fengqiao.core.scoping import code_within, prefix_q
from fengqiao.fieldwork.models import (
    Broadcast,
    BroadcastReceipt,
    ElectionCandidate,
    GroupElection,
    PartyContact,
    PartyContactVisit,
)
from fengqiao.registry.models import Household, HouseholdGroup, Person


def group_list(*, actor, grid: str = "") -> QuerySet[HouseholdGroup]:
    groups = (
        HouseholdGroup.objects.visible_to(actor)
        .select_related("grid", "head")
        .prefetch_related("deputies")
        .annotate(
            household_count=Count("households", distinct=True),
            term_ends=Max("elections__term_ends"),
        )
        .filter(household_count__gt=0)
        .order_by("code")
    )
    grid = grid.strip()
    if grid:
        if not grid.isdigit() or not code_within(actor, grid):
            raise NotFound(field="grid")
        groups = groups.filter(prefix_q([grid]))
    return groups


def group_detail(*, actor, group_id: int) -> HouseholdGroup:
    group = (
        group_list(actor=actor)
        .prefetch_related(
            Prefetch(
                "households",
                queryset=Household.objects.select_related("head", "dwelling").order_by("number"),
            ),
            Prefetch(
                "elections",
                queryset=GroupElection.objects.select_related("recorded_by").prefetch_related(
                    Prefetch(
                        "candidates",
                        queryset=ElectionCandidate.objects.select_related("person"),
                    )
                ),
            ),
        )
        .filter(pk=group_id)
        .first()
    )
    if group is None:
        raise NotFound()
    return group


def group_people(group: HouseholdGroup) -> QuerySet[Person]:
    """The people of the group's households (the possible candidates)."""
    return (
        Person.objects.filter(household__group=group)
        .select_related("household")
        .order_by("household__number", "pk")
    )


def led_groups(*, actor) -> QuerySet[HouseholdGroup]:
    """The groups the caller heads or is a deputy of (through their registry person)."""
    person_id = getattr(actor, "person_id", None)
    if person_id is None:
        return HouseholdGroup.objects.none()
    return (
        HouseholdGroup.objects.visible_to(actor)
        .filter(Q(head_id=person_id) | Q(deputies=person_id))
        .distinct()
        .order_by("code")
    )


def broadcast_list(*, actor):
    """The broadcasts of the caller's jurisdiction with how many groups read and relayed."""
    return (
        Broadcast.objects.visible_to(actor)
        .select_related("created_by")
        .annotate(
            groups=Count("receipts"),
            read=Count("receipts", filter=Q(receipts__read_at__isnull=False)),
            relayed=Count("receipts", filter=Q(receipts__relayed_at__isnull=False)),
        )
        .order_by("-sent_at", "-pk")
    )


def broadcast_get(*, actor, broadcast_id: int) -> Broadcast:
    broadcast = broadcast_list(actor=actor).filter(pk=broadcast_id).first()
    if broadcast is None:
        raise NotFound()
    return broadcast


def my_receipts(*, actor):
    """The broadcasts to the groups the caller leads, newest first."""
    person_id = getattr(actor, "person_id", None)
    if person_id is None:
        return BroadcastReceipt.objects.none()
    return (
        BroadcastReceipt.objects.visible_to(actor)
        .filter(Q(group__head_id=person_id) | Q(group__deputies=person_id))
        .select_related("broadcast", "group")
        .distinct()
        .order_by("-broadcast__sent_at", "-pk")
    )


def party_contact_list(*, actor) -> QuerySet[PartyContact]:
    """The party members' contacts in the caller's jurisdiction (and a member's own, wherever
    it is), with their household count and their latest contact."""
    own = Q(user=actor) if getattr(actor, "pk", None) else Q(pk__in=[])
    reach = PartyContact.objects.visible_to(actor).values("pk")
    return (
        PartyContact.objects.filter(Q(pk__in=reach) | own)
        .select_related("member", "user")
        .annotate(
            household_count=Count("households", distinct=True),
            last_visit=Max("visits__at"),
            visit_count=Count("visits", distinct=True),
        )
        .order_by("region_code", "member__name")
    )


def party_contact_get(*, actor, contact_id: int) -> PartyContact:
    """One contact the caller may see, with its households and its latest 50 visits."""
    contact = (
        party_contact_list(actor=actor)
        .filter(pk=contact_id)
        .prefetch_related(
            Prefetch("households", queryset=Household.objects.select_related("head")),
        )
        .first()
        if 0 < contact_id < 2**62
        else None
    )
    if contact is None:
        raise NotFound(field="contact_id")
    contact.recent_visits = list(contact.visits.order_by("-at", "-pk")[:50])
    return contact


def my_party_contacts(*, actor) -> list[PartyContact]:
    """The caller's own contact households as a party member, each household with the time
    of its latest contact (`last_at`)."""
    if not getattr(actor, "pk", None):
        return []
    return list(
        PartyContact.objects.filter(user=actor)
        .select_related("member")
        .prefetch_related(
            Prefetch(
                "households",
                queryset=Household.objects.select_related("head", "dwelling")
                .annotate(
                    last_at=Subquery(
                        PartyContactVisit.objects.filter(
                            household=OuterRef("pk"), contact__user=actor
                        )
                        .order_by("-at")
                        .values("at")[:1]
                    )
                )
                .order_by("number"),
            )
        )
        .order_by("pk")
    )
