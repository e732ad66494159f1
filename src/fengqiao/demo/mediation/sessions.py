"""Mediating a demo dispute: sessions planned and recorded, and how it ends — an agreement
(in time or late), withdrawal, failure, or referral to court (demo.mediation.referrals)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from fengqiao.core import clock
from fengqiao.demo.mediation import texts as W
from fengqiao.demo.mediation.plans import DisputePlan, Life
from fengqiao.mediation import services as mediation
from fengqiao.mediation import sessions as mediation_sessions
from fengqiao.mediation.models import MediationCommittee, Outcome

__all__ = ["MediationSessions"]

COURT_SETTLES = 0.7


def _cn_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


class MediationSessions:
    """Part of `MediationHistory` (demo.mediation.history): from the claim to the ending."""

    def place(self, plan: DisputePlan) -> str:
        committee = plan.mediator.committee
        village = self.village_of(plan.micro)
        if committee.kind == MediationCommittee.Kind.VILLAGE:
            return self.rng.choice((f"{village.name}人民调解室", f"现场（{village.name}）"))
        if committee.kind == MediationCommittee.Kind.EXPERT_POOL:
            return f"{self.county.name}矛盾纠纷调处化解中心"
        if committee.kind == MediationCommittee.Kind.ROOM:
            return committee.name
        return f"{committee.name}调解室"

    def session(self, plan: DisputePlan, records: Sequence[str], when: datetime) -> Life:
        """One session at `when` (planned ahead some of the time), written down after."""
        rng = self.rng
        place = self.place(plan)
        planned = None
        if rng.random() < 0.4 and when > clock.now() + timedelta(hours=2):
            planned = mediation_sessions.session_plan(
                actor=plan.user, dispute_id=plan.dispute_id, starts_at=when, place=place
            )
        yield when + timedelta(hours=rng.uniform(1, 2.5))
        extra = rng.choice(W.PARTICIPANT_EXTRAS) if rng.random() < 0.5 else ""
        participants = (
            f"申请人{plan.words['a']}、被申请人{plan.words['b']}、调解员{plan.mediator.name}"
        )
        mediation_sessions.session_record(
            actor=plan.user,
            dispute_id=plan.dispute_id,
            session_id=planned.pk if planned else None,
            held_at=when,
            place=place,
            participants=participants + (f"、{extra}" if extra else ""),
            record=rng.choice(records).format(topic=plan.scenario.topic, **plan.words),
        )

    def sessions_until(self, plan: DisputePlan, end: datetime, last: Sequence[str]) -> Life:
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

    def mediate(self, plan: DisputePlan, due: datetime) -> Life:
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

    def agree(self, plan: DisputePlan) -> None:
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
