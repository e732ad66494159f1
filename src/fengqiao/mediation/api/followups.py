"""API of follow-up visits: those due, and recording one."""

from ninja import Query, Router
from ninja.pagination import PageNumberPagination, paginate

from fengqiao.mediation import followups, selectors
from fengqiao.mediation.schemas.followups import FollowUpFilter, FollowUpIn, FollowUpOut

router = Router(tags=["mediation"])


@router.get("/follow-ups", response=list[FollowUpOut])
@paginate(PageNumberPagination, page_size=50)
def follow_ups_due(request, filters: Query[FollowUpFilter]):
    """Follow-up visits not yet made, due within `within_days` days or already late."""
    return selectors.follow_ups_due(actor=request.auth, within_days=filters.within_days)


@router.post("/follow-ups/{follow_up_id}", response=FollowUpOut)
def follow_up_record(request, follow_up_id: int, payload: FollowUpIn):
    """Record the visit: stable, relapsed (the dispute reopens) or unreachable (retried)."""
    return followups.follow_up_record(
        actor=request.auth, follow_up_id=follow_up_id, result=payload.result, note=payload.note
    )
