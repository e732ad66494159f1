"""The visit plans a county starts with (it changes them on the plans page)."""

from fengqiao.core import clock
from fengqiao.fieldwork.models import VisitPlan
from fengqiao.registry.models import PersonTag

# tag code → visit at least every N days (monthly for the elderly alone and left-behind
# children, weekly for severe mental disorder, fortnightly for community correction).
DEFAULT_PLANS = {
    "elderly_alone": 30,
    "left_behind_child": 30,
    "left_behind_elderly": 30,
    "extremely_poor": 30,
    "disabled": 60,
    "severe_mental_disorder": 7,
    "community_correction": 14,
    "drug_user": 30,
}


def ensure_default_plans(county_code: str) -> int:
    """Create the default plans missing for `county_code` (a 6-digit county prefix) for the
    tags on record; plans already there are left alone. Returns how many were created."""
    tags = {t.code: t for t in PersonTag.objects.filter(code__in=DEFAULT_PLANS)}
    rows = [
        VisitPlan(
            tag=tag, region_code=county_code, every_days=DEFAULT_PLANS[code], updated_at=clock.now()
        )
        for code, tag in tags.items()
    ]
    return len(VisitPlan.objects.bulk_create(rows, ignore_conflicts=True))
