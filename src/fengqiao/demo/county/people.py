"""People of the demo county: household plans (who lives together, from weighted templates),
their tags (关爱对象 and 重点人员), unique well-formed ID numbers, and the Person rows."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from faker import Faker

from fengqiao.core.idnumbers import make_id_number
from fengqiao.demo.county import tags as T
from fengqiao.registry.models import Dwelling, Household, Person
from fengqiao.registry.services import person_build

__all__ = ["AS_OF", "HouseholdPlan", "HouseholdPlanner", "Member"]

# Ages are computed on this fixed day, not today, so a seed always yields the same people.
AS_OF = date(2026, 1, 1)
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


@dataclass(slots=True)
class Member:
    name: str
    sex: str
    age: int
    relation: str
    tags: list[str] = field(default_factory=list)
    person: Person | None = None


@dataclass(slots=True)
class HouseholdPlan:
    members: list[Member]
    ethnicity: str
    renting: bool
    id_region: str
    household: Household | None = None
    dwelling: Dwelling | None = None

    @property
    def head(self) -> Member:
        return self.members[0]


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


class HouseholdPlanner:
    """Plans households and builds their people, from the run's random stream and Faker."""

    def __init__(self, rng: random.Random, fake: Faker) -> None:
        self.rng = rng
        self.fake = fake
        # (region, birth date, sex) → next slot; keeps ID numbers unique within the run.
        self.id_slots: dict[tuple[str, date, str], list[int]] = {}
        self.templates = [name for name, _w in _TEMPLATES], [w for _n, w in _TEMPLATES]
        self.renter_templates = (
            [name for name, _w in _RENTER_TEMPLATES],
            [w for _n, w in _RENTER_TEMPLATES],
        )

    def given_name(self, sex: str) -> str:
        given = self.fake.first_name_male() if sex == "M" else self.fake.first_name_female()
        if len(given) == 1 and self.rng.random() < 0.5:
            given = self.rng.choice(_MIDDLE_MALE if sex == "M" else _MIDDLE_FEMALE) + given
        return given

    def member(self, surname: str, sex: str, age: int, relation: str) -> Member:
        return Member(surname + self.given_name(sex), sex, max(0, min(age, 99)), relation)

    def spouse_of(self, head: Member, *, min_age: int = 20, max_age: int = 99) -> Member:
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
    ) -> list[Member]:
        # Every child is 20–35 years younger than each parent in the household.
        kids = [self.member(surname, self.rng.choice("MF"), eldest, relation)]
        low = max(0, max(parent_ages) - 35)
        for _ in range(count - 1):
            age = self.rng.randint(low, eldest) if low <= eldest else eldest
            kids.append(self.member(surname, self.rng.choice("MF"), age, relation))
        return kids

    def parents_of(self, head: Member, surname: str, count: int) -> list[Member]:
        age = min(head.age + self.rng.randint(22, 32), 96)
        if count == 1:
            # Mothers outlive fathers, and a widowed mother keeps her own surname.
            sex = "F" if self.rng.random() < 0.6 else "M"
            name = surname if sex == "M" else self.fake.last_name()
            return [self.member(name, sex, age, _R.PARENT)]
        father = self.member(surname, "M", age, _R.PARENT)
        mother = self.member(self.fake.last_name(), "F", age - self.rng.randint(0, 4), _R.PARENT)
        return [father, mother]

    def plan_household(self, *, renting: bool) -> tuple[str, list[Member]]:
        rng = self.rng
        names, weights = self.renter_templates if renting else self.templates
        kind = rng.choices(names, weights)[0]
        surname = self.fake.last_name()
        head_sex = "M" if rng.random() < 0.85 else "F"
        members: list[Member]
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

    def tag_household(self, kind: str, plan: HouseholdPlan) -> None:
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

    def tag_person(self, m: Member) -> None:
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

    def plan(self, *, renting: bool, county6: str) -> HouseholdPlan:
        kind, members = self.plan_household(renting=renting)
        ethnicity = self.rng.choices(*zip(*_ETHNICITIES, strict=True))[0]
        id_region = self.rng.choice(_ELSEWHERE) if renting else county6
        plan = HouseholdPlan(members, ethnicity, renting, id_region)
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

    def build_people(self, plans: list[HouseholdPlan]) -> list[Person]:
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
