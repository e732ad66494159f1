"""API of screening: rounds with their coverage, opening rounds, and a grid's report."""

from django.utils.translation import gettext_lazy as _
from ninja import Router, Status
from ninja.pagination import PageNumberPagination, paginate

from fengqiao.core.errors import NotFound, ValidationFailed
from fengqiao.mediation import screening, selectors
from fengqiao.mediation.models import Dispute
from fengqiao.mediation.schemas.screening import (
    ReportIn,
    ReportOut,
    RoundCoverageOut,
    RoundIn,
    RoundOut,
)
from fengqiao.regions.models import Grid, Region

router = Router(tags=["mediation"])


@router.get("/screening/rounds", response=list[RoundCoverageOut])
@paginate(PageNumberPagination, page_size=50)
def screening_rounds(request):
    """Rounds in the caller's jurisdiction with their coverage (grids, reports, findings)."""
    return selectors.screening_rounds(actor=request.auth)


@router.post("/screening/rounds", response={201: list[RoundOut]})
def screening_rounds_open(request, payload: RoundIn):
    """Open a round for every village of a village, township or county."""
    region = Region.objects.filter(code=payload.region).first()
    if region is None:
        raise NotFound(_("Unknown region."), field="region")
    rounds = screening.screening_rounds_open(
        actor=request.auth, region=region, starts_on=payload.starts_on, ends_on=payload.ends_on
    )
    return Status(201, rounds)


@router.post("/screening/rounds/{round_id}/reports", response={201: ReportOut})
def screening_report_file(request, round_id: int, payload: ReportIn):
    """A grid's return: the disputes it registered (case codes), or `nothing_found`."""
    grid_id = payload.grid_id
    if grid_id is None:
        grid_id = Grid.objects.filter(code=payload.grid).values_list("pk", flat=True).first()
        if grid_id is None:
            raise ValidationFailed(_("Choose a grid of the round's village."), field="grid")
    codes = list(dict.fromkeys(payload.disputes))
    dispute_ids = list(Dispute.objects.filter(case__code__in=codes).values_list("pk", flat=True))
    if len(dispute_ids) != len(codes):
        raise ValidationFailed(
            _("Every finding must be an unreported dispute registered in this grid."),
            field="disputes",
        )
    report = screening.screening_report_file(
        actor=request.auth,
        round_id=round_id,
        grid_id=grid_id,
        nothing_found=payload.nothing_found,
        note=payload.note,
        dispute_ids=dispute_ids,
    )
    report.api_disputes = codes
    return Status(201, report)
