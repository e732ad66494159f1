"""A year of disputes, screening rounds and petitions in the demo county, made by the services.

Nothing here writes a row itself: every dispute, session, agreement, referral, follow-up,
screening round and report, and every petition step goes through `fengqiao.mediation` (and
the case services for claiming, checking, rating and closing) with the clock frozen at the
moment it happens, so every case log verifies and every step went through the kind's
transition table.

How it runs: `MediationHistory` is a simulation that `demo.cases.history.generate_case_history`
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

The history's parts: `planning` (disputes up front), `petitions`, `screening`, `disputes`
(registration to claim), `sessions`, `referrals` (the court), `aftercare`; `plans` holds
the plans, `scenarios` and `texts` the words.
"""

from __future__ import annotations

import heapq
import random
import time as monotonic_time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

import shapely
from django.db.models import Count
from faker import Faker
from shapely.geometry import shape

from fengqiao.accounts.models import User
from fengqiao.cases import services as case_services
from fengqiao.cases.models import OPEN_STATUSES, Case, CaseEvent, HandlingUnit, Level
from fengqiao.core import clock, crypto
from fengqiao.core.errors import DomainError
from fengqiao.demo import COUNTY_CODE, HISTORY_DAYS, SHANGHAI, Progress
from fengqiao.demo.cases.history import CaseHistory, generate_case_history
from fengqiao.demo.mediation.aftercare import Aftercare
from fengqiao.demo.mediation.disputes import DisputeLives
from fengqiao.demo.mediation.petitions import PetitionLives
from fengqiao.demo.mediation.planning import DisputePlanning
from fengqiao.demo.mediation.plans import DisputePlan, Life, PetitionPlan
from fengqiao.demo.mediation.referrals import CourtReferrals
from fengqiao.demo.mediation.screening import Screening
from fengqiao.demo.mediation.sessions import MediationSessions
from fengqiao.mediation import metrics
from fengqiao.mediation.models import (
    Dispute,
    FollowUp,
    MediationSession,
    Mediator,
    Petition,
    Referral,
    ScreeningReport,
    ScreeningRound,
    Source,
)
from fengqiao.regions.models import Grid, Region
from fengqiao.registry.models import Person

__all__ = ["MEDIATION_HISTORY", "MediationHistory", "alongside", "generate_mediation_history"]

# (disputes, petitions) in the year's history, by seed scale.
MEDIATION_HISTORY = {"small": (12, 4), "county": (400, 120), "city": (400, 120)}


@dataclass(order=True)
class _Entry:
    when: datetime
    serial: int
    life: Life = field(compare=False)
    owner: object = field(compare=False)


class MediationHistory(
    DisputePlanning,
    PetitionLives,
    Screening,
    DisputeLives,
    MediationSessions,
    CourtReferrals,
    Aftercare,
):
    """Disputes, screening and petitions of the demo county on the case history's timeline."""

    name = "mediation"

    def __init__(
        self,
        staff: CaseHistory,
        *,
        disputes: int,
        petitions: int,
        seed: int,
        progress: Progress | None = None,
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
        self.disputes: list[DisputePlan] = []
        self.petitions: list[PetitionPlan] = []
        self.registered: list[DisputePlan] = []
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

    # -- people and places ---------------------------------------------------------------------

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
            if rng.random() > (1 + 0.5 * (1 - age / HISTORY_DAYS)) / 1.5:
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
            actor=actor, start=self.now - timedelta(days=HISTORY_DAYS), end=self.now
        )
        petition_figures = metrics.petition_metrics(
            actor=actor, start=self.now - timedelta(days=HISTORY_DAYS), end=self.now
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
) -> Callable[[CaseHistory], MediationHistory]:
    """The factory `generate_case_history(alongside=[…])` calls with its history."""

    def make(staff: CaseHistory) -> MediationHistory:
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
