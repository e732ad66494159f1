"""Workbench pages of campaigns (排查任务) at /fieldwork/campaigns/: the list with progress bars
and the centre's create form (registry rows or an uploaded list of clues), the campaign's page
with progress per township → village → grid (drill down), the stragglers and a grid's items,
closing, and the results ledger (XLSX)."""

from datetime import date

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from fengqiao.campaigns import selectors, services
from fengqiao.campaigns.models import OWNED_KINDS, CampaignKind, ItemStatus
from fengqiao.cases.views import staff_required
from fengqiao.core.downloads import ledger_response, page_download
from fengqiao.core.errors import DomainError, NotFound, ValidationFailed
from fengqiao.core.http import client_ip
from fengqiao.core.roles import has_role
from fengqiao.fieldwork.campaigns_ledger import campaign_ledger

NEXT_LEVEL = {"township": "village", "village": "grid"}
ITEMS_PAGE = 100


def _spec(data) -> services.CampaignSpec:
    try:
        deadline = date.fromisoformat(data.get("deadline", "").strip())
    except ValueError as exc:
        raise ValidationFailed(_("Give the deadline as a date."), field="deadline") from exc
    return services.CampaignSpec(
        title=data.get("title", ""),
        region_code=data.get("region_code", ""),
        deadline=deadline,
        checklist=data.get("checklist", "").splitlines(),
        instructions=data.get("instructions", ""),
    )


def _create(request):
    spec = _spec(request.POST)
    upload = request.FILES.get("file")
    if request.POST.get("kind") == CampaignKind.CLUE:
        if upload is None:
            raise ValidationFailed(_("Choose the XLSX of clues."), field="file")
        return services.campaign_import_clues(actor=request.user, spec=spec, file=upload)
    return services.campaign_create(
        actor=request.user, kind=request.POST.get("kind", ""), spec=spec
    )


@staff_required
def campaigns(request):
    error, status = None, 200
    if request.method == "POST":
        try:
            campaign = _create(request)
        except DomainError as exc:
            error, status = exc, exc.status
        else:
            messages.success(
                request,
                _("Campaign %(code)s created with %(n)d items.")
                % {"code": campaign.code, "n": campaign.item_count},
            )
            return redirect("fieldwork:campaign", campaign_id=campaign.pk)
    rows = selectors.campaign_list(actor=request.user, status=request.GET.get("status", ""))
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    for row in page:
        row.percent = selectors.percent_of(row.item_count, row.pending_count)
    return render(
        request,
        "fieldwork/campaigns.html",
        {
            "page": page,
            "may_create": has_role(request.user, services.CAMPAIGN_ROLES),
            "kinds": [(v, n) for v, n in CampaignKind.choices if v not in OWNED_KINDS],
            "default_area": (request.user.scope_prefixes() or [""])[0],
            "error": error,
            "data": request.POST,
        },
        status=status,
    )


def _campaign_or_404(request, campaign_id: int):
    try:
        return selectors.campaign_get(actor=request.user, campaign_id=campaign_id)
    except NotFound as exc:
        raise Http404 from exc


@staff_required
@require_GET
def campaign(request, campaign_id: int):
    found = _campaign_or_404(request, campaign_id)
    level = request.GET.get("level") or selectors.default_level(found)
    area = request.GET.get("area", "").strip()
    grid = request.GET.get("grid", "").strip()
    status = request.GET.get("status", "").strip()
    try:
        progress = selectors.campaign_progress(
            actor=request.user, campaign=found, level=level, area=area
        )
        items = (
            selectors.campaign_items(actor=request.user, campaign=found, status=status, grid=grid)
            if grid
            else None
        )
    except ValidationFailed as exc:
        raise Http404 from exc
    except NotFound as exc:
        raise Http404 from exc
    return render(
        request,
        "fieldwork/campaign.html",
        {
            "campaign": found,
            "progress": progress,
            "level": level,
            "next_level": NEXT_LEVEL.get(level),
            "area": area,
            "grid": grid,
            "status": status,
            "statuses": ItemStatus.choices,
            "items": Paginator(items, ITEMS_PAGE).get_page(request.GET.get("page"))
            if items is not None
            else None,
            "may_close": found.is_open and has_role(request.user, services.CAMPAIGN_ROLES),
        },
    )


@staff_required
def campaign_close(request, campaign_id: int):
    _campaign_or_404(request, campaign_id)
    if request.method != "POST":
        return redirect("fieldwork:campaign", campaign_id=campaign_id)
    try:
        services.campaign_close(actor=request.user, campaign_id=campaign_id)
    except NotFound as exc:
        raise Http404 from exc
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The campaign is closed."))
    return redirect("fieldwork:campaign", campaign_id=campaign_id)


@staff_required
@require_GET
def campaign_export(request, campaign_id: int):
    found = _campaign_or_404(request, campaign_id)
    return page_download(
        request,
        lambda: ledger_response(
            campaign_ledger(actor=request.user, campaign=found, ip=client_ip(request))
        ),
    )
