"""Helpers the mediation pages share: step labels, the timeline, action forms and look-ups."""

from __future__ import annotations

from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext_lazy

from fengqiao.cases import selectors as case_selectors
from fengqiao.cases import steps, workflow
from fengqiao.cases import views as case_views
from fengqiao.cases.models import Case, Kind
from fengqiao.core.errors import DomainError
from fengqiao.mediation import selectors
from fengqiao.mediation.models import Dispute, Petition

# Every step a dispute or a petition may show in its log.
ACTION_LABELS = {
    **case_views.ACTION_LABELS,
    **{action: s.label for (_status, action), s in workflow.table_for(Kind.DISPUTE).items()},
    **{action: s.label for (_status, action), s in workflow.table_for(Kind.PETITION).items()},
}
# The order forms are drawn in: the next step of the flow first, moving back or out last.
FORM_ORDER = [
    "accept_mediation",
    "acknowledge",
    "claim",
    "referral_accept",
    "confirmation_accept",
    "session",
    "session_plan",
    "conclude",
    "reply",
    "referral_settled",
    "confirmation_result",
    "follow_up",
    "agreement_signed",
    "verify",
    "rate",
    "close",
    "assign",
    "dispatch",
    "refer",
    "confirmation_request",
    "extend_reply",
    "link_dispute",
    "request_extension",
    "approve_extension",
    "note",
]
# Forms with many inputs span two columns of the actions grid.
WIDE_ACTIONS = frozenset({"assign", "session", "conclude"})
# The sections of the mediation workbench, in the order of its sub-navigation.
SECTIONS = [
    ("disputes", "mediation:disputes", gettext_lazy("Disputes")),
    ("calendar", "mediation:calendar", gettext_lazy("Sessions")),
    ("agreements", "mediation:agreements", gettext_lazy("Agreements")),
    ("follow_ups", "mediation:follow_ups", gettext_lazy("Follow-ups")),
    ("referrals", "mediation:referrals", gettext_lazy("Referrals")),
    ("screening", "mediation:screening", gettext_lazy("Screening")),
    ("committees", "mediation:committees", gettext_lazy("Committees")),
    ("metrics", "mediation:metrics", gettext_lazy("Figures")),
    ("petitions", "mediation:petitions", gettext_lazy("Petitions")),
]


def section(name: str) -> dict:
    return {"sections": SECTIONS, "section": name}


def timeline(case: Case) -> list[dict]:
    """The case log as the cases page shows it, with the kind's own step names."""
    rows = case_views.timeline_rows(case)
    for row in rows:
        row["label"] = str(ACTION_LABELS.get(row["event"].action, row["event"].action))
    return rows


def dispute_or_404(actor, code: str) -> Dispute:
    dispute = selectors.dispute_list(actor=actor).filter(case__code=code).first()
    if dispute is None:
        raise Http404
    return dispute


def petition_or_404(actor, code: str) -> Petition:
    petition = selectors.petition_list(actor=actor).filter(case__code=code).first()
    if petition is None:
        raise Http404
    return petition


def step_forms(
    actor,
    case: Case,
    url_name: str,
    *,
    error: DomainError | None = None,
    failed: str = "",
    data=None,
) -> list[dict]:
    """One form per step the actor may take now, drawn by cases/_step_form.html from the
    step's form in the table (cases.steps.page_form) or, for a step without one (a file
    upload), from its own template; each posts to `url_name` and shows the error of its last
    refused post. The next step of the flow comes first, moving back or out last."""
    table = workflow.table_for(case.kind)
    forms = []
    for action, label in case_selectors.case_actions(actor=actor, case=case):
        if steps.takes_form(case, action):
            form = steps.page_form(
                actor=actor,
                case=case,
                action=action,
                label=ACTION_LABELS.get(action, label),
                error=error,
                failed=failed,
                data=data,
            )
        elif table[case.status, action].template:
            own_error = error if action == failed else None
            form = {
                "action": action,
                "label": ACTION_LABELS.get(action, label),
                "fields": [],
                "caution": table[case.status, action].caution,
                "photos": False,
                "template": table[case.status, action].template,
                "error": own_error,
                "error_at": getattr(own_error, "field", None),
            }
        else:
            continue
        # An error about something the form does not ask for is shown under the form.
        if form["error_at"] not in {field["name"] for field in form["fields"]}:
            form["error_at"] = None
        form["url"] = reverse(url_name, args=[case.code, action])
        form["wide"] = action in WIDE_ACTIONS
        forms.append(form)
    rank = {action: n for n, action in enumerate(FORM_ORDER)}
    return sorted(forms, key=lambda f: (f["caution"], rank.get(f["action"], len(rank))))
