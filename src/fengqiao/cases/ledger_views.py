"""Workbench downloads of cases: the case ledger (XLSX, the queue's filters) and the printed
orders of one case (交办单, 督办单; `?format=pdf` or docx)."""

from django.views.decorators.http import require_GET

from fengqiao.cases.ledgers import case_ledger
from fengqiao.cases.printing import case_document
from fengqiao.cases.views import staff_required
from fengqiao.core.downloads import file_response, ledger_response, page_download
from fengqiao.core.http import client_ip


@staff_required
@require_GET
def ledger(request):
    return page_download(
        request,
        lambda: ledger_response(
            case_ledger(actor=request.user, data=request.GET, ip=client_ip(request))
        ),
    )


def _document(request, code: str, document: str):
    def make():
        printed = case_document(
            actor=request.user,
            code=code,
            document=document,
            fmt=request.GET.get("format", "pdf"),
            ip=client_ip(request),
        )
        return file_response(
            printed.content, filename=printed.filename, content_type=printed.content_type
        )

    return page_download(request, make)


@staff_required
@require_GET
def dispatch_order(request, code: str):
    return _document(request, code, "dispatch_order")


@staff_required
@require_GET
def supervision_order(request, code: str):
    return _document(request, code, "supervision_order")
