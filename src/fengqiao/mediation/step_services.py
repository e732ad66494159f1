"""The step services of the dispute and petition tables (workflow.py): what `cases.steps.perform`
calls, `f(*, actor, case_id, **arguments) -> Case`.

Each is the mediation service that takes the step, called with the case id under the name that
service gives it (a dispute's and a petition's id is their case's) or, for an answer to a
referral, with the referral the step's form resolved; it returns the case after the step.
"""

from collections.abc import Callable

from fengqiao.cases.models import Case
from fengqiao.mediation import followups, petitions, referrals, services, sessions


def _takes(service: Callable, id_name: str | None) -> Callable[..., Case]:
    def step_service(*, actor, case_id: int, **arguments) -> Case:
        if id_name is not None:
            arguments[id_name] = case_id
        service(actor=actor, **arguments)
        return Case.objects.get(pk=case_id)

    step_service.__name__ = service.__name__
    step_service.__doc__ = service.__doc__
    return step_service


def _on_dispute(service: Callable) -> Callable[..., Case]:
    return _takes(service, "dispute_id")


def _on_petition(service: Callable) -> Callable[..., Case]:
    return _takes(service, "petition_id")


def _by_form(service: Callable) -> Callable[..., Case]:
    """A service that reaches the dispute through the row its form resolved."""
    return _takes(service, None)


dispute_accept = _on_dispute(services.dispute_accept)
dispute_assign = _on_dispute(services.dispute_assign)
dispute_party_add = _on_dispute(services.dispute_party_add)
session_plan = _on_dispute(sessions.session_plan)
session_record = _on_dispute(sessions.session_record)
dispute_conclude = _on_dispute(services.dispute_conclude)
dispute_refer = _on_dispute(referrals.dispute_refer)
confirmation_request = _on_dispute(referrals.confirmation_request)
referral_accept = _by_form(referrals.referral_accept)
referral_decline = _by_form(referrals.referral_decline)
referral_return = _by_form(referrals.referral_return)
follow_up_record = _by_form(followups.follow_up_record)

petition_acknowledge = _on_petition(petitions.petition_acknowledge)
petition_reply = _on_petition(petitions.petition_reply)
petition_extend = _on_petition(petitions.petition_extend)
petition_link_dispute = _on_petition(petitions.petition_link_dispute)
