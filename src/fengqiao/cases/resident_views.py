"""Resident portal at /h5/ (phone-first): follow my cases, rate the result (reporting and
"me too" are in cases.resident_report).

A resident sees only the cases they reported, and of the log only what concerns them: steps and
times, the unit handling it, the result — not staff names or internal notes."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.module_loading import import_string
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from fengqiao.cases import metoo, selectors, steps, views
from fengqiao.cases.models import Case, Kind, Level
from fengqiao.core.errors import DomainError

# What a resident reads for each step of the log; steps not listed (internal notes,
# extension requests) are not shown.
RESIDENT_STEPS = {
    "report": gettext_lazy("You reported the problem"),
    "accept": gettext_lazy("Accepted by the centre"),
    "reject": gettext_lazy("Not taken up"),
    "merge": gettext_lazy("Joined with an earlier report of the same problem"),
    "dispatch": gettext_lazy("Sent to a department"),
    "accept_dispatch": gettext_lazy("Accepted and sent to a department"),
    "transfer": gettext_lazy("Passed to another department"),
    "claim": gettext_lazy("The department took it on"),
    "return": gettext_lazy("Being sent to the right department"),
    "escalate": gettext_lazy("Passed to a higher level"),
    "approve_extension": gettext_lazy("More time granted"),
    "resolve": gettext_lazy("Handled"),
    "verify": gettext_lazy("Checked on the spot"),
    "reopen": gettext_lazy("Reopened for more work"),
    "rate": gettext_lazy("You rated the service"),
    "close": gettext_lazy("Case closed"),
}
# Residents sign in with their phone (accounts.resident_views).
SIGN_IN = "h5_signin:signin"
# The fields of a case the portal home lists.
HOME_FIELDS = (
    "code",
    "status",
    "rating",
    "title",
    "reported_at",
    "category__name",
    "category__name_en",
)
# Steps whose note the resident may read (what was done, why it was not taken up).
PUBLIC_NOTES = frozenset({"resolve", "reject"})


def resident_timeline(case: Case) -> list[dict]:
    rows = []
    for event in selectors.case_timeline(case=case):
        label = RESIDENT_STEPS.get(event.action)
        if label is None:
            continue
        detail = ""
        if event.action in ("dispatch", "transfer", "accept_dispatch"):
            detail = (event.data or {}).get("unit") or ""
        elif event.action == "escalate" and event.to_level:
            detail = str(Level(event.to_level).label)
        elif event.action == "rate":
            detail = "★" * int((event.data or {}).get("rating") or 0)
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


def _my_cases(user):
    # Disputes and petitions have their own pages (the kind's app links them from /h5/).
    return selectors.case_list(actor=user).filter(reporter=user, kind=Kind.GENERAL)


def _my_case_or_404(user, code: str) -> Case:
    case = views.case_or_404(user, code)
    if case.reporter_id != user.pk:
        raise Http404
    return case


def _portal_panels(request) -> list[str]:
    """HTML of the panels other apps put on the portal home (settings.FENGQIAO_PORTAL_PANELS:
    callables taking the request), e.g. the village's latest notices."""
    return [
        mark_safe(import_string(path)(request))  # noqa: S308 - each renders its own template
        for path in getattr(settings, "FENGQIAO_PORTAL_PANELS", [])
    ]


@login_required(login_url=SIGN_IN)
def home(request):
    # Only what the list shows (the village's and grid's polygons stay in the database).
    cases = (
        _my_cases(request.user)
        .select_related(None)
        .select_related("category")
        .only(*HOME_FIELDS)[:100]
    )
    context = {
        "cases": cases,
        "followed": metoo.followed_cases(actor=request.user).select_related("category")[:100],
        "panels": _portal_panels(request),
        "tab": "cases",
    }
    return render(request, "h5/home.html", context)


def home_villages(user) -> list:
    """The resident's own village: a report without a point is placed there."""
    person = getattr(user, "person", None)
    if person is not None and person.dwelling_id:
        return [person.dwelling.village]
    return []


def _case_page(request, case: Case, *, error=None, status=200):
    may_rate = case.rating is None and any(
        action == "rate" for action, _label in selectors.case_actions(actor=request.user, case=case)
    )
    context = {
        "case": case,
        "steps": resident_timeline(case),
        "may_rate": may_rate,
        "error": error,
        "attachments": case.attachments.all(),
        "tab": "cases",
    }
    return render(request, "h5/case.html", context, status=status)


@login_required(login_url=SIGN_IN)
def case(request, code: str):
    return _case_page(request, _my_case_or_404(request.user, code))


@login_required(login_url=SIGN_IN)
@require_POST
def rate(request, code: str):
    case = _my_case_or_404(request.user, code)
    try:
        steps.perform(actor=request.user, case=case, action="rate", data=request.POST)
    except DomainError as exc:
        case.refresh_from_db()
        return _case_page(request, case, error=exc, status=exc.status)
    messages.success(request, _("Thank you for your rating."))
    return redirect("h5:case", case.code)
