"""Household groups at work in the demo village, made through the fieldwork services: an
election for each group of the village (the heads and deputies the county builder placed
are elected, with a few other candidates), a group head's account (`unit_head`) for the
first group whose head has none, two broadcasts to the heads (the first read and passed on
by that head) and a few party members with their contact households."""

from __future__ import annotations

import random
from datetime import timedelta

from fengqiao.accounts.models import User
from fengqiao.accounts.services import user_create
from fengqiao.core import clock
from fengqiao.core.roles import Role
from fengqiao.demo import DEFAULT_SEED
from fengqiao.demo.accounts import DEMO_PASSWORD
from fengqiao.fieldwork import broadcasts, groups, party_contacts
from fengqiao.fieldwork.models import ElectedAs, GroupElection
from fengqiao.registry.models import Household, HouseholdGroup, Person

BROADCASTS = (
    ("防汛紧急通知", "今夜起有强降雨，请各联户长逐户通知，低洼处和危房住户做好转移准备。"),
    ("冬季防火提醒", "天干物燥，请提醒各户安全用电用火，不私拉电线，柴草远离灶台。"),
)
PARTY_MEMBERS = 3
UNIT_HEAD = "unit_head"


def seed_groups(*, seed: int = DEFAULT_SEED) -> dict[str, int]:
    """Elections, a group head's account, broadcasts and party members' households in the
    demo village; returns how many of each were made (nothing without the village centre)."""
    centre = User.objects.filter(username="village_centre", is_active=True).first()
    if centre is None:
        return {}
    rng = random.Random(seed + 41)
    village = centre.bindings.get().code
    led = list(
        HouseholdGroup.objects.visible_to(centre)
        .filter(region_code__startswith=village, head__isnull=False)
        .order_by("code")
    )
    elections = sum(_elect(centre, group, rng) for group in led)
    head = _unit_head(led)
    sent = [
        broadcasts.broadcast_send(actor=centre, region_code=village, title=title, body=body)
        for title, body in BROADCASTS
    ]
    if head is not None:
        receipt = sent[0].receipts.filter(head_user=head).first()
        if receipt is not None:
            broadcasts.receipt_mark(actor=head, receipt_id=receipt.pk, relayed=True)
    return {
        "elections": elections,
        "broadcasts": len(sent),
        "party members": _party_members(centre, village, led, rng),
    }


def _elect(centre, group: HouseholdGroup, rng: random.Random) -> int:
    if GroupElection.objects.filter(group=group).exists():
        return 0
    households = group.households.count()
    deputies = list(group.deputies.order_by("pk"))[:2]
    leaders = {group.head_id, *(d.pk for d in deputies)}
    others = list(
        Person.objects.filter(household__group=group, relation="head")
        .exclude(pk__in=leaders)
        .order_by("pk")[:2]
    )
    turnout = rng.randint(max(1, households * 7 // 10), households)
    candidates = [
        groups.Candidate(
            person_id=group.head_id,
            votes=rng.randint(turnout // 2 + 1, turnout),
            elected_as=ElectedAs.HEAD,
            party_member=rng.random() < 0.5,
            retired_cadre=rng.random() < 0.2,
            veteran=rng.random() < 0.15,
        ),
        *(
            groups.Candidate(
                person_id=d.pk,
                votes=rng.randint(1, turnout // 2 + 1),
                elected_as=ElectedAs.DEPUTY,
                clan_elder=rng.random() < 0.2,
            )
            for d in deputies
        ),
        *(groups.Candidate(person_id=p.pk, votes=rng.randint(0, 3)) for p in others),
    ]
    held_on = clock.localdate() - timedelta(days=rng.randint(30, 700))
    groups.election_record(
        actor=centre, group_id=group.pk, held_on=held_on, turnout=turnout, candidates=candidates
    )
    return 1


def _unit_head(led: list[HouseholdGroup]) -> User | None:
    """The demo group head's account: the head of the first group without an account."""
    existing = User.objects.filter(username=UNIT_HEAD).first()
    if existing is not None:
        return existing
    for group in led:
        group.refresh_from_db(fields=["head"])
        if group.head is not None and not User.objects.filter(person=group.head).exists():
            return user_create(
                username=UNIT_HEAD,
                password=DEMO_PASSWORD,
                role=Role.UNIT_HEAD,
                person=group.head,
                jurisdiction=[group.grid.code],
                display_name=f"{group.name}联户长 {group.head.name}",
                check_password=False,
            )
    return None


def _party_members(centre, village: str, led, rng: random.Random) -> int:
    """A few household heads (not group heads) keep in touch with 10–15 households of their
    grid, with a contact or two recorded by the centre on their behalf."""
    leaders = {g.head_id for g in led}
    made = 0
    for group in led:
        if made == PARTY_MEMBERS:
            break
        member = (
            Person.objects.filter(household__group=group, relation="head")
            .exclude(pk__in=leaders)
            .order_by("pk")
            .first()
        )
        homes = list(
            Household.objects.filter(region_code__startswith=group.grid.code)
            .order_by("number")
            .values_list("pk", flat=True)
        )
        if member is None or len(homes) < 10:
            continue
        chosen = rng.sample(homes, min(len(homes), rng.randint(10, 15)))
        contact = party_contacts.contact_set(
            actor=centre, member_id=member.pk, household_ids=chosen
        )
        for index, home in enumerate(chosen[:2]):
            party_contacts.contact_visit_record(
                actor=centre,
                contact_id=contact.pk,
                household_id=home,
                note="走访了解近况，无特殊困难。",
                at=clock.now() - timedelta(days=rng.randint(1, 20)),
                client_id=f"demo-party-{contact.pk}-{index}",
            )
        made += 1
    return made
