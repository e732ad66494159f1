"""After a demo dispute ends: the check, the rating or the closing, judicial confirmation
when the parties ask for it, the follow-up visit a month later, and a relapse mediated
again."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from fengqiao.cases import services as case_services
from fengqiao.core import clock
from fengqiao.demo import SHANGHAI
from fengqiao.demo.mediation import texts as W
from fengqiao.demo.mediation.plans import DisputePlan, Life
from fengqiao.mediation import followups
from fengqiao.mediation import services as mediation
from fengqiao.mediation.models import Dispute, FollowUp, Outcome, Source

__all__ = ["Aftercare"]


class Aftercare:
    """Part of `MediationHistory` (demo.mediation.history): from the ending on."""

    def aftercare(self, plan: DisputePlan, *, settled: bool) -> Life:
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
            yield from self.confirmation(plan)
        yield from self.follow_up(plan)

    def follow_up(self, plan: DisputePlan) -> Life:
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

    def remediate(self, plan: DisputePlan) -> Life:
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
