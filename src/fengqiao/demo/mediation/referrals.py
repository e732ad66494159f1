"""Demo disputes and the court (诉调对接): referred after failed sessions, accepted, and the
court's result back (settled, or back to mediation); and judicial confirmation (司法确认) of
an agreement at the parties' request."""

from __future__ import annotations

from fengqiao.demo.mediation import texts as W
from fengqiao.demo.mediation.plans import DisputePlan, Life
from fengqiao.mediation import referrals
from fengqiao.mediation import services as mediation
from fengqiao.mediation.models import MediationSession, Outcome, Referral

__all__ = ["CourtReferrals"]


class CourtReferrals:
    """Part of `MediationHistory` (demo.mediation.history): the court's part."""

    def court(self, plan: DisputePlan, *, settles: bool) -> Life:
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

    def confirmation(self, plan: DisputePlan) -> Life:
        """The parties ask the court to confirm the agreement; the court's ruling comes back."""
        rng, cid = self.rng, plan.dispute_id
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
