"""API: the grid-worker assessment (/api/v1/fieldwork/assessment and its XLSX)."""

from ninja import Field, Query, Router, Schema

from fengqiao.core.downloads import ledger_response
from fengqiao.core.downloads_api import LEDGER_OPENAPI
from fengqiao.core.http import client_ip
from fengqiao.fieldwork import assessment as figures

router = Router(tags=["fieldwork"])


class AssessmentFilter(Schema):
    month: str = Field("", description="YYYY-MM (this month when blank)")
    area: str = Field("", description="an area code inside your jurisdiction")


class WorkerMonthOut(Schema):
    user_id: int
    username: str
    name: str
    grids: list[str]
    grid_label: str
    figures: dict[str, float]


@router.get("/fieldwork/assessment", response=list[WorkerMonthOut])
def assessment(request, filters: Query[AssessmentFilter]):
    """One month's figures of every grid worker in the caller's jurisdiction, counted from
    the recorded work (visits, people due and seen, cases reported and verified, …)."""
    month = figures.month_of(filters.month)
    return figures.assessment(actor=request.auth, month=month, area=filters.area)


@router.get("/fieldwork/assessment/export.xlsx", openapi_extra=LEDGER_OPENAPI)
def assessment_export(request, filters: Query[AssessmentFilter]):
    """The month's assessment as XLSX (a row per grid worker, then per grid); logged."""
    data = filters.model_dump()
    return ledger_response(
        figures.assessment_ledger(actor=request.auth, data=data, ip=client_ip(request))
    )
