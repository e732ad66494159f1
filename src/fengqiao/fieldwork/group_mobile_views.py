"""The group head's page in the grid app (/m/visits/group/): the broadcasts to the group
(mark read, passed on), the group's households (visit, relay a report) and the form to
confirm a meeting. With JavaScript each write is queued in the phone's outbox and sent
through the API; without, the forms post here."""

import uuid
from datetime import date

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from fengqiao.cases import views as case_views
from fengqiao.core import clock
from fengqiao.core.errors import DomainError, ValidationFailed
from fengqiao.fieldwork import broadcasts, group_duties, groups_selectors


def _int(raw) -> int:
    raw = str(raw or "").strip()
    if not raw.isdigit() or len(raw) > 18:
        raise ValidationFailed(_("Choose one."), field="id")
    return int(raw)


def _post(request, group) -> str:
    data, actor = request.POST, request.user
    action = data.get("action", "")
    client_id = (data.get("client_id") or "").strip()[:64] or None
    if action in ("read", "relayed"):
        broadcasts.receipt_mark(
            actor=actor, receipt_id=_int(data.get("receipt")), relayed=action == "relayed"
        )
        return _("Marked passed on.") if action == "relayed" else _("Marked read.")
    if action == "report":
        case = group_duties.group_report(
            actor=actor,
            group_id=group.pk,
            household_id=_int(data.get("household_id")),
            category=data.get("category", ""),
            title=data.get("title", ""),
            description=data.get("description", ""),
            client_id=client_id,
        )
        return _("Case %(code)s reported.") % {"code": case.code}
    if action == "meeting":
        try:
            held_on = date.fromisoformat(data.get("held_on", ""))
        except ValueError as exc:
            raise ValidationFailed(_("Give a date."), field="held_on") from exc
        group_duties.meeting_record(
            actor=actor,
            group_id=group.pk,
            held_on=held_on,
            topic=data.get("topic", ""),
            attended=[_int(pk) for pk in data.getlist("attended")],
            client_id=client_id,
        )
        return _("The meeting is confirmed.")
    raise ValidationFailed(_("Unknown step."), field="action")


@case_views.staff_required
def group(request):
    led = list(groups_selectors.led_groups(actor=request.user))
    chosen = request.GET.get("group", "") or request.POST.get("group", "")
    current = next((g for g in led if str(g.pk) == chosen), led[0] if led else None)
    error, status = None, 200
    if request.method == "POST" and current is not None:
        try:
            text = _post(request, current)
        except DomainError as exc:
            error, status = exc, exc.status
        else:
            messages.success(request, text)
            return redirect(f"{request.path}?group={current.pk}")
    households = []
    receipts = []
    if current is not None:
        households = current.households.select_related("head", "dwelling").order_by("number")
        receipts = groups_selectors.my_receipts(actor=request.user).filter(group=current)[:20]
    return render(
        request,
        "fieldwork/m_group.html",
        {
            "led": led,
            "group": current,
            "households": households,
            "receipts": receipts,
            "categories": case_views.grouped_categories(),
            "client_id": uuid.uuid4().hex,
            "today": clock.localdate(),
            "error": error,
            "tab": "visits",
        },
        status=status,
    )
