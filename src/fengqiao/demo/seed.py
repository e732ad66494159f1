"""Deterministic demo data: 湖南省 → 枫桥市 → 枫桥县 → townships → … → households and people."""

from __future__ import annotations

import math
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db import connection, transaction
from faker import Faker
from shapely.geometry import shape

from fengqiao.core import divisions
from fengqiao.core.idnumbers import make_id_number
from fengqiao.demo import CITY_CODE, COUNTY_CODE, DEFAULT_SEED, PROVINCE_CODE, geometry
from fengqiao.demo import tags as T
from fengqiao.demo.accounts import DemoAccount, create_demo_accounts, demo_account_rows
from fengqiao.demo.casework import seed_case_history, setup_case_handling
from fengqiao.demo.committees import setup_mediation
from fengqiao.demo.notices import seed_notices
from fengqiao.regions.geometry import apply_boundary
from fengqiao.regions.models import Grid, Region
from fengqiao.registry import sealing
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
from fengqiao.registry.services import person_build, tagging_fields

__all__ = ["AS_OF", "SCALES", "Scale", "SeedStats", "TownshipPlan", "seed"]

# Ages are computed on this fixed day, not today, so a seed always yields the same people.
AS_OF = date(2026, 1, 1)
CENTRE_LAT, CENTRE_LNG = 27.5, 110.0
COUNTY_RADIUS_KM = 30.0
BATCH = 1000
# Households per group (联户): Anshun's groups are "10–50, often 10–30" households.
GROUP_TARGET = 13

Progress = Callable[[str], None]


# --- scales -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TownshipPlan:
    kind: str  # Region.Kind.SUBDISTRICT, TOWN or TOWNSHIP
    communities: int
    villages: int


@dataclass(frozen=True)
class Scale:
    counties: int
    townships: tuple[TownshipPlan, ...]
    grids_per_community: tuple[int, int]
    grids_per_village: tuple[int, int]
    micro_grids_per_grid: tuple[int, int]
    households_per_micro_grid_community: tuple[int, int]
    households_per_micro_grid_village: tuple[int, int]
    cameras_per_village: tuple[int, int]


_SUB, _TOWN, _TSHIP = Region.Kind.SUBDISTRICT, Region.Kind.TOWN, Region.Kind.TOWNSHIP
# Gonghe's 99 villages and 18 communities, spread over 2 sub-districts, 6 towns, 3 townships.
_COUNTY_TOWNSHIPS = (
    TownshipPlan(_SUB, 6, 0),
    TownshipPlan(_SUB, 6, 0),
    TownshipPlan(_TOWN, 1, 12),
    TownshipPlan(_TOWN, 1, 10),
    TownshipPlan(_TOWN, 1, 11),
    TownshipPlan(_TOWN, 1, 13),
    TownshipPlan(_TOWN, 1, 9),
    TownshipPlan(_TOWN, 1, 11),
    TownshipPlan(_TSHIP, 0, 10),
    TownshipPlan(_TSHIP, 0, 12),
    TownshipPlan(_TSHIP, 0, 11),
)
_COUNTY = dict(
    townships=_COUNTY_TOWNSHIPS,
    grids_per_community=(10, 14),
    grids_per_village=(6, 10),
    micro_grids_per_grid=(3, 7),
    households_per_micro_grid_community=(8, 14),
    households_per_micro_grid_village=(5, 9),
    cameras_per_village=(30, 50),
)
SCALES: dict[str, Scale] = {
    "small": Scale(
        counties=1,
        townships=(TownshipPlan(_SUB, 2, 0), TownshipPlan(_TSHIP, 0, 2)),
        grids_per_community=(2, 2),
        grids_per_village=(2, 2),
        micro_grids_per_grid=(2, 2),
        households_per_micro_grid_community=(9, 11),
        households_per_micro_grid_village=(9, 11),
        cameras_per_village=(4, 8),
    ),
    "county": Scale(counties=1, **_COUNTY),
    "city": Scale(counties=8, **_COUNTY),
}


# --- statistics -------------------------------------------------------------------------------


_COUNT_LABELS = (
    ("regions", "regions"),
    ("grids", "grids"),
    ("micro_grids", "micro-grids"),
    ("household_groups", "household groups"),
    ("dwellings", "dwellings"),
    ("households", "households"),
    ("people", "people"),
    ("person_tags", "person tags"),
    ("organizations", "organisations"),
    ("places", "places"),
    ("facilities", "facilities"),
    ("users", "users"),
    ("committees", "mediation committees"),
    ("mediators", "mediators"),
    ("notices", "notices"),
)


@dataclass
class SeedStats:
    """What one `seed()` call created (nothing when the demo county was already there)."""

    scale: str
    seed: int
    already_seeded: bool = False
    counts: Counter = field(default_factory=Counter)
    elapsed_seconds: float = 0.0
    accounts: list[DemoAccount] = field(default_factory=list)

    def lines(self) -> list[str]:
        if self.already_seeded:
            return [f"The demo county ({COUNTY_CODE[:6]}) is already loaded; nothing changed."]
        lines = [f"Seeded scale {self.scale!r} (seed {self.seed}) in {self.elapsed_seconds:.1f} s:"]
        lines += [f"  {label:<21}{self.counts[key]:>10,}" for key, label in _COUNT_LABELS]
        return lines


# --- names ------------------------------------------------------------------------------------


_COUNTY_NAMES = (
    "枫桥县",
    "青岚县",
    "白溪县",
    "龙门县",
    "云台县",
    "金竹县",
    "松柏县",
    "梅溪县",
    "石泉县",
    "望江县",
    "鹤鸣县",
    "兰溪县",
)
_SUBDISTRICT_ROOTS = ("城关", "东城", "西城", "南城", "北城", "江东", "河西", "新城")
_TOWN_ROOTS = (
    "清溪",
    "白马",
    "龙潭",
    "桃花",
    "黄土",
    "双河",
    "三江",
    "太平",
    "新田",
    "兴隆",
    "永安",
    "凤凰",
    "金竹",
    "马鞍",
    "沙湾",
    "岩门",
    "烟溪",
    "大坪",
    "长岭",
    "官庄",
)
_TOWNSHIP_ROOTS = (
    "石门",
    "高山",
    "杨柳",
    "青石",
    "红岩",
    "小溪",
    "竹园",
    "松柏",
    "水口",
    "塘湾",
    "坪上",
    "花桥",
    "柏树",
    "枫林",
    "雷公",
    "牛角",
    "鹿鸣",
    "云雾",
)
_VILLAGE_FIRST = "石龙桃杨高青金红双大小长凤梅竹马新兴永和白黄柏枫茶松樟李刘陈田岩水山塘坪溪桥团"
_VILLAGE_SECOND = "坪冲溪湾塘桥山岭田坡口寨园铺垅庄坳潭湖洲"
_COMMUNITY_ROOTS = (
    "和平",
    "建设",
    "人民",
    "解放",
    "新华",
    "东门",
    "西门",
    "南门",
    "北门",
    "滨江",
    "文昌",
    "育才",
    "花园",
    "朝阳",
    "幸福",
    "光明",
    "团结",
    "锦绣",
    "迎宾",
    "五一",
    "胜利",
    "青年",
    "中山",
    "龙泉",
)
_ROADS = (
    "人民路",
    "解放路",
    "建设路",
    "新华路",
    "和平路",
    "滨江路",
    "文昌路",
    "迎宾大道",
    "五一路",
    "中山路",
    "育才路",
    "朝阳路",
    "花园路",
    "胜利街",
    "青年路",
)
_MIDDLE_MALE = "建国志永德文明海春晓俊家子宏立"
_MIDDLE_FEMALE = "秀玉丽美春晓雅佳思欣桂月"
_ETHNICITIES = (("汉族", 88), ("苗族", 4), ("侗族", 3), ("土家族", 3), ("瑶族", 2))
# Where floating residents (renters) hold their household registration.
_ELSEWHERE = (
    "430102",
    "430121",
    "431202",
    "431224",
    "431227",
    "433101",
    "522601",
    "500242",
    "450103",
    "360702",
)
_DIGITS = "一二三四五六七八九"


def cn_number(n: int) -> str:
    """Chinese numeral for 1–99 (第十二网格)."""
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else _DIGITS[tens - 1] + "十")
    return head + (_DIGITS[ones - 1] if ones else "")


_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code(rng: random.Random, region6: str, category: str = "91") -> str:
    """A well-formed unified social credit code (GB 32100): category, region, organisation
    code with its GB 11714 check digit, then the MOD 31 check character."""
    org = "".join(rng.choice("0123456789") for _ in range(8))
    org_check = (
        11 - sum(int(c) * w for c, w in zip(org, (3, 7, 9, 10, 5, 8, 4, 2), strict=True)) % 11
    )
    body = category + region6 + org + {10: "X", 11: "0"}.get(org_check, str(org_check))
    total = sum(_USCC_CHARS.index(c) * w for c, w in zip(body, _USCC_WEIGHTS, strict=True))
    return body + _USCC_CHARS[(31 - total % 31) % 31]


# --- household plans --------------------------------------------------------------------------


@dataclass(slots=True)
class _Member:
    name: str
    sex: str
    age: int
    relation: str
    tags: list[str] = field(default_factory=list)
    person: Person | None = None


@dataclass(slots=True)
class _HouseholdPlan:
    members: list[_Member]
    ethnicity: str
    renting: bool
    id_region: str
    household: Household | None = None
    dwelling: Dwelling | None = None

    @property
    def head(self) -> _Member:
        return self.members[0]


@dataclass(slots=True)
class _GroupPlan:
    group: HouseholdGroup
    households: list[_HouseholdPlan]
    leaders: list[_Member]  # head first, then two deputies


_TEMPLATES = (
    ("single_elderly", 9),
    ("single_adult", 6),
    ("elderly_couple", 12),
    ("couple", 6),
    ("single_parent", 4),
    ("nuclear1", 21),
    ("nuclear2", 14),
    ("nuclear3", 3),
    ("nuclear1_parent", 8),
    ("nuclear2_parent", 5),
    ("nuclear2_parents", 3),
    ("three_generations", 6),
    ("left_behind", 3),
)
_RENTER_TEMPLATES = (("single_adult", 30), ("couple", 20), ("nuclear1", 30), ("nuclear2", 20))
_R = Person.Relation


class _Builder:
    """Holds the random streams and running counters for one seeding run."""

    def __init__(self, scale: Scale, seed: int, progress: Progress | None) -> None:
        self.scale = scale
        self.rng = random.Random(seed)
        self.fake = Faker("zh_CN")
        self.fake.seed_instance(seed)
        self.progress = progress or (lambda _message: None)
        self.counts: Counter = Counter()
        self.tags: dict[str, PersonTag] = {}
        # (region, birth date, sex) → next slot; keeps ID numbers unique within the run.
        self.id_slots: dict[tuple[str, date, str], list[int]] = {}
        self.templates = [name for name, _w in _TEMPLATES], [w for _n, w in _TEMPLATES]
        self.renter_templates = (
            [name for name, _w in _RENTER_TEMPLATES],
            [w for _n, w in _RENTER_TEMPLATES],
        )

    # -- people ---------------------------------------------------------------------------

    def given_name(self, sex: str) -> str:
        given = self.fake.first_name_male() if sex == "M" else self.fake.first_name_female()
        if len(given) == 1 and self.rng.random() < 0.5:
            given = self.rng.choice(_MIDDLE_MALE if sex == "M" else _MIDDLE_FEMALE) + given
        return given

    def member(self, surname: str, sex: str, age: int, relation: str) -> _Member:
        return _Member(surname + self.given_name(sex), sex, max(0, min(age, 99)), relation)

    def spouse_of(self, head: _Member, *, min_age: int = 20, max_age: int = 99) -> _Member:
        sex = "F" if head.sex == "M" else "M"
        # Husbands are usually a little older than their wives.
        gap = self.rng.randint(-6, 2) if head.sex == "M" else self.rng.randint(-2, 6)
        age = min(max(head.age + gap, min_age, 20), max_age, 99)
        return self.member(self.fake.last_name(), sex, age, _R.SPOUSE)

    def children(
        self,
        surname: str,
        count: int,
        eldest: int,
        parent_ages: list[int],
        relation: str = _R.CHILD,
    ) -> list[_Member]:
        # Every child is 20–35 years younger than each parent in the household.
        kids = [self.member(surname, self.rng.choice("MF"), eldest, relation)]
        low = max(0, max(parent_ages) - 35)
        for _ in range(count - 1):
            age = self.rng.randint(low, eldest) if low <= eldest else eldest
            kids.append(self.member(surname, self.rng.choice("MF"), age, relation))
        return kids

    def parents_of(self, head: _Member, surname: str, count: int) -> list[_Member]:
        age = min(head.age + self.rng.randint(22, 32), 96)
        if count == 1:
            # Mothers outlive fathers, and a widowed mother keeps her own surname.
            sex = "F" if self.rng.random() < 0.6 else "M"
            name = surname if sex == "M" else self.fake.last_name()
            return [self.member(name, sex, age, _R.PARENT)]
        father = self.member(surname, "M", age, _R.PARENT)
        mother = self.member(self.fake.last_name(), "F", age - self.rng.randint(0, 4), _R.PARENT)
        return [father, mother]

    def plan_household(self, *, renting: bool) -> tuple[str, list[_Member]]:
        rng = self.rng
        names, weights = self.renter_templates if renting else self.templates
        kind = rng.choices(names, weights)[0]
        surname = self.fake.last_name()
        head_sex = "M" if rng.random() < 0.85 else "F"
        members: list[_Member]
        if kind == "single_elderly":
            members = [
                self.member(
                    surname, "F" if rng.random() < 0.6 else "M", rng.randint(65, 92), _R.HEAD
                )
            ]
        elif kind == "single_adult":
            members = [
                self.member(
                    surname, "M" if rng.random() < 0.6 else "F", rng.randint(20, 64), _R.HEAD
                )
            ]
        elif kind in ("elderly_couple", "couple"):
            age = rng.randint(65, 88) if kind == "elderly_couple" else rng.randint(22, 60)
            head = self.member(surname, head_sex, age, _R.HEAD)
            members = [head, self.spouse_of(head)]
        elif kind == "single_parent":
            eldest = rng.randint(0, 25)
            head = self.member(
                surname, "F" if rng.random() < 0.6 else "M", eldest + rng.randint(22, 34), _R.HEAD
            )
            members = [head, *self.children(surname, 1, eldest, [head.age])]
        elif kind.startswith("nuclear"):
            count = int(kind[7])
            eldest = rng.randint(0, 30 if count == 1 else 25)
            head = self.member(surname, head_sex, eldest + rng.randint(22, 32), _R.HEAD)
            spouse = self.spouse_of(head, min_age=eldest + 20, max_age=eldest + 35)
            members = [head, spouse, *self.children(surname, count, eldest, [head.age, spouse.age])]
            if kind.endswith("_parent"):
                members += self.parents_of(head, surname, 1)
            elif kind.endswith("_parents"):
                members += self.parents_of(head, surname, 2)
        elif kind == "three_generations":
            grandchild = rng.randint(0, 12)
            son_age = grandchild + rng.randint(23, 32)
            head = self.member(surname, "M", son_age + rng.randint(22, 30), _R.HEAD)
            spouse = self.spouse_of(head, min_age=son_age + 20, max_age=son_age + 35)
            son = self.member(surname, "M", son_age, _R.CHILD)
            wife = self.member(
                self.fake.last_name(),
                "F",
                max(son_age + rng.randint(-4, 2), grandchild + 20),
                _R.CHILD_IN_LAW,
            )
            count = 1 if rng.random() < 0.6 else 2
            members = [
                head,
                spouse,
                son,
                wife,
                *self.children(
                    surname, count, grandchild, [son.age, wife.age], relation=_R.GRANDCHILD
                ),
            ]
        else:  # left_behind: grandparents raising grandchildren whose parents work away
            eldest = rng.randint(3, 15)
            absent_parent = eldest + rng.randint(22, 30)
            head = self.member(
                surname,
                "M" if rng.random() < 0.7 else "F",
                absent_parent + rng.randint(22, 30),
                _R.HEAD,
            )
            members = [head]
            if rng.random() < 0.7:
                members.append(self.spouse_of(head, min_age=absent_parent + 20))
            members += self.children(
                surname,
                1 if rng.random() < 0.5 else 2,
                eldest,
                [absent_parent],
                relation=_R.GRANDCHILD,
            )
        return kind, members

    def tag_household(self, kind: str, plan: _HouseholdPlan) -> None:
        rng = self.rng
        members = plan.members
        if plan.renting:
            for m in members:
                m.tags.append(T.RENTER)
        if kind == "single_elderly":
            members[0].tags.append(T.ELDERLY_ALONE)
        if kind == "left_behind":
            for m in members:
                if m.relation == _R.GRANDCHILD and m.age < 16:
                    m.tags.append(T.LEFT_BEHIND_CHILD)
                elif m.relation != _R.GRANDCHILD and m.age >= 60:
                    m.tags.append(T.LEFT_BEHIND_ELDERLY)
        if kind == "elderly_couple" and rng.random() < 0.25:
            # Their children live and work elsewhere.
            for m in members:
                if m.age >= 60:
                    m.tags.append(T.LEFT_BEHIND_ELDERLY)
        if not plan.renting:
            # 特困 (no income, no one to support them) and 低保 exclude each other.
            if kind == "single_elderly" and rng.random() < 0.15:
                members[0].tags.append(T.EXTREMELY_POOR)
            else:
                chance = {"single_elderly": 0.08, "single_parent": 0.12, "left_behind": 0.08}.get(
                    kind, 0.015
                )
                if rng.random() < chance:
                    for m in members:
                        m.tags.append(T.LOW_INCOME)
        for m in members:
            self.tag_person(m)

    def tag_person(self, m: _Member) -> None:
        rng = self.rng
        if rng.random() < (0.05 if m.age >= 60 else 0.012):
            m.tags.append(T.DISABLED)
        if m.sex == "M" and 24 <= m.age <= 85 and rng.random() < 0.03:
            m.tags.append(T.VETERAN)
        if rng.random() < (0.01 if m.age >= 40 else 0.002):
            m.tags.append(T.SERIOUS_ILLNESS)
        if m.sex == "F" and 20 <= m.age <= 40 and m.relation != _R.CHILD and rng.random() < 0.04:
            m.tags.append(T.PREGNANT)
        if 18 <= m.age <= 70:
            for code, chance in (
                (T.COMMUNITY_CORRECTION, 0.0006),
                (T.RELEASED_PRISONER, 0.0012),
                (T.DRUG_USER, 0.0005),
                (T.SEVERE_MENTAL_DISORDER, 0.001),
                (T.PETITION_PRONE, 0.0005),
            ):
                if rng.random() < chance:
                    m.tags.append(code)

    def plan(self, *, renting: bool, county6: str) -> _HouseholdPlan:
        kind, members = self.plan_household(renting=renting)
        ethnicity = self.rng.choices(*zip(*_ETHNICITIES, strict=True))[0]
        id_region = self.rng.choice(_ELSEWHERE) if renting else county6
        plan = _HouseholdPlan(members, ethnicity, renting, id_region)
        self.tag_household(kind, plan)
        return plan

    def birth_date(self, age: int) -> date:
        latest = AS_OF.replace(year=AS_OF.year - age)  # AS_OF is 1 January: no 29 February
        return latest - timedelta(days=self.rng.randrange(365))

    def id_number(self, region6: str, birth: date, sex: str) -> str:
        key = (region6, birth, sex)
        slot = self.id_slots.get(key)
        if slot is None:
            # A random even start, so sequences look issued rather than counted from zero.
            slot = self.id_slots[key] = [self.rng.randrange(0, 500) * 2, 0]
        # The last sequence digit is odd for men, even for women (GB 11643).
        sequence = (slot[0] + 2 * slot[1] + (1 if sex == "M" else 0)) % 1000
        slot[1] += 1
        if slot[1] > 500:
            raise RuntimeError(f"more than 500 people of one sex born {birth} in {region6}")
        return make_id_number(region6, birth, sequence)

    def build_people(self, plans: list[_HouseholdPlan]) -> list[Person]:
        people = []
        for plan in plans:
            for m in plan.members:
                number = self.id_number(plan.id_region, self.birth_date(m.age), m.sex)
                ethnicity = plan.ethnicity
                if m.relation in (_R.SPOUSE, _R.CHILD_IN_LAW) and self.rng.random() < 0.1:
                    ethnicity = self.rng.choices(*zip(*_ETHNICITIES, strict=True))[0]
                adult_phone = m.age >= 18 and (m.age < 80 or self.rng.random() < 0.5)
                m.person = person_build(
                    name=m.name,
                    id_number=number,
                    phone=self.fake.phone_number() if adult_phone else "",
                    region_code=plan.household.region_code,
                    residence=(
                        Person.Residence.FLOATING if plan.renting else Person.Residence.REGISTERED
                    ),
                    ethnicity=ethnicity,
                    household=plan.household,
                    relation=m.relation,
                    dwelling=plan.dwelling,
                )
                people.append(m.person)
        return people

    def since(self, code: str) -> date:
        days = self.rng.randint(10, 270) if code == T.PREGNANT else self.rng.randint(30, 3650)
        return AS_OF - timedelta(days=days)

    # -- regions and grids ----------------------------------------------------------------

    def region(self, *, code, name, level, kind, parent, geom) -> Region:
        region = Region(code=code, name=name, level=level, kind=kind, parent=parent)
        if geom is not None:
            apply_boundary(region, geom)
        return region

    def run(self) -> None:
        self.tags = T.ensure_default_tags()
        province, created = Region.objects.get_or_create(
            code=PROVINCE_CODE,
            defaults={
                "name": "湖南省",
                "level": Region.Level.PROVINCE,
                "kind": Region.Kind.PROVINCE,
            },
        )
        self.counts["regions"] += int(created)
        scale = self.scale
        radius = COUNTY_RADIUS_KM * math.sqrt(scale.counties)
        city_geom = geometry.outline(self.rng, lat=CENTRE_LAT, lng=CENTRE_LNG, radius_km=radius)
        city = Region.objects.filter(code=CITY_CODE).first()
        if city is not None and city.boundary:
            city_geom = shape(city.boundary)  # counties must tile the city already on record
        if city is None:
            city = self.region(
                code=CITY_CODE,
                name="枫桥市",
                level=Region.Level.CITY,
                kind=Region.Kind.CITY,
                parent=province,
                geom=city_geom,
            )
            city.save()
            self.counts["regions"] += 1
        county_geoms = geometry.split(self.rng, city_geom, scale.counties)
        for index, county_geom in enumerate(county_geoms, start=1):
            self.county(city, index, county_geom)

    def county(self, city: Region, index: int, geom) -> None:
        code = divisions.child_code(city.code, index)
        name = _COUNTY_NAMES[index - 1]
        self.progress(f"{name} ({code[:6]}): {geometry.area_km2(geom):,.0f} km²")
        county = self.region(
            code=code,
            name=name,
            level=Region.Level.COUNTY,
            kind=Region.Kind.COUNTY,
            parent=city,
            geom=geom,
        )
        county.save()
        self.counts["regions"] += 1

        plans = self.scale.townships
        central = [p for p in plans if p.kind == _SUB]
        outer = [p for p in plans if p.kind != _SUB]
        central_geoms, outer_geoms = geometry.split_around_seat(
            self.rng, geom, central=len(central), outer=len(outer)
        )
        # Towns and townships are scattered over the countryside, not in bands.
        self.rng.shuffle(outer)
        roots = {
            _SUB: list(_SUBDISTRICT_ROOTS[:1])
            + self.rng.sample(_SUBDISTRICT_ROOTS[1:], len(_SUBDISTRICT_ROOTS) - 1),
            _TOWN: self.rng.sample(_TOWN_ROOTS, len(_TOWN_ROOTS)),
            _TSHIP: self.rng.sample(_TOWNSHIP_ROOTS, len(_TOWNSHIP_ROOTS)),
        }
        suffix = {_SUB: "街道", _TOWN: "镇", _TSHIP: "乡"}
        first_serial = {_SUB: 1, _TOWN: 101, _TSHIP: 201}
        # Townships are numbered by kind (街道 001–, 镇 101–, 乡 201–), as the code rules say.
        pairs = sorted(
            zip(central + outer, central_geoms + outer_geoms, strict=True),
            key=lambda pair: first_serial[pair[0].kind],
        )
        used = Counter()
        townships = []
        for plan, tgeom in pairs:
            serial = first_serial[plan.kind] + used[plan.kind]
            tname = roots[plan.kind][used[plan.kind]] + suffix[plan.kind]
            used[plan.kind] += 1
            townships.append(
                (
                    plan,
                    self.region(
                        code=divisions.child_code(code, serial),
                        name=tname,
                        level=Region.Level.TOWNSHIP,
                        kind=plan.kind,
                        parent=county,
                        geom=tgeom,
                    ),
                    tgeom,
                )
            )
        Region.objects.bulk_create([t for _p, t, _g in townships])
        self.counts["regions"] += len(townships)

        names = _NamePool(self.rng)
        for number, (plan, township, tgeom) in enumerate(townships, start=1):
            self.township(county, township, plan, tgeom, names)
            self.progress(
                f"  {number}/{len(townships)} {township.name}: "
                f"{self.counts['households']:,} households, {self.counts['people']:,} people"
            )

    def township(
        self, county: Region, township: Region, plan: TownshipPlan, geom, names: _NamePool
    ) -> None:
        cells = geometry.split(self.rng, geom, plan.communities + plan.villages)
        # Communities (社区) gather round the township seat; villages (村) take the rest.
        order = geometry.nearest_first(cells, geometry.seat_of(geom))
        community_ids = sorted(order[: plan.communities])
        village_ids = sorted(order[plan.communities :])
        units = []
        for serial, i in enumerate(community_ids, start=1):
            units.append(
                self.region(
                    code=divisions.child_code(township.code, serial),
                    name=names.community(),
                    level=Region.Level.VILLAGE,
                    kind=Region.Kind.COMMUNITY,
                    parent=township,
                    geom=cells[i],
                )
            )
        for serial, i in enumerate(village_ids, start=201):
            units.append(
                self.region(
                    code=divisions.child_code(township.code, serial),
                    name=names.village(),
                    level=Region.Level.VILLAGE,
                    kind=Region.Kind.VILLAGE,
                    parent=township,
                    geom=cells[i],
                )
            )
        Region.objects.bulk_create(units)
        self.counts["regions"] += len(units)
        geoms = [cells[i] for i in community_ids + village_ids]
        for village, vgeom in zip(units, geoms, strict=True):
            self.village(county, township, village, vgeom)

    def grids(self, village: Region, geom) -> list[tuple[Grid, list[tuple[Grid, object]]]]:
        rng = self.rng
        community = village.kind == Region.Kind.COMMUNITY
        count = rng.randint(
            *(self.scale.grids_per_community if community else self.scale.grids_per_village)
        )
        grids, micro_grids, tree = [], [], []
        for serial, ggeom in enumerate(geometry.split(rng, geom, count), start=1):
            grid = Grid(
                code=divisions.child_code(village.code, serial),
                name=f"第{cn_number(serial)}网格",
                kind=Grid.Kind.COMPREHENSIVE,
                village=village,
                depth=1,
            )
            apply_boundary(grid, ggeom)
            grids.append(grid)
            cells = geometry.split(rng, ggeom, rng.randint(*self.scale.micro_grids_per_grid))
            children = []
            for mserial, mgeom in enumerate(cells, start=1):
                micro = Grid(
                    code=divisions.child_code(grid.code, mserial),
                    name=f"{mserial}号微网格",
                    kind=Grid.Kind.MICRO,
                    village=village,
                    parent=grid,
                    depth=2,
                )
                apply_boundary(micro, mgeom)
                children.append((micro, mgeom))
                micro_grids.append(micro)
            tree.append((grid, children))
        Grid.objects.bulk_create(grids, batch_size=BATCH)
        # bulk_create fills parent_id from the parents saved just above.
        Grid.objects.bulk_create(micro_grids, batch_size=BATCH)
        self.counts["grids"] += len(grids)
        self.counts["micro_grids"] += len(micro_grids)
        return tree

    # -- a village: dwellings, households, people, groups, things -------------------------

    def village(self, county: Region, township: Region, village: Region, geom) -> None:
        rng = self.rng
        tree = self.grids(village, geom)
        community = village.kind == Region.Kind.COMMUNITY
        county6 = county.code[:6]
        low_high = (
            self.scale.households_per_micro_grid_community
            if community
            else self.scale.households_per_micro_grid_village
        )
        prefix = f"{county.name}{township.name}{village.name}"
        dwellings: list[Dwelling] = []
        plans: list[_HouseholdPlan] = []
        groups: list[_GroupPlan] = []
        micro_cells = []
        for grid, children in tree:
            grid_plans: list[_HouseholdPlan] = []
            for micro, mgeom in children:
                micro_cells.append((micro, mgeom))
                households = rng.randint(*low_high)
                extra = sum(rng.random() < 0.06 for _ in range(households))
                total = households + extra
                empty = set(rng.sample(range(total), extra))
                points = self.dwelling_points(mgeom, total, community)
                road = rng.choice(_ROADS)
                road_no = rng.randint(1, 300)
                for j in range(total):
                    x, y, building, unit, room = points[j]
                    if community:
                        address = (
                            f"{prefix}{road}{road_no + building}号{building + 1}栋"
                            f"{unit}单元{room}室"
                        )
                        btype = Dwelling.BuildingType.APARTMENT
                        area = rng.uniform(55, 140)
                    else:
                        address = f"{prefix}{micro.code[-2:].lstrip('0')}组{j + 1}号"
                        bungalow = rng.random() < 0.15
                        btype = (
                            Dwelling.BuildingType.BUNGALOW
                            if bungalow
                            else Dwelling.BuildingType.HOUSE
                        )
                        area = rng.uniform(40, 100) if bungalow else rng.uniform(110, 320)
                    dwelling = Dwelling(
                        code=f"{micro.code}-{j + 1:04d}",
                        region_code=micro.code,
                        village=village,
                        grid=micro,
                        address=address,
                        lat=y,
                        lng=x,
                        building_type=btype,
                        floor_area=Decimal(f"{area:.1f}"),
                    )
                    dwellings.append(dwelling)
                    if j in empty:
                        business = rng.random() < (0.3 if community else 0.15)
                        dwelling.use = Dwelling.Use.BUSINESS if business else Dwelling.Use.VACANT
                        dwelling.owner_name = self.fake.name()
                        continue
                    renting = rng.random() < (0.15 if community else 0.04)
                    plan = self.plan(renting=renting, county6=county6)
                    dwelling.use = Dwelling.Use.RENTED if renting else Dwelling.Use.OWNER
                    dwelling.owner_name = self.fake.name() if renting else plan.head.name
                    plan.dwelling = dwelling
                    plan.household = Household(
                        number=f"{micro.code}{j + 1:04d}",
                        region_code=micro.code,
                        dwelling=dwelling,
                    )
                    grid_plans.append(plan)
            plans += grid_plans
            groups += self.household_groups(grid, grid_plans)

        Dwelling.objects.bulk_create(dwellings, batch_size=BATCH)
        HouseholdGroup.objects.bulk_create([g.group for g in groups], batch_size=BATCH)
        for group_plan in groups:
            for plan in group_plan.households:
                plan.household.group = group_plan.group
        households = [plan.household for plan in plans]
        Household.objects.bulk_create(households, batch_size=BATCH)
        people = self.build_people(plans)
        Person.objects.bulk_create(people, batch_size=BATCH)
        _set_column(Household, "head", [(plan.head.person.pk, plan.household.pk) for plan in plans])
        self.save_group_leaders(groups)
        self.save_taggings(plans)
        self.things(county, village, micro_cells, prefix)
        self.counts["dwellings"] += len(dwellings)
        self.counts["households"] += len(households)
        self.counts["people"] += len(people)
        self.counts["household_groups"] += len(groups)

    def dwelling_points(self, geom, count: int, community: bool):
        """(lng, lat, building, unit, room) per dwelling; flats in one block share a point."""
        # About a metre inside the micro-grid, so no house sits on a shared edge.
        inset = 1e-5
        if not community:
            points = geometry.sample_points(self.rng, geom, count, inset=inset)
            return [(x, y, 0, 0, 0) for x, y in points]
        per_block = self.rng.randint(6, 12)
        blocks = geometry.sample_points(self.rng, geom, math.ceil(count / per_block), inset=inset)
        out = []
        for j in range(count):
            block, k = divmod(j, per_block)
            unit, k = divmod(k, 6)
            floor, door = divmod(k, 2)
            out.append((*blocks[block], block, unit + 1, (floor + 1) * 100 + door + 1))
        return out

    def household_groups(self, grid: Grid, plans: list[_HouseholdPlan]):
        """Split a grid's households, in walking order, into groups of about GROUP_TARGET."""
        if len(plans) < HouseholdGroup.MIN_HOUSEHOLDS:
            return []
        count = max(1, round(len(plans) / GROUP_TARGET))
        size, rest = divmod(len(plans), count)
        out, start = [], 0
        for serial in range(1, count + 1):
            end = start + size + (1 if serial <= rest else 0)
            members = plans[start:end]
            start = end
            heads = [p.head for p in members]
            # Heads and deputies are settled, working-age household heads where possible.
            fit = [
                m
                for p, m in zip(members, heads, strict=True)
                if not p.renting and 28 <= m.age <= 68
            ]
            pool = fit if len(fit) >= 3 else heads
            leaders = self.rng.sample(pool, 3)
            group = HouseholdGroup(
                code=f"{grid.code}-{serial:03d}",
                name=f"{leaders[0].name}联户",
                region_code=grid.code,
                grid=grid,
            )
            out.append(_GroupPlan(group, members, leaders))
        return out

    def save_group_leaders(self, groups: list[_GroupPlan]) -> None:
        through = HouseholdGroup.deputies.through
        deputies = []
        for plan in groups:
            head, *others = plan.leaders
            deputies += [
                through(householdgroup_id=plan.group.pk, person_id=m.person.pk) for m in others
            ]
        _set_column(HouseholdGroup, "head", [(p.leaders[0].person.pk, p.group.pk) for p in groups])
        through.objects.bulk_create(deputies, batch_size=BATCH)

    def save_taggings(self, plans: list[_HouseholdPlan]) -> None:
        rows = []
        for plan in plans:
            for m in plan.members:
                for code in m.tags:
                    fields = tagging_fields(
                        self.tags[code],
                        person_id=m.person.pk,
                        region_code=m.person.region_code,
                        since=self.since(code),
                    )
                    rows.append(PersonTagging(person=m.person, **fields))
        PersonTagging.objects.bulk_create(rows, batch_size=BATCH)
        self.counts["person_tags"] += len(rows)

    def things(self, county: Region, village: Region, micro_cells, prefix: str) -> None:
        """Organisations, key places and fixed facilities at random spots in the village."""
        rng, fake = self.rng, self.fake
        community = village.kind == Region.Kind.COMMUNITY
        root = village.name[:-2] if community else village.name[:-1]
        county6 = county.code[:6]

        def spot(model, contact_phone: str = "", **fields):
            micro, mgeom = rng.choice(micro_cells)
            ((x, y),) = geometry.sample_points(rng, mgeom, 1, inset=1e-5)
            thing = model(
                region_code=micro.code,
                village=village,
                grid=micro,
                lat=y,
                lng=x,
                address=f"{prefix}{micro.name}",
                **fields,
            )
            if contact_phone:
                sealing.seal_phone(thing, contact_phone, prefix="contact_phone")
            return thing

        K = Organization.Kind
        committee = "居民委员会" if community else "村民委员会"
        orgs = [
            spot(
                Organization,
                name=village.name + committee,
                kind=K.GOVERNMENT,
                credit_code=credit_code(rng, county6, "54"),
                contact_name=fake.name(),
                contact_phone=fake.phone_number(),
                employees=rng.randint(5, 12),
            ),
            spot(
                Organization,
                name=village.name + ("卫生服务站" if community else "卫生室"),
                kind=K.HOSPITAL,
                contact_name=fake.name(),
                contact_phone=fake.phone_number(),
                employees=rng.randint(2, 8),
            ),
        ]
        shops = ("超市", "便利店", "餐馆", "五金店", "农资店", "理发店", "药店", "快递驿站")
        trades = ("农业开发", "茶叶", "竹木加工", "建材", "食品", "物流", "生态养殖", "旅游开发")
        for _ in range(rng.randint(2, 5) if community else rng.randint(1, 3)):
            orgs.append(
                spot(
                    Organization,
                    name=f"{fake.last_name()}记{rng.choice(shops)}",
                    kind=K.SOLE_TRADER,
                    credit_code=credit_code(rng, county6, "92"),
                    contact_name=fake.name(),
                    contact_phone=fake.phone_number(),
                    employees=rng.randint(1, 6),
                )
            )
        for _ in range(rng.randint(1, 3) if community else rng.randint(0, 2)):
            company = f"{county.name[:-1]}{root}{rng.choice(trades)}有限公司"
            orgs.append(
                spot(
                    Organization,
                    name=company,
                    kind=K.COMPANY,
                    credit_code=credit_code(rng, county6, "91"),
                    contact_name=fake.name(),
                    contact_phone=fake.phone_number(),
                    employees=rng.randint(5, 120),
                )
            )
        if not community and rng.random() < 0.6:
            orgs.append(
                spot(
                    Organization,
                    name=f"{root}种养专业合作社",
                    kind=K.COOPERATIVE,
                    credit_code=credit_code(rng, county6, "93"),
                    contact_name=fake.name(),
                    contact_phone=fake.phone_number(),
                    employees=rng.randint(3, 30),
                )
            )
        school = None
        if rng.random() < (0.5 if community else 0.4):
            school = spot(
                Organization,
                name=f"{root}{'小学' if rng.random() < 0.7 else '幼儿园'}",
                kind=K.SCHOOL,
                credit_code=credit_code(rng, county6, "12"),
                contact_name=fake.name(),
                contact_phone=fake.phone_number(),
                employees=rng.randint(8, 60),
            )
            orgs.append(school)
        if rng.random() < 0.1:
            orgs.append(
                spot(
                    Organization,
                    name=f"{root}{rng.choice(('庙', '寺', '观'))}",
                    kind=K.RELIGIOUS,
                    contact_name=fake.name(),
                )
            )
        Organization.objects.bulk_create(orgs, batch_size=BATCH)

        P = Place.Kind
        places = []
        if school is not None:
            places.append(
                Place(
                    name=school.name,
                    kind=P.SCHOOL,
                    risk=Place.Risk.MEDIUM,
                    organization=school,
                    region_code=school.region_code,
                    village=village,
                    grid=school.grid,
                    lat=school.lat,
                    lng=school.lng,
                    address=school.address,
                )
            )
        for kind, name, chance, risks in (
            (P.MARKET, f"{root}农贸市场", 0.6 if community else 0.1, ("medium",)),
            (P.SQUARE, f"{root}文化广场", 0.7, ("low",)),
            (
                P.RESERVOIR,
                f"{root}{rng.choice(('水库', '山塘'))}",
                0.05 if community else 0.5,
                ("medium", "high"),
            ),
            (P.INTERNET_CAFE, f"{root}网吧", 0.3 if community else 0.03, ("medium",)),
            (P.HOTEL, f"{root}宾馆", 0.4 if community else 0.05, ("low", "medium")),
            (P.CONSTRUCTION, f"{root}安置房建设工地", 0.1, ("high",)),
            (P.ENTERTAINMENT, f"{root}KTV", 0.2 if community else 0.0, ("medium",)),
        ):
            if rng.random() < chance:
                places.append(spot(Place, name=name, kind=kind, risk=rng.choice(risks)))
        Place.objects.bulk_create(places, batch_size=BATCH)

        F = Facility.Kind
        facilities = []
        for kind, tag, label, low, high in (
            (F.CAMERA, "CAM", "号监控点", *self.scale.cameras_per_village),
            (F.HYDRANT, "HYD", "号消防栓", *((3, 8) if community else (0, 2))),
            (F.STREETLIGHT, "LGT", "号路灯", *((0, 0) if community else (5, 15))),
            (F.MANHOLE, "MHC", "号井盖", *((2, 6) if community else (0, 0))),
            (F.BROADCAST, "BRD", "号应急广播", 1, 2),
            (F.AED, "AED", "号AED", *((0, 1) if community else (0, 0))),
        ):
            for n in range(1, rng.randint(low, high) + 1):
                facilities.append(
                    spot(
                        Facility,
                        code=f"{village.code}-{tag}{n:03d}",
                        name=f"{village.name}{n}{label}",
                        kind=kind,
                        status=Facility.Status.FAULTY
                        if rng.random() < 0.05
                        else Facility.Status.WORKING,
                    )
                )
        Facility.objects.bulk_create(facilities, batch_size=BATCH)
        self.counts["organizations"] += len(orgs)
        self.counts["places"] += len(places)
        self.counts["facilities"] += len(facilities)


def _set_column(model, field_name: str, rows: list[tuple[object, int]]) -> None:
    """Set one column on many rows, given (value, pk) pairs, with a single executemany.

    bulk_update builds a CASE expression per batch, which costs more than the rows it writes.
    """
    if not rows:
        return
    quote = connection.ops.quote_name
    column = model._meta.get_field(field_name).column
    # Identifiers come from model metadata, values travel as parameters.
    sql = (
        f"UPDATE {quote(model._meta.db_table)} SET {quote(column)} = %s "  # noqa: S608
        f"WHERE {quote(model._meta.pk.column)} = %s"
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


class _NamePool:
    """Unique village and community names within one county."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()
        self.communities = list(_COMMUNITY_ROOTS)
        rng.shuffle(self.communities)

    def _fresh(self, make: Callable[[], str]) -> str:
        for _ in range(1000):
            name = make()
            if name not in self.used:
                self.used.add(name)
                return name
        raise RuntimeError("ran out of demo place names")

    def community(self) -> str:
        if self.communities:
            name = self.communities.pop() + "社区"
            self.used.add(name)
            return name
        return self._fresh(lambda: self._two() + "社区")

    def village(self) -> str:
        return self._fresh(lambda: self._two() + "村")

    def _two(self) -> str:
        return self.rng.choice(_VILLAGE_FIRST) + self.rng.choice(_VILLAGE_SECOND)


# --- entry point ------------------------------------------------------------------------------


def seed(
    scale: str = "small", *, seed: int = DEFAULT_SEED, progress: Progress | None = None
) -> SeedStats:
    """Load the demo data set at `scale` ("small", "county" or "city"); deterministic per seed.

    Idempotent: when the demo county already exists nothing is written and the stats say so.
    Everything is written in one transaction, so an interrupted run leaves nothing behind.
    """
    from fengqiao.regions.locator import grids_changed

    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}; use one of {', '.join(SCALES)}")
    stats = SeedStats(scale=scale, seed=seed)
    if Region.objects.filter(code=COUNTY_CODE).exists():
        stats.already_seeded = True
        stats.accounts = demo_account_rows()
        return stats
    started = time.monotonic()
    builder = _Builder(SCALES[scale], seed, progress)
    with transaction.atomic():
        builder.run()
        builder.progress("demo accounts")
        before = len(demo_account_rows())
        stats.accounts = create_demo_accounts(seed=seed)
        builder.counts["handling units"] = setup_case_handling()
        builder.progress("mediation committees and mediators")
        mediation = setup_mediation(seed=seed)
        builder.counts["committees"] = mediation["committees"]
        builder.counts["mediators"] = mediation["mediators"]
        builder.counts["users"] += len(stats.accounts) - before + mediation["accounts"]
        builder.progress("notices")
        builder.counts["notices"] = seed_notices(seed=seed)
        seed_case_history(scale, seed, progress=builder.progress)
    # Rebuild this process's locator now (it reads through this connection, so it sees the
    # grids even inside a caller's transaction) and tell the others once that commits.
    grids_changed()
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(grids_changed)
    stats.counts = builder.counts
    stats.elapsed_seconds = time.monotonic() - started
    return stats
