"""The grid app's fieldwork pages (/m/visits/): the visits due, nearest first, and the visit
form with its photos. With JavaScript the form is queued on the phone (photos too) and sent
through the API (works without signal); without, it posts here with the same client id."""

import uuid

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from fengqiao.cases import views as case_views
from fengqiao.core.errors import DomainError, NotFound, ValidationFailed
from fengqiao.fieldwork import selectors, services
from fengqiao.fieldwork.models import NeedKind, Purpose, Target
from fengqiao.registry.models import Person


def _near(request) -> tuple[float, float] | None:
    try:
        lat, lng = (
            case_views.float_or_none(request.GET.get("lat", ""), "lat"),
            case_views.float_or_none(request.GET.get("lng", ""), "lng"),
        )
    except ValidationFailed:
        return None
    if lat is None or lng is None or not (-90 <= lat <= 90 and -180 <= lng <= 180):
        return None
    return lat, lng


@case_views.staff_required
def due(request):
    items = selectors.visits_due(actor=request.user, near=_near(request))
    return render(
        request,
        "fieldwork/m_due.html",
        {"items": items, "overdue": sum(1 for i in items if i.overdue), "tab": "visits"},
    )


def _form_context(request, target: str, row, *, error=None, data=None) -> dict:
    people = []
    if target == Target.HOUSEHOLD:
        people = Person.objects.visible_to(request.user).filter(household=row).order_by("pk")
    elif target == Target.DWELLING:
        people = Person.objects.visible_to(request.user).filter(dwelling=row).order_by("pk")
    return {
        "target": target,
        "row": row,
        "label": services.target_label(target, row),
        "people": people,
        "purposes": Purpose.choices,
        "groups": case_views.grouped_categories(),
        "need_kinds": NeedKind.choices if target == Target.HOUSEHOLD else [],
        "client_id": uuid.uuid4().hex,
        "error": error,
        "data": data or {},
        "tab": "visits",
    }


@case_views.staff_required
def record(request, target: str, target_id: int):
    if target not in Target.values:
        raise Http404
    try:
        row = services.target_row(request.user, target, target_id)
    except NotFound as exc:
        raise Http404 from exc
    if request.method != "POST":
        return render(request, "fieldwork/m_visit.html", _form_context(request, target, row))
    data = request.POST
    try:
        category = data.get("case_category", "").strip()
        need_kind = data.get("need_kind", "").strip()
        visit = services.visit_record(
            actor=request.user,
            target=target,
            target_id=row.pk,
            purpose=data.get("purpose", ""),
            findings=data.get("findings", ""),
            people=[int(pk) for pk in data.getlist("people") if pk.isdigit()],
            lat=case_views.float_or_none(data.get("lat", ""), "lat"),
            lng=case_views.float_or_none(data.get("lng", ""), "lng"),
            client_id=(data.get("client_id") or "").strip()[:64] or None,
            raise_case=(
                services.RaiseCase(category=category, title=data.get("case_title", ""))
                if category
                else None
            ),
            raise_need=(
                services.RaiseNeed(kind=need_kind, detail=data.get("need_detail", ""))
                if need_kind
                else None
            ),
            photos=request.FILES.getlist("photos"),
        )
    except DomainError as exc:
        context = _form_context(request, target, row, error=exc, data=data)
        return render(request, "fieldwork/m_visit.html", context, status=exc.status)
    text = _("Visit to %(place)s recorded.") % {"place": visit.target_label}
    if visit.case is not None:
        text += " " + _("Case %(code)s raised.") % {"code": visit.case.code}
    if visit.needs.exists():
        text += " " + _("A care need is added to the household's care record.")
    messages.success(request, text)
    return redirect("fieldwork_m:due")
