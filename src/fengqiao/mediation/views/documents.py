"""Workbench downloads of the mediation desk: the dispute, petition, screening and follow-up
ledgers (XLSX, each list's filters), a petition's notices (`?format=pdf` or docx) and the
agreement for judicial confirmation (POST: it reveals full ID numbers)."""

from django.views.decorators.http import require_GET, require_POST

from fengqiao.cases.views import staff_required
from fengqiao.core.downloads import file_response, ledger_response, page_download
from fengqiao.core.http import client_ip
from fengqiao.mediation import ledgers, printing


def _ledger(request, writer):
    return page_download(
        request,
        lambda: ledger_response(
            writer(actor=request.user, data=request.GET, ip=client_ip(request))
        ),
    )


@staff_required
@require_GET
def dispute_ledger(request):
    return _ledger(request, ledgers.dispute_ledger)


@staff_required
@require_GET
def petition_ledger(request):
    return _ledger(request, ledgers.petition_ledger)


@staff_required
@require_GET
def screening_ledger(request):
    return _ledger(request, ledgers.screening_ledger)


@staff_required
@require_GET
def follow_up_ledger(request):
    return _ledger(request, ledgers.follow_up_ledger)


def _printed(request, make_file):
    def make():
        printed = make_file()
        return file_response(
            printed.content, filename=printed.filename, content_type=printed.content_type
        )

    return page_download(request, make)


def _petition_document(request, code: str, document: str):
    return _printed(
        request,
        lambda: printing.petition_document(
            actor=request.user,
            code=code,
            document=document,
            fmt=request.GET.get("format", "pdf"),
            ip=client_ip(request),
        ),
    )


@staff_required
@require_GET
def acceptance_notice(request, code: str):
    return _petition_document(request, code, "acceptance_notice")


@staff_required
@require_GET
def reply_opinion(request, code: str):
    return _petition_document(request, code, "reply_opinion")


@staff_required
@require_POST
def agreement_full(request, code: str):
    return _printed(
        request,
        lambda: printing.agreement_full_download(
            actor=request.user, code=code, ip=client_ip(request)
        ),
    )
