"""The grid-worker assessment on the workbench (/fieldwork/assessment/, its XLSX) and a grid
worker's own month on the phone (/m/visits/month/)."""

from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from fengqiao.cases.views import staff_required
from fengqiao.core.downloads import ledger_response, page_download
from fengqiao.core.errors import DomainError, NotAllowed, NotFound
from fengqiao.core.http import client_ip
from fengqiao.fieldwork import assessment as figures


@staff_required
@require_GET
def assessment(request):
    area = request.GET.get("area", "").strip()
    error, status, rows, month = None, 200, [], None
    try:
        month = figures.month_of(request.GET.get("month", ""))
        rows = figures.assessment(actor=request.user, month=month, area=area)
    except NotAllowed as exc:
        raise Http404 from exc  # a role that has no assessment: nothing here
    except NotFound as exc:
        raise Http404 from exc
    except DomainError as exc:
        error, status = exc.message, exc.status
    return render(
        request,
        "fieldwork/assessment.html",
        {
            "rows": rows,
            "grids": figures.by_grid(rows),
            "figures": figures.FIGURES,
            "month": month,
            "month_value": request.GET.get("month", "").strip()[:7] or (month.key if month else ""),
            "area": area,
            "error": error,
            "section": "assessment",
        },
        status=status,
    )


@staff_required
@require_GET
def assessment_export(request):
    return page_download(
        request,
        lambda: ledger_response(
            figures.assessment_ledger(actor=request.user, data=request.GET, ip=client_ip(request))
        ),
    )


@staff_required
@require_GET
def my_month(request):
    try:
        month = figures.month_of(request.GET.get("month", ""))
    except DomainError:
        month = figures.month_of("")
    rows = figures.assessment(actor=request.user, month=month, own=True)
    return render(
        request,
        "fieldwork/m_month.html",
        {
            "row": rows[0] if rows else None,
            "figures": figures.FIGURES,
            "month": month,
            "tab": "visits",
        },
    )
