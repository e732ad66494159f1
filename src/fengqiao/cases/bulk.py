"""Bulk steps from the queue page: one step on many selected cases, each row taken through
`cases.steps.perform` on its own (its own transaction and event) and reported ok or refused."""

from typing import Any

from django.utils.translation import gettext_lazy as _

from fengqiao.cases import routing, selectors, steps
from fengqiao.core.errors import DomainError, NotFound, ValidationFailed

# The steps a list page may take on selected rows (each page offers its own: the case queue
# the first three, the dispute list "assign", a step of the dispute kind's table); a row whose
# state or role refuses the step is reported refused with the reason, the others go ahead.
BULK_ACTIONS = {
    "accept": _("Accept"),
    "dispatch": _("Dispatch"),
    "accept_dispatch": _("Accept and dispatch"),
    "assign": _("Assign a mediator"),
}
CASE_QUEUE_ACTIONS = ("accept", "dispatch", "accept_dispatch")
# Steps that send a case to a unit: without a unit chosen, each case goes to its suggested one.
SENDS = frozenset({"dispatch", "accept_dispatch"})
MAX_ROWS = 200


def bulk_codes(data) -> list[str]:
    """The selected case codes of a posted form, in order, each once."""
    codes = [c.strip() for c in data.getlist("codes") if c and c.strip()]
    codes = list(dict.fromkeys(codes))
    if not codes:
        raise ValidationFailed(_("Select at least one case."), field="codes")
    if len(codes) > MAX_ROWS:
        raise ValidationFailed(
            _("Select at most %(n)s cases at a time.") % {"n": MAX_ROWS}, field="codes"
        )
    return codes


def _row_data(actor, case, action: str, data) -> dict:
    """The step's input for one row: the posted fields, with the case's suggested unit when
    a send step was given none."""
    values = {
        key: data.get(key)
        for key in data
        if key not in ("codes", "action", "next") and data.get(key) not in (None, "")
    }
    if action in SENDS and not values.get("unit_id"):
        suggested = routing.suggested_unit(actor=actor, case=case)
        if suggested is not None:
            values["unit_id"] = suggested.pk
    return values


def bulk_perform(*, actor, action: str, data) -> list[dict]:
    """Take `action` on every selected case; one result per row: code, case (None when not
    visible), ok, and the reason of a refusal."""
    if action not in BULK_ACTIONS:
        raise ValidationFailed(_("Choose a step to take."), field="action")
    results: list[dict[str, Any]] = []
    for code in bulk_codes(data):
        try:
            case = selectors.case_get(actor=actor, code=code)
        except NotFound:
            reason = _("Not found in your jurisdiction.")
            results.append({"code": code, "case": None, "ok": False, "reason": reason})
            continue
        try:
            case = steps.perform(
                actor=actor, case=case, action=action, data=_row_data(actor, case, action, data)
            )
        except DomainError as exc:
            results.append({"code": code, "case": case, "ok": False, "reason": exc.message})
        else:
            results.append({"code": code, "case": case, "ok": True, "reason": ""})
    return results
