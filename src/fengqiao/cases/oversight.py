"""Leaders act on a case: 督办 (supervise: a deadline and an instruction) and 批示 (a written
comment). Both are steps of the transition table that leave the status as it is; each is one
event in the case log and one inbox entry for whoever handles the case now. What the case
page shows (the supervision in force, the comments) is read back from the log.
"""

from datetime import date

from django.utils.translation import gettext_lazy as _

from fengqiao.cases import notify
from fengqiao.cases.models import Case
from fengqiao.cases.transitions import transition
from fengqiao.core import clock
from fengqiao.core.errors import ValidationFailed

MAX_DAYS = 366  # a supervision deadline lies within a year


def _tell_handlers(case: Case, *, kind: str, message: str) -> None:
    notify.notify(case, notify.handlers(case), kind=kind, message=f"{case.code} {message}")


def case_supervise(*, actor, case_id: int, deadline: date, instruction: str) -> Case:
    """督办: the case must be done by `deadline` (a day, today or later), with an instruction."""
    today = clock.localdate()
    if not isinstance(deadline, date) or deadline < today:
        raise ValidationFailed(_("Give a deadline from today on."), field="deadline")
    if (deadline - today).days > MAX_DAYS:
        raise ValidationFailed(_("Give a deadline within a year."), field="deadline")
    if not instruction.strip():
        raise ValidationFailed(_("Write the instruction."), field="instruction")
    case = transition(
        actor=actor,
        case_id=case_id,
        action="supervise",
        note=instruction,
        data={"deadline": deadline.isoformat()},
    )
    _tell_handlers(
        case,
        kind="supervise",
        message=str(_("supervised, due %(day)s: %(text)s"))
        % {"day": deadline.isoformat(), "text": instruction},
    )
    return case


def case_instruct(*, actor, case_id: int, instruction: str) -> Case:
    """批示: a leader's written comment on the case."""
    if not instruction.strip():
        raise ValidationFailed(_("Write the instruction."), field="instruction")
    case = transition(actor=actor, case_id=case_id, action="instruct", note=instruction)
    _tell_handlers(
        case,
        kind="instruct",
        message=str(_("leader's instruction: %(text)s")) % {"text": instruction},
    )
    return case


def case_oversight(case: Case) -> dict:
    """The supervision in force (the latest, with its deadline and whether it has passed on an
    open case) and the leaders' instructions, newest first, from the case log."""
    events = list(
        case.events.filter(action__in=["supervise", "instruct"])
        .select_related("actor")
        .order_by("-seq")
    )
    latest = next((e for e in events if e.action == "supervise"), None)
    supervision = None
    if latest is not None:
        deadline = date.fromisoformat(latest.data["deadline"])
        supervision = {
            "deadline": deadline,
            "instruction": latest.note,
            "by": latest.actor.label if latest.actor is not None else latest.actor_label,
            "at": latest.at,
            "overdue": case.is_open and deadline < clock.localdate(),
        }
    return {
        "supervision": supervision,
        "instructions": [e for e in events if e.action == "instruct"],
    }
