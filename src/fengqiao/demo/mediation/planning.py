"""Planning the demo disputes up front: how many come from each source, of which type and
risk grade, how many sessions they take, their rare fates by quota (refused, withdrawn,
failed, to court, late, overdue; relapsed or confirmed after an agreement), and where a
screening finding falls in its month's round."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from fengqiao.demo import HISTORY_DAYS
from fengqiao.demo.mediation.plans import DisputePlan, pick
from fengqiao.demo.mediation.scenarios import SCENARIOS
from fengqiao.mediation.models import DisputeType, RiskGrade, Source
from fengqiao.regions.models import Region

__all__ = ["SOURCE_WEIGHTS", "TYPE_WEIGHTS", "DisputePlanning"]

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
RECENT_SHARE = 1 / 40  # at least this share reported in the last days: still open


class DisputePlanning:
    """Part of `MediationHistory` (demo.mediation.history): plans the year's disputes, and
    through `plan_petitions` (demo.mediation.petitions) the petitions."""

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
            source = pick(rng, SOURCE_WEIGHTS)
            affinity = SOURCE_AFFINITY.get(source, {})
            dispute_type = rng.choices(
                list(TYPE_WEIGHTS), [w * affinity.get(t, 1) for t, w in TYPE_WEIGHTS.items()]
            )[0]
            at = self.report_time(0.5, 6) if index < recent else self.report_time(0.1, HISTORY_DAYS)
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

    def new_dispute(self, index, at, source, dispute_type, micros, weights) -> DisputePlan:
        rng = self.rng
        scenario = rng.choice(SCENARIOS[dispute_type])
        pool = {"urban": self.urban, "rural": self.rural}.get(scenario.setting)
        micro = rng.choice(pool) if pool else rng.choices(micros, weights)[0]
        grade = pick(rng, RISK_WEIGHTS)
        if scenario.parties == "groups" and rng.random() < 0.6:
            grade = RiskGrade.SIGNIFICANT
        return DisputePlan(
            index=index,
            reported_at=at,
            source=source,
            dispute_type=dispute_type,
            micro=micro,
            scenario=scenario,
            risk_grade=grade,
            sessions=pick(rng, SESSIONS),
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

        def take() -> DisputePlan | None:
            if aged:
                return aged.pop()
            if young:
                plan = young.pop()
                plan.reported_at = self.report_time(OLD_DAYS + 15, HISTORY_DAYS - 5)
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

    def place_in_round(self, plan: DisputePlan) -> None:
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
