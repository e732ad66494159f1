"""The grid app's care page (/m/visits/care/): the needs still open in the worker's reach,
each with a "record help" form. With JavaScript the help is queued on the phone and sent to
the API (works without signal); without, it posts here with the same client id."""

import uuid

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from fengqiao.cases import views as case_views
from fengqiao.core.errors import DomainError
from fengqiao.fieldwork import care, care_selectors


def _page(request, *, error=None, status=200):
    needs = care_selectors.needs_active(actor=request.user).order_by("raised_at")[:200]
    return render(
        request,
        "fieldwork/m_care.html",
        {
            "needs": needs,
            "client_id": uuid.uuid4().hex,
            "error": error,
            "tab": "visits",
            "section": "care",
        },
        status=status,
    )


@case_views.staff_required
def needs(request):
    if request.method != "POST":
        return _page(request)
    data = request.POST
    raw = data.get("need", "")
    try:
        care.help_record(
            actor=request.user,
            need_id=int(raw) if raw.isdigit() else 0,
            what=data.get("what", ""),
            cost=data.get("cost", "").strip() or 0,
            client_id=(data.get("client_id") or "").strip()[:64] or None,
        )
    except DomainError as exc:
        return _page(request, error=exc, status=exc.status)
    messages.success(request, _("The help given is recorded."))
    return redirect("fieldwork_m:care")
