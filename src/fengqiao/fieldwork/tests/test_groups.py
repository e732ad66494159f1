"""Household groups: shaped (create, change, split, merge, dissolve) only by centre staff and
grid chiefs inside their reach, always 5–50 households of one grid; an election sets the
head and deputies from its candidates; broadcasts reach the heads, who mark them read and
passed on; party members keep 10–30 households. Every write leaves an audit row."""

from datetime import timedelta

import pytest
from django.test import Client

from fengqiao.accounts.models import User
from fengqiao.core import clock
from fengqiao.core.errors import NotAllowed, NotFound, ValidationFailed
from fengqiao.core.models import AuditEntry
from fengqiao.fieldwork import broadcasts, group_duties, groups, groups_selectors, party_contacts
from fengqiao.fieldwork.models import Broadcast, GroupElection, PartyContact
from fengqiao.registry.models import Household, HouseholdGroup, Person


@pytest.fixture
def village(users):
    """The demo village's first grid: its group dissolved, then two groups of 5 made from its
    households, 9 left free; the group of the village's second grid; a group and a household
    of another village."""
    centre = users["village_centre"]
    code = centre.bindings.get().code
    mine = HouseholdGroup.objects.filter(region_code__startswith=code).order_by("code")
    first = mine.first()
    grid = first.grid
    free = list(first.households.order_by("pk").values_list("pk", flat=True))
    assert len(free) >= 19
    groups.group_dissolve(actor=centre, group_id=first.pk)
    made = [
        groups.group_create(actor=centre, name=name, household_ids=free[start : start + 5])
        for name, start in (("联户甲", 9), ("联户乙", 14))
    ]
    other_code = users["village_centre_b"].bindings.get().code
    return {
        "centre": centre,
        "grid": grid,
        "free": free[:9],
        "groups": made,
        "other_grid": mine.exclude(grid=grid).first(),
        "foreign": HouseholdGroup.objects.filter(region_code__startswith=other_code).first(),
        "foreign_household": Household.objects.filter(region_code__startswith=other_code).first(),
    }


def _audit(entity, action: str) -> bool:
    return AuditEntry.objects.filter(
        entity_type=entity._meta.label_lower, entity_id=str(entity.pk), action=action
    ).exists()


def _create(village, count=6, actor=None, **extra):
    return groups.group_create(
        actor=actor or village["centre"],
        name="新联户",
        household_ids=village["free"][:count],
        **extra,
    )


def test_a_group_is_created_from_free_households_of_one_grid_with_an_audit_row(village):
    group = _create(village)
    assert group.grid == village["grid"] and group.region_code == village["grid"].code
    assert group.households.count() == 6
    assert group.code.startswith(f"{village['grid'].code}-")
    assert _audit(group, "create")


def test_the_grid_chief_shapes_groups_and_a_grid_worker_may_not(users, village):
    assert _create(village, actor=users["grid_chief"]).households.count() == 6
    with pytest.raises(NotAllowed):
        groups.group_create(
            actor=users["grid_worker"], name="x", household_ids=village["free"][6:9]
        )


@pytest.mark.parametrize("count", [4, 51])
def test_a_group_has_5_to_50_households(village, count):
    ids = village["free"][:count] if count < 9 else list(range(1, count + 1))
    with pytest.raises(ValidationFailed) as caught:
        groups.group_create(actor=village["centre"], name="x", household_ids=ids)
    assert caught.value.field == "households"


def test_a_household_already_in_a_group_is_refused(village):
    taken = village["groups"][0].households.first().pk
    with pytest.raises(ValidationFailed, match="already"):
        groups.group_create(
            actor=village["centre"], name="x", household_ids=[*village["free"][:5], taken]
        )


def test_another_villages_household_or_group_is_not_found(village):
    with pytest.raises(NotFound):
        groups.group_create(
            actor=village["centre"],
            name="x",
            household_ids=[*village["free"][:5], village["foreign_household"].pk],
        )
    for call in (
        lambda: groups.group_dissolve(actor=village["centre"], group_id=village["foreign"].pk),
        lambda: groups.group_merge(
            actor=village["centre"],
            group_id=village["groups"][0].pk,
            other_id=village["foreign"].pk,
        ),
    ):
        with pytest.raises(NotFound):
            call()
    assert village["foreign"].households.count() >= 5


def test_households_are_added_and_removed_and_the_group_keeps_5_to_50(village):
    group = _create(village, count=5)
    with pytest.raises(ValidationFailed) as caught:
        groups.group_change(actor=village["centre"], group_id=group.pk, remove=village["free"][:1])
    assert caught.value.field == "remove"
    groups.group_change(
        actor=village["centre"],
        group_id=group.pk,
        add=village["free"][5:7],
        remove=village["free"][:1],
    )
    assert group.households.count() == 6
    assert Household.objects.get(pk=village["free"][0]).group_id is None
    assert _audit(group, "update")


def test_a_removed_household_takes_its_head_role_with_it(village):
    group = village["other_grid"]
    head_home = group.head.household_id
    groups.group_change(actor=village["centre"], group_id=group.pk, remove=[head_home])
    group.refresh_from_db()
    assert group.head_id is None


def test_a_group_splits_into_two_of_at_least_5(village):
    group = village["other_grid"]
    homes = list(group.households.order_by("pk").values_list("pk", flat=True))
    with pytest.raises(ValidationFailed):
        groups.group_split(
            actor=village["centre"], group_id=group.pk, household_ids=homes[4:], name="y"
        )
    new = groups.group_split(
        actor=village["centre"], group_id=group.pk, household_ids=homes[:6], name="二组"
    )
    assert group.households.count() == len(homes) - 6 and new.households.count() == 6
    assert new.grid == group.grid and new.code != group.code
    assert _audit(group, "split")


def test_two_groups_of_a_grid_merge_into_one_of_at_most_50(village):
    first, second = village["groups"][:2]
    total = first.households.count() + second.households.count()
    merged = groups.group_merge(actor=village["centre"], group_id=first.pk, other_id=second.pk)
    assert merged.households.count() == total
    assert not HouseholdGroup.objects.filter(pk=second.pk).exists()
    assert _audit(first, "merge")


def test_groups_of_different_grids_do_not_merge(village):
    other = village["other_grid"]
    with pytest.raises(ValidationFailed) as caught:
        groups.group_merge(
            actor=village["centre"], group_id=village["groups"][0].pk, other_id=other.pk
        )
    assert caught.value.field == "other"


def _candidates(group, n=4):
    people = list(Person.objects.filter(household__group=group).order_by("pk")[:n])
    return people, [
        groups.Candidate(person_id=people[0].pk, votes=30, elected_as="head", party_member=True),
        groups.Candidate(person_id=people[1].pk, votes=20, elected_as="deputy", veteran=True),
        groups.Candidate(person_id=people[2].pk, votes=15, elected_as="deputy"),
        groups.Candidate(person_id=people[3].pk, votes=2, clan_elder=True, other="老教师"),
    ]


def test_an_election_sets_the_groups_head_and_deputies_with_an_audit_row(village):
    group = village["groups"][0]
    people, candidates = _candidates(group)
    today = clock.localdate()
    election = groups.election_record(
        actor=village["centre"], group_id=group.pk, held_on=today, turnout=5, candidates=candidates
    )
    group.refresh_from_db()
    assert group.head == people[0]
    assert set(group.deputies.all()) == {people[1], people[2]}
    assert election.term_ends == groups.years_later(today, 3)
    assert election.candidates.get(person=people[3]).clan_elder
    assert _audit(election, "create")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"votes": -1}, "votes"),
        ({"votes": 10_000}, "votes"),
        ({"elected_as": "deputy"}, "elected_as"),  # no head
        ({"elected_as": "king"}, "elected_as"),
    ],
)
def test_an_election_with_bad_votes_or_roles_is_refused(village, change, field):
    group = village["groups"][0]
    head_before = group.head_id
    _people, candidates = _candidates(group)
    candidates[0] = groups.Candidate(**{**candidates[0].__dict__, **change})
    with pytest.raises(ValidationFailed) as caught:
        groups.election_record(
            actor=village["centre"],
            group_id=group.pk,
            held_on=clock.localdate(),
            turnout=5,
            candidates=candidates,
        )
    assert caught.value.field == field
    group.refresh_from_db()
    assert group.head_id == head_before and not GroupElection.objects.exists()


def test_an_election_needs_one_head_at_most_two_deputies_and_candidates_of_the_group(village):
    group, other = village["groups"][:2]
    people, candidates = _candidates(group)
    third = groups.Candidate(person_id=people[3].pk, votes=1, elected_as="deputy")
    outsider = Person.objects.filter(household__group=other).first()
    for bad, field in (
        ([*candidates[:3], third], "elected_as"),
        ([*candidates, groups.Candidate(person_id=outsider.pk, votes=1)], "candidates"),
        ([candidates[0], candidates[0]], "candidates"),
    ):
        with pytest.raises(ValidationFailed) as caught:
            groups.election_record(
                actor=village["centre"],
                group_id=group.pk,
                held_on=clock.localdate(),
                turnout=5,
                candidates=bad,
            )
        assert caught.value.field == field
    with pytest.raises(ValidationFailed) as caught:
        groups.election_record(
            actor=village["centre"],
            group_id=group.pk,
            held_on=clock.localdate() + timedelta(days=1),
            turnout=5,
            candidates=candidates,
        )
    assert caught.value.field == "held_on"
    with pytest.raises(ValidationFailed) as caught:
        groups.election_record(
            actor=village["centre"],
            group_id=group.pk,
            held_on=clock.localdate(),
            turnout=group.households.count() + 1,
            candidates=candidates,
        )
    assert caught.value.field == "turnout"


def test_a_dissolved_group_with_an_election_keeps_its_record(village):
    group = village["groups"][0]
    _people, candidates = _candidates(group)
    groups.election_record(
        actor=village["centre"],
        group_id=group.pk,
        held_on=clock.localdate(),
        turnout=5,
        candidates=candidates,
    )
    groups.group_dissolve(actor=village["centre"], group_id=group.pk)
    group.refresh_from_db()
    assert group.households.count() == 0 and group.head_id is None
    assert _audit(group, "delete")


# -- API ------------------------------------------------------------------------------------


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_api_creates_lists_and_elects(village):
    client = _client(village["centre"])
    made = client.post(
        "/api/v1/household-groups",
        {"name": "接口联户", "households": village["free"][:5]},
        content_type="application/json",
    )
    assert made.status_code == 201, made.content
    group_id = made.json()["id"]
    assert made.json()["households"] == 5
    listed = client.get("/api/v1/household-groups", {"grid": village["grid"].code}).json()
    assert group_id in [g["id"] for g in listed["items"]]
    people = list(Person.objects.filter(household__group_id=group_id).order_by("pk")[:2])
    body = {
        "held_on": clock.localdate().isoformat(),
        "turnout": 5,
        "candidates": [
            {"person_id": people[0].pk, "votes": 4, "elected_as": "head", "retired_cadre": True},
            {"person_id": people[1].pk, "votes": 1},
        ],
    }
    elected = client.post(
        f"/api/v1/household-groups/{group_id}/elections", body, content_type="application/json"
    )
    assert elected.status_code == 201, elected.content
    detail = client.get(f"/api/v1/household-groups/{group_id}").json()
    assert detail["head_name"] == people[0].name
    assert detail["elections"][0]["candidates"][0]["retired_cadre"] is True
    assert len(detail["members"]) == 5


def test_the_api_splits_merges_and_refuses_bad_input_with_the_field(village):
    client = _client(village["centre"])
    group = village["other_grid"]
    moving = list(group.households.order_by("pk").values_list("pk", flat=True)[:5])
    split = client.post(
        f"/api/v1/household-groups/{group.pk}/split",
        {"name": "拆分", "households": moving},
        content_type="application/json",
    )
    assert split.status_code == 201, split.content
    merged = client.post(
        f"/api/v1/household-groups/{group.pk}/merge",
        {"other": split.json()["id"]},
        content_type="application/json",
    )
    assert merged.status_code == 200
    refused = client.post(
        "/api/v1/household-groups",
        {"name": "x", "households": village["free"][:3]},
        content_type="application/json",
    )
    assert refused.status_code == 400 and refused.json()["field"] == "households"


def test_the_api_answers_404_for_another_villages_group(village):
    client = _client(village["centre"])
    foreign = village["foreign"].pk
    assert client.get(f"/api/v1/household-groups/{foreign}").status_code == 404
    for suffix, body in (
        ("split", {"name": "x", "households": []}),
        ("merge", {"other": village["groups"][0].pk}),
        ("elections", {"held_on": "2026-01-01", "turnout": 1, "candidates": []}),
        ("households", {"add": []}),
    ):
        response = client.post(
            f"/api/v1/household-groups/{foreign}/{suffix}", body, content_type="application/json"
        )
        assert response.status_code == 404, (suffix, response.status_code)
    too_big = client.post(
        f"/api/v1/household-groups/{2**62}/merge", {"other": 2**62}, content_type="application/json"
    )
    assert too_big.status_code in (400, 404, 422)


# -- pages ----------------------------------------------------------------------------------


def test_the_workbench_lists_groups_by_grid_and_records_an_election(village):
    client = _client(village["centre"])
    group = village["groups"][0]
    page = client.get("/fieldwork/groups/", {"grid": village["grid"].code})
    assert page.status_code == 200 and group.name in page.content.decode()
    assert client.get("/fieldwork/groups/", {"grid": "x"}).status_code == 404
    people = list(Person.objects.filter(household__group=group).order_by("pk")[:2])
    posted = client.post(
        f"/fieldwork/groups/{group.pk}/",
        {
            "action": "election",
            "held_on": clock.localdate().isoformat(),
            "turnout": "5",
            "c0-person": people[1].pk,
            "c0-votes": "5",
            "c0-elected": "head",
            "c0-party_member": "on",
            "c1-person": people[0].pk,
            "c1-votes": "1",
            "c1-elected": "none",
        },
    )
    assert posted.status_code == 302
    group.refresh_from_db()
    assert group.head == people[1]
    shown = client.get(f"/fieldwork/groups/{group.pk}/").content.decode()
    assert people[1].name in shown and str(clock.localdate().year) in shown
    bad = client.post(f"/fieldwork/groups/{group.pk}/", {"action": "election", "held_on": "x"})
    assert bad.status_code == 400
    assert client.get(f"/fieldwork/groups/{village['foreign'].pk}/").status_code == 404


def test_the_create_page_makes_a_group(village):
    client = _client(village["centre"])
    form = client.get("/fieldwork/groups/new/", {"grid": village["grid"].code})
    assert form.status_code == 200
    posted = client.post(
        "/fieldwork/groups/new/",
        {"grid": village["grid"].code, "name": "页面联户", "households": village["free"][:5]},
    )
    assert posted.status_code == 302
    assert HouseholdGroup.objects.filter(name="页面联户").exists()


# -- broadcasts to the heads -----------------------------------------------------------------


@pytest.fixture
def head(village):
    """An account for the head of the village's second grid's group, bound to that grid."""
    from fengqiao.accounts.services import user_create

    group = village["other_grid"]
    return user_create(
        username="unit_head_1",
        password="fengqiao-demo",  # noqa: S106 - the public demo password
        role="unit_head",
        person=group.head,
        jurisdiction=[group.grid.code],
        display_name=f"联户长 {group.head.name}",
        check_password=False,
    )


def _send(village, **extra):
    given = {
        "region_code": village["grid"].village.code,
        "title": "防汛通知",
        "body": "今晚有暴雨，请告知各户。",
        **extra,
    }
    return broadcasts.broadcast_send(actor=village["centre"], **given)


def test_a_broadcast_reaches_every_group_of_the_area_with_an_audit_row(village, head):
    sent = _send(village)
    reached = set(sent.receipts.values_list("group_id", flat=True))
    assert {g.pk for g in village["groups"]} | {village["other_grid"].pk} == reached
    receipt = sent.receipts.get(group=village["other_grid"])
    assert receipt.head_user == head
    assert _audit(sent, "create")


def test_only_centre_staff_broadcast_and_only_inside_their_area(users, village):
    with pytest.raises(NotAllowed):
        broadcasts.broadcast_send(
            actor=users["grid_chief"], region_code=village["grid"].code, title="x", body="y"
        )
    other = users["village_centre_b"].bindings.get().code
    with pytest.raises(NotFound):
        _send(village, region_code=other)
    for bad, field in (({"title": ""}, "title"), ({"body": "x" * 4001}, "body")):
        with pytest.raises(ValidationFailed) as caught:
            _send(village, **bad)
        assert caught.value.field == field
    assert not Broadcast.objects.exists()


def test_heads_with_a_phone_get_a_text_message(village, django_capture_on_commit_callbacks):
    from fengqiao.accounts.sms import outbox
    from fengqiao.registry.services import person_update_phone

    phone_head = village["other_grid"].head
    person_update_phone(actor=village["centre"], person=phone_head, phone="13900001111")
    with django_capture_on_commit_callbacks(execute=True):
        sent = _send(village)
    assert any(m["text"].startswith("【防汛通知】") for m in outbox("13900001111"))
    assert sent.receipts.get(group=village["other_grid"]).sms_sent


def test_the_head_marks_read_then_passed_on_once_and_the_centre_counts(village, head):
    sent = _send(village)
    receipt = sent.receipts.get(group=village["other_grid"])
    broadcasts.receipt_mark(actor=head, receipt_id=receipt.pk)
    broadcasts.receipt_mark(actor=head, receipt_id=receipt.pk, relayed=True, confirmed_count=12)
    again = broadcasts.receipt_mark(actor=head, receipt_id=receipt.pk, relayed=True)
    assert again.read_at and again.relayed_at
    counted = groups_selectors.broadcast_get(actor=village["centre"], broadcast_id=sent.pk)
    assert (counted.read, counted.relayed) == (1, 1)
    assert AuditEntry.objects.filter(entity_id=str(receipt.pk), action="relay").count() == 2
    with pytest.raises(ValidationFailed) as caught:
        broadcasts.receipt_mark(actor=head, receipt_id=receipt.pk, relayed=True, confirmed_count=99)
    assert caught.value.field == "confirmed_count"


def test_a_head_cannot_mark_another_groups_receipt(village, head, users):
    sent = _send(village)
    for receipt in sent.receipts.exclude(group=village["other_grid"]):
        with pytest.raises(NotFound):
            broadcasts.receipt_mark(actor=head, receipt_id=receipt.pk)
    with pytest.raises(NotFound):
        broadcasts.receipt_mark(
            actor=users["village_centre"],
            receipt_id=sent.receipts.get(group=village["other_grid"]).pk,
        )


def test_the_api_sends_lists_and_relays(village, head):
    centre = _client(village["centre"])
    made = centre.post(
        "/api/v1/broadcasts",
        {"region_code": village["grid"].village.code, "title": "通知", "body": "正文"},
        content_type="application/json",
    )
    assert made.status_code == 201 and made.json()["groups"] == 3
    phone = _client(head)
    mine = phone.get("/api/v1/broadcast-receipts").json()
    assert mine["count"] == 1
    receipt_id = mine["items"][0]["id"]
    for _twice in range(2):
        done = phone.post(
            f"/api/v1/broadcast-receipts/{receipt_id}/relayed", {}, content_type="application/json"
        )
        assert done.status_code == 200 and done.json()["relayed_at"]
    counted = centre.get(f"/api/v1/broadcasts/{made.json()['id']}").json()
    assert counted["relayed"] == 1


def test_the_workbench_sends_a_broadcast_and_shows_the_counts(village, users):
    client = _client(village["centre"])
    posted = client.post(
        "/fieldwork/groups/broadcasts/",
        {"region_code": village["grid"].village.code, "title": "页面通知", "body": "正文"},
    )
    assert posted.status_code == 302
    shown = client.get(posted["Location"])
    assert "页面通知" in shown.content.decode()
    outsider = _client(users["village_centre_b"])
    assert outsider.get(posted["Location"]).status_code == 404
    refused = client.post("/fieldwork/groups/broadcasts/", {"region_code": "x", "title": "t"})
    assert refused.status_code == 404


# -- the head's duties on the phone ----------------------------------------------------------


def test_the_head_relays_a_households_report_as_a_case(village, head):
    from fengqiao.cases.defaults import ensure_default_categories

    ensure_default_categories()
    group = village["other_grid"]
    home = group.households.exclude(pk=head.person.household_id).first()
    first = group_duties.group_report(
        actor=head,
        group_id=group.pk,
        household_id=home.pk,
        category="garbage",
        title="门前垃圾",
        client_id="head-1",
    )
    again = group_duties.group_report(
        actor=head,
        group_id=group.pk,
        household_id=home.pk,
        category="garbage",
        title="门前垃圾",
        client_id="head-1",
    )
    assert first.pk == again.pk and first.channel == "grid_app"
    with pytest.raises(NotFound):
        group_duties.group_report(
            actor=head,
            group_id=group.pk,
            household_id=village["free"][0],
            category="garbage",
            title="x",
        )
    with pytest.raises(NotFound):
        group_duties.group_report(
            actor=village["centre"],
            group_id=group.pk,
            household_id=home.pk,
            category="garbage",
            title="x",
        )


def test_the_head_confirms_a_meeting_once_per_client_id(village, head):
    group = village["other_grid"]
    homes = list(group.households.values_list("pk", flat=True)[:4])
    today = clock.localdate()
    meeting = group_duties.meeting_record(
        actor=head, group_id=group.pk, held_on=today, topic="防火", attended=homes, client_id="m1"
    )
    again = group_duties.meeting_record(
        actor=head, group_id=group.pk, held_on=today, topic="防火", attended=homes, client_id="m1"
    )
    assert meeting.pk == again.pk and meeting.attended.count() == 4
    assert _audit(meeting, "create")
    for bad, field in (
        ({"held_on": today - timedelta(days=31)}, "held_on"),
        ({"held_on": today + timedelta(days=1)}, "held_on"),
        ({"attended": [village["free"][0]]}, "attended"),
        ({"topic": ""}, "topic"),
    ):
        given = {"held_on": today, "topic": "x", "attended": [], **bad}
        with pytest.raises(ValidationFailed) as caught:
            group_duties.meeting_record(actor=head, group_id=group.pk, **given)
        assert caught.value.field == field
    with pytest.raises(NotFound):
        group_duties.meeting_record(
            actor=head, group_id=village["groups"][0].pk, held_on=today, topic="x"
        )


def test_the_phone_page_shows_the_group_and_takes_the_duties(village, head):
    sent = _send(village)
    phone = _client(head)
    page = phone.get("/m/visits/group/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "防汛通知" in text and village["other_grid"].name in text
    receipt = sent.receipts.get(group=village["other_grid"])
    posted = phone.post(
        "/m/visits/group/", {"action": "relayed", "receipt": receipt.pk, "group": ""}
    )
    assert posted.status_code == 302
    receipt.refresh_from_db()
    assert receipt.relayed_at is not None
    bad = phone.post("/m/visits/group/", {"action": "meeting", "held_on": "x"})
    assert bad.status_code == 400
    assert _client(village["centre"]).get("/m/visits/group/").status_code == 200


# -- party members' households (党员联户) ------------------------------------------------------


def _homes(village, n=10):
    return list(
        Household.objects.filter(region_code__startswith=village["grid"].village.code)
        .order_by("pk")
        .values_list("pk", flat=True)[:n]
    )


def test_centre_staff_assign_10_to_30_households_to_a_party_member(village, users):
    member = village["other_grid"].head
    contact = party_contacts.contact_set(
        actor=village["centre"], member_id=member.pk, household_ids=_homes(village)
    )
    assert contact.households.count() == 10 and _audit(contact, "create")
    changed = party_contacts.contact_set(
        actor=village["centre"], member_id=member.pk, household_ids=_homes(village, 12)
    )
    assert changed.pk == contact.pk and changed.households.count() == 12
    assert _audit(contact, "update")
    with pytest.raises(ValidationFailed) as caught:
        party_contacts.contact_set(
            actor=village["centre"], member_id=member.pk, household_ids=_homes(village, 9)
        )
    assert caught.value.field == "households"
    with pytest.raises(NotFound):
        party_contacts.contact_set(
            actor=village["centre"],
            member_id=member.pk,
            household_ids=[*_homes(village, 10), village["foreign_household"].pk],
        )
    with pytest.raises(NotAllowed):
        party_contacts.contact_set(
            actor=users["grid_chief"], member_id=member.pk, household_ids=_homes(village)
        )


def test_the_member_or_staff_record_contacts_once_per_client_id(village, head, users):
    contact = party_contacts.contact_set(
        actor=village["centre"], member_id=head.person_id, household_ids=_homes(village)
    )
    assert contact.user == head
    home = _homes(village)[0]
    first = party_contacts.contact_visit_record(
        actor=head, contact_id=contact.pk, household_id=home, note="聊家常", client_id="p1"
    )
    again = party_contacts.contact_visit_record(
        actor=head, contact_id=contact.pk, household_id=home, client_id="p1"
    )
    assert first.pk == again.pk and _audit(first, "create")
    party_contacts.contact_visit_record(
        actor=village["centre"], contact_id=contact.pk, household_id=home
    )
    with pytest.raises(NotFound):  # the member lives outside the grid worker's micro-grid
        party_contacts.contact_visit_record(
            actor=users["grid_worker"], contact_id=contact.pk, household_id=home
        )
    with pytest.raises(NotFound):
        party_contacts.contact_visit_record(
            actor=users["village_centre_b"], contact_id=contact.pk, household_id=home
        )
    with pytest.raises(NotFound):
        party_contacts.contact_visit_record(
            actor=head, contact_id=contact.pk, household_id=village["foreign_household"].pk
        )
    with pytest.raises(ValidationFailed) as caught:
        party_contacts.contact_visit_record(
            actor=head,
            contact_id=contact.pk,
            household_id=home,
            at=clock.now() - timedelta(days=31),
        )
    assert caught.value.field == "at"


def test_the_party_contacts_page_assigns_and_records(village, users):
    client = _client(village["centre"])
    member = village["other_grid"].head
    posted = client.post(
        "/fieldwork/party-contacts/",
        {"action": "assign", "member": member.pk, "households": _homes(village)},
    )
    assert posted.status_code == 302
    page = client.get("/fieldwork/party-contacts/", {"grid": village["grid"].code})
    assert member.name in page.content.decode()
    contact = PartyContact.objects.get(member=member)
    recorded = client.post(
        "/fieldwork/party-contacts/",
        {"action": "visit", "contact": contact.pk, "household": _homes(village)[0]},
    )
    assert recorded.status_code == 302
    outsider = _client(users["village_centre_b"])
    refused = outsider.post(
        "/fieldwork/party-contacts/",
        {"action": "assign", "member": member.pk, "households": _homes(village)},
    )
    assert refused.status_code == 404
    assert member.name not in outsider.get("/fieldwork/party-contacts/").content.decode()


def test_the_demo_elects_heads_broadcasts_and_gives_a_head_an_account(users):
    from fengqiao.demo.fieldwork_groups import seed_groups

    made = seed_groups(seed=1)
    assert made["elections"] >= 2 and made["broadcasts"] == 2 and made["party members"] >= 1
    head = User.objects.get(username="unit_head")
    assert head.role == "unit_head"
    mine = groups_selectors.my_receipts(actor=head)
    assert mine.count() == 2 and mine.filter(relayed_at__isnull=False).count() == 1
    assert seed_groups(seed=1)["elections"] == 0  # elections are not repeated


def test_the_api_sets_lists_and_shows_a_party_members_households(village, users):
    client = _client(village["centre"])
    member = village["other_grid"].head
    put = client.put(
        "/api/v1/party-contacts",
        {"member_id": member.pk, "households": _homes(village, 11)},
        content_type="application/json",
    )
    assert put.status_code == 200, put.content
    body = put.json()
    assert body["member_name"] == member.name and body["household_count"] == 11
    assert sorted(h["id"] for h in body["households"]) == _homes(village, 11)
    listed = client.get("/api/v1/party-contacts").json()["items"]
    assert [c["id"] for c in listed] == [body["id"]]
    too_few = client.put(
        "/api/v1/party-contacts",
        {"member_id": member.pk, "households": _homes(village, 9)},
        content_type="application/json",
    )
    assert too_few.status_code == 400 and too_few.json()["field"] == "households"
    refused = _client(users["grid_chief"]).put(
        "/api/v1/party-contacts",
        {"member_id": member.pk, "households": _homes(village)},
        content_type="application/json",
    )
    assert refused.status_code == 403
    outsider = _client(users["village_centre_b"])
    assert outsider.get(f"/api/v1/party-contacts/{body['id']}").status_code == 404
    assert outsider.get("/api/v1/party-contacts").json()["items"] == []
    taken = outsider.put(
        "/api/v1/party-contacts",
        {"member_id": member.pk, "households": _homes(village, 10)},
        content_type="application/json",
    )
    assert taken.status_code == 404 and taken.json()["field"] == "member"
    assert PartyContact.objects.get(pk=body["id"]).households.count() == 11


def test_the_member_records_a_contact_through_the_api_once_per_client_id(village, head, users):
    contact = party_contacts.contact_set(
        actor=village["centre"], member_id=head.person_id, household_ids=_homes(village)
    )
    member = _client(head)  # bound to another grid: the contact is the member's own
    assert [c["id"] for c in member.get("/api/v1/party-contacts").json()["items"]] == [contact.pk]
    sent = {"household_id": _homes(village)[0], "note": "走访了解情况", "client_id": "pc-1"}
    url = f"/api/v1/party-contacts/{contact.pk}/visits"
    first = member.post(url, sent, content_type="application/json")
    again = member.post(url, sent, content_type="application/json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    shown = member.get(f"/api/v1/party-contacts/{contact.pk}").json()
    assert shown["visit_count"] == 1 and shown["recent_visits"][0]["note"] == "走访了解情况"
    foreign = {"household_id": village["foreign_household"].pk}
    assert member.post(url, foreign, content_type="application/json").status_code == 404
    old = {**sent, "client_id": "pc-2", "at": (clock.now() - timedelta(days=40)).isoformat()}
    late = member.post(url, old, content_type="application/json")
    assert late.status_code == 400 and late.json()["field"] == "at"
    outsider = _client(users["village_centre_b"])
    assert outsider.post(url, sent, content_type="application/json").status_code == 404


def test_the_members_phone_page_lists_their_households_and_records_a_contact(village, head):
    contact = party_contacts.contact_set(
        actor=village["centre"], member_id=head.person_id, household_ids=_homes(village)
    )
    client = _client(head)
    page = client.get("/m/visits/party/").content.decode()
    assert page.count('class="phone-form party-form"') == 10 and page.count("尚未联系") == 10
    home = _homes(village)[3]
    posted = client.post(
        "/m/visits/party/",
        {"contact": contact.pk, "household_id": home, "note": "谈心", "client_id": "m-1"},
    )
    assert posted.status_code == 302
    assert contact.visits.get().household_id == home
    assert client.get("/m/visits/party/").content.decode().count("尚未联系") == 9
    foreign = client.post(
        "/m/visits/party/",
        {"contact": contact.pk, "household_id": village["foreign_household"].pk},
    )
    assert foreign.status_code == 404 and contact.visits.count() == 1
    empty = _client(village["centre"]).get("/m/visits/party/").content.decode()
    assert "您没有党员联系户" in empty
