"""Fates of the demo cases: most run their course; a share is rejected, merged as a duplicate,
escalated, wrongly dispatched, late at one stage, extended, failed at the check or rated
unhappy, and some recent ones get stuck. A minimum of each keeps even the small history
showing every kind of case."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import shapely

from fengqiao.cases.models import Channel, Status
from fengqiao.demo.cases.plans import Agent
from fengqiao.demo.cases.reports import URGENT_CATEGORIES

__all__ = ["FATES", "CaseFates"]

# One fate per case (the rest of the cases simply run their course).
FATES = {
    "reject": 0.03,
    "merge": 0.02,
    "escalate": 0.03,  # the centre sends it up by decision
    "return": 0.012,  # dispatched to the wrong unit, which sends it back
    "transfer": 0.012,  # dispatched to the wrong unit, the centre moves it
    "late": 0.08,  # one stage runs past its deadline: the sweep escalates it
    "extension": 0.03,
    "fail_check": 0.03,  # the check after resolving fails: reopened
    "unhappy": 0.027,  # rated 1-2 and reopened
    "unhappy_close": 0.01,  # rated 1-2, explained, closed with a reason
}
STUCK_SHARE = 0.10  # of the cases reported in the last STUCK_DAYS: nobody acts any more
STUCK_DAYS = 30
# At least this many of each fate, so even the small history shows every kind of case.
FATE_MINIMUM = {
    "reject": 1,
    "merge": 1,
    "escalate": 1,
    "return": 1,
    "transfer": 1,
    "late": 2,
    "extension": 1,
    "fail_check": 1,
    "unhappy": 1,
    "unhappy_close": 1,
    "stuck": 2,
}
LATE_STAGES = {
    Status.REPORTED: 0.3,
    Status.ACCEPTED: 0.2,
    Status.DISPATCHED: 0.2,
    Status.CLAIMED: 0.3,
}


class CaseFates:
    """Part of `CaseHistory` (demo.cases.history): gives the planned cases their fates."""

    def assign_fates(self) -> None:
        rng = self.rng
        fates, weights = list(FATES), list(FATES.values())
        stuck_since = self.now - timedelta(days=STUCK_DAYS)
        for agent in self.agents:
            if agent.reported_at >= stuck_since and rng.random() < STUCK_SHARE:
                agent.fate = "stuck"
            elif rng.random() < sum(weights):
                agent.fate = rng.choices(fates, weights)[0]
        counts = Counter(a.fate for a in self.agents)
        plain = [a for a in self.agents if not a.fate]
        rng.shuffle(plain)
        old = [a for a in plain if a.reported_at < self.now - timedelta(days=20)]
        for fate, minimum in FATE_MINIMUM.items():
            for _ in range(minimum - counts[fate]):
                pool = old if fate != "stuck" else plain
                if not pool:
                    break
                agent = pool.pop()
                if agent in old:
                    old.remove(agent)
                if agent in plain:
                    plain.remove(agent)
                agent.fate = fate
                if fate == "stuck":  # long enough ago to have climbed to the county
                    agent.reported_at = self.report_time(agent.channel, 14, 28)
        for agent in self.agents:
            if agent.fate == "late":
                agent.late_stage = rng.choices(list(LATE_STAGES), list(LATE_STAGES.values()))[0]
            elif agent.fate == "merge":
                self.make_duplicate(agent)

    def make_duplicate(self, dup: Agent) -> None:
        """Turn `dup` into a second report of an earlier case, near it in place and time."""
        rng = self.rng
        masters = [
            a
            for a in self.agents
            if not a.fate
            and a.master is None
            and a.category.code not in URGENT_CATEGORIES
            and a.reported_at < self.now - timedelta(days=2)
        ]
        if not masters:
            dup.fate = "reject"
            return
        master = rng.choice(masters)
        master.fate = "master"
        micro = master.micro
        poly = self.boundaries.get(micro.pk)
        point = (master.lat, master.lng)
        for _ in range(20):
            lat = master.lat + rng.uniform(-0.0004, 0.0004)
            lng = master.lng + rng.uniform(-0.0004, 0.0004)
            if poly is None or shapely.contains_xy(poly, lng, lat):
                point = (lat, lng)
                break
        channel = rng.choice((Channel.HOTLINE, Channel.PORTAL, Channel.GRID_APP))
        at = master.reported_at + timedelta(minutes=rng.uniform(20, 240))
        dup.reported_at, dup.channel, dup.category, dup.micro = at, channel, master.category, micro
        dup.lat, dup.lng = point
        dup.address, dup.title = master.address, master.title
        dup.description = "又有群众反映：" + master.description
        dup.master = master
