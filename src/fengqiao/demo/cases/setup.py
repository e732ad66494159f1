"""Case handling for the demo county (categories, SLA rules, township units, the handler)
and the entry point of its year of history, with the disputes and petitions beside it."""

from datetime import datetime

from django.conf import settings

from fengqiao.accounts.models import User
from fengqiao.cases.defaults import (
    ensure_county_departments,
    ensure_default_categories,
    ensure_township_units,
)
from fengqiao.core import clock
from fengqiao.demo import COUNTY_CODE
from fengqiao.demo.cases.history import generate_case_history
from fengqiao.demo.mediation import history as mediation_history
from fengqiao.regions.models import Region


def setup_case_handling() -> int:
    """Default taxonomy and SLAs, the county departments and five units per township;
    `handler` joins the first police station. Returns the number of units."""
    ensure_default_categories()
    townships = Region.objects.filter(parent__code=COUNTY_CODE).order_by("code")
    county = Region.objects.filter(code=COUNTY_CODE).first()
    units = ensure_county_departments(county) if county is not None else []
    for township in townships:
        units += ensure_township_units(township)
    handler = User.objects.filter(username="handler").first()
    if handler is not None and townships:
        police = next(
            u
            for u in units
            if u.kind == "police_station" and u.region_code == townships[0].code[:9]
        )
        police.members.add(handler)
    return len(units)


# Cases in the generated history, by seed scale ("small" is what the test suite loads).
HISTORY_CASES = {"small": 60, "county": 3000, "city": 3000}


def seed_case_history(scale: str, seed: int, now: datetime | None = None, *, progress=None) -> dict:
    """A year of cases in the demo county, before `now` (default: the clock's now), made by
    the real services, with the year's disputes, screening and petitions on the same
    timeline (its summary under "mediation"). Off when the setting
    FENGQIAO_DEMO_CASE_HISTORY is False."""
    if not getattr(settings, "FENGQIAO_DEMO_CASE_HISTORY", True):
        return {"cases": 0}
    count = HISTORY_CASES.get(scale, 0)
    disputes, petitions = mediation_history.MEDIATION_HISTORY.get(scale, (0, 0))
    if progress:
        progress(
            f"case history: {count:,} cases, {disputes:,} disputes and {petitions:,} petitions "
            "over the last year"
        )
    beside = []
    if disputes or petitions:
        beside.append(
            mediation_history.alongside(
                disputes=disputes, petitions=petitions, seed=seed, progress=progress
            )
        )
    return generate_case_history(
        count=count, seed=seed, now=now or clock.now(), progress=progress, alongside=beside
    )
