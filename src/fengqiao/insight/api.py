"""API: the jurisdiction dashboard (figures from the rollups)."""

from ninja import Router

from fengqiao.core.errors import NotAllowed
from fengqiao.insight import selectors
from fengqiao.insight.schemas import AreaOut, DashboardOut

router = Router(tags=["insight"])


@router.get("/dashboard", response=DashboardOut)
def dashboard(request, scope: str = "", days: int = 30):
    """Cases reported in the last `days` days (up to today) inside `scope` (a region or grid
    code in your jurisdiction, or its prefix; empty: all of it): counts by status, category
    group and level, on-time and resolved-at-level rates, and the 30-day trend of reported and
    closed cases. A scope outside your jurisdiction is 404; one that names no area is 400
    `unknown_scope` (never a page of zeros). GET /dashboard/areas lists the named areas."""
    return selectors.dashboard_get(actor=request.auth, scope=scope, days=days)


@router.get("/dashboard/areas", response=list[AreaOut])
def dashboard_areas(request):
    """The named areas the caller may pick as the dashboard's scope (their jurisdiction and the
    regions inside it down to villages), in code order."""
    if not selectors.has_role(request.auth, selectors.DASHBOARD_ROLES):
        raise NotAllowed()
    return selectors.scope_choices(actor=request.auth)
