"""API of follow-up visits due. Recording one is a step of the dispute (POST
/disputes/{code}/actions/follow_up)."""

from ninja import Query, Router
from ninja.pagination import PageNumberPagination, paginate

from fengqiao.mediation import selectors
from fengqiao.mediation.schemas.followups import FollowUpFilter, FollowUpOut

router = Router(tags=["mediation"])


@router.get("/follow-ups", response=list[FollowUpOut])
@paginate(PageNumberPagination, page_size=50)
def follow_ups_due(request, filters: Query[FollowUpFilter]):
    """Follow-up visits not yet made, due within `within_days` days or already late."""
    return selectors.follow_ups_due(actor=request.auth, within_days=filters.within_days)
