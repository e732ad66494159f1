"""API: the jurisdiction dashboard (figures from the rollups)."""

from ninja import Router

from fengqiao.insight import selectors
from fengqiao.insight.schemas import DashboardOut

router = Router(tags=["insight"])


@router.get("/dashboard", response=DashboardOut)
def dashboard(request, scope: str = "", days: int = 30):
    """Cases reported in the last `days` days (up to today) inside `scope` (a region code in
    your jurisdiction; empty: all of it): counts by status, category group and level, on-time
    and resolved-at-level rates, and the 30-day trend of reported and closed cases."""
    return selectors.dashboard_get(actor=request.auth, scope=scope, days=days)
