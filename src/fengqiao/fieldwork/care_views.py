"""Workbench pages of care records (一本记): the records, one record (needs, help given and
its cost, visits, and forms to add help and move a need along), the villages' service lists
and the monthly not-seen list (with its XLSX ledger)."""

from datetime import date

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from fengqiao.cases.views import staff_required
from fengqiao.core.downloads import ledger_response, page_download
from fengqiao.core.errors import DomainError, NotFound, ValidationFailed
from fengqiao.core.http import client_ip
from fengqiao.core.listing import page_of
from fengqiao.core.roles import has_role
from fengqiao.fieldwork import care, care_selectors
from fengqiao.fieldwork.care_ledgers import not_seen_ledger
from fengqiao.fieldwork.models import NeedKind, NeedStatus, RecordStatus

PAGE_SIZE = 50


@staff_required
def records(request):
    filters = {key: request.GET.get(key, "").strip() for key in ("area", "status", "kind")}
    try:
        rows = care_selectors.record_list(actor=request.user, **filters)
    except NotFound as exc:
        raise Http404 from exc
    page, query = page_of(request, rows, PAGE_SIZE)
    return render(
        request,
        "fieldwork/care_list.html",
        {
            "page": page,
            "query": query,
            "filters": filters,
            "kinds": NeedKind.choices,
            "statuses": RecordStatus.choices,
            "section": "care",
        },
    )


def _day_or_none(raw: str) -> date | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ValidationFailed(_("Give the date as YYYY-MM-DD."), field="given_on") from None


def _post(request, record_id: int) -> str:
    """Do the record page's form action; the message to show."""
    data, actor = request.POST, request.user
    action = data.get("action", "")
    need_id = int(data["need"]) if data.get("need", "").isdigit() else 0
    if action == "help":
        care.help_record(
            actor=actor,
            need_id=need_id,
            what=data.get("what", ""),
            given_by_name=data.get("given_by_name", ""),
            unit_name=data.get("unit_name", ""),
            given_on=_day_or_none(data.get("given_on", "")),
            cost=data.get("cost", "").strip() or 0,
        )
        return _("The help given is recorded.")
    if action == "status":
        care.need_set_status(actor=actor, need_id=need_id, status=data.get("status", ""))
        return _("The need's status is changed.")
    if action == "need":
        care.need_raise(
            actor=actor,
            record_id=record_id,
            kind=data.get("kind", ""),
            detail=data.get("detail", ""),
        )
        return _("The need is added.")
    if action == "close":
        care.record_close(actor=actor, record_id=record_id, summary=data.get("summary", ""))
        return _("The care record is closed.")
    raise ValidationFailed(_("Unknown action."), field="action")


@staff_required
def record(request, record_id: int):
    error, status = None, 200
    if request.method == "POST":
        try:
            text = _post(request, record_id)
        except NotFound as exc:
            raise Http404 from exc
        except DomainError as exc:
            error, status = exc, exc.status
        else:
            messages.success(request, text)
            return redirect("fieldwork:care_record", record_id=record_id)
    try:
        row = care_selectors.record_get(actor=request.user, record_id=record_id)
    except NotFound as exc:
        raise Http404 from exc
    return render(
        request,
        "fieldwork/care_record.html",
        {
            "record": row,
            "visits": care_selectors.record_visits(actor=request.user, record=row)[:50],
            "may_edit": has_role(request.user, care.CARE_ROLES),
            "kinds": NeedKind.choices,
            "statuses": NeedStatus.choices,
            "error": error,
            "data": request.POST if error else {},
            "section": "care",
        },
        status=status,
    )


@staff_required
def offers(request):
    error, status = None, 200
    if request.method == "POST":
        data = request.POST
        try:
            if data.get("action") == "deactivate":
                raw = data.get("offer", "")
                care.offer_deactivate(actor=request.user, offer_id=int(raw) if raw.isdigit() else 0)
            else:
                care.offer_save(
                    actor=request.user,
                    region_code=data.get("region_code", ""),
                    name=data.get("name", ""),
                    kind=data.get("kind", ""),
                    provider=data.get("provider", ""),
                    contact_phone=data.get("contact_phone", ""),
                    schedule=data.get("schedule", ""),
                )
        except DomainError as exc:
            error, status = exc, exc.status
        else:
            messages.success(request, _("The service list is saved."))
            return redirect("fieldwork:care_services")
    rows = care_selectors.offer_list(actor=request.user).order_by("region_code", "kind", "name")
    return render(
        request,
        "fieldwork/care_services.html",
        {
            "offers": rows,
            "kinds": NeedKind.choices,
            "may_edit": has_role(request.user, care.OFFER_ROLES),
            "default_village": next(iter(request.user.scope_prefixes() or []), ""),
            "error": error,
            "data": request.POST if error else {},
            "section": "services",
        },
        status=status,
    )


@staff_required
@require_GET
def not_seen(request):
    month, area = request.GET.get("month", "").strip(), request.GET.get("area", "").strip()
    if request.GET.get("format") == "xlsx":
        return page_download(
            request,
            lambda: ledger_response(
                not_seen_ledger(actor=request.user, month=month, area=area, ip=client_ip(request))
            ),
        )
    try:
        period = care_selectors.month_period(month)
        grids = care_selectors.not_seen(actor=request.user, month=month, area=area)
    except NotFound as exc:
        raise Http404 from exc
    except ValidationFailed as exc:
        context = {"status": exc.status, "message": exc.message, "field": exc.field}
        return render(request, "400.html", context, status=exc.status)
    return render(
        request,
        "fieldwork/care_not_seen.html",
        {
            "grids": grids,
            "total": sum(len(g.people) for g in grids),
            "month": period.start.strftime("%Y-%m"),
            "period": period,
            "area": area,
            "section": "not_seen",
        },
    )
