"""Mediation and petition figures derived from the case log (never typed in): settled by
deadline, mediation success, level of settlement, relapse, days to settle — overall, per
committee and per mediator."""

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from fengqiao.cases.models import CaseEvent, Kind, Status
from fengqiao.core import clock
from fengqiao.core.scoping import actor_prefixes, prefix_q
from fengqiao.mediation.models import (
    Dispute,
    MediationCommittee,
    Mediator,
    Petition,
    petition_overdue_q,
)

LOG_ACTIONS = ["conclude", "refer", "referral_settled", "relapse"]
VILLAGE_OR_BELOW = {"grid", "village"}
TOWNSHIP_OR_BELOW = VILLAGE_OR_BELOW | {"township"}


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


@dataclass
class Tally:
    """Counts for one scope (everything, a committee, a mediator)."""

    agreements: int = 0
    failed: int = 0
    withdrawn: int = 0
    referred_after_mediation: int = 0
    settled: int = 0
    settled_on_time: int = 0
    overdue_unsettled: int = 0
    relapsed: int = 0
    settle_days: list[float] = field(default_factory=list)
    settled_at_level: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def as_dict(self) -> dict:
        concluded = self.agreements + self.failed + self.referred_after_mediation
        levels = dict(self.settled_at_level)
        village = sum(n for lvl, n in levels.items() if lvl in VILLAGE_OR_BELOW)
        township = sum(n for lvl, n in levels.items() if lvl in TOWNSHIP_OR_BELOW)
        return {
            "settled": self.settled,
            "agreements": self.agreements,
            "failed": self.failed,
            "withdrawn": self.withdrawn,
            "referred_after_mediation": self.referred_after_mediation,
            "settled_by_deadline_rate": _rate(
                self.settled_on_time, self.settled + self.overdue_unsettled
            ),
            "mediation_success_rate": _rate(self.agreements, concluded),
            "settled_at_village_rate": _rate(village, self.settled),
            "settled_at_township_rate": _rate(township, self.settled),
            "settled_at_level": levels,
            "relapse_rate": _rate(self.relapsed, self.settled),
            "average_days_to_settle": round(sum(self.settle_days) / len(self.settle_days), 1)
            if self.settle_days
            else None,
            "overdue_unsettled": self.overdue_unsettled,
        }


def _scoped_events(actor, start: datetime, end: datetime):
    qs = CaseEvent.objects.filter(
        case__kind=Kind.DISPUTE, action__in=LOG_ACTIONS, at__gte=start, at__lt=end
    )
    prefixes = actor_prefixes(actor)
    if prefixes is not None:
        qs = qs.filter(prefix_q(prefixes))
    return qs.values("case_id", "action", "at", "data", "from_level", "case__reported_at")


def dispute_metrics(*, actor, start: datetime, end: datetime) -> dict:
    """Figures for disputes settled (or concluded, or overdue) in [start, end).

    Settled by deadline (到期化解率): of the disputes settled in the period plus those whose
    deadline passed in it unsettled, the share settled by their deadline."""
    overall = Tally()
    by_committee: dict[int, Tally] = defaultdict(Tally)
    by_mediator: dict[int, Tally] = defaultdict(Tally)
    settled_at: dict[int, list[datetime]] = defaultdict(list)
    relapses: dict[int, list[datetime]] = defaultdict(list)
    for event in _scoped_events(actor, start, end).order_by("at"):
        data = event["data"] or {}
        tallies = [overall]
        if data.get("committee"):
            tallies.append(by_committee[data["committee"]])
        if data.get("mediator"):
            tallies.append(by_mediator[data["mediator"]])
        action, outcome = event["action"], data.get("outcome")
        if action == "relapse":
            relapses[event["case_id"]].append(event["at"])
            continue
        if action == "refer":
            if data.get("sessions"):
                for tally in tallies:
                    tally.referred_after_mediation += 1
            continue
        if action == "conclude" and outcome != "agreement":
            for tally in tallies:
                if outcome == "failed":
                    tally.failed += 1
                elif outcome == "withdrawn":
                    tally.withdrawn += 1
            continue
        # An agreement, or a referral that came back settled.
        days = (event["at"] - event["case__reported_at"]).total_seconds() / 86400
        settled_at[event["case_id"]].append(event["at"])
        for tally in tallies:
            tally.agreements += action == "conclude"
            tally.settled += 1
            tally.settled_on_time += bool(data.get("on_time"))
            tally.settle_days.append(days)
            tally.settled_at_level[event["from_level"]] += 1
    _count_relapses(settled_at, relapses, overall, by_committee, by_mediator, end)
    _count_overdue(actor, start, end, overall, by_committee, by_mediator)
    return {
        "start": start.isoformat(),
        "end": end.isoformat(),
        **overall.as_dict(),
        "committees": _named(MediationCommittee, by_committee),
        "mediators": _named(Mediator, by_mediator),
    }


def _count_relapses(settled_at, relapses, overall, by_committee, by_mediator, end):
    """A settlement in the period relapsed if a relapse follows it before the dispute's next
    settlement (the relapse may come after the period, so later events are read too)."""
    later = CaseEvent.objects.filter(
        case_id__in=list(settled_at), action="relapse", at__gte=end
    ).values_list("case_id", "at")
    for case_id, at in later:
        relapses[case_id].append(at)
    owners = {
        row["pk"]: row
        for row in Dispute.objects.filter(pk__in=list(settled_at)).values(
            "pk", "committee_id", "mediator_id"
        )
    }
    for case_id, times in settled_at.items():
        owner: Mapping[str, Any] = owners.get(case_id, {})
        for i, at in enumerate(times):
            until = times[i + 1] if i + 1 < len(times) else None
            if not any(
                when >= at and (until is None or when < until) for when in relapses.get(case_id, [])
            ):
                continue
            overall.relapsed += 1
            if owner.get("committee_id"):
                by_committee[owner["committee_id"]].relapsed += 1
            if owner.get("mediator_id"):
                by_mediator[owner["mediator_id"]].relapsed += 1


def _count_overdue(actor, start, end, overall, by_committee, by_mediator):
    """Disputes in mediation whose settle deadline passed in the period (up to now)."""
    until = min(end, clock.now())
    # The settle deadline runs while a mediator holds the dispute (claimed).
    qs = Dispute.objects.filter(
        case__status=Status.CLAIMED, case__due_at__gte=start, case__due_at__lt=until
    )
    prefixes = actor_prefixes(actor)
    if prefixes is not None:
        qs = qs.filter(prefix_q(prefixes))
    for committee_id, mediator_id in qs.values_list("committee_id", "mediator_id"):
        overall.overdue_unsettled += 1
        if committee_id:
            by_committee[committee_id].overdue_unsettled += 1
        if mediator_id:
            by_mediator[mediator_id].overdue_unsettled += 1


def _named(model, tallies: dict[int, Tally]) -> list[dict]:
    names = dict(model.objects.filter(pk__in=list(tallies)).values_list("pk", "name"))
    rows = [
        {"id": pk, "name": names.get(pk, "?"), **tally.as_dict()} for pk, tally in tallies.items()
    ]
    return sorted(rows, key=lambda row: (-row["settled"], row["name"]))


def petition_metrics(*, actor, start: datetime, end: datetime) -> dict:
    """Petitions registered in [start, end): acknowledged and replied within the limits, and
    how many are overdue now."""
    qs = Petition.objects.filter(case__reported_at__gte=start, case__reported_at__lt=end)
    prefixes = actor_prefixes(actor)
    if prefixes is not None:
        qs = qs.filter(prefix_q(prefixes))
    events = CaseEvent.objects.filter(
        case__kind=Kind.PETITION,
        case_id__in=qs.values("pk"),
        action__in=["acknowledge", "not_accept", "reply"],
    ).values_list("action", "data")
    acknowledged = acknowledged_on_time = replied = replied_on_time = 0
    for action, data in events:
        on_time = bool((data or {}).get("on_time"))
        if action == "reply":
            replied += 1
            replied_on_time += on_time
        else:
            acknowledged += 1
            acknowledged_on_time += on_time
    now = clock.now()
    overdue = qs.filter(petition_overdue_q(now)).count()
    return {
        "registered": qs.count(),
        "collective": qs.filter(visitors__gte=5).count(),
        "acknowledged": acknowledged,
        "acknowledged_on_time_rate": _rate(acknowledged_on_time, acknowledged),
        "replied": replied,
        "replied_on_time_rate": _rate(replied_on_time, replied),
        "overdue_now": overdue,
    }
