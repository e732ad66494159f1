"""Resident portal at /h5/ (phone-first): report a problem, follow my cases, rate the result.

A resident sees only the cases they reported, and of the log only what concerns them: steps and
times, the unit handling it, the result — not staff names or internal notes."""

from __future__ import annotations

import uuid

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

from fengqiao.cases import selectors, steps, views
from fengqiao.cases.attachments import case_attach
from fengqiao.cases.models import Case, Channel, Kind, Level
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


@login_required
def home(request):
    # Only what the list shows (the village's and grid's polygons stay in the database).
    cases = (
        _my_cases(request.user)
        .select_related(None)
        .select_related("category")
        .only(*HOME_FIELDS)[:100]
    )
    context = {"cases": cases, "panels": _portal_panels(request), "tab": "cases"}
    return render(request, "h5/home.html", context)


@login_required
def report(request):
    error, data, status = None, {}, 200
    home_villages = _home_villages(request.user)
    if request.method == "POST":
        data = request.POST
        try:
            case = views.report_from_form(
                actor=request.user,
                data=data,
                channel=Channel.PORTAL,
                villages=home_villages,
                client_id=(data.get("client_id") or "").strip()[:64] or None,
            )
        except DomainError as exc:
            error, status = exc, exc.status
        else:
            photos = request.FILES.getlist("photo")
            if photos:
                try:
                    case_attach(actor=request.user, case_id=case.pk, files=photos)
                except DomainError as exc:
                    messages.error(
                        request,
                        _("The photos were not attached: %(why)s") % {"why": exc.message},
                    )
            messages.success(
                request, _("Thank you. Your report %(code)s is in.") % {"code": case.code}
            )
            return redirect("h5:case", case.code)
    context = {
        "groups": views.grouped_categories(),
        "area": views.map_area(request.user),
        "home_village": home_villages[0] if home_villages else None,
        "client_id": uuid.uuid4().hex,
        "error": error,
        "data": data,
        "tab": "report",
    }
    return render(request, "h5/report.html", context, status=status)


def _home_villages(user) -> list:
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


@login_required
def case(request, code: str):
    return _case_page(request, _my_case_or_404(request.user, code))


@login_required
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
