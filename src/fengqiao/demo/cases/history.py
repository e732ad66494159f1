"""A year of case history for the demo county, made by running the real case services.

Nothing here writes a case or an event row itself: every report, acceptance, dispatch,
claim, resolution, check, rating, escalation and closing goes through
`fengqiao.cases.services` (and the worker's `sweeps`) with the clock frozen at the moment it
happens, so every case's hash-chained log verifies and every status change went through
the transition table.

How it runs: each case gets an *agent* with a plan drawn up front (its channel, category,
place, reporter and fate: normal, rejected, merged as a duplicate, escalated by decision,
wrongly dispatched, late at one stage, stuck, extended, failed check, unhappy rating).
All agents then run in one time-ordered simulation over the year before `now`: the heap
holds every agent's next step and the worker's sweep passes; a step late past its SLA
deadline gives the escalation sweep (`sweeps.sweep_escalations`) a pass one minute after
the deadline, as the worker would. Because everything happens in time order, case numbers
run in report order within each day, duplicate detection sees the cases that were open at
that moment, and a sweep only ever sees what was true then. Steps that would fall after
`now` are not taken, so recent cases are left open at whatever stage they have reached,
and cases nobody acts on climb to the county by themselves and sit there overdue. Other
simulations run on the same timeline (`alongside`: the mediation history's disputes,
screening and petitions), so case numbers follow report order across case kinds.

The history's parts: `staff` (who acts), `reports` (what is reported, when, by whom),
`fates`, `handling` (each step after the report), `ratings`; `texts` holds the words.
"""

from __future__ import annotations

import heapq
import random
import time as monotonic_time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Protocol

from django.db import transaction
from django.db.models import Count
from faker import Faker

from fengqiao.cases import sweeps, workflow
from fengqiao.cases.models import OPEN_STATUSES, Case, CaseEvent, Level, SlaRule, Status
from fengqiao.cases.sla import rule_for
from fengqiao.core import clock
from fengqiao.core.calendar import working_calendar
from fengqiao.core.errors import DomainError
from fengqiao.demo import SHANGHAI, Progress
from fengqiao.demo.cases.fates import CaseFates
from fengqiao.demo.cases.handling import CaseHandling
from fengqiao.demo.cases.plans import Agent
from fengqiao.demo.cases.ratings import CaseRatings
from fengqiao.demo.cases.reports import ReportPlanning
from fengqiao.demo.cases.staff import StaffDirectory
from fengqiao.regions.locator import grids_changed

__all__ = ["CaseHistory", "Simulation", "generate_case_history", "run_in_time_order"]

SWEEP_EVERY = timedelta(minutes=1)  # `fengqiao worker` runs a pass every 60 s
AUTO_CLOSE_AFTER = timedelta(days=7)  # sweeps.sweep_auto_close's default
FINAL = (Status.CLOSED, Status.REJECTED, Status.MERGED)


@dataclass(order=True)
class _Entry:
    when: datetime
    serial: int
    kind: str = field(compare=False)
    agent: Agent | None = field(compare=False, default=None)
    token: int = field(compare=False, default=0)


class CaseHistory(StaffDirectory, ReportPlanning, CaseFates, CaseHandling, CaseRatings):
    """A year of cases as one simulation: planned up front, then played in time order with
    the worker's sweep passes (see the module's docstring)."""

    def __init__(self, *, count: int, seed: int, now: datetime, progress: Progress | None):
        self.count = count
        self.now = now.astimezone(UTC)
        self.rng = random.Random(seed)
        self.fake = Faker("zh_CN")
        self.fake.seed_instance(seed)
        self.progress = progress or (lambda _message: None)
        self.calendar = working_calendar()
        self.heap: list[_Entry] = []
        self.serial = 0
        self.sweep_times: set[datetime] = set()
        self.auto_close_times: set[datetime] = set()
        self.agents: list[Agent] = []
        self.by_case: dict[int, Agent] = {}
        self.accounts_created = 0
        self.failures: list[str] = []
        self.rule_units: dict[tuple[int, str], str] = {}
        self._load()

    # -- time -------------------------------------------------------------------------------------

    def is_urgent(self, case: Case) -> bool:
        key = (case.category_id, case.level)
        if key not in self.rule_units:
            rule = rule_for(case.category, case.level)
            self.rule_units[key] = rule.unit if rule else SlaRule.Unit.WORKDAYS
        return self.rule_units[key] == SlaRule.Unit.MINUTES

    def office(self, at: datetime, latest: datetime | None = None) -> datetime:
        """Most staff act in office hours: move `at` to the next working morning if it falls
        outside them (unless that would pass `latest`)."""
        local = at.astimezone(SHANGHAI)
        if self.calendar.is_workday(local.date()) and 8 <= local.hour < 18:
            return at
        if self.rng.random() < 0.15:
            return at  # some evening and weekend work
        day = local.date() if local.hour < 8 else local.date() + timedelta(days=1)
        while not self.calendar.is_workday(day):
            day += timedelta(days=1)
        moved = datetime.combine(day, time(8), SHANGHAI) + timedelta(
            minutes=self.rng.uniform(15, 180)
        )
        moved = moved.astimezone(UTC)
        return at if latest is not None and moved >= latest else moved

    def stage_time(self, agent: Agent, share: tuple[float, float] = (0.03, 0.6)) -> datetime:
        """When the next step of a stage with a deadline is taken: mostly well in time; at
        the planned late stage, past the deadline."""
        case, start = agent.case, agent.at
        due = case.due_at
        urgent = self.is_urgent(case)
        if due is None:
            return self.later(agent, 1, 24)
        span = max((due - start).total_seconds(), 60.0)
        if agent.late_stage == case.status and "late" not in agent.done:
            agent.done.add("late")
            over = span * self.rng.uniform(0.3, 1.5)
            return self.office(due + timedelta(seconds=max(over, 300)))
        fraction = self.rng.uniform(*share) ** 1.5
        at = start + timedelta(seconds=max(span * fraction, 5 if urgent else 120))
        return at if urgent else self.office(at, latest=due)

    def later(self, agent: Agent, low_hours: float, high_hours: float, office=True) -> datetime:
        at = agent.at + timedelta(hours=self.rng.uniform(low_hours, high_hours))
        return self.office(at) if office else at

    # -- the simulation ---------------------------------------------------------------------------

    def push(self, when: datetime, kind: str, agent: Agent | None = None) -> None:
        self.serial += 1
        token = agent.token if agent is not None else 0
        # UTC: the clock is frozen at this instant and event times are hashed as given.
        heapq.heappush(self.heap, _Entry(when.astimezone(UTC), self.serial, kind, agent, token))

    def start(self) -> None:
        for agent in self.agents:
            self.push(agent.reported_at, "report", agent)
        self.reported, self.started = 0, monotonic_time.monotonic()

    def next_at(self) -> datetime | None:
        """When this simulation's next entry is due (None: nothing left)."""
        return self.heap[0].when if self.heap else None

    def step(self) -> None:
        """Take the earliest entry: a report, an agent's step or a pass of the worker."""
        entry = heapq.heappop(self.heap)
        clock.freeze(entry.when)
        if entry.kind == "report":
            self.report(entry.agent)
            self.reported += 1
            total = len(self.agents)
            if self.reported % max(1, total // 5) == 0 or self.reported == total:
                elapsed = monotonic_time.monotonic() - self.started
                self.progress(
                    f"  case history: {self.reported:,}/{total:,} reported ({elapsed:.0f} s)"
                )
        elif entry.kind == "step":
            agent = entry.agent
            if entry.token == agent.token and not agent.failed:
                self.take_step(agent, entry.when)
        elif entry.kind == "sweep":
            self.sweep(entry.when)
        elif entry.kind == "auto_close":
            self.auto_close(entry.when)

    def schedule(self, agent: Agent) -> None:
        """Plan the agent's next step (if it falls before now) and the sweep passes that
        would catch it overdue."""
        agent.token += 1
        case = agent.case
        if case.status in FINAL:
            return
        if agent.fate == "stuck" and not agent.stuck and case.status != Status.REPORTED:
            agent.stuck = True  # accepted, then nobody acts any more
        planned = None if agent.stuck else self.next_step(agent)
        when = planned[0] if planned else None
        breaches = case.due_at is not None and (when is None or when > case.due_at)
        if breaches and case.status in workflow.ESCALATABLE and case.level != Level.COUNTY:
            tick = self.tick_after(case.due_at)  # the worker's first pass after the deadline
            if tick <= self.now and tick not in self.sweep_times:
                self.sweep_times.add(tick)
                self.push(tick, "sweep")
        if planned is None:
            if case.status == Status.VERIFIED and case.rating is None and not agent.stuck:
                tick = self.tick_after(case.stage_started_at + AUTO_CLOSE_AFTER)
                if tick <= self.now and tick not in self.auto_close_times:
                    self.auto_close_times.add(tick)
                    self.push(tick, "auto_close")
            return
        when, name, action = planned
        if when <= self.now:
            agent.pending = (name, action)
            self.push(when, "step", agent)

    @staticmethod
    def tick_after(at: datetime) -> datetime:
        """The first worker pass after `at` (passes on the whole minute)."""
        at = at.astimezone(UTC)
        tick = at.replace(second=0, microsecond=0) + SWEEP_EVERY
        return tick

    def take_step(self, agent: Agent, when: datetime) -> None:
        name, action = agent.pending
        try:
            agent.case = action()
        except DomainError as exc:
            agent.failed = True
            self.failures.append(f"{agent.case.code} {name}: {exc}")
            agent.case = Case.objects.get(pk=agent.case.pk)
            return
        agent.at = when
        agent.done.add(name)
        self.schedule(agent)

    def sweep(self, when: datetime) -> None:
        """The worker's escalation pass: every case overdue at `when` goes up a level."""
        if sweeps.sweep_escalations(now=when):
            self.refresh(when)

    def auto_close(self, when: datetime) -> None:
        """The worker's pass that closes verified cases nobody rated within seven days."""
        if sweeps.sweep_auto_close(now=when):
            self.refresh(when)

    def refresh(self, when: datetime) -> None:
        """Cases the worker just moved (system events at `when`): re-plan their agents."""
        moved = set(
            CaseEvent.objects.filter(at=when, actor__isnull=True).values_list("case_id", flat=True)
        )
        for case in Case.objects.filter(pk__in=moved).select_related(
            "category", "village", "grid", "unit"
        ):
            agent = self.by_case.get(case.pk)
            if agent is None or agent.failed:
                continue
            agent.case, agent.at = case, when
            self.schedule(agent)

    # -- the result -------------------------------------------------------------------------------

    def summary(self) -> dict:
        ids = [a.case.pk for a in self.agents if a.case is not None]
        cases = Case.objects.filter(pk__in=ids)
        events = CaseEvent.objects.filter(case_id__in=ids)
        by_status = dict(cases.values_list("status").annotate(n=Count("pk")).order_by())
        return {
            "cases": len(ids),
            "events": events.count(),
            "by_status": {s: by_status.get(s, 0) for s in Status.values},
            "open": cases.filter(status__in=OPEN_STATUSES).count(),
            "escalated": events.filter(action="escalate").values("case_id").distinct().count(),
            "escalated_by_sweep": events.filter(action="escalate", actor__isnull=True)
            .values("case_id")
            .distinct()
            .count(),
            "reopened": events.filter(action="reopen").values("case_id").distinct().count(),
            "rated": cases.filter(rating__isnull=False).count(),
            "overdue_open": cases.filter(status__in=OPEN_STATUSES, due_at__lt=self.now).count(),
            "by_channel": dict(cases.values_list("channel").annotate(n=Count("pk")).order_by()),
            "by_level": dict(cases.values_list("level").annotate(n=Count("pk")).order_by()),
            "accounts_created": self.accounts_created,
            "failures": list(self.failures),
        }


class Simulation(Protocol):
    """Something that runs beside the case history on the same timeline (the mediation
    history): made from the history (its staff directory), it takes its own steps in time
    order and sums up what it made."""

    name: str
    busy_seconds: float

    def start(self) -> None: ...

    def next_at(self) -> datetime | None: ...

    def step(self) -> None: ...

    def summary(self) -> dict: ...


def run_in_time_order(simulations: Sequence[Simulation | CaseHistory]) -> None:
    """Take the earliest entry of any simulation until none is left, so every case of every
    kind is reported and handled in time order (and case numbers follow report order)."""
    for simulation in simulations:
        simulation.start()
    while True:
        due = [(s.next_at(), i) for i, s in enumerate(simulations)]
        due = [(when, i) for when, i in due if when is not None]
        if not due:
            return
        simulations[min(due)[1]].step()


def generate_case_history(
    *,
    count: int,
    seed: int,
    now: datetime,
    progress: Progress | None = None,
    alongside: Sequence[Callable[[CaseHistory], Simulation]] = (),
) -> dict:
    """Create `count` cases over the year before `now` by running the case services.

    Returns counts: cases, events, by_status, open, escalated (by anyone) and
    escalated_by_sweep, reopened, rated, overdue_open, by_channel, by_level,
    accounts_created, failures (steps the services refused: empty unless the rules changed
    under the generator), elapsed_seconds.

    `alongside`: factories of other simulations (the mediation history) run on the same
    timeline; each gets this history as its staff directory, and its summary comes back
    under its name.
    """
    started = monotonic_time.monotonic()
    if count <= 0 and not alongside:
        return {"cases": 0}
    before = getattr(clock, "_frozen", None)  # restored after: a test may have frozen time
    # The county's grids may be newer than this process's point index (e.g. just seeded in
    # this transaction): rebuild it before locating any report.
    grids_changed()
    try:
        with transaction.atomic():
            history = CaseHistory(count=max(count, 0), seed=seed, now=now, progress=progress)
            history.plan()
            others = [make(history) for make in alongside]
            run_in_time_order([history, *others])
            clock.freeze(history.now)
            result = history.summary()
            for other in others:
                result[other.name] = other.summary()
    finally:
        clock.freeze(before)
    result["elapsed_seconds"] = round(monotonic_time.monotonic() - started, 1)
    if progress and result["cases"]:
        own = result["elapsed_seconds"] - sum(other.busy_seconds for other in others)
        states = ", ".join(f"{s} {n:,}" for s, n in result["by_status"].items() if n)
        progress(
            f"  case history: {result['cases']:,} cases, {result['events']:,} events "
            f"in {own:.1f} s ({states}; escalated {result['escalated']:,}, "
            f"reopened {result['reopened']:,}, rated {result['rated']:,}, "
            f"overdue {result['overdue_open']:,})"
        )
    return result
