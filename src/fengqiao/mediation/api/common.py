"""Look-ups the mediation API handlers share: a dispute by its case code, a village by its
code, and the [start, end) period of a figures or calendar query."""

from datetime import datetime, time, timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fengqiao.cases import oversight
from fengqiao.cases import selectors as case_selectors
from fengqiao.core import clock
from fengqiao.core.errors import NotFound, ValidationFailed
from fengqiao.mediation import selectors
from fengqiao.mediation.models import Dispute
from fengqiao.mediation.schemas.common import PeriodFilter
from fengqiao.regions.models import Region

METRICS_DAYS = 365  # figures cover the last year unless asked otherwise


def dispute_by_code(request, code: str, field: str | None = None) -> Dispute:
    """The dispute with this case code among those the caller may see; 404 otherwise."""
    dispute = selectors.dispute_list(actor=request.auth).filter(case__code=code).first()
    if dispute is None:
        raise NotFound(_("Dispute not found."), field=field)
    return dispute


def village_by_code(code: str) -> Region | None:
    if not code:
        return None
    village = Region.objects.filter(code=code).first()
    if village is None:
        raise NotFound(_("Unknown village."), field="village")
    return village


def period_of(
    filters: PeriodFilter, days: int, *, ahead: bool = False
) -> tuple[datetime, datetime]:
    """[start, end) from the query, in whole local days when not given: without either, the
    `days` up to the end of today, or (`ahead`) the `days` from the start of today; with one
    of them, `days` from or up to it."""
    start, end = filters.start, filters.end
    if start is None and end is None:
        today = timezone.make_aware(datetime.combine(clock.localdate(), time.min))
        if ahead:
            start = today
        else:
            end = today + timedelta(days=1)
    if start is None:
        assert end is not None  # both None was handled above
        start = end - timedelta(days=days)
    elif end is None:
        end = start + timedelta(days=days)
    if end <= start:
        raise ValidationFailed(_("The end must come after the start."), field="end")
    return start, end


def with_case_part(actor, row):
    """Attach what a dispute's or petition's detail adds from its case: the steps the caller
    may take and the 督办 in force (both depend on who asks or on the log)."""
    row.api_actions = case_selectors.case_actions(actor=actor, case=row.case)
    row.api_supervision = oversight.case_oversight(row.case)["supervision"]
    return row
