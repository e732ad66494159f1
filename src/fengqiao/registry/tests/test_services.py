"""Registry services: household groups, tags (sealed when sensitive), members, permissions."""

import pytest

from fengqiao.core import crypto
from fengqiao.core.errors import NotAllowed, ValidationFailed
from fengqiao.registry import services
from fengqiao.registry.models import Household, HouseholdGroup, Person, PersonTagging
from fengqiao.registry.sealing import tag_hash


def _village(users) -> str:
    return users["village_centre"].bindings.get().code


def test_sensitive_tag_is_sealed_when_assigned(users):
    person = Person.objects.filter(region_code__startswith=_village(users)).first()
    tagging = services.person_tag(
        actor=users["village_centre"], person=person, tag_code="community_correction"
    )
    tagging.refresh_from_db()
    assert tagging.tag_id is None
    assert "community_correction" not in tagging.tag_sealed
    assert crypto.open_field(tagging, "tag_sealed") == "community_correction"


def test_sensitive_tag_refused_when_role_is_grid_worker(users):
    person = Person.objects.filter(
        region_code__startswith=users["grid_worker"].bindings.get().code
    ).first()
    with pytest.raises(NotAllowed):
        services.person_tag(
            actor=users["grid_worker"], person=person, tag_code="community_correction"
        )


def test_tagging_twice_keeps_one_row_when_same_tag(users):
    person = Person.objects.filter(region_code__startswith=_village(users)).first()
    for _ in range(2):
        services.person_tag(actor=users["village_centre"], person=person, tag_code="veteran")
    assert (
        PersonTagging.objects.filter(person=person, tag_hash=tag_hash(person.pk, "veteran")).count()
        == 1
    )
    assert (
        services.person_untag(actor=users["village_centre"], person=person, tag_code="veteran") == 1
    )


def test_group_members_refused_when_fewer_than_five_or_outside_grid(users):
    group = HouseholdGroup.objects.filter(region_code__startswith=_village(users)).first()
    inside = list(Household.objects.filter(region_code__startswith=group.region_code)[:4])
    with pytest.raises(ValidationFailed, match="5 to 50"):
        services.household_group_set_members(
            actor=users["village_centre"], group=group, households=inside
        )
    outside = Household.objects.exclude(region_code__startswith=group.region_code).first()
    more = list(Household.objects.filter(region_code__startswith=group.region_code)[:5])
    with pytest.raises(ValidationFailed, match="outside"):
        services.household_group_set_members(
            actor=users["village_centre"], group=group, households=[*more, outside]
        )


def test_group_members_replaced_when_valid(users):
    group = HouseholdGroup.objects.filter(region_code__startswith=_village(users)).first()
    chosen = list(Household.objects.filter(region_code__startswith=group.region_code)[:6])
    head = chosen[0].members.first()
    services.household_group_set_members(
        actor=users["village_centre"], group=group, households=chosen, head=head
    )
    assert set(group.households.values_list("pk", flat=True)) == {h.pk for h in chosen}
    group.refresh_from_db()
    assert group.head == head


def test_edit_refused_when_outside_jurisdiction(users):
    person = Person.objects.exclude(region_code__startswith=_village(users)).first()
    with pytest.raises(NotAllowed):
        services.person_update_phone(
            actor=users["village_centre"], person=person, phone="13900000000"
        )


def test_phone_rejected_when_too_short(users):
    person = Person.objects.filter(region_code__startswith=_village(users)).first()
    with pytest.raises(ValidationFailed, match="5 to 15 digits"):
        services.person_update_phone(actor=users["village_centre"], person=person, phone="12")


def test_head_of_household_unique_when_adding_members(users):
    household = Household.objects.filter(
        region_code__startswith=_village(users), head__isnull=False
    ).first()
    stranger = (
        Person.objects.filter(region_code__startswith=_village(users))
        .exclude(household=household)
        .first()
    )
    with pytest.raises(Exception, match="already has a head"):
        services.household_add_member(
            actor=users["village_centre"], household=household, person=stranger, relation="head"
        )
    services.household_add_member(
        actor=users["village_centre"], household=household, person=stranger, relation="tenant"
    )
    stranger.refresh_from_db()
    assert stranger.household == household and stranger.region_code == household.region_code


def test_sensitive_tag_hashes_differ_per_person_and_lookups_still_find_them(users):
    from fengqiao.registry import selectors

    centre = users["village_centre"]
    people = list(Person.objects.filter(region_code__startswith=_village(users))[:3])
    taggings = [
        services.person_tag(actor=centre, person=p, tag_code="community_correction") for p in people
    ]
    hashes = {t.tag_hash for t in taggings}
    assert len(hashes) == 3  # a dump cannot group these people by tag
    assert crypto.lookup_hash("community_correction") not in hashes
    found = selectors.person_list(actor=centre, tag="community_correction")
    assert {p.pk for p in people} <= set(found.values_list("pk", flat=True))
    counts = selectors.tagging_counts(actor=centre)
    assert counts["community_correction"] >= 3
    assert "community_correction" not in selectors.tagging_counts(actor=users["grid_worker"])
    assert (
        selectors.person_list(actor=users["grid_worker"], tag="community_correction").count() == 0
    )
