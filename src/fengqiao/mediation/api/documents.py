"""API: the mediation desk's ledgers (disputes, petitions, screening returns, follow-up
visits; XLSX with each list's filters), a petition's notices (DOCX or PDF) and the agreement
for judicial confirmation (full ID numbers: a logged reveal, mediator and committee only)."""

from typing import Literal

from ninja import Field, Query, Router, Schema

from fengqiao.core.downloads import file_response, ledger_response
from fengqiao.core.downloads_api import DOCX_OPENAPI, LEDGER_OPENAPI, PRINT_OPENAPI
from fengqiao.core.http import client_ip
from fengqiao.mediation import ledgers, printing

router = Router(tags=["ledgers and documents"])
Format = Literal["docx", "pdf"]


class Period(Schema):
    month: str = Field("", description="YYYY-MM")
    date_from: str = Field("", alias="from", description="YYYY-MM-DD, included")
    date_to: str = Field("", alias="to", description="YYYY-MM-DD, included")


class DisputeLedgerFilter(Period):
    queue: str = ""
    q: str = ""
    dispute_type: str = ""
    risk_grade: str = ""
    status: str = ""


class PetitionLedgerFilter(Period):
    queue: str = ""
    q: str = ""


class ScreeningLedgerFilter(Period):
    round: str = Field("", description="one round's id")


class FollowUpLedgerFilter(Period):
    days: str = Field("", description="not made and due within this many days, as the page")
    state: str = Field("", description="due | done")


def _ledger(request, writer, filters: Schema):
    data = filters.model_dump(by_alias=True)
    return ledger_response(writer(actor=request.auth, data=data, ip=client_ip(request)))


@router.get("/ledgers/disputes/export.xlsx", openapi_extra=LEDGER_OPENAPI)
def dispute_ledger_export(request, filters: Query[DisputeLedgerFilter]):
    """The dispute ledger (矛盾纠纷台账), in a period of registration; logged as an export."""
    return _ledger(request, ledgers.dispute_ledger, filters)


@router.get("/ledgers/petitions/export.xlsx", openapi_extra=LEDGER_OPENAPI)
def petition_ledger_export(request, filters: Query[PetitionLedgerFilter]):
    """The petition ledger (信访事项台账), ID numbers masked; logged as an export."""
    return _ledger(request, ledgers.petition_ledger, filters)


@router.get("/ledgers/screening/export.xlsx", openapi_extra=LEDGER_OPENAPI)
def screening_ledger_export(request, filters: Query[ScreeningLedgerFilter]):
    """Every grid's screening return (矛盾纠纷排查台账); logged as an export."""
    return _ledger(request, ledgers.screening_ledger, filters)


@router.get("/ledgers/follow-ups/export.xlsx", openapi_extra=LEDGER_OPENAPI)
def follow_up_ledger_export(request, filters: Query[FollowUpLedgerFilter]):
    """The follow-up visits (回访台账); logged as an export."""
    return _ledger(request, ledgers.follow_up_ledger, filters)


def _file(printed):
    return file_response(
        printed.content, filename=printed.filename, content_type=printed.content_type
    )


def _petition_file(request, code: str, document: str, fmt: str):
    printed = printing.petition_document(
        actor=request.auth, code=code, document=document, fmt=fmt, ip=client_ip(request)
    )
    return _file(printed)


@router.get("/petitions/{code}/print/acceptance-notice", openapi_extra=PRINT_OPENAPI)
def acceptance_notice(request, code: str, format: Format = "pdf"):  # noqa: A002 - the query name
    """The 受理告知书 (or 不予受理告知书) of an acknowledged petition (409 before)."""
    return _petition_file(request, code, "acceptance_notice", format)


@router.get("/petitions/{code}/print/reply-opinion", openapi_extra=PRINT_OPENAPI)
def reply_opinion(request, code: str, format: Format = "pdf"):  # noqa: A002 - the query name
    """The 答复意见书 of a petition replied to (409 before)."""
    return _petition_file(request, code, "reply_opinion", format)


@router.post("/disputes/{code}/agreement/full.docx", openapi_extra=DOCX_OPENAPI)
def agreement_full(request, code: str):
    """The agreement with the parties' full ID numbers and addresses, for judicial
    confirmation: only the dispute's mediator and committee (403 for anyone else who sees the
    dispute); every party field revealed is an access-log row."""
    return _file(
        printing.agreement_full_download(actor=request.auth, code=code, ip=client_ip(request))
    )
