"""Resident portal for mediation at /h5/mediation/ (phone-first): apply for mediation, follow
my applications. A resident sees steps, session dates and places and the outcome — not staff
names, notes or session records."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fengqiao.cases import selectors as case_selectors
from fengqiao.cases.models import Status
from fengqiao.core.errors import DomainError
from fengqiao.mediation import agreements, forms, selectors, services
from fengqiao.mediation.models import Dispute, DisputeParty, DisputeType, Outcome, Source
from fengqiao.regions import selectors as region_selectors

# The stages a resident follows, and the case statuses in each.
STAGES = [
    (gettext_lazy("Applied"), {Status.REPORTED}),
    (gettext_lazy("Accepted"), {Status.ACCEPTED}),
    (gettext_lazy("Mediator assigned"), {Status.DISPATCHED}),
    (gettext_lazy("In mediation"), {Status.CLAIMED}),
    (gettext_lazy("Concluded"), {Status.RESOLVED, Status.VERIFIED, Status.CLOSED}),
]
# What a resident reads for each step of the log; steps not listed are not shown.
RESIDENT_STEPS = {
    "report": gettext_lazy("You applied for mediation"),
    "accept_mediation": gettext_lazy("Accepted for mediation"),
    "reject": gettext_lazy("Not taken up"),
    "assign": gettext_lazy("Given to a mediation committee"),
    "claim": gettext_lazy("The mediator took it on"),
    "session_plan": gettext_lazy("A mediation session was planned"),
    "session": gettext_lazy("A mediation session was held"),
    "conclude": gettext_lazy("Mediation concluded"),
    "refer": gettext_lazy("Passed to another body"),
    "referral_settled": gettext_lazy("Settled there"),
    "referral_back": gettext_lazy("Came back for mediation"),
    "referral_decline": gettext_lazy("Came back for mediation"),
    "escalate": gettext_lazy("Passed to a higher level"),
    "follow_up": gettext_lazy("Follow-up visit"),
    "relapse": gettext_lazy("Reopened after the follow-up visit"),
    "verify": gettext_lazy("Checked"),
    "close": gettext_lazy("Closed"),
}
# Steps whose note the resident may read (why it was not taken up).
PUBLIC_NOTES = frozenset({"reject"})


def _my_disputes(user):
    return selectors.dispute_list(actor=user).filter(case__reporter=user)


def _my_dispute_or_404(user, code: str) -> Dispute:
    found = _my_disputes(user).filter(case__code=code).first()
    if found is None:
        raise Http404
    return found


def _steps(dispute: Dispute) -> list[dict]:
    rows = []
    for event in case_selectors.case_timeline(case=dispute.case):
        label = RESIDENT_STEPS.get(event.action)
        if label is None:
            continue
        data = event.data or {}
        detail = ""
        if event.action == "assign":
            detail = data.get("committee_name", "")
        elif event.action == "refer":
            detail = data.get("to_unit_name", "")
        elif event.action == "conclude" and data.get("outcome") in Outcome.values:
            detail = str(Outcome(data["outcome"]).label)
        rows.append(
            {
                "label": str(label),
                "at": event.at,
                "detail": detail,
                "note": event.note if event.action in PUBLIC_NOTES else "",
                "action": event.action,
            }
        )
    return rows


def _home_villages(user) -> list:
    """The resident's own village: an application without a point is placed there."""
    person = getattr(user, "person", None)
    return [person.dwelling.village] if person is not None and person.dwelling_id else []


def _stage(case) -> int:
    """The index of the stage the case is in; -1 when it was not taken up."""
    return next((i for i, (_label, states) in enumerate(STAGES) if case.status in states), -1)


@login_required
def home(request):
    disputes = _my_disputes(request.user)[:100]
    return render(request, "mediation/resident/home.html", {"disputes": disputes, "tab": ""})


@login_required
def apply(request):
    """Apply for mediation: what happened, with whom, where."""
    error, data, status = None, {}, 200
    villages = _home_villages(request.user)
    if request.method == "POST":
        data = request.POST
        try:
            dispute_type = forms.text(data, "dispute_type")
            title = forms.text(data, "title") or agreements.TYPE_NAMES.get(dispute_type, "")
            other = services.PartyIn(
                side=DisputeParty.Side.RESPONDENT,
                name=forms.text(data, "other_name"),
                phone=forms.text(data, "other_phone"),
            )
            dispute = services.dispute_register(
                actor=request.user,
                dispute_type=dispute_type,
                title=title,
                source=Source.APPLICATION,
                parties=[other],
                description=forms.text(data, "description"),
                client_id=forms.text(data, "client_id")[:64] or None,
                **forms.place(data, villages),
            )
        except DomainError as exc:
            error, status = exc, exc.status
        else:
            messages.success(
                request,
                _("Your application %(code)s is in; the centre will call you.")
                % {"code": dispute.case.code},
            )
            return redirect("resident_mediation:dispute", dispute.case.code)
    context = {
        "types": DisputeType.choices,
        "area": region_selectors.map_area(request.user),
        "home_village": villages[0] if villages else None,
        "client_id": uuid.uuid4().hex,
        "error": error,
        "data": data,
        "tab": "",
    }
    return render(request, "mediation/resident/apply.html", context, status=status)


@login_required
def dispute_page(request, code: str):
    dispute = _my_dispute_or_404(request.user, code)
    stage = _stage(dispute.case)
    context = {
        "dispute": dispute,
        "case": dispute.case,
        "stages": [
            {"label": label, "done": 0 <= i < stage, "current": i == stage}
            for i, (label, _states) in enumerate(STAGES)
        ],
        "rejected": stage == -1,
        "sessions": dispute.sessions.all(),
        "steps": _steps(dispute),
        "tab": "",
    }
    return render(request, "mediation/resident/dispute.html", context)
