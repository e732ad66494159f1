"""The steps disputes and petitions add to the case transition table (and the general ones
they withdraw), with the guards that say who may take them and the service and input form
that take each (step_services.py, step_forms.py) for cases.steps.perform."""

from django.utils.translation import gettext_lazy as _

from fengqiao.cases.models import RESOLVED_STATUSES, Case, Kind, Status
from fengqiao.cases.workflow import CENTRE, HANDLERS, Step, register_kind_steps
from fengqiao.core.roles import Role
from fengqiao.core.scoping import code_within

MEDIATION_DESK = CENTRE | {Role.MEDIATOR}
FOLLOWERS = MEDIATION_DESK | {Role.GRID_WORKER, Role.LEGAL_ADVISOR}
RECEIVERS = HANDLERS | CENTRE
SETTLED = RESOLVED_STATUSES


def referral_target(actor, case: Case) -> bool:
    """A member of the unit an open referral of this dispute went to."""
    from fengqiao.mediation.models import Referral

    return Referral.objects.filter(
        dispute_id=case.pk,
        state__in=[Referral.State.PENDING, Referral.State.ACCEPTED],
        to_unit__members=actor,
    ).exists()


def dispute_desk(actor, case: Case) -> bool:
    """The mediator the dispute is with or was with, or staff of its jurisdiction."""
    from fengqiao.mediation.models import Dispute

    if case.assignee_id == actor.pk or code_within(actor, case.region_code):
        return True
    return Dispute.objects.filter(pk=case.pk, mediator__user=actor).exists()


def mediator_returns(actor, case: Case) -> bool:
    """The mediator (or committee) a dispute was assigned to may take it or hand it back; a
    unit that received it by referral answers the referral instead."""
    if referral_target(actor, case):
        return False
    if case.assignee_id is not None:
        return case.assignee_id == actor.pk
    return case.unit is not None and case.unit.members.filter(pk=actor.pk).exists()


STEP_SERVICES = "fengqiao.mediation.step_services."
STEP_FORMS = "fengqiao.mediation.step_forms."


def _does(service: str, form: str, **extra) -> dict:
    """The step's service (step_services.py) and input form (step_forms.py)."""
    return {"service": STEP_SERVICES + service, "form": STEP_FORMS + form, **extra}


# Escalating a report that is not yet accepted hands it to the level above as a report:
# acceptance there still needs consent (disputes) or acknowledgement (petitions). Steps that
# only change who may take a general step (escalate, claim, return) keep its service and form.
ESCALATE_REPORT = Step(Status.REPORTED, CENTRE, _("Escalate"), system=True, caution=True)

DISPUTE_STEPS: dict[tuple[str, str], Step | None] = {
    (Status.REPORTED, "escalate"): ESCALATE_REPORT,
    # Mediation needs the parties' consent, and goes to a mediator, not a department.
    (Status.REPORTED, "accept"): None,
    (Status.REPORTED, "accept_mediation"): Step(
        Status.ACCEPTED,
        MEDIATION_DESK,
        _("Accept for mediation"),
        **_does("dispute_accept", "AcceptMediationForm"),
    ),
    (Status.ACCEPTED, "dispatch"): None,
    (Status.DISPATCHED, "transfer"): None,
    # While a referral is open the receiving unit answers it (referral_accept), not claim.
    (Status.DISPATCHED, "claim"): Step(
        Status.CLAIMED, HANDLERS, _("Claim"), guard=mediator_returns
    ),
    (Status.DISPATCHED, "return"): Step(
        Status.ACCEPTED,
        HANDLERS,
        _("Return (wrong assignment)"),
        guard=mediator_returns,
        caution=True,
    ),
    (Status.CLAIMED, "transfer"): None,
    **{
        (status, "assign"): Step(
            Status.DISPATCHED,
            MEDIATION_DESK,
            _("Assign a mediator"),
            **_does("dispute_assign", "AssignForm", template="mediation/steps/assign.html"),
        )
        for status in (Status.ACCEPTED, Status.DISPATCHED, Status.CLAIMED)
    },
    (Status.CLAIMED, "resolve"): None,
    **{
        (status, "party_add"): Step(
            None,
            MEDIATION_DESK | HANDLERS,
            _("Add a party"),
            guard=dispute_desk,
            **_does("dispute_party_add", "PartyAddForm"),
        )
        for status in (Status.REPORTED, Status.ACCEPTED, Status.DISPATCHED, Status.CLAIMED)
    },
    (Status.CLAIMED, "session"): Step(
        None,
        HANDLERS,
        _("Record a mediation session"),
        assignee_only=True,
        **_does("session_record", "SessionRecordForm"),
    ),
    (Status.CLAIMED, "session_plan"): Step(
        None,
        HANDLERS,
        _("Plan a mediation session"),
        assignee_only=True,
        **_does("session_plan", "SessionPlanForm"),
    ),
    (Status.CLAIMED, "conclude"): Step(
        Status.RESOLVED,
        HANDLERS,
        _("Conclude the mediation"),
        assignee_only=True,
        **_does("dispute_conclude", "ConcludeForm"),
    ),
    (Status.CLAIMED, "refer"): Step(
        Status.DISPATCHED,
        HANDLERS,
        _("Refer to another way"),
        assignee_only=True,
        caution=True,
        **_does("dispute_refer", "ReferForm"),
    ),
    (Status.DISPATCHED, "referral_accept"): Step(
        Status.CLAIMED,
        RECEIVERS,
        _("Accept the referral"),
        guard=referral_target,
        **_does("referral_accept", "ReferralAcceptForm"),
    ),
    (Status.DISPATCHED, "referral_decline"): Step(
        Status.CLAIMED,
        RECEIVERS,
        _("Decline the referral"),
        guard=referral_target,
        caution=True,
        **_does("referral_decline", "ReferralDeclineForm"),
    ),
    (Status.CLAIMED, "referral_settled"): Step(
        Status.RESOLVED,
        RECEIVERS,
        _("Return the result: settled"),
        guard=referral_target,
        **_does("referral_return", "ReferralSettledForm"),
    ),
    (Status.CLAIMED, "referral_back"): Step(
        Status.CLAIMED,
        RECEIVERS,
        _("Return the result: not settled"),
        guard=referral_target,
        caution=True,
        **_does("referral_return", "ReferralBackForm"),
    ),
    **{
        (status, action): Step(None, roles, label, guard=guard, **does)
        for status in SETTLED
        for action, roles, label, guard, does in (
            # A scan is a file, not a step form's input: its own endpoint and page form.
            (
                "agreement_signed",
                MEDIATION_DESK,
                _("Upload the signed agreement"),
                dispute_desk,
                {"template": "mediation/steps/agreement_signed.html"},
            ),
            (
                "confirmation_request",
                MEDIATION_DESK,
                _("Request judicial confirmation"),
                dispute_desk,
                _does("confirmation_request", "ConfirmationRequestForm"),
            ),
            (
                "confirmation_accept",
                RECEIVERS,
                _("Accept the confirmation request"),
                referral_target,
                _does("referral_accept", "ConfirmationAcceptForm"),
            ),
            (
                "confirmation_result",
                RECEIVERS,
                _("Return the confirmation ruling"),
                referral_target,
                _does("referral_return", "ConfirmationResultForm"),
            ),
            (
                "follow_up",
                FOLLOWERS,
                _("Record a follow-up visit"),
                dispute_desk,
                _does("follow_up_record", "FollowUpForm"),
            ),
        )
    },
    # Taken by the follow-up visit that finds the dispute relapsed (follow_up), not alone.
    **{
        (status, "relapse"): Step(
            Status.DISPATCHED, FOLLOWERS, _("Relapsed: reopen"), guard=dispute_desk, caution=True
        )
        for status in SETTLED
    },
}

PETITION_STEPS: dict[tuple[str, str], Step | None] = {
    (Status.REPORTED, "escalate"): ESCALATE_REPORT,
    (Status.REPORTED, "accept"): None,
    (Status.REPORTED, "reject"): None,
    (Status.REPORTED, "acknowledge"): Step(
        Status.ACCEPTED,
        CENTRE,
        _("Acknowledge and accept the petition"),
        **_does("petition_acknowledge", "AcknowledgeForm"),
    ),
    (Status.REPORTED, "not_accept"): Step(
        Status.REJECTED,
        CENTRE,
        _("Acknowledge: not accepted"),
        caution=True,
        **_does("petition_acknowledge", "NotAcceptForm"),
    ),
    (Status.CLAIMED, "resolve"): None,
    (Status.CLAIMED, "request_extension"): None,
    (Status.CLAIMED, "approve_extension"): None,
    (Status.CLAIMED, "reply"): Step(
        Status.RESOLVED,
        HANDLERS,
        _("Reply to the petitioner"),
        assignee_only=True,
        **_does("petition_reply", "ReplyForm"),
    ),
    **{
        (status, action): Step(None, CENTRE, label, **does)
        for status in (Status.ACCEPTED, Status.DISPATCHED, Status.CLAIMED)
        for action, label, does in (
            (
                "extend_reply",
                _("Extend the reply limit"),
                _does("petition_extend", "ExtendReplyForm"),
            ),
            (
                "link_dispute",
                _("Link a dispute"),
                _does("petition_link_dispute", "LinkDisputeForm"),
            ),
        )
    },
}


def register() -> None:
    register_kind_steps(
        Kind.DISPUTE,
        DISPUTE_STEPS,
        page="mediation:dispute",
        upgrade=("disputes", "mediation:dispute_new"),
    )
    register_kind_steps(Kind.PETITION, PETITION_STEPS, page="mediation:petition")
