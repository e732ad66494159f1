"""After the check: the resident who reported online, the hotline or the centre (calling
back) rates the demo case, or the centre closes it; an unhappy rating reopens it or closes it
with a reason, and a case nobody rates is left for the worker to close."""

from __future__ import annotations

from fengqiao.accounts.models import User
from fengqiao.cases import services, workflow
from fengqiao.cases.models import Channel
from fengqiao.demo.cases.plans import Agent
from fengqiao.demo.cases.texts import (
    CLOSE_REASONS,
    HAPPY_COMMENTS,
    UNHAPPY_CLOSE,
    UNHAPPY_COMMENTS,
    UNHAPPY_REOPEN,
)

__all__ = ["RATINGS", "CaseRatings"]

RATINGS = {5: 62, 4: 26, 3: 12}


class CaseRatings:
    """Part of `CaseHistory` (demo.cases.history): the rating and the closing."""

    def after_check(self, agent: Agent, owner: User):
        """Rating by the resident (or a call back by the centre), then closing."""
        case, rng, done = agent.case, self.rng, agent.done
        cid = case.pk
        unhappy_fate = agent.fate in ("unhappy", "unhappy_close")
        if case.rating is not None and case.rating < workflow.SATISFIED_FROM:
            when = self.later(agent, 2, 48)
            if agent.fate == "unhappy":
                reason = rng.choice(UNHAPPY_REOPEN)
                return (
                    when,
                    "reopen",
                    lambda: services.case_reopen(actor=owner, case_id=cid, reason=reason),
                )
            reason = rng.choice(UNHAPPY_CLOSE)
            return (
                when,
                "close",
                lambda: services.case_close(actor=owner, case_id=cid, reason=reason),
            )
        rater, when = None, None
        channel = case.channel
        if channel == Channel.PORTAL and case.reporter_id and not agent.no_rating:
            rater = self.user(case.reporter_id)
            when = self.later(agent, 1, 72, office=False)
        elif channel == Channel.HOTLINE:
            rater = self.desk_user(rng.choice(("hotline1", "hotline2")))
            when = self.later(agent, 2, 48)
        elif channel in (Channel.WALK_IN, Channel.OTHER) and rng.random() < 0.7:
            rater = self.centre(case.region_code[:12])
            when = self.later(agent, 2, 48)
        elif unhappy_fate and "rate" not in done:
            rater = self.centre(case.region_code[:12])  # a call back to the people concerned
            when = self.later(agent, 2, 48)
        if rater is None:
            if channel in (Channel.PORTAL, Channel.OPEN311):
                return None  # nobody rates: the worker closes it after seven days
            reason = rng.choice(CLOSE_REASONS)
            return (
                self.later(agent, 0.5, 24),
                "close",
                lambda: services.case_close(actor=owner, case_id=cid, reason=reason),
            )
        if unhappy_fate and "rate" not in done:
            rating, comment = rng.choice((1, 2)), rng.choice(UNHAPPY_COMMENTS)
        else:
            rating = rng.choices(list(RATINGS), list(RATINGS.values()))[0]
            comment = rng.choice(HAPPY_COMMENTS)
        return (
            when,
            "rate",
            lambda: services.case_rate(actor=rater, case_id=cid, rating=rating, comment=comment),
        )
