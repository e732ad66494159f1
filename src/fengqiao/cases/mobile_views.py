"""Grid-worker app at /m/ (phone-first): report with GPS and photo (offline-capable), my tasks,
a task page with claim/resolve/verify/reopen, and the service worker that caches the shell."""

from __future__ import annotations

import hashlib
import json
import uuid

from django.contrib import messages
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from fengqiao.cases import selectors, views
from fengqiao.cases.attachments import case_attach
from fengqiao.cases.models import Case, Channel
from fengqiao.core import clock
from fengqiao.core.errors import DomainError
from fengqiao.regions import selectors as region_selectors

# The actions a phone offers; everything else is done on the workbench.
PHONE_ACTIONS = ("claim", "resolve", "verify", "reopen", "return", "note")
# What a grid worker meets most often: one tap instead of a long list.
QUICK_CATEGORIES = (
    "garbage",
    "sanitation",
    "neighbour_dispute",
    "road_damage",
    "streetlight",
    "fire_hazard",
    "security_risk",
    "elderly_care",
)
SW_SOURCE = "fengqiao/sw.js"
SHELL_STATIC = [
    "fengqiao/app.css",
    "fengqiao/cases.css",
    "fengqiao/mobile.js",
    "fengqiao/case_map.js",
    "vendor/leaflet/leaflet.js",
    "vendor/leaflet/leaflet.css",
]


def _task_actions(actor, case: Case):
    return [f for f in views.action_forms(actor, case) if f["action"] in PHONE_ACTIONS]


def _with_actions(actor, cases) -> list[dict]:
    return [
        {"case": c, "actions": [a for a, _label in selectors.case_actions(actor=actor, case=c)]}
        for c in cases
    ]


@views.staff_required
def home(request):
    mine = selectors.case_list(actor=request.user, queue="mine")
    to_verify = selectors.case_list(actor=request.user, queue="to_verify")
    return render(
        request,
        "mobile/home.html",
        {"mine_count": mine.count(), "verify_count": to_verify.count(), "tab": "home"},
    )


@views.staff_required
def report(request):
    """The report form. With JavaScript it is queued on the phone and sent through the API;
    without, it posts here (with the same client id, so a resubmission is harmless)."""
    error, data, status = None, {}, 200
    if request.method == "POST":
        data = request.POST
        client_id = (data.get("client_id") or "").strip()[:64] or None
        try:
            case = views.report_from_form(
                actor=request.user, data=data, channel=Channel.GRID_APP, client_id=client_id
            )
            photos = request.FILES.getlist("photo")
            if photos:
                case_attach(actor=request.user, case_id=case.pk, files=photos)
        except DomainError as exc:
            error, status = exc, exc.status
        else:
            messages.success(request, _("Case %(code)s reported.") % {"code": case.code})
            return redirect("mobile:report")
    groups = views.grouped_categories()
    by_code = {c.code: c for _group, items in groups for c in items}
    context = {
        "groups": groups,
        "quick": [by_code[code] for code in QUICK_CATEGORIES if code in by_code],
        "area": region_selectors.map_area(request.user),
        "client_id": uuid.uuid4().hex,
        "error": error,
        "data": data,
        "tab": "report",
    }
    return render(request, "mobile/report.html", context, status=status)


@views.staff_required
def tasks(request):
    actor = request.user
    mine = selectors.case_list(actor=actor, queue="mine").order_by("due_at")
    to_verify = selectors.case_list(actor=actor, queue="to_verify").order_by("reported_at")
    recent = selectors.case_list(actor=actor).filter(reporter=actor)[:10]
    return render(
        request,
        "mobile/tasks.html",
        {
            "mine": _with_actions(actor, mine[:100]),
            "to_verify": _with_actions(actor, to_verify[:100]),
            "recent": recent,
            "now": clock.now(),
            "tab": "tasks",
        },
    )


def task_page(request, case: Case, *, error=None, failed="", data=None, status=200):
    actor = request.user
    forms = [
        f
        for f in views.action_forms(actor, case, error=error, failed=failed, data=data)
        if f["action"] in PHONE_ACTIONS
    ]
    context = {
        "case": case,
        "forms": forms,
        "error": error,
        "error_shown": any(f["error"] for f in forms),
        "deadline": views.deadline_state(case),
        "timeline": views.timeline_rows(case),
        "attachments": case.attachments.all(),
        "next": reverse("mobile:task", args=[case.code]),
        "tab": "tasks",
    }
    return render(request, "mobile/task.html", context, status=status)


@views.staff_required
def task(request, code: str):
    return task_page(request, views.case_or_404(request.user, code))


def _sw_source() -> str:
    path = finders.find(SW_SOURCE)
    if path:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    if staticfiles_storage.exists(SW_SOURCE):
        with staticfiles_storage.open(SW_SOURCE) as handle:
            return handle.read().decode("utf-8")
    raise Http404


@never_cache
def service_worker(request):
    """The service worker for /m/: the static file, told which URLs make up the app shell.

    Served from /m/ (with Service-Worker-Allowed) so its scope covers the app's pages."""
    shell = [reverse("mobile:home"), reverse("mobile:report"), reverse("mobile:tasks")]
    shell += [static(name) for name in SHELL_STATIC]
    source = _sw_source()
    version = hashlib.sha256((source + json.dumps(shell)).encode()).hexdigest()[:12]
    body = (
        f"/* generated by /m/sw.js */\n"
        f"self.FQ_SHELL = {json.dumps(shell)};\n"
        f"self.FQ_VERSION = {json.dumps(version)};\n"
        f"self.FQ_OFFLINE = {json.dumps(reverse('mobile:report'))};\n{source}"
    )
    response = HttpResponse(body, content_type="application/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = reverse("mobile:home")
    return response
