"""API: the case ledger (XLSX, with the case list's filters and a period) and the printed
orders of a case (交办单, 督办单; DOCX or PDF)."""

from typing import Literal

from ninja import Field, Query, Router

from fengqiao.cases.ledgers import case_ledger
from fengqiao.cases.printing import case_document
from fengqiao.cases.schemas import CaseFilter
from fengqiao.core.downloads import file_response, ledger_response
from fengqiao.core.downloads_api import LEDGER_OPENAPI, PRINT_OPENAPI
from fengqiao.core.http import client_ip

router = Router(tags=["ledgers and documents"])


class LedgerPeriod(CaseFilter):
    """GET /cases's filters, plus a period of report time: `month` (YYYY-MM) or `from`/`to`
    (YYYY-MM-DD, both days included)."""

    month: str = ""
    date_from: str = Field("", alias="from")
    date_to: str = Field("", alias="to")


Format = Literal["docx", "pdf"]


@router.get("/ledgers/cases/export.xlsx", openapi_extra=LEDGER_OPENAPI)
def case_ledger_export(request, filters: Query[LedgerPeriod]):
    """The case ledger (事件台账): every case the caller may see that the filters keep, phones
    masked; each export is written to the access log with its filters and row count."""
    return ledger_response(
        case_ledger(
            actor=request.auth, data=filters.model_dump(by_alias=True), ip=client_ip(request)
        )
    )


def _printed(request, code: str, document: str, fmt: str):
    printed = case_document(
        actor=request.auth, code=code, document=document, fmt=fmt, ip=client_ip(request)
    )
    return file_response(
        printed.content, filename=printed.filename, content_type=printed.content_type
    )


@router.get("/cases/{code}/print/dispatch-order", openapi_extra=PRINT_OPENAPI)
def dispatch_order(request, code: str, format: Format = "pdf"):  # noqa: A002 - the query name
    """The 交办单 of the case's latest dispatch or transfer (409 if never dispatched)."""
    return _printed(request, code, "dispatch_order", format)


@router.get("/cases/{code}/print/supervision-order", openapi_extra=PRINT_OPENAPI)
def supervision_order(request, code: str, format: Format = "pdf"):  # noqa: A002 - the query name
    """The 督办单 of the case's latest supervision (409 if never supervised)."""
    return _printed(request, code, "supervision_order", format)
