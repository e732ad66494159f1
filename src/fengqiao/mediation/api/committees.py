"""API of the mediation desk's lists: committees serving the caller and the session calendar."""

from ninja import Query, Router
from ninja.pagination import PageNumberPagination, paginate

from fengqiao.mediation import selectors
from fengqiao.mediation.api.common import period_of
from fengqiao.mediation.schemas.committees import CommitteeOut
from fengqiao.mediation.schemas.common import PeriodFilter
from fengqiao.mediation.schemas.disputes import SessionOut

router = Router(tags=["mediation"])
CALENDAR_DAYS = 14  # the calendar shows two weeks from today unless asked otherwise


@router.get("/mediation/committees", response=list[CommitteeOut])
@paginate(PageNumberPagination, page_size=100)
def committee_list(request):
    """Committees in the caller's jurisdiction and those above it that serve it."""
    return selectors.committee_list(actor=request.auth)


@router.get("/mediation/sessions", response=list[SessionOut])
@paginate(PageNumberPagination, page_size=100)
def session_calendar(request, filters: Query[PeriodFilter]):
    """Sessions, planned and held, in [start, end) (default: two weeks from today)."""
    start, end = period_of(filters, CALENDAR_DAYS, ahead=True)
    return selectors.session_calendar(actor=request.auth, start=start, end=end)
