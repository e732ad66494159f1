"""Tests for the demo seed at small scale: tilings, locations, people, groups, tags, accounts,
mediation committees and mediators."""

from collections import Counter, defaultdict
from datetime import date
from io import StringIO

import pytest
import shapely
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count
from django.test import override_settings
from shapely.geometry import shape

from fengqiao.accounts.models import User
from fengqiao.cases.models import HandlingUnit
from fengqiao.core import crypto, divisions
from fengqiao.core.idnumbers import parse_id_number
from fengqiao.core.roles import Role
from fengqiao.demo import COUNTY_CODE
from fengqiao.demo.accounts import DEMO_PASSWORD, DEMO_USERNAMES
from fengqiao.demo.county import geometry
from fengqiao.demo.county import tags as T
from fengqiao.demo.county.builder import CountyBuilder
from fengqiao.demo.county.names import cn_number
from fengqiao.demo.county.people import AS_OF
from fengqiao.demo.county.things import credit_code
from fengqiao.demo.scales import SCALES
from fengqiao.demo.seed import SeedStats, seed
from fengqiao.mediation.models import MediationCommittee, Mediator
from fengqiao.regions.locator import grids_changed, locate_many
from fengqiao.regions.models import Grid, Region
from fengqiao.registry.models import (
    Dwelling,
    Facility,
    Household,
    HouseholdGroup,
    Organization,
    Person,
    PersonTag,
    PersonTagging,
    Place,
)
from fengqiao.registry.sealing import birth_date_of, tag_hash

pytestmark = pytest.mark.django_db

FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """Seed the small county once for this module, inside a transaction rolled back at the end
    so other modules start from an empty database."""
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=FAST_HASHER, FENGQIAO_DEMO_CASE_HISTORY=False),
        transaction.atomic(),
    ):
        stats = seed("small")
        yield stats
        transaction.set_rollback(True)
    grids_changed()


def _age(born: date) -> int:
    return AS_OF.year - born.year - ((AS_OF.month, AS_OF.day) < (born.month, born.day))


def _tiling_error(parent, children) -> float:
    """Largest relative area error between the children's union (and sum) and the parent."""
    union = shapely.union_all(children)
    total = sum(child.area for child in children)
    return max(
        abs(union.area - parent.area) / parent.area,
        abs(total - parent.area) / parent.area,  # equal sum and union: no overlaps
        shapely.symmetric_difference(union, parent).area / parent.area,
    )


def test_polygons_tile_their_parent_at_every_level(seeded):
    families = defaultdict(list)
    for region in Region.objects.filter(parent__code__startswith="4399").select_related("parent"):
        families[region.parent.code].append(shape(region.boundary))
    for grid in Grid.objects.select_related("village", "parent"):
        families[(grid.parent or grid.village).code].append(shape(grid.boundary))
    parents = {r.code: shape(r.boundary) for r in Region.objects.exclude(boundary=None)}
    parents.update({g.code: shape(g.boundary) for g in Grid.objects.all()})

    for parent_code, children in families.items():
        assert all(
            child.is_valid and child.geom_type in ("Polygon", "MultiPolygon") for child in children
        )
        assert _tiling_error(parents[parent_code], children) < 1e-9, parent_code
        for i, a in enumerate(children):
            for b in children[i + 1 :]:
                assert a.intersection(b).area < 1e-12
    # city → county → 2 townships → 4 villages → 8 grids → 16 micro-grids
    assert Counter(len(code) for code in families) == {12: 1 + 1 + 2 + 4, 15: 8}


def test_every_dwelling_locates_to_its_own_micro_grid(seeded):
    rows = list(
        Dwelling.objects.values_list("lat", "lng", "region_code", "grid__code", "grid__kind")
    )
    assert len(rows) >= 150
    located = locate_many([(lat, lng) for lat, lng, *_ in rows])
    for (_lat, _lng, region_code, grid_code, kind), where in zip(rows, located, strict=True):
        assert kind == Grid.Kind.MICRO
        assert region_code == grid_code == where.grid_code


@pytest.mark.parametrize("model", [Organization, Place, Facility])
def test_every_located_thing_lies_in_its_micro_grid(seeded, model):
    rows = list(model.objects.values_list("lat", "lng", "region_code", "village__code"))
    assert rows
    for (_lat, _lng, code, village_code), where in zip(
        rows, locate_many([(lat, lng) for lat, lng, *_ in rows]), strict=True
    ):
        assert where.grid_code == code and code.startswith(village_code)


def test_id_numbers_are_valid_and_agree_with_birth_date_and_sex(seeded):
    people = list(Person.objects.all())
    assert 400 <= len(people) <= 600
    for person in people:
        parsed = parse_id_number(crypto.decrypt(person.id_number_sealed))
        assert parsed.birth_date == birth_date_of(person)
        assert parsed.birth_date.year == person.birth_year
        assert parsed.sex == person.sex
        assert parsed.masked == person.id_number_masked
        assert crypto.lookup_hash(parsed.number) == person.id_number_hash
        if person.residence == Person.Residence.REGISTERED:
            assert parsed.region_code == COUNTY_CODE[:6]
        else:
            assert parsed.region_code != COUNTY_CODE[:6]
        if _age(birth_date_of(person)) >= 18 and person.phone_sealed:
            assert crypto.decrypt(person.phone_sealed).isdigit()
        if _age(birth_date_of(person)) < 18:
            assert person.phone_sealed == ""


def test_households_have_one_head_and_coherent_relatives(seeded):
    households = Household.objects.select_related("head", "dwelling").prefetch_related("members")
    assert households.count() >= 140
    for household in households:
        members = list(household.members.all())
        heads = [m for m in members if m.relation == Person.Relation.HEAD]
        assert heads == [household.head]
        head = household.head
        head_age = _age(birth_date_of(head))
        for m in members:
            assert m.region_code == household.region_code == household.dwelling.region_code
            assert m.dwelling_id == household.dwelling_id
            gap = head_age - _age(birth_date_of(m))
            if m.relation == Person.Relation.SPOUSE:
                assert m.sex != head.sex and abs(gap) <= 10
            elif m.relation == Person.Relation.CHILD:
                assert 20 <= gap <= 35 and m.name[0] == head.name[0]
            elif m.relation == Person.Relation.GRANDCHILD:
                assert gap >= 40 and m.name[0] == head.name[0]
            elif m.relation == Person.Relation.PARENT:
                assert gap <= -18
        if household.dwelling.use == Dwelling.Use.RENTED:
            assert {m.residence for m in members} == {Person.Residence.FLOATING}
        else:
            assert household.dwelling.use == Dwelling.Use.OWNER
            assert household.dwelling.owner_name == head.name


def test_household_groups_hold_5_to_50_households_led_by_members(seeded):
    groups = HouseholdGroup.objects.annotate(size=Count("households")).select_related("head")
    assert groups.count() >= 8
    for group in groups:
        assert HouseholdGroup.MIN_HOUSEHOLDS <= group.size <= HouseholdGroup.MAX_HOUSEHOLDS
        assert group.grid.depth == 1 and group.region_code == group.grid.code
        member_households = set(group.households.values_list("pk", flat=True))
        deputies = list(group.deputies.all())
        assert len(deputies) == 2
        leaders = [group.head, *deputies]
        assert len({p.pk for p in leaders}) == 3
        assert all(p.household_id in member_households for p in leaders)
        assert all(
            h.startswith(group.region_code)
            for h in group.households.values_list("region_code", flat=True)
        )
    assert not Household.objects.filter(group__isnull=True).exists()


def test_codes_follow_the_division_rules(seeded):
    for region in Region.objects.filter(level=Region.Level.TOWNSHIP):
        assert divisions.township_kind(region.code) == region.kind
        assert region.name.endswith(
            {"subdistrict": "街道", "town": "镇", "township": "乡"}[region.kind]
        )
    for region in Region.objects.filter(level=Region.Level.VILLAGE):
        assert divisions.village_kind(region.code) == region.kind
        assert region.name.endswith("社区" if region.kind == "community" else "村")
    for grid in Grid.objects.select_related("parent", "village"):
        assert divisions.parent_of(grid.code) == (grid.parent or grid.village).code
        assert grid.depth == (2 if grid.parent else 1)
    micro_codes = set(Grid.objects.filter(kind=Grid.Kind.MICRO).values_list("code", flat=True))
    for model in (Dwelling, Household, Person, PersonTagging, Organization, Place, Facility):
        assert set(model.objects.values_list("region_code", flat=True)) <= micro_codes


def test_common_tags_are_present_and_sensitive_ones_sealed(seeded):
    counts = Counter(
        PersonTagging.objects.filter(tag__isnull=False).values_list("tag__code", flat=True)
    )
    for code in (T.ELDERLY_ALONE, T.LEFT_BEHIND_CHILD, T.LOW_INCOME, T.DISABLED, T.RENTER):
        assert counts[code] > 0, code
    people = Person.objects.count()
    assert counts[T.ELDERLY_ALONE] < people * 0.1
    assert set(PersonTag.objects.values_list("code", flat=True)) == {
        spec.code for spec in T.DEFAULT_TAGS
    }
    sensitive = {t.code for t in PersonTag.objects.filter(is_sensitive=True)}
    assert len(sensitive) == 5
    assert not set(counts) & sensitive
    for tagging in PersonTagging.objects.filter(tag__isnull=True):
        code = crypto.decrypt(tagging.tag_sealed)
        assert code in sensitive and tag_hash(tagging.person_id, code) == tagging.tag_hash
    for tagging in PersonTagging.objects.filter(tag__code=T.ELDERLY_ALONE).select_related(
        "person__household"
    ):
        assert _age(birth_date_of(tagging.person)) >= 65
        assert tagging.person.household.members.count() == 1


def test_stats_match_the_database(seeded):
    assert isinstance(seeded, SeedStats) and not seeded.already_seeded
    counts = seeded.counts
    assert counts["people"] == Person.objects.count()
    assert counts["households"] == Household.objects.count()
    assert counts["dwellings"] == Dwelling.objects.count()
    assert counts["micro_grids"] == Grid.objects.filter(kind=Grid.Kind.MICRO).count() == 16
    assert counts["grids"] == 8
    assert counts["regions"] == Region.objects.count() == 1 + 1 + 1 + 2 + 4
    assert counts["person_tags"] == PersonTagging.objects.count()
    assert counts["users"] == User.objects.count() == len(DEMO_USERNAMES) + counts["mediators"] - 1
    assert counts["committees"] == MediationCommittee.objects.count()
    assert counts["mediators"] == Mediator.objects.count()
    assert any("people" in line for line in seeded.lines())


def test_second_run_changes_nothing(seeded):
    before = (Region.objects.count(), Person.objects.count(), User.objects.count())
    again = seed("small")
    assert again.already_seeded and sum(again.counts.values()) == 0
    assert (Region.objects.count(), Person.objects.count(), User.objects.count()) == before
    assert "already" in again.lines()[0]
    assert [a.username for a in again.accounts] == list(DEMO_USERNAMES)


def test_demo_accounts_have_roles_and_bindings(seeded):
    county = Region.objects.get(code=COUNTY_CODE)
    township = county.children.order_by("code").first()
    village = township.children.order_by("code").first()
    grid = Grid.objects.filter(village=village, parent=None).order_by("code").first()
    micro = grid.children.order_by("code").first()
    expected = {
        "admin": (Role.ADMIN, set()),
        "county_centre": (Role.CENTRE_STAFF, {county.prefix}),
        "town_centre": (Role.CENTRE_STAFF, {township.prefix}),
        "village_centre": (Role.CENTRE_STAFF, {village.prefix}),
        "grid_chief": (Role.GRID_CHIEF, {grid.code}),
        "grid_worker": (Role.GRID_WORKER, {micro.code}),
        "handler": (Role.HANDLER, {township.prefix}),
        "mediator": (Role.MEDIATOR, {township.prefix}),
        "court": (Role.HANDLER, {county.prefix}),
        "petition_office": (Role.CENTRE_STAFF, {county.prefix}),
        "leader": (Role.LEADER, {county.prefix}),
        "resident": (Role.RESIDENT, set()),
    }
    for username, (role, codes) in expected.items():
        user = User.objects.get(username=username)
        assert user.role == role
        assert set(user.bindings.values_list("code", flat=True)) == codes
        assert user.check_password(DEMO_PASSWORD)
        assert user.display_name
    assert User.objects.get(username="admin").is_superuser
    assert grid.chief.username == "grid_chief"
    assert list(micro.workers.values_list("username", flat=True)) == ["grid_worker"]
    resident = User.objects.get(username="resident")
    first = Household.objects.filter(region_code__startswith=village.code).order_by("number")[0]
    assert resident.person == first.head
    assert [a.role for a in seeded.accounts] == [expected[n][0] for n in DEMO_USERNAMES]


def test_every_committee_has_mediators_and_the_desks_their_units(seeded):
    county = Region.objects.get(code=COUNTY_CODE)
    township = county.children.order_by("code").first()
    committees = MediationCommittee.objects.annotate(n=Count("mediators"))
    kinds = Counter(committees.values_list("kind", flat=True))
    villages = Region.objects.filter(level=Region.Level.VILLAGE).count()
    assert kinds == {"village": villages, "township": 2, "sector": 4, "expert_pool": 1, "room": 1}
    low_high = {"village": (1, 2), "township": (2, 4), "sector": (2, 2), "room": (1, 1)}
    for committee in committees:
        low, high = low_high.get(committee.kind, (8, 8))
        assert low <= committee.n <= high, committee.name
        members = set(committee.unit.members.values_list("pk", flat=True))
        assert set(committee.mediators.values_list("user_id", flat=True)) <= members
    experts = Mediator.objects.filter(committee__kind="expert_pool")
    assert experts.count() == 8 and all(m.is_expert and m.specialities for m in experts)
    assert {"retired_judge", "lawyer", "police", "doctor", "teacher", "psychologist"} <= set(
        experts.values_list("background", flat=True)
    )
    # Village and township mediators take every kind of dispute; they are named people.
    local = Mediator.objects.filter(committee__kind__in=["village", "township"])
    for mediator in local.exclude(user__username="mediator"):
        assert mediator.specialities == [] and 2 <= len(mediator.name) <= 4
        assert mediator.user.role == Role.MEDIATOR and not mediator.user.has_usable_password()
        assert mediator.user.username.startswith("med_")
    room = MediationCommittee.objects.get(kind="room")
    assert room.name.startswith("老") and room.name.endswith("调解室")
    assert room.region.parent == township and room.mediators.get().name[0] == room.name[1]
    demo = Mediator.objects.get(user__username="mediator")
    assert demo.committee.kind == "township" and demo.committee.region == township
    assert demo.name in demo.user.display_name
    court = HandlingUnit.objects.get(kind="court")
    office = HandlingUnit.objects.get(kind="petition_office")
    assert list(court.members.values_list("username", flat=True)) == ["court"]
    assert list(office.members.values_list("username", flat=True)) == ["petition_office"]


def test_seed_command_reports_the_loaded_county(seeded):
    out = StringIO()
    call_command("seed", scale="small", stdout=out)
    text = out.getvalue()
    assert "already loaded" in text and DEMO_PASSWORD in text and "grid_chief" in text


# --- pure parts: no database needed ---------------------------------------------------------


def test_same_seed_plans_the_same_households():
    def plans(seed_value):
        planner = CountyBuilder(SCALES["small"], seed_value, None).planner
        out = []
        for _ in range(50):
            plan = planner.plan(renting=False, county6="439901")
            out.append([(m.name, m.sex, m.age, m.relation, tuple(m.tags)) for m in plan.members])
        return out

    assert plans(7) == plans(7)
    assert plans(7) != plans(8)


def test_split_is_deterministic_and_tiles():
    import random

    parent = geometry.outline(random.Random(3), lat=27.5, lng=110.0, radius_km=5)
    first = geometry.split(random.Random(1), parent, 9)
    second = geometry.split(random.Random(1), parent, 9)
    assert [c.wkb for c in first] == [c.wkb for c in second]
    assert _tiling_error(parent, first) < 1e-9


def test_cn_number_and_credit_code():
    assert [cn_number(n) for n in (1, 10, 11, 20, 21, 99)] == [
        "一",
        "十",
        "十一",
        "二十",
        "二十一",
        "九十九",
    ]
    import random

    code = credit_code(random.Random(1), "439901")
    assert len(code) == 18 and code.startswith("91439901")
