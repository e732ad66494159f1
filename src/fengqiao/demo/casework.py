"""Case handling for the demo county: categories, SLA rules, township units, the handler."""

from fengqiao.accounts.models import User
from fengqiao.cases.defaults import ensure_default_categories, ensure_township_units
from fengqiao.demo import COUNTY_CODE
from fengqiao.regions.models import Region


def setup_case_handling() -> int:
    """Default taxonomy and SLAs, five units per township; `handler` joins the first police
    station. Returns the number of units."""
    ensure_default_categories()
    townships = Region.objects.filter(parent__code=COUNTY_CODE).order_by("code")
    units = []
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
