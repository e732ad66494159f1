"""A year of disputes, screening rounds and petitions in the demo county, made by the services.

Nothing here writes a row itself: every dispute, session, agreement, referral, follow-up,
screening round and report, and every petition step goes through `fengqiao.mediation` (and
the case services for claiming, checking, rating and closing) with the clock frozen at the
moment it happens, so every case log verifies and every step went through the kind's
transition table.

How it runs: `MediationHistory` is a simulation that `case_history.generate_case_history`
runs beside the general cases (`alongside`), on one timeline, so case numbers follow report
order across kinds. It borrows the case history's staff directory (centre staff, grid
chiefs, department handlers and residents, generated when first needed). Each dispute and
petition is a plan drawn up front (source, type, place, fate) and a *life*: a generator that
does one step and yields when the next one happens. Screening runs as one life per month:
the county centre opens the round for every village, and every grid's chief files a report
late in the month, listing the disputes the grid registered, or that it found nothing.
Steps that would fall after `now` are not taken, so recent disputes and petitions are left
open at whatever stage they reached.

Fates: most disputes settle by agreement within the 30 working days (Huaihua: 97.6 % by
deadline); some parties refuse mediation, some withdraw, a few fail, some go to court and
the court's result comes back (settled, or back to mediation), some agreements go to court
for judicial confirmation, a few take too long or are still open past their deadline. A
month after settlement the mediator visits; a few disputes relapse and are mediated again.
Petitions are acknowledged within 15 days, routed, mostly replied within 60; a couple are
late or still overdue, a few are extended or not accepted, a couple are handed to
mediation (访调对接) or are about a dispute, and a few petitioners come back (same ID).
"""

from __future__ import annotations

import heapq
import random
import time as monotonic_time
from collections import Counter
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import shapely
from django.db.models import Count
from faker import Faker
from shapely.geometry import shape

from fengqiao.accounts.models import User
from fengqiao.cases import services as case_services
from fengqiao.cases.models import OPEN_STATUSES, Case, CaseEvent, HandlingUnit, Level
from fengqiao.core import clock, crypto
from fengqiao.core.errors import DomainError
from fengqiao.core.idnumbers import make_id_number
from fengqiao.demo import COUNTY_CODE
from fengqiao.demo import mediation_texts as W
from fengqiao.demo.case_history import _History, generate_case_history
from fengqiao.mediation import followups, metrics, petitions, referrals, screening, selectors
from fengqiao.mediation import services as mediation
from fengqiao.mediation.models import (
    Dispute,
    DisputeParty,
    DisputeType,
    FollowUp,
    MediationCommittee,
    MediationSession,
    Mediator,
    Outcome,
    Petition,
    Referral,
    RiskGrade,
    ScreeningReport,
    ScreeningRound,
    Source,
)
from fengqiao.regions.models import Grid, Region
from fengqiao.registry.models import Organization, Person

__all__ = ["MEDIATION_HISTORY", "MediationHistory", "generate_mediation_history", "alongside"]

SHANGHAI = ZoneInfo("Asia/Shanghai")
DAYS = 365
MONTHS = 12  # screening rounds: this month and the eleven before
Life = Generator[datetime, None, None]

# (disputes, petitions) in the year's history, by seed scale.
MEDIATION_HISTORY = {"small": (12, 4), "county": (400, 120), "city": (400, 120)}

# --- what comes in -------------------------------------------------------------------------

_T = DisputeType
TYPE_WEIGHTS = {
    _T.NEIGHBOUR: 30,
    _T.FAMILY: 22,
    _T.LAND: 14,
    _T.LABOUR: 12,
    _T.TRAFFIC: 6,
    _T.PROPERTY: 5,
    _T.CONTRACT: 4,
    _T.OTHER: 5,
    _T.MEDICAL: 2,
}
SOURCE_WEIGHTS = {
    Source.SCREENING: 34,
    Source.WALK_IN: 28,
    Source.APPLICATION: 12,
    Source.POLICE: 16,
    Source.COURT: 10,
}
# Sources that bring some kinds of dispute more than others (missing: 1).
SOURCE_AFFINITY = {
    Source.SCREENING: {_T.NEIGHBOUR: 1.5, _T.FAMILY: 1.5, _T.LAND: 2, _T.TRAFFIC: 0.1},
    Source.POLICE: {
        _T.NEIGHBOUR: 2.5,
        _T.FAMILY: 2.5,
        _T.TRAFFIC: 4,
        _T.LAND: 0.3,
        _T.CONTRACT: 0.2,
        _T.PROPERTY: 0.3,
    },
    Source.COURT: {
        _T.LABOUR: 3,
        _T.CONTRACT: 4,
        _T.TRAFFIC: 2,
        _T.NEIGHBOUR: 0.4,
        _T.LAND: 0.4,
        _T.OTHER: 0.3,
    },
    Source.APPLICATION: {_T.NEIGHBOUR: 1.5, _T.PROPERTY: 3, _T.LABOUR: 1.5, _T.TRAFFIC: 0.3},
}
RISK_WEIGHTS = {RiskGrade.GENERAL: 88, RiskGrade.SIGNIFICANT: 10, RiskGrade.MAJOR: 2}
# Disputes village or township mediators take ("小事不出村", the village's committee or
# named room most of the time), and those the county's sector committees take.
LOCAL_TYPES = {_T.NEIGHBOUR, _T.FAMILY, _T.LAND, _T.CONTRACT, _T.OTHER}
SECTOR_TYPES = {_T.TRAFFIC, _T.MEDICAL, _T.LABOUR, _T.PROPERTY}
VILLAGE_SHARE = 0.75

# --- fates ---------------------------------------------------------------------------------

# Rare fates by quota: (share of the disputes, at least this many). The rest settle by
# agreement in time.
FATES = {
    "refused": (0.02, 1),  # a party will not be mediated: rejected with the reason
    "withdrawn": (0.03, 1),
    "failed": (0.01, 0),  # concluded as failed, the parties told they may sue
    "court": (0.05, 1),  # referred to court after the sessions
    "late": (0.025, 0),  # agreement after the 30-working-day deadline
    "overdue": (0.01, 0),  # still in mediation, past the deadline, at `now`
}
# What happens after an agreement, by quota too: (attribute, value, share, minimum).
AFTER_AGREEMENT = (
    ("follow", "relapsed", 0.03, 1),
    ("follow", "unreachable", 0.06, 0),
    ("confirm", True, 0.08, 1),  # the parties ask the court to confirm the agreement
)
OLD_DAYS = 75
SESSIONS = {1: 45, 2: 35, 3: 20}
COURT_SETTLES = 0.7
RECENT_SHARE = 1 / 40  # at least this share reported in the last days: still open

PETITION_FORMS = {
    Petition.Form.VISIT: 45,
    Petition.Form.ONLINE: 30,
    Petition.Form.LETTER: 15,
    Petition.Form.PHONE: 10,
}
PETITION_CATEGORIES = {
    "petition_land": 25,
    "petition_labour": 25,
    "petition_law": 15,
    "petition_village": 20,
    "petition_other": 15,
}
PETITION_FATES = {"not_accepted": 0.04, "extended": 0.05, "late": 0.02}  # shares, by quota
# Where each kind of petition is sent (unit kinds, first that exists in the place).
PETITION_ROUTES = {
    "petition_land": ("petition_office",),
    "petition_labour": ("justice_office", "petition_office"),
    "petition_law": ("court", "procuratorate"),
    "petition_village": ("civil_affairs", "petition_office"),
    "petition_other": ("civil_affairs", "petition_office"),
}


def _pick(rng: random.Random, weights: dict):
    return rng.choices(list(weights), list(weights.values()))[0]


def _cn_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _is_person(party: _Party) -> bool:
    """A person (registered or named): not an organisation or a company by name."""
    return party.organization_id is None and len(party.name) <= 4


def _short(name: str, is_person: bool) -> str:
    """Titles name a person as "X某" (the full name stays in the file)."""
    return f"{name[0]}某" if is_person and name else name


# --- plans ---------------------------------------------------------------------------------


@dataclass(eq=False)
class _Party:
    name: str
    person_id: int | None = None
    organization_id: int | None = None
    phone: str = ""

    def party_in(self, side: str) -> mediation.PartyIn:
        return mediation.PartyIn(
            side=side,
            name=self.name if self.person_id is None and self.organization_id is None else "",
            person_id=self.person_id,
            organization_id=self.organization_id,
            phone=self.phone,
        )


@dataclass(eq=False)
class _DisputePlan:
    index: int
    reported_at: datetime
    source: str
    dispute_type: str
    micro: Grid
    scenario: W.Scenario
    fate: str = "agreement"
    recent: bool = False
    risk_grade: str = RiskGrade.GENERAL
    sessions: int = 1
    follow: str = "stable"
    confirm: bool = False
    month: int | None = None  # the screening round (months back) it was found in
    parties: tuple[_Party, _Party] | None = None  # fixed up front (a petition's matter)
    words: dict = field(default_factory=dict)
    # running state
    dispute_id: int | None = None
    code: str = ""
    desk: User | None = None
    reporter: User | None = None
    mediator: Mediator | None = None
    user: User | None = None
    relapsed: bool = False

    def __str__(self) -> str:
        return self.code or f"dispute #{self.index}"


@dataclass(eq=False)
class _Petitioner:
    """Someone who petitions: a registered person, or an outsider with an ID number."""

    name: str
    person_id: int | None = None
    id_number: str = ""
    village: Region | None = None
    micro_code: str = ""


@dataclass(eq=False)
class _PetitionPlan:
    index: int
    reported_at: datetime
    form: str
    category: str
    village: Region
    micro: Grid
    petitioner: _Petitioner | None
    fate: str = "normal"
    repeat_of: _PetitionPlan | None = None
    refer: _DisputePlan | None = None  # handed to mediation (访调对接)
    about_dispute: bool = False
    visitors: int = 1
    text: tuple[str, str, str] = ("", "", "")
    # running state
    petition_id: int | None = None
    code: str = ""

    def __str__(self) -> str:
        return self.code or f"petition #{self.index}"


@dataclass(order=True)
class _Entry:
    when: datetime
    serial: int
    life: Life = field(compare=False)
    owner: object = field(compare=False)


# --- the simulation ------------------------------------------------------------------------


class MediationHistory:
    """Disputes, screening and petitions of the demo county on the case history's timeline."""

    name = "mediation"

    def __init__(
        self,
        staff: _History,
        *,
        disputes: int,
        petitions: int,
        seed: int,
        progress: Callable[[str], None] | None = None,
    ) -> None:
        self.staff = staff
        self.dispute_count = max(disputes, 0)
        self.petition_count = max(petitions, 0)
        self.now = staff.now
        self.rng = random.Random(seed * 7 + 3)
        self.fake = Faker("zh_CN")
        self.fake.seed_instance(seed + 3)
        self.progress = progress or (lambda _message: None)
        self.heap: list[_Entry] = []
        self.serial = 0
        self.busy_seconds = 0.0
        self.failures: list[str] = []
        self.disputes: list[_DisputePlan] = []
        self.petitions: list[_PetitionPlan] = []
        self.registered: list[_DisputePlan] = []
        self.assigned: Counter = Counter()  # disputes given to each mediator so far
        self.findings: dict[tuple[int, str], list[int]] = {}
        self.report_times: dict[tuple[int, str], datetime] = {}
        self.people: dict[str, list[tuple]] = {}
        self._load()

    # -- the county, its committees and desks ---------------------------------------------------

    def _load(self) -> None:
        staff = self.staff
        self.county = staff.regions[COUNTY_CODE]
        self.calendar = staff.calendar
        self.micros = {g.code: g for g in staff.micros}
        mediators = Mediator.objects.filter(
            is_active=True, user__is_active=True, region_code__startswith=self.county.prefix
        ).select_related("user", "committee")
        self.mediator_users = {m.pk: m.user for m in mediators}
        for user in self.mediator_users.values():
            staff.users[user.pk] = user
        county_units = HandlingUnit.objects.filter(region_code=self.county.prefix)
        self.county_units = {u.kind: u for u in county_units.order_by("code")}
        self.petition_unit = self.county_units.get("petition_office")
        self.court_unit = self.county_units.get("court")

    def village_of(self, micro: Grid) -> Region:
        return self.staff.villages[micro.village_id]

    def township_of(self, village: Region) -> Region:
        return self.staff.regions_by_pk.get(village.parent_id, village)

    def desk(self, case: Case) -> User:
        """Centre staff who accept, assign, check and close a dispute at its level."""
        digits = {Level.TOWNSHIP: 9, Level.COUNTY: 6}.get(case.level, 12)
        return self.staff.centre(case.region_code[:digits])

    def unit_of(self, township_code: str, kind: str) -> HandlingUnit | None:
        if kind in self.county_units:
            return self.county_units[kind]
        units = self.staff.units.get(township_code[:9], [])
        return next((u for u, _codes in units if u.kind == kind), None)

    def court_clerk(self) -> User:
        return self.staff.handler(self.court_unit)

    def petition_desk(self) -> User:
        """The petition office's centre staff (the demo `petition_office`), or the county
        centre: whoever acknowledges and routes county petitions."""
        if self.petition_unit is not None:
            member = (
                self.petition_unit.members.filter(is_active=True, role="centre_staff")
                .order_by("pk")
                .first()
            )
            if member is not None:
                return self.staff.users.setdefault(member.pk, member)
        return self.staff.centre(self.county.prefix)

    # -- time -----------------------------------------------------------------------------------

    def office(self, at: datetime, latest: datetime | None = None) -> datetime:
        """Staff act in office hours: the next working morning if `at` falls outside them
        (unless that passes `latest`)."""
        local = at.astimezone(SHANGHAI)
        if self.calendar.is_workday(local.date()) and 8 <= local.hour < 18:
            return at
        if 8 <= local.hour < 21 and self.rng.random() < 0.12:
            return at  # some evening and weekend work
        day = local.date() if local.hour < 8 else local.date() + timedelta(days=1)
        while not self.calendar.is_workday(day):
            day += timedelta(days=1)
        moved = datetime.combine(day, time(8), SHANGHAI) + timedelta(
            minutes=self.rng.uniform(20, 200)
        )
        moved = moved.astimezone(UTC)
        return at if latest is not None and moved >= latest else moved

    def daytime(self, at: datetime) -> datetime:
        """The same day between 9:00 and 16:00 (sessions are held by day, weekends too)."""
        day = at.astimezone(SHANGHAI).date()
        local = datetime.combine(day, time(9), SHANGHAI) + timedelta(
            minutes=self.rng.uniform(0, 7 * 60)
        )
        return local.astimezone(UTC)

    def day_after(self, low_days: int, high_days: int) -> datetime:
        """A daytime moment some days from now."""
        return self.daytime(clock.now() + timedelta(days=self.rng.randint(low_days, high_days)))

    def after(
        self,
        low_hours: float,
        high_hours: float,
        *,
        office: bool = True,
        latest: datetime | None = None,
        start: datetime | None = None,
    ) -> datetime:
        start = start or clock.now()
        at = start + timedelta(hours=self.rng.uniform(low_hours, high_hours))
        if latest is not None and at >= latest:
            at = start + (latest - start) * self.rng.uniform(0.3, 0.9)
        return self.office(at, latest) if office else at

    def report_time(self, min_age: float, max_age: float) -> datetime:
        """A moment in office hours (mostly) between `max_age` and `min_age` days ago; more
        recent ones are likelier, as with the cases."""
        rng = self.rng
        for _ in range(30):
            age = rng.uniform(min_age, max_age)
            if rng.random() > (1 + 0.5 * (1 - age / DAYS)) / 1.5:
                continue
            day = (self.now - timedelta(days=age)).astimezone(SHANGHAI).date()
            if not self.calendar.is_workday(day) and rng.random() < 0.8:
                continue
            minute = rng.uniform(8.5 * 60, 17.5 * 60)
            local = datetime.combine(day, time(0), SHANGHAI) + timedelta(minutes=minute)
            at = local.astimezone(UTC).replace(microsecond=0)
            if at < self.now - timedelta(days=min_age):
                return at
        return self.now - timedelta(days=min_age, hours=rng.uniform(1, 20))

    # -- months and screening rounds ------------------------------------------------------------

    def months(self) -> list[tuple[date, date, datetime]]:
        """(first day, last day, opening time) of this month's round and the eleven before."""
        today = self.now.astimezone(SHANGHAI).date()
        out = []
        year, month = today.year, today.month
        for _ in range(MONTHS):
            first = date(year, month, 1)
            last = (date(year + month // 12, month % 12 + 1, 1)) - timedelta(days=1)
            opening = first
            while not self.calendar.is_workday(opening):
                opening += timedelta(days=1)
            opened = datetime.combine(opening, time(8, 30), SHANGHAI) + timedelta(
                minutes=self.rng.uniform(0, 60)
            )
            out.append((first, last, opened.astimezone(UTC)))
            year, month = (year, month - 1) if month > 1 else (year - 1, 12)
        return out

    def month_of(self, at: datetime) -> int | None:
        day = at.astimezone(SHANGHAI).date()
        for back, (first, last, _opened) in enumerate(self.rounds):
            if first <= day <= last:
                return back
        return None

    def grid_report_time(self, back: int, grid_code: str) -> datetime:
        key = (back, grid_code)
        if key not in self.report_times:
            first, last, _opened = self.rounds[back]
            day = first + timedelta(days=self.rng.randint(17, 26))
            day = min(day, last)
            local = datetime.combine(day, time(9), SHANGHAI) + timedelta(
                minutes=self.rng.uniform(0, 480)
            )
            self.report_times[key] = self.office(local.astimezone(UTC))
        return self.report_times[key]

    # -- planning -------------------------------------------------------------------------------

    def plan(self) -> None:
        rng = self.rng
        self.rounds = self.months()
        micros = self.staff.micros
        weights = self.staff.micro_weights
        villages = self.staff.villages
        self.urban = [g for g in micros if villages[g.village_id].kind == Region.Kind.COMMUNITY]
        self.rural = [g for g in micros if villages[g.village_id].kind != Region.Kind.COMMUNITY]
        petition_disputes = self.plan_petitions()
        count = self.dispute_count - len(petition_disputes)
        recent = max(2, round(self.dispute_count * RECENT_SHARE)) if count > 4 else 0
        for index in range(max(count, 0)):
            source = _pick(rng, SOURCE_WEIGHTS)
            affinity = SOURCE_AFFINITY.get(source, {})
            dispute_type = rng.choices(
                list(TYPE_WEIGHTS), [w * affinity.get(t, 1) for t, w in TYPE_WEIGHTS.items()]
            )[0]
            at = self.report_time(0.5, 6) if index < recent else self.report_time(0.1, DAYS)
            plan = self.new_dispute(index, at, source, dispute_type, micros, weights)
            plan.recent = index < recent
            self.disputes.append(plan)
        self.every_source()
        self.assign_fates()
        for plan in self.disputes:
            if plan.source == Source.SCREENING:
                self.place_in_round(plan)
        self.disputes.extend(petition_disputes)
        for number, plan in enumerate(self.disputes):
            plan.index = number

    def new_dispute(self, index, at, source, dispute_type, micros, weights) -> _DisputePlan:
        rng = self.rng
        scenario = rng.choice(W.SCENARIOS[dispute_type])
        pool = {"urban": self.urban, "rural": self.rural}.get(scenario.setting)
        micro = rng.choice(pool) if pool else rng.choices(micros, weights)[0]
        grade = _pick(rng, RISK_WEIGHTS)
        if scenario.parties == "groups" and rng.random() < 0.6:
            grade = RiskGrade.SIGNIFICANT
        return _DisputePlan(
            index=index,
            reported_at=at,
            source=source,
            dispute_type=dispute_type,
            micro=micro,
            scenario=scenario,
            risk_grade=grade,
            sessions=_pick(rng, SESSIONS),
        )

    def every_source(self) -> None:
        """Even a small history has a dispute from every source."""
        if len(self.disputes) < 2 * len(SOURCE_WEIGHTS):
            return
        counts = Counter(p.source for p in self.disputes)
        for source in SOURCE_WEIGHTS:
            if counts[source]:
                continue
            donor = max(SOURCE_WEIGHTS, key=lambda s: counts[s])
            plan = self.rng.choice([p for p in self.disputes if p.source == donor])
            plan.source = source
            counts[donor] -= 1
            counts[source] += 1

    def assign_fates(self) -> None:
        """Rare fates by quota, so a dozen disputes show each kind once and four hundred
        keep the shares. They fall on disputes reported long enough ago to have played out
        before `now` (a younger one is moved back when there are too few)."""
        rng, count = self.rng, len(self.disputes)
        old = self.now - timedelta(days=OLD_DAYS)
        others = [p for p in self.disputes if not p.recent]
        rng.shuffle(others)
        aged = [p for p in others if p.reported_at < old]
        young = [p for p in others if p.reported_at >= old]

        def take() -> _DisputePlan | None:
            if aged:
                return aged.pop()
            if young:
                plan = young.pop()
                plan.reported_at = self.report_time(OLD_DAYS + 15, DAYS - 5)
                return plan
            return None

        for fate, (share, minimum) in FATES.items():
            for _ in range(max(minimum, round(share * count))):
                plan = take()
                if plan is not None:
                    plan.fate = fate
        # After an agreement: its follow-up visit comes a month later.
        for attribute, value, share, minimum in AFTER_AGREEMENT:
            for _ in range(max(minimum, round(share * count))):
                plan = take()
                if plan is not None:
                    setattr(plan, attribute, value)

    def place_in_round(self, plan: _DisputePlan) -> None:
        """A screening finding falls in a round, before its grid's report for that round."""
        back = self.month_of(plan.reported_at)
        if back is None:
            plan.source = Source.WALK_IN  # before the first round of the year
            return
        _first, _last, opened = self.rounds[back]
        if plan.reported_at <= opened:
            moved = self.office(opened + timedelta(hours=self.rng.uniform(1, 50)))
            if moved >= self.now:
                plan.source = Source.WALK_IN
                return
            plan.reported_at = moved
        grid_code = plan.micro.code[:15]
        due = self.grid_report_time(back, grid_code)
        if due <= plan.reported_at + timedelta(hours=1):
            due = self.office(plan.reported_at + timedelta(hours=self.rng.uniform(2, 30)))
            self.report_times[(back, grid_code)] = due
        plan.month = back

    def plan_petitions(self) -> list[_DisputePlan]:
        """The petitions (and the disputes some of them hand to mediation)."""
        rng, count = self.rng, self.petition_count
        if count <= 0:
            return []
        micros, weights = self.staff.micros, self.staff.micro_weights
        repeaters = [self.petitioner(rng.choices(micros, weights)[0]) for _ in range(count // 40)]
        if count >= 4 and not repeaters:
            repeaters = [self.petitioner(rng.choices(micros, weights)[0], outsider=False)]
        plans: list[_PetitionPlan] = []
        for index in range(count):
            micro = rng.choices(micros, weights)[0]
            plans.append(
                _PetitionPlan(
                    index=index,
                    reported_at=self.report_time(0.1, DAYS),
                    form=_pick(rng, PETITION_FORMS),
                    category=_pick(rng, PETITION_CATEGORIES),
                    village=self.village_of(micro),
                    micro=micro,
                    petitioner=None,
                    visitors=1 if rng.random() < 0.8 else rng.randint(2, 4),
                )
            )
        plans.sort(key=lambda p: p.reported_at)
        free = list(plans)
        rng.shuffle(free)
        old = self.now - timedelta(days=80)

        def take(condition, *, older_than: float = 0) -> _PetitionPlan | None:
            """A free plan that fits; else (with `older_than`) any, moved back in time."""
            for plan in free:
                if condition(plan):
                    free.remove(plan)
                    return plan
            if older_than and free:
                plan = free.pop()
                plan.reported_at = self.report_time(older_than, DAYS - 5)
                return plan
            return None

        # A couple still overdue at `now`: acknowledged long enough ago.
        for _ in range(max(1, count // 60)):
            plan = take(lambda p: p.reported_at < old, older_than=90)
            if plan is not None:
                plan.fate = "overdue"
        # Handed to mediation (访调对接): the dispute is registered after acknowledgement.
        disputes = []
        for _ in range(max(1, count // 50)):
            plan = take(lambda p: p.reported_at < old, older_than=90)
            if plan is None:
                break
            plan.category = "petition_other"
            plan.form = Petition.Form.VISIT
            dispute_type = rng.choice((_T.NEIGHBOUR, _T.LAND))
            scenarios = [s for s in W.SCENARIOS[dispute_type] if s.parties == "neighbours"]
            scenario = rng.choice(scenarios)
            pool = {"urban": self.urban, "rural": self.rural}.get(scenario.setting)
            if pool and plan.micro not in pool:
                plan.micro = rng.choice(pool)
                plan.village = self.village_of(plan.micro)
            micro = plan.micro
            dispute = _DisputePlan(
                index=-1,
                reported_at=plan.reported_at,
                source=Source.PETITION,
                dispute_type=dispute_type,
                micro=micro,
                scenario=scenario,
                sessions=_pick(rng, SESSIONS),
            )
            plan.refer = dispute
            disputes.append(dispute)
        # A few about a dispute already in mediation (at the county scale).
        for _ in range(count // 50):
            plan = take(lambda p: p.reported_at > self.now - timedelta(days=300))
            if plan is not None:
                plan.about_dispute, plan.category = True, "petition_other"
                plan.form = rng.choice((Petition.Form.VISIT, Petition.Form.LETTER))
        # Repeat petitioners: the same person (same ID number) two to four times, each time
        # a few months after the reply to the last.
        for petitioner in repeaters:
            times = rng.randint(2, 4) if count >= 40 else 2
            first = self.now - timedelta(days=150)
            chain = [take(lambda p, first=first: p.reported_at < first, older_than=160)]
            chain += [take(lambda p: True) for _ in range(times - 1)]
            chain = [p for p in chain if p is not None]
            previous = None
            for plan in chain:
                if previous is not None:
                    earliest = previous.reported_at + timedelta(days=rng.uniform(70, 110))
                    if earliest > self.now - timedelta(days=1):
                        break
                    plan.reported_at = self.office(earliest)
                    plan.category = previous.category
                    if previous.fate in ("extended", "late"):
                        previous.fate = "normal"
                    plan.fate = "not_accepted" if rng.random() < 0.5 else "normal"
                plan.petitioner, plan.repeat_of = petitioner, previous
                if petitioner.village is not None:
                    plan.village = petitioner.village
                    plan.micro = self.micros.get(petitioner.micro_code, plan.micro)
                if plan.form == Petition.Form.ONLINE:
                    plan.form = Petition.Form.VISIT
                previous = plan
        # Replies late or extended: long enough ago for the reply to have come.
        aged = self.now - timedelta(days=100)
        for fate, share in PETITION_FATES.items():
            for _ in range(round(share * count)):
                plan = take(lambda p, aged=aged: p.reported_at < aged, older_than=110)
                if plan is not None:
                    plan.fate = fate
        for plan in plans:
            if plan.petitioner is None and plan.form != Petition.Form.ONLINE:
                plan.petitioner = self.petitioner(plan.micro)
            if plan.category in ("petition_land", "petition_labour") and rng.random() < 0.15:
                plan.visitors = rng.randint(5, 12)  # a collective visit (集体访)
            if plan.form != Petition.Form.VISIT:
                plan.visitors = 1
        self.petitions = plans
        return disputes

    def petitioner(self, micro: Grid, *, outsider: bool | None = None) -> _Petitioner:
        """A registered adult of the micro-grid, or (sometimes) someone from elsewhere."""
        rng = self.rng
        people = self.adults(micro.code)
        if outsider is None:
            outsider = rng.random() < 0.15
        if outsider or not people:
            born = date(rng.randint(1955, 1995), rng.randint(1, 12), rng.randint(1, 28))
            region = rng.choice(("430102", "431202", "433101", "522601", "500242"))
            number = make_id_number(region, born, rng.randint(1, 998))
            return _Petitioner(name=self.fake.name(), id_number=number)
        pk, name, *_rest = rng.choice(people)
        return _Petitioner(
            name=name, person_id=pk, village=self.village_of(micro), micro_code=micro.code
        )

    def adults(self, prefix: str) -> list[tuple]:
        """(pk, name, household, relation, birth date, sex, region code) of the adults under a
        code prefix, by id. The birth date is unsealed: the generator works as a clerk would."""
        found = self.people.get(prefix)
        if found is None:
            adult = (self.now - timedelta(days=18 * 366)).date()
            rows = (
                Person.objects.filter(region_code__startswith=prefix, birth_year__lte=adult.year)
                .order_by("pk")
                .values_list(
                    "pk",
                    "name",
                    "household_id",
                    "relation",
                    "birth_date_sealed",
                    "sex",
                    "region_code",
                )
            )
            found = []
            for pk, name, household, relation, sealed, sex, region in rows:
                born = date.fromisoformat(
                    crypto.open_value(Person, "birth_date_sealed", pk, sealed)
                )
                if born <= adult:
                    found.append((pk, name, household, relation, born, sex, region))
            self.people[prefix] = found
        return found

    # -- the run --------------------------------------------------------------------------------

    def start(self) -> None:
        self.plan()
        self.started = monotonic_time.monotonic()
        for plan in self.disputes:
            if plan.source != Source.PETITION:
                self.launch(plan.reported_at, self.dispute_life(plan), plan)
        for plan in self.petitions:
            self.launch(plan.reported_at, self.petition_life(plan), plan)
        for back in range(len(self.rounds)):
            self.launch(self.rounds[back][2], self.screening_life(back), f"screening {back}")

    def launch(self, when: datetime, life: Life, owner) -> None:
        when = when.astimezone(UTC)
        if when <= self.now:
            self.serial += 1
            heapq.heappush(self.heap, _Entry(when, self.serial, life, owner))

    def next_at(self) -> datetime | None:
        return self.heap[0].when if self.heap else None

    def step(self) -> None:
        entry = heapq.heappop(self.heap)
        clock.freeze(entry.when)
        started = monotonic_time.perf_counter()
        try:
            following = next(entry.life)
        except StopIteration:
            following = None
        except DomainError as exc:
            self.failures.append(f"{entry.owner}: {exc}")
            following = None
        finally:
            self.busy_seconds += monotonic_time.perf_counter() - started
        if following is not None:
            # Never back in time: a step planned "before now" happens now.
            following = max(following.astimezone(UTC), entry.when)
            self.launch(following, entry.life, entry.owner)

    # -- screening ------------------------------------------------------------------------------

    def screening_life(self, back: int) -> Life:
        """The county centre opens the month's round; every grid reports late in the month."""
        first, last, _opened = self.rounds[back]
        opener = self.staff.centre(self.county.prefix)
        rounds = screening.screening_rounds_open(
            actor=opener, region=self.county, starts_on=first, ends_on=last
        )
        by_village = {r.village_id: r for r in rounds}
        reports = sorted(
            (self.grid_report_time(back, code), code)
            for code, grid in self.staff.grids.items()
            if grid.village_id in by_village
        )
        for when, code in reports:
            yield when
            grid = self.staff.grids[code]
            found = self.findings.pop((back, code), [])
            chief = self.staff.grid_chief(code)
            if found:
                note = f"入户走访排查，发现矛盾纠纷{len(found)}起，已登记调处。"
            else:
                note = self.rng.choice(
                    (
                        "本月入户走访排查，未发现矛盾纠纷。",
                        "已走访网格内住户，未发现矛盾纠纷隐患。",
                        "联户长、楼栋长均报告无矛盾纠纷。",
                    )
                )
            try:
                screening.screening_report_file(
                    actor=chief,
                    round_id=by_village[grid.village_id].pk,
                    grid_id=grid.pk,
                    nothing_found=not found,
                    note=note,
                    dispute_ids=found,
                )
            except DomainError as exc:
                self.failures.append(f"screening {first:%Y-%m} {code}: {exc}")

    # -- a dispute ------------------------------------------------------------------------------

    def registrar(self, plan: _DisputePlan) -> tuple[User, str | None]:
        """Who registers the dispute, and the code prefix whose people they may name."""
        village = self.village_of(plan.micro)
        township9 = village.code[:9]
        if plan.source == Source.SCREENING:
            return self.staff.grid_chief(plan.micro.code[:15]), plan.micro.code[:15]
        if plan.source == Source.APPLICATION:
            resident = self.staff.resident(village, self.rng)
            if resident is not None and resident.person_id:
                micro = self.micros.get(resident.person.region_code)
                if micro is not None:
                    plan.micro = micro
                    self.fit_scenario(plan)
                return resident, None
            plan.source = Source.WALK_IN
        if plan.source == Source.POLICE:
            police = self.unit_of(township9, "police_station")
            if police is not None:
                return self.staff.handler(police), township9
            plan.source = Source.WALK_IN
        if plan.source == Source.COURT and self.court_unit is not None:
            return self.court_clerk(), self.county.prefix
        if plan.source == Source.PETITION:
            return self.petition_desk(), self.county.prefix
        plan.source = Source.WALK_IN
        return self.staff.centre(village.code), village.code

    def fit_scenario(self, plan: _DisputePlan) -> None:
        """Another scenario of the same type when the place moved to a town or a village the
        scenario does not happen in."""
        urban = self.village_of(plan.micro).kind == Region.Kind.COMMUNITY
        wrong = "rural" if urban else "urban"
        if plan.scenario.setting == wrong:
            fitting = [s for s in W.SCENARIOS[plan.dispute_type] if s.setting != wrong]
            if fitting:
                plan.scenario = self.rng.choice(fitting)

    def choose_parties(
        self, plan: _DisputePlan, actor: User, scope: str | None
    ) -> tuple[_Party, _Party]:
        """(applicant, respondent) for the scenario, among the people the registrar may name
        (a resident names the other side by name only)."""
        rng, kind, micro = self.rng, plan.scenario.parties, plan.micro
        if scope is None:
            person = actor.person
            others = [p for p in self.adults(micro.code) if p[2] != person.household_id]
            applicant = _Party(person.name, person_id=person.pk)
            if kind == "manager":
                return _Party(f"{rng.choice(W.ESTATES)}物业服务有限公司"), applicant
            if kind == "company":
                other = self.fake.company()
            elif kind == "hospital":
                other = f"{self.village_of(micro).name}卫生室"
            else:
                other = rng.choice(others)[1] if others else self.fake.name()
            return applicant, _Party(other, phone=self.fake.phone_number())
        prefixes = [
            p for p in (micro.code, micro.code[:15], micro.code[:12]) if p.startswith(scope)
        ]
        if kind in ("company", "hospital"):
            organization = self.organization(prefixes, kind)
            worker = self.two_adults(prefixes, "neighbours")
            if organization is not None and worker is not None:
                return worker[0], organization
        elif kind == "manager":
            owners = self.two_adults(prefixes, "neighbours")
            if owners is not None:
                manager = _Party(
                    f"{rng.choice(W.ESTATES)}物业服务有限公司", phone=self.fake.phone_number()
                )
                return manager, owners[1]
        elif kind in ("elder", "spouses", "groups"):
            pair = self.two_adults(prefixes[-1:] if kind == "groups" else prefixes, kind)
            if pair is not None:
                return pair
        pair = self.two_adults(prefixes, "neighbours")
        if pair is not None:
            return pair
        return (
            _Party(self.fake.name(), phone=self.fake.phone_number()),
            _Party(self.fake.name(), phone=self.fake.phone_number()),
        )

    def two_adults(self, prefixes: Sequence[str], kind: str) -> tuple[_Party, _Party] | None:
        """Two people for the scenario, from the first prefix that has them: neighbours (two
        households), an elder and a younger adult of one household, a wife and husband, or
        people of two grids."""
        for prefix in prefixes:
            people = self.adults(prefix)
            households: dict[int, list[tuple]] = {}
            for row in people:
                households.setdefault(row[2], []).append(row)
            fitting: list[tuple[tuple, tuple]] = []
            if kind == "spouses":
                for members in households.values():
                    wives = [m for m in members if m[3] == Person.Relation.SPOUSE and m[5] == "F"]
                    heads = [m for m in members if m[3] == Person.Relation.HEAD and m[5] == "M"]
                    if wives and heads:
                        fitting.append((wives[0], heads[0]))
            elif kind == "elder":
                for members in households.values():
                    ordered = sorted(members, key=lambda m: (m[4], m[0]))
                    if len(ordered) >= 2 and (ordered[-1][4] - ordered[0][4]).days > 20 * 365:
                        fitting.append((ordered[0], ordered[-1]))
            elif kind == "groups":
                by_grid: dict[str, tuple] = {}
                for row in people:
                    by_grid.setdefault(row[6][:15], row)
                if len(by_grid) >= 2:
                    first, second = self.rng.sample(sorted(by_grid), 2)
                    fitting.append((by_grid[first], by_grid[second]))
            else:
                heads = [members[0] for members in households.values()]
                if len(heads) >= 2:
                    fitting.append(tuple(self.rng.sample(heads, 2)))
            if fitting:
                first, second = self.rng.choice(fitting)
                return _Party(first[1], person_id=first[0]), _Party(second[1], person_id=second[0])
        return None

    def organization(self, prefixes: Sequence[str], kind: str) -> _Party | None:
        kinds = (
            [Organization.Kind.HOSPITAL]
            if kind == "hospital"
            else [Organization.Kind.COMPANY, Organization.Kind.COOPERATIVE]
        )
        for prefix in prefixes:
            found = list(
                Organization.objects.filter(region_code__startswith=prefix, kind__in=kinds)
                .order_by("pk")
                .values_list("pk", "name")
            )
            if found:
                pk, name = self.rng.choice(found)
                return _Party(name, organization_id=pk)
        return None

    def words(self, plan: _DisputePlan, applicant: _Party, respondent: _Party) -> dict:
        rng = self.rng
        village = self.village_of(plan.micro)
        low, high = plan.scenario.amount or (0, 0)
        amount = round(rng.uniform(low, high), -2) if high else 0
        n, m = rng.sample(range(2, 10), 2)
        if "{n}人" in plan.scenario.title:  # wages owed to n workers
            amount = round(n * rng.uniform(6000, 18000), -2)
        return {
            "a": applicant.name,
            "b": respondent.name,
            "a_": _short(applicant.name, _is_person(applicant)),
            "b_": _short(respondent.name, _is_person(respondent)),
            "amount": f"{int(amount)}",
            "half": f"{int(round(amount * rng.uniform(0.5, 0.85), -2))}",
            "n": n,
            "m": m,
            "k": rng.randint(4, 12),
            "area": rng.randint(2, 30) * 10,
            "village": village.name,
            "township": self.township_of(village).name,
            "road": rng.choice(W.ROADS),
            "estate": rng.choice(W.ESTATES),
            "amount_value": amount,
        }

    def point_in(self, micro: Grid) -> tuple[float, float]:
        poly = self.staff.boundaries.get(micro.pk)
        if poly is None:
            boundary = Grid.objects.filter(pk=micro.pk).values_list("boundary", flat=True)[0]
            poly = shape(boundary) if boundary else None
            if poly is not None:
                shapely.prepare(poly)
            self.staff.boundaries[micro.pk] = poly
        if poly is None:
            return micro.centroid_lat, micro.centroid_lng
        minx, miny, maxx, maxy = poly.bounds
        for _ in range(60):
            x, y = self.rng.uniform(minx, maxx), self.rng.uniform(miny, maxy)
            if shapely.contains_xy(poly, x, y):
                return round(y, 6), round(x, 6)
        point = poly.representative_point()
        return point.y, point.x

    def register(self, plan: _DisputePlan) -> Dispute:
        rng = self.rng
        actor, scope = self.registrar(plan)
        applicant, respondent = plan.parties or self.choose_parties(plan, actor, scope)
        plan.words = self.words(plan, applicant, respondent)
        text = plan.scenario
        grade = plan.risk_grade
        reasons = list(text.reasons[:2]) if grade != RiskGrade.GENERAL else []
        if grade != RiskGrade.GENERAL and not reasons:
            reasons = [rng.choice(("many_parties", "large_amount", "vulnerable", "repeated"))]
        lat, lng = self.point_in(plan.micro)
        village = self.village_of(plan.micro)
        amount = plan.words["amount_value"] or None
        dispute = mediation.dispute_register(
            actor=actor,
            dispute_type=plan.dispute_type,
            title=text.title.format(**plan.words),
            description=text.description.format(**plan.words),
            source=plan.source,
            parties=[applicant.party_in("applicant"), respondent.party_in("respondent")],
            amount=Decimal(str(int(amount))) if amount else None,
            risk_grade=grade,
            risk_reasons=reasons,
            risk_note="矛盾有激化风险，列入重点跟踪。" if grade != RiskGrade.GENERAL else "",
            lat=lat,
            lng=lng,
            address=f"{self.township_of(village).name}{village.name}",
        )
        plan.dispute_id, plan.code, plan.reporter = dispute.pk, dispute.case.code, actor
        plan.desk = self.desk(dispute.case)
        self.registered.append(plan)
        if plan.month is not None:
            self.findings.setdefault((plan.month, plan.micro.code[:15]), []).append(dispute.pk)
        done = len(self.registered)
        step = max(1, self.dispute_count // 5)
        if done % step == 0 or done == self.dispute_count:
            elapsed = monotonic_time.monotonic() - self.started
            self.progress(
                f"  mediation history: {done:,}/{self.dispute_count:,} disputes registered "
                f"({elapsed:.0f} s)"
            )
        return dispute

    def pick_mediator(self, plan: _DisputePlan, dispute: Dispute) -> Mediator | None:
        """From the suggestions, as a centre would: significant and major disputes to the
        expert pool, traffic, medical, labour and property disputes to their sector
        committee, small local ones to the village's committee (sometimes the township's);
        within a committee, whoever has had the fewest so far."""
        ranked = selectors.mediator_suggestions(actor=plan.desk, dispute=dispute, limit=50)
        if not ranked:
            return None
        kinds = MediationCommittee.Kind
        if plan.risk_grade != RiskGrade.GENERAL:
            wanted = [r for r in ranked if r["mediator"].is_expert and r["specialist"]]
        elif plan.dispute_type in SECTOR_TYPES:
            wanted = [
                r
                for r in ranked
                if r["specialist"] and r["mediator"].committee.kind == kinds.SECTOR
            ]
        elif plan.dispute_type in LOCAL_TYPES:
            near = 12 if self.rng.random() < VILLAGE_SHARE else 9
            wanted = [r for r in ranked if r["near"] == near and not r["mediator"].is_expert]
        else:
            wanted = []
        wanted = wanted or ranked
        best = min(self.assigned[r["mediator"].pk] for r in wanted)
        mediator = next(r["mediator"] for r in wanted if self.assigned[r["mediator"].pk] == best)
        self.assigned[mediator.pk] += 1
        return mediator

    def dispute_life(self, plan: _DisputePlan) -> Life:
        rng = self.rng
        dispute = self.register(plan)
        cid = dispute.pk
        case = dispute.case
        yield self.after(0.5, 20, latest=case.due_at)
        if plan.fate == "refused":
            case_services.case_reject(actor=plan.desk, case_id=cid, reason=rng.choice(W.REFUSALS))
            return
        mediation.dispute_accept(
            actor=plan.desk, dispute_id=cid, consent=True, consent_note=rng.choice(W.CONSENT_NOTES)
        )
        yield self.after(0.2, 6, latest=self.case(plan).due_at)
        mediator = self.pick_mediator(plan, dispute)
        if mediator is None:
            self.failures.append(f"{plan}: no mediator serves the place")
            return
        plan.mediator, plan.user = mediator, self.mediator_users[mediator.pk]
        assigned = mediation.dispute_assign(
            actor=plan.desk,
            dispute_id=cid,
            mediator_id=mediator.pk,
            note=rng.choice(W.ASSIGN_NOTES),
        )
        yield self.after(0.5, 20, latest=assigned.case.due_at)
        claimed = case_services.case_claim(actor=plan.user, case_id=cid)
        yield from self.mediate(plan, claimed.resolve_due_at)

    def case(self, plan: _DisputePlan) -> Case:
        return Case.objects.get(pk=plan.dispute_id)

    def place(self, plan: _DisputePlan) -> str:
        committee = plan.mediator.committee
        village = self.village_of(plan.micro)
        if committee.kind == MediationCommittee.Kind.VILLAGE:
            return self.rng.choice((f"{village.name}人民调解室", f"现场（{village.name}）"))
        if committee.kind == MediationCommittee.Kind.EXPERT_POOL:
            return f"{self.county.name}矛盾纠纷调处化解中心"
        if committee.kind == MediationCommittee.Kind.ROOM:
            return committee.name
        return f"{committee.name}调解室"

    def session(self, plan: _DisputePlan, records: Sequence[str], when: datetime) -> Life:
        """One session at `when` (planned ahead some of the time), written down after."""
        rng = self.rng
        place = self.place(plan)
        planned = None
        if rng.random() < 0.4 and when > clock.now() + timedelta(hours=2):
            planned = mediation.session_plan(
                actor=plan.user, dispute_id=plan.dispute_id, starts_at=when, place=place
            )
        yield when + timedelta(hours=rng.uniform(1, 2.5))
        extra = rng.choice(W.PARTICIPANT_EXTRAS) if rng.random() < 0.5 else ""
        participants = (
            f"申请人{plan.words['a']}、被申请人{plan.words['b']}、调解员{plan.mediator.name}"
        )
        mediation.session_record(
            actor=plan.user,
            dispute_id=plan.dispute_id,
            session_id=planned.pk if planned else None,
            held_at=when,
            place=place,
            participants=participants + (f"、{extra}" if extra else ""),
            record=rng.choice(records).format(topic=plan.scenario.topic, **plan.words),
        )

    def sessions_until(self, plan: _DisputePlan, end: datetime, last: Sequence[str]) -> Life:
        """plan.sessions sessions spread up to `end`, the last with the closing words."""
        start = clock.now()
        count = max(plan.sessions, 1)
        for number in range(1, count + 1):
            target = start + (end - start) * number / count - timedelta(hours=3)
            when = max(self.daytime(target), clock.now() + timedelta(minutes=30))
            if number == count:
                records = last
            else:
                records = W.FIRST_RECORDS if number == 1 else W.MIDDLE_RECORDS
            yield from self.session(plan, records, when)

    def mediate(self, plan: _DisputePlan, due: datetime) -> Life:
        """Sessions and the ending the plan's fate says, from the claim on."""
        rng, cid, now = self.rng, plan.dispute_id, clock.now()
        room = max((due - now).total_seconds() / 86400 - 1, 1.5)
        if plan.fate == "overdue":
            while True:  # sessions without an end: past the deadline at `now`
                when = self.daytime(self.after(12 * 24, 25 * 24, office=False))
                yield from self.session(plan, W.LONG_RECORDS, when)
        if plan.fate == "withdrawn":
            if rng.random() < 0.5:
                yield from self.session(plan, W.FIRST_RECORDS, self.day_after(1, 4))
            yield self.after(24, 9 * 24)
            mediation.dispute_conclude(
                actor=plan.user,
                dispute_id=cid,
                outcome=Outcome.WITHDRAWN,
                result=rng.choice(W.WITHDRAWN_RESULTS),
            )
            yield from self.aftercare(plan, settled=False)
            return
        days = rng.uniform(2, min(26, room)) if plan.fate != "late" else room + rng.uniform(2, 15)
        end = self.office(now + timedelta(days=days), latest=due if plan.fate != "late" else None)
        if plan.fate in ("court", "failed"):
            yield from self.sessions_until(plan, end, W.FAILED_RECORDS)
            yield clock.now() + timedelta(hours=rng.uniform(0.5, 3))
            if plan.fate == "failed":
                mediation.dispute_conclude(
                    actor=plan.user,
                    dispute_id=cid,
                    outcome=Outcome.FAILED,
                    result=rng.choice(W.FAILED_RESULTS),
                )
                yield from self.aftercare(plan, settled=False)
                return
            yield from self.court(plan, settles=rng.random() < COURT_SETTLES)
            return
        yield from self.sessions_until(plan, end, W.AGREED_RECORDS)
        yield clock.now() + timedelta(minutes=rng.uniform(10, 90))
        self.agree(plan)
        yield from self.aftercare(plan, settled=True)

    def agree(self, plan: _DisputePlan) -> None:
        rng, today = self.rng, clock.localdate()
        due = today + timedelta(days=rng.randint(5, 30))
        words = {
            **plan.words,
            "date": _cn_date(due),
            "date2": _cn_date(due + timedelta(days=rng.randint(30, 90))),
            "month": f"{(today.replace(day=1) + timedelta(days=32)).year}年"
            f"{(today.replace(day=1) + timedelta(days=32)).month}月",
        }
        text = plan.scenario
        mediation.dispute_conclude(
            actor=plan.user,
            dispute_id=plan.dispute_id,
            outcome=Outcome.AGREEMENT,
            result=rng.choice(W.AGREEMENT_RESULTS),
            facts=text.facts.format(**words),
            terms=[term.format(**words) for term in text.terms],
            performance=text.performance.format(**words),
        )

    def court(self, plan: _DisputePlan, *, settles: bool) -> Life:
        """Referred to court; the court accepts and its result comes back."""
        rng, cid = self.rng, plan.dispute_id
        sessions = MediationSession.objects.filter(dispute_id=cid, is_held=True).count()
        referral = referrals.dispute_refer(
            actor=plan.user,
            dispute_id=cid,
            way=Referral.Way.COURT,
            to_unit_id=self.court_unit.pk,
            reason=rng.choice(W.REFER_REASONS).format(n=max(sessions, 1)),
        )
        clerk = self.court_clerk()
        yield self.after(2, 30, latest=self.case(plan).due_at)
        referrals.referral_accept(
            actor=clerk, referral_id=referral.pk, note=rng.choice(W.COURT_ACCEPT_NOTES)
        )
        due = self.case(plan).due_at
        yield self.after(7 * 24, 35 * 24, latest=due)
        referrals.referral_return(
            actor=clerk,
            referral_id=referral.pk,
            settled=settles,
            result=rng.choice(W.COURT_SETTLED if settles else W.COURT_BACK),
        )
        if settles:
            yield from self.aftercare(plan, settled=True)
            return
        # Back with the mediator: one more session, then an agreement or the end.
        yield from self.session(plan, W.MIDDLE_RECORDS, self.day_after(2, 7))
        yield self.after(24, 96)
        if rng.random() < 0.6:
            self.agree(plan)
            yield from self.aftercare(plan, settled=True)
            return
        mediation.dispute_conclude(
            actor=plan.user,
            dispute_id=cid,
            outcome=Outcome.FAILED,
            result=rng.choice(W.FAILED_RESULTS),
        )
        yield from self.aftercare(plan, settled=False)

    def aftercare(self, plan: _DisputePlan, *, settled: bool) -> Life:
        """Check and close; for a settlement also judicial confirmation and follow-ups."""
        rng, cid = self.rng, plan.dispute_id
        yield self.after(2, 40)
        case_services.case_verify(actor=plan.desk, case_id=cid, note=rng.choice(W.VERIFY_NOTES))
        verified = clock.now()
        by_resident = plan.source == Source.APPLICATION and settled and not plan.relapsed
        if by_resident and plan.reporter is not None:
            yield self.after(2, 72, office=False, latest=verified + timedelta(days=6))
            case_services.case_rate(
                actor=plan.reporter,
                case_id=cid,
                rating=rng.choices((5, 4, 3), (65, 28, 7))[0],
                comment=rng.choice(("调解员很耐心，问题解决了。", "满意。", "")),
            )
        else:
            yield self.after(1, 30, latest=verified + timedelta(days=6))
            notes = W.CLOSE_NOTES if settled else W.CLOSE_UNSETTLED
            case_services.case_close(actor=plan.desk, case_id=cid, reason=rng.choice(notes))
        if not settled:
            return
        agreement = Dispute.objects.filter(pk=cid, agreement__isnull=False).exists()
        if plan.confirm and agreement and not plan.relapsed:
            plan.confirm = False
            yield self.after(24, 6 * 24)
            request = referrals.confirmation_request(
                actor=plan.user,
                dispute_id=cid,
                to_unit_id=self.court_unit.pk,
                note=rng.choice(W.CONFIRM_NOTES),
            )
            clerk = self.court_clerk()
            yield self.after(4, 48)
            referrals.referral_accept(actor=clerk, referral_id=request.pk)
            yield self.after(3 * 24, 12 * 24)
            confirmed = rng.random() < 0.95
            referrals.referral_return(
                actor=clerk,
                referral_id=request.pk,
                settled=confirmed,
                result=rng.choice(W.CONFIRMED if confirmed else W.NOT_CONFIRMED),
            )
        yield from self.follow_up(plan)

    def follow_up(self, plan: _DisputePlan) -> Life:
        """The visit a month after settlement: stable, not reached (again a week later), or
        relapsed (mediated again)."""
        rng, cid = self.rng, plan.dispute_id
        result = plan.follow if not plan.relapsed else "stable"
        while True:
            row = (
                FollowUp.objects.filter(dispute_id=cid, done_at__isnull=True)
                .order_by("due_on", "pk")
                .first()
            )
            if row is None:
                return
            local = datetime.combine(row.due_on, time(9), SHANGHAI) + timedelta(
                hours=rng.uniform(0, 8) + 24 * rng.choice((0, 0, 0, 1, 2))
            )
            yield max(self.office(local.astimezone(UTC)), clock.now() + timedelta(minutes=5))
            visitor = plan.user
            if rng.random() < 0.25 and len(plan.micro.code) >= 15:
                visitor = self.staff.grid_chief(plan.micro.code[:15])
            if result == "unreachable":
                followups.follow_up_record(
                    actor=visitor,
                    follow_up_id=row.pk,
                    result=FollowUp.Result.UNREACHABLE,
                    note=rng.choice(W.FOLLOW_UNREACHABLE),
                )
                result = "stable"
                continue
            if result == "relapsed":
                followups.follow_up_record(
                    actor=visitor,
                    follow_up_id=row.pk,
                    result=FollowUp.Result.RELAPSED,
                    note=rng.choice(W.FOLLOW_RELAPSED).format(**plan.words),
                )
                plan.relapsed = True
                yield from self.remediate(plan)
                return
            followups.follow_up_record(
                actor=visitor,
                follow_up_id=row.pk,
                result=FollowUp.Result.STABLE,
                note=rng.choice(W.FOLLOW_STABLE).format(**plan.words),
            )
            return

    def remediate(self, plan: _DisputePlan) -> Life:
        """After a relapse the mediator takes the dispute again. A second agreement is not
        possible (the dispute keeps one), so it ends withdrawn once the agreement is
        performed, or goes to court."""
        rng, cid = self.rng, plan.dispute_id
        yield self.after(4, 40)
        case_services.case_claim(
            actor=plan.user, case_id=cid, note="协议履行出现反复，重新组织调解。"
        )
        yield from self.session(plan, W.REMEDIATION_RECORDS, self.day_after(2, 6))
        yield self.after(24, 8 * 24)
        if rng.random() < 0.6:
            mediation.dispute_conclude(
                actor=plan.user,
                dispute_id=cid,
                outcome=Outcome.WITHDRAWN,
                result=rng.choice(W.REWITHDRAWN_RESULTS).format(**plan.words),
            )
            yield from self.aftercare(plan, settled=False)
            return
        yield from self.court(plan, settles=True)

    # -- a petition -----------------------------------------------------------------------------

    def petition_words(self, plan: _PetitionPlan) -> tuple[str, str, str]:
        """(title, matter, reply) of the petition; a repeat petition repeats the first."""
        rng, village = self.rng, plan.village
        if plan.refer is not None:
            title, matter = W.NEIGHBOUR_PETITION
            words = {"b": plan.refer.parties[1].name, "topic": plan.refer.scenario.topic}
            return title.format(**words), matter.format(**words), ""
        if plan.repeat_of is not None and plan.repeat_of.text[0]:
            title, matter, reply = plan.repeat_of.text
            first_matter = matter.split("再次反映：", 1)[-1]
            return (
                W.REPEAT_TITLE.format(title=title.removeprefix("再次")),
                W.REPEAT_MATTER.format(matter=first_matter),
                reply,
            )
        words = {
            "village": village.name,
            "township": self.township_of(village).name,
            "n": rng.randint(2, 8),
            "amount": rng.randint(8, 60) * 1000,
            "org": self.fake.company(),
        }
        return tuple(text.format(**words) for text in rng.choice(W.PETITIONS[plan.category]))

    def about_dispute(self, plan: _PetitionPlan) -> int | None:
        """A dispute registered at least ten days ago, whose applicant now petitions about it;
        the petition's words are set here."""
        earlier = [p for p in self.registered if p.reported_at < clock.now() - timedelta(days=10)]
        if not earlier:
            return None
        target = self.rng.choice(earlier)
        party = (
            DisputeParty.objects.filter(dispute_id=target.dispute_id, side="applicant")
            .order_by("pk")
            .first()
        )
        if party is None:
            return None
        plan.petitioner = _Petitioner(party.name, person_id=party.person_id)
        committee = (
            Dispute.objects.filter(pk=target.dispute_id)
            .values_list("committee__name", flat=True)
            .first()
        )
        words = {"b": target.words.get("b", ""), "committee": committee or "人民调解委员会"}
        plan.text = tuple(text.format(**words) for text in W.ABOUT_DISPUTE)
        return target.dispute_id

    def petition_life(self, plan: _PetitionPlan) -> Life:
        rng, village = self.rng, plan.village
        township = self.township_of(village)
        desk = self.petition_desk()
        actor = desk
        if plan.form == Petition.Form.ONLINE:
            actor = self.staff.resident(village, rng)
            if actor is None:
                plan.form, actor = Petition.Form.PHONE, desk
                plan.petitioner = self.petitioner(plan.micro)
        elif (
            plan.form == Petition.Form.VISIT
            and not (plan.refer or plan.about_dispute)
            and rng.random() < 0.5
        ):
            actor = desk = self.staff.centre(township.code[:9])  # the township's reception
        dispute_id = None
        if plan.refer is not None:
            pair = self.two_adults([plan.micro.code, plan.micro.code[:12]], "neighbours")
            if pair is None:
                self.failures.append(f"{plan}: nobody to petition")
                return
            plan.refer.parties = pair
            plan.petitioner = _Petitioner(pair[0].name, person_id=pair[0].person_id)
        if plan.about_dispute:
            dispute_id = self.about_dispute(plan)
            plan.about_dispute = dispute_id is not None
        if not plan.about_dispute:
            plan.text = self.petition_words(plan)
        title, matter, reply = plan.text
        petitioner = plan.petitioner
        lat, lng = self.point_in(plan.micro)
        petition = petitions.petition_register(
            actor=actor,
            form=plan.form,
            category_code=plan.category,
            title=title,
            matter=matter,
            petitioner_id=petitioner.person_id if petitioner else None,
            petitioner_name=petitioner.name if petitioner else "",
            id_number=petitioner.id_number if petitioner else "",
            phone=self.fake.phone_number() if actor.role != "resident" else "",
            visitors=plan.visitors,
            lat=lat,
            lng=lng,
            address=f"{township.name}{village.name}",
            dispute_id=dispute_id,
        )
        plan.petition_id, plan.code = petition.pk, petition.case.code
        pid = petition.pk

        # Acknowledged (受理) within the 15 days, or not accepted with the reason.
        yield self.office(
            clock.now() + timedelta(days=rng.uniform(0.3, 9)), latest=petition.acknowledge_due_at
        )
        if plan.fate == "not_accepted":
            petitions.petition_acknowledge(
                actor=desk, petition_id=pid, accepted=False, note=rng.choice(W.NOT_ACCEPTED)
            )
            return
        acknowledged = petitions.petition_acknowledge(
            actor=desk, petition_id=pid, accepted=True, note=rng.choice(W.ACKNOWLEDGED)
        )
        ack, reply_due = acknowledged.acknowledged_at, acknowledged.reply_due_at
        if plan.refer is not None:
            # 访调对接: the matter is a dispute between neighbours; it goes to mediation.
            plan.refer.reported_at = self.after(1, 4)
            self.launch(plan.refer.reported_at, self.dispute_life(plan.refer), plan.refer)
            yield plan.refer.reported_at + timedelta(hours=rng.uniform(1, 4))
            if plan.refer.dispute_id is None:
                return
            petitions.petition_link_dispute(
                actor=desk, petition_id=pid, dispute_id=plan.refer.dispute_id
            )
        yield self.after(2, 40)
        unit = self.route(plan)
        case_services.case_dispatch(
            actor=desk, case_id=pid, unit_id=unit.pk, note=rng.choice(W.ROUTE_NOTES)
        )
        handler = self.petition_desk() if unit == self.petition_unit else self.staff.handler(unit)
        yield self.after(3, 48)
        case_services.case_claim(actor=handler, case_id=pid)

        # The reply: mostly well within the 60 days.
        if plan.refer is not None:
            committee = (
                Dispute.objects.filter(pk=plan.refer.dispute_id)
                .values_list("committee__name", flat=True)
                .first()
            )
            reply = W.MEDIATION_REPLY.format(
                committee=committee or "人民调解委员会", code=plan.refer.code
            )
            reply_at = self.after(24, 10 * 24)
        elif plan.fate == "overdue":
            return  # nobody replies before `now`: past its limit
        elif plan.fate == "late":
            reply_at = self.office(reply_due + timedelta(days=rng.uniform(2, 12)))
        elif plan.fate == "extended":
            yield self.office(ack + timedelta(days=rng.uniform(40, 55)))
            petitions.petition_extend(
                actor=desk, petition_id=pid, days=30, reason=rng.choice(W.EXTENSION_REASONS)
            )
            reply_at = self.office(ack + timedelta(days=rng.uniform(62, 85)))
        else:
            reply_at = self.office(ack + timedelta(days=rng.uniform(8, 52)), latest=reply_due)
        yield reply_at
        petitions.petition_reply(actor=handler, petition_id=pid, reply=reply)
        yield self.after(24, 72)
        case_services.case_verify(actor=desk, case_id=pid, note=rng.choice(W.PETITION_VERIFY))
        verified = clock.now()
        if actor.role == "resident":
            yield self.after(2, 72, office=False, latest=verified + timedelta(days=6))
            rating = rng.choices((5, 4, 3), (50, 35, 15))[0]
            case_services.case_rate(actor=actor, case_id=pid, rating=rating)
        else:
            yield self.after(1, 30, latest=verified + timedelta(days=6))
            case_services.case_close(actor=desk, case_id=pid, reason=rng.choice(W.PETITION_CLOSE))

    def route(self, plan: _PetitionPlan) -> HandlingUnit:
        """Where a petition goes, by its kind: the court (or the procuratorate), a township
        department, or the petition office itself."""
        kinds = PETITION_ROUTES.get(plan.category, ())
        if plan.refer is not None or plan.about_dispute:
            kinds = ("petition_office",)
        elif plan.category == "petition_law":
            kinds = ("court",) if self.rng.random() < 0.75 else ("procuratorate", "court")
        for kind in kinds:
            unit = self.unit_of(plan.village.code, kind)
            if unit is not None:
                return unit
        return self.petition_unit

    # -- the result -----------------------------------------------------------------------------

    def summary(self) -> dict:
        started = monotonic_time.perf_counter()
        dispute_ids = [p.dispute_id for p in self.disputes if p.dispute_id]
        petition_ids = [p.petition_id for p in self.petitions if p.petition_id]
        disputes = Dispute.objects.filter(pk__in=dispute_ids)
        cases = Case.objects.filter(pk__in=dispute_ids)
        petition_cases = Case.objects.filter(pk__in=petition_ids)
        events = CaseEvent.objects.filter(case_id__in=dispute_ids + petition_ids)
        broken = [
            case.code
            for case in Case.objects.filter(pk__in=dispute_ids + petition_ids)
            if case_services.verify_log(case)
        ]
        actor = self.staff.centre(self.county.prefix)
        figures = metrics.dispute_metrics(
            actor=actor, start=self.now - timedelta(days=DAYS), end=self.now
        )
        petition_figures = metrics.petition_metrics(
            actor=actor, start=self.now - timedelta(days=DAYS), end=self.now
        )
        rounds = ScreeningRound.objects.filter(region_code__startswith=self.county.prefix)
        reports = ScreeningReport.objects.filter(round__in=rounds)
        follow_ups = FollowUp.objects.filter(dispute_id__in=dispute_ids)
        repeat = (
            Petition.objects.filter(pk__in=petition_ids)
            .exclude(petitioner_id_hash="")
            .values("petitioner_id_hash")
            .annotate(n=Count("pk"))
            .filter(n__gt=1)
            .count()
        )
        result = {
            "disputes": len(dispute_ids),
            "by_status": _by(cases, "status"),
            "by_source": _by(disputes, "source"),
            "by_type": _by(disputes, "dispute_type"),
            "by_outcome": _by(disputes, "outcome"),
            "by_risk": _by(disputes, "risk_grade"),
            "open": cases.filter(status__in=OPEN_STATUSES).count(),
            "sessions": MediationSession.objects.filter(dispute_id__in=dispute_ids).count(),
            "agreements": disputes.filter(agreement__isnull=False).count(),
            "court_referrals": Referral.objects.filter(
                dispute_id__in=dispute_ids, purpose=Referral.Purpose.HANDLE
            ).count(),
            "confirmations": Referral.objects.filter(
                dispute_id__in=dispute_ids, purpose=Referral.Purpose.CONFIRMATION
            ).count(),
            "follow_ups_done": follow_ups.filter(done_at__isnull=False).count(),
            "relapses": follow_ups.filter(result=FollowUp.Result.RELAPSED).count(),
            "settled_by_deadline_rate": figures["settled_by_deadline_rate"],
            "relapse_rate": figures["relapse_rate"],
            "mediation_success_rate": figures["mediation_success_rate"],
            "petitions": len(petition_ids),
            "petitions_by_status": _by(petition_cases, "status"),
            "petitions_overdue": petition_figures["overdue_now"],
            "petitions_replied": petition_figures["replied"],
            "petitions_replied_on_time_rate": petition_figures["replied_on_time_rate"],
            "petitions_linked": Petition.objects.filter(
                pk__in=petition_ids, dispute__isnull=False
            ).count(),
            "repeat_petitioners": repeat,
            "screening_rounds": rounds.count(),
            "screening_reports": reports.count(),
            "screening_findings": reports.filter(nothing_found=False).count(),
            "events": events.count(),
            "unverified_logs": broken,
            "failures": list(self.failures),
        }
        self.busy_seconds += monotonic_time.perf_counter() - started
        result["elapsed_seconds"] = round(self.busy_seconds, 1)
        self.progress(
            f"  mediation history: {result['disputes']:,} disputes ({_line(result['by_outcome'])};"
            f" open {result['open']:,}), {result['sessions']:,} sessions, "
            f"{result['court_referrals']:,} to court, {result['confirmations']:,} confirmations,"
            f" {result['relapses']:,} relapsed; settled by deadline "
            f"{_percent(result['settled_by_deadline_rate'])}; {result['petitions']:,} petitions "
            f"({_line(result['petitions_by_status'])}; overdue {result['petitions_overdue']:,});"
            f" {result['screening_rounds']:,} screening rounds, "
            f"{result['screening_reports']:,} grid reports "
            f"({result['screening_findings']:,} with findings); logs verified "
            f"{'all' if not broken else f'{len(broken)} BROKEN'}"
            + (f"; {len(self.failures):,} steps refused" if self.failures else "")
            + f"; in {result['elapsed_seconds']} s"
        )
        return result


def _by(qs, field_name: str) -> dict[str, int]:
    return dict(qs.values_list(field_name).annotate(n=Count("pk")).order_by())


def _line(counts: dict[str, int]) -> str:
    return ", ".join(f"{key or 'none yet'} {n:,}" for key, n in sorted(counts.items()) if n)


def _percent(rate: float | None) -> str:
    return "–" if rate is None else f"{rate * 100:.1f} %"


def alongside(
    *, disputes: int, petitions: int, seed: int, progress=None
) -> Callable[[_History], MediationHistory]:
    """The factory `generate_case_history(alongside=[…])` calls with its history."""

    def make(staff: _History) -> MediationHistory:
        return MediationHistory(
            staff, disputes=disputes, petitions=petitions, seed=seed, progress=progress
        )

    return make


def generate_mediation_history(
    *, disputes: int, petitions: int, seed: int, now: datetime, progress=None
) -> dict:
    """The mediation history alone (no general cases), e.g. for tests: its summary."""
    result = generate_case_history(
        count=0,
        seed=seed,
        now=now,
        progress=progress,
        alongside=[alongside(disputes=disputes, petitions=petitions, seed=seed, progress=progress)],
    )
    return result[MediationHistory.name]
