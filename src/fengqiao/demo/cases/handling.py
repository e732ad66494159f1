"""How a demo case is handled, one step at a time: accepted, rejected, merged or escalated;
dispatched (sometimes to the wrong unit, which returns it, or the centre transfers it);
claimed, noted, extended, resolved, checked or reopened. Each step is a call to
`fengqiao.cases.services` by whoever would take it."""

from __future__ import annotations

from fengqiao.accounts.models import User
from fengqiao.cases import services, workflow
from fengqiao.cases.models import OPEN_STATUSES, Case, Level, Status
from fengqiao.demo.cases.plans import Agent
from fengqiao.demo.cases.texts import (
    CLAIM_NOTES,
    ESCALATE_REASONS,
    EXTENSION_REASONS,
    FAIL_CHECK_REASONS,
    MERGE_NOTES,
    REJECT_REASONS,
    RESULTS,
    RETURN_REASONS,
    TRANSFER_NOTES,
)

__all__ = ["CaseHandling"]


class CaseHandling:
    """Part of `CaseHistory` (demo.cases.history): what an agent does next, and to whom."""

    def next_step(self, agent: Agent):
        """(when, name, action) of the agent's next step, or None when it waits for nobody."""
        case, rng, done = agent.case, self.rng, agent.done
        cid = case.pk
        owner = self.owner(case)
        status = case.status

        if status == Status.REPORTED:
            when = self.stage_time(agent)
            if agent.fate == "reject":
                reason = rng.choice(REJECT_REASONS)
                return (
                    when,
                    "reject",
                    lambda: services.case_reject(actor=owner, case_id=cid, reason=reason),
                )
            if agent.fate == "merge" and agent.master is not None:
                when = self.stage_time(agent, (0.01, 0.15))  # spotted at once, in most cases
                return when, "merge", lambda: self.merge(agent, owner)
            if agent.fate == "escalate" and "escalate" not in done and case.level != Level.COUNTY:
                reason = rng.choice(ESCALATE_REASONS)
                return (
                    when,
                    "escalate",
                    lambda: services.case_escalate(actor=owner, case_id=cid, reason=reason),
                )
            return when, "accept", lambda: services.case_accept(actor=owner, case_id=cid)

        if status == Status.ACCEPTED:
            when = self.stage_time(agent)
            wrong = agent.fate in ("return", "transfer") and "dispatch" not in done
            unit, assignee = self.target(case, owner, wrong=wrong)
            return (
                when,
                "dispatch",
                lambda: services.case_dispatch(
                    actor=owner,
                    case_id=cid,
                    unit_id=unit.pk if unit else None,
                    assignee=assignee,
                ),
            )

        if status == Status.DISPATCHED:
            wrong_unit = (
                case.unit_id is not None
                and agent.fate in ("return", "transfer")
                and "return" not in done
                and "transfer" not in done
            )
            if wrong_unit and agent.fate == "return":
                who = self.handler(self.units_by_pk[case.unit_id])
                reason = rng.choice(RETURN_REASONS)
                return (
                    self.stage_time(agent, (0.02, 0.3)),
                    "return",
                    lambda: services.case_return(actor=who, case_id=cid, reason=reason),
                )
            if wrong_unit:
                unit, _assignee = self.target(case, owner, wrong=False)
                note = rng.choice(TRANSFER_NOTES)
                return (
                    self.stage_time(agent, (0.02, 0.3)),
                    "transfer",
                    lambda: services.case_transfer(
                        actor=owner,
                        case_id=cid,
                        unit_id=unit.pk if unit else None,
                        assignee=None if unit else owner,
                        note=note,
                    ),
                )
            who = (
                self.user(case.assignee_id)
                if case.assignee_id
                else self.handler(self.units_by_pk[case.unit_id])
            )
            return (
                self.stage_time(agent),
                "claim",
                lambda: services.case_claim(actor=who, case_id=cid),
            )

        if status == Status.CLAIMED:
            who = self.user(case.assignee_id)
            if agent.note and "note" not in done:
                note = rng.choice(CLAIM_NOTES)
                return (
                    self.stage_time(agent, (0.02, 0.2)),
                    "note",
                    lambda: services.case_note(actor=who, case_id=cid, note=note),
                )
            if agent.fate == "extension" and "request_extension" not in done:
                days = rng.choice((2, 3, 5))
                reason = rng.choice(EXTENSION_REASONS)
                return (
                    self.stage_time(agent, (0.3, 0.8)),
                    "request_extension",
                    lambda: services.case_request_extension(
                        actor=who, case_id=cid, days=days, reason=reason
                    ),
                )
            if "request_extension" in done and "approve_extension" not in done:
                above = workflow.next_level(case.level) or case.level
                approver = self.owner(case, above)
                return (
                    self.later(agent, 0.5, 4),
                    "approve_extension",
                    lambda: services.case_approve_extension(
                        actor=approver, case_id=cid, note="同意延期"
                    ),
                )
            result = rng.choice(RESULTS.get(case.category.code, ("已处置完毕。",)))
            return (
                self.stage_time(agent),
                "resolve",
                lambda: services.case_resolve(actor=who, case_id=cid, result=result),
            )

        if status == Status.RESOLVED:
            checker = self.verifier(case)
            when = self.later(agent, 0.5, 30)
            if agent.fate == "fail_check" and "reopen" not in done:
                reason = rng.choice(FAIL_CHECK_REASONS)
                return (
                    when,
                    "reopen",
                    lambda: services.case_reopen(actor=checker, case_id=cid, reason=reason),
                )
            return (
                when,
                "verify",
                lambda: services.case_verify(
                    actor=checker, case_id=cid, note="现场复核，已整改到位。"
                ),
            )

        if status == Status.VERIFIED:
            return self.after_check(agent, owner)
        return None

    def target(self, case: Case, owner: User, *, wrong: bool):
        """(unit, assignee) to dispatch to: a unit of the case's township that handles the
        category; a grid chief or a centre with no such unit handles it themselves."""
        units = self.units.get(case.region_code[:9], [])
        fitting = [u for u, codes in units if case.category.code in codes]
        if wrong:
            others = [u for u, codes in units if case.category.code not in codes]
            if others:
                return self.rng.choice(others), None
        if case.level == Level.GRID and (not fitting or self.rng.random() < 0.5):
            return None, owner
        if fitting:
            return self.rng.choice(fitting), None
        return None, owner

    def merge(self, agent: Agent, owner: User) -> Case:
        master = agent.master.case
        cid = agent.case.pk
        if master is not None:
            master = Case.objects.filter(pk=master.pk).first()
        if master is None or master.status not in OPEN_STATUSES:
            # The first report is already closed: this one is answered and rejected.
            reason = f"与已办结的{master.code if master else '事件'}反映同一问题，已告知反映人。"
            return services.case_reject(actor=owner, case_id=cid, reason=reason)
        note = self.rng.choice(MERGE_NOTES).format(code=master.code)
        return services.case_merge(actor=owner, case_id=cid, master_id=master.pk, note=note)
