"""Workbench pages of fieldwork: the visits of the jurisdiction, one visit with its photos, the
visits due, and the visit plans (centre staff set them)."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from fengqiao.cases.views import staff_required
from fengqiao.core.downloads import inline_file
from fengqiao.core.errors import DomainError, NotFound
from fengqiao.core.listing import page_of
from fengqiao.core.roles import has_role
from fengqiao.fieldwork import selectors, services
from fengqiao.fieldwork.models import Purpose, Target
from fengqiao.registry.models import PersonTag

PAGE_SIZE = 50


@staff_required
def visits(request):
    filters = {key: request.GET.get(key, "").strip() for key in ("area", "purpose", "visitor")}
    target, target_id = request.GET.get("target", ""), request.GET.get("target_id", "")
    one_row = {}
    if target in Target.values and target_id.isdigit() and len(target_id) <= 18:
        one_row = {"target": target, "target_id": int(target_id)}
    try:
        rows = selectors.visit_list(actor=request.user, **filters, **one_row)
    except NotFound as exc:
        raise Http404 from exc
    page, query = page_of(request, rows, PAGE_SIZE)
    return render(
        request,
        "fieldwork/visits.html",
        {
            "page": page,
            "query": query,
            "filters": filters,
            "one_row": one_row,
            "purposes": Purpose.choices,
        },
    )


@staff_required
def visit(request, visit_id: int):
    try:
        row = selectors.visit_get(actor=request.user, visit_id=visit_id)
    except NotFound as exc:
        raise Http404 from exc
    return render(
        request,
        "fieldwork/visit.html",
        {
            "visit": row,
            "met": row.met.select_related("person").order_by("pk"),
            "photos": row.photos.all(),
        },
    )


@staff_required
def visit_photo(request, visit_id: int, photo_id: int):
    """A photo of a visit the user may see."""
    try:
        photo = selectors.visit_photo_get(actor=request.user, visit_id=visit_id, photo_id=photo_id)
    except NotFound as exc:
        raise Http404 from exc
    return inline_file(photo, content_type=photo.content_type)


@staff_required
def due(request):
    area = request.GET.get("area", "").strip()
    try:
        items = selectors.visits_due(actor=request.user, area=area)
    except NotFound as exc:
        raise Http404 from exc
    return render(request, "fieldwork/due.html", {"items": items, "area": area})


@staff_required
def plans(request):
    error, status = None, 200
    if request.method == "POST":
        raw = request.POST.get("every_days", "").strip()
        try:
            every_days = int(raw) if raw else None
            services.plan_set(
                actor=request.user,
                tag_code=request.POST.get("tag", ""),
                region_code=request.POST.get("region_code", ""),
                every_days=every_days,
            )
        except ValueError:
            error, status = _("Give the number of days."), 400
        except DomainError as exc:
            error, status = exc.message, exc.status
        else:
            messages.success(request, _("The visit plan is saved."))
            return redirect("fieldwork:plans")
    return render(
        request,
        "fieldwork/plans.html",
        {
            "plans": selectors.plan_list(actor=request.user),
            "tags": PersonTag.objects.all(),
            "may_edit": has_role(request.user, services.PLAN_ROLES),
            "scope_codes": request.user.scope_prefixes() or [],
            "error": error,
        },
        status=status,
    )
