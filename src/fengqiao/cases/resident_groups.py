"""The plain-language groups a resident picks a category from (环境卫生, 噪音扰民, …), each with
the case categories (cases/defaults.py codes) it stands for; its icon is inline SVG in
h5/_group_icon.html, by key. Every active category no group names falls under "other", so an
admin's new category is never out of reach."""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from fengqiao.cases import selectors

OTHER = "other"


@dataclass(frozen=True)
class ResidentGroup:
    key: str
    label: str | Promise
    codes: tuple[str, ...]  # category codes, most likely first


GROUPS = (
    ResidentGroup(
        "environment", _("Litter and sanitation"), ("garbage", "sanitation", "pollution")
    ),
    ResidentGroup("noise", _("Noise"), ("noise",)),
    ResidentGroup(
        "roads",
        _("Roads and traffic"),
        ("road_damage", "traffic_hazard", "street_vending"),
    ),
    ResidentGroup(
        "utilities",
        _("Water, power and lights"),
        ("streetlight", "water_supply", "power_supply"),
    ),
    ResidentGroup(
        "safety",
        _("Safety hazards"),
        ("fire_hazard", "building_hazard", "geo_hazard", "illegal_building"),
    ),
    ResidentGroup("neighbours", _("Neighbour quarrels"), ("neighbour_dispute",)),
    ResidentGroup(
        "housing", _("Housing estate and property"), ("property_service", "property_dispute")
    ),
    ResidentGroup("food", _("Food and shopping"), ("food_safety", "consumer_complaint")),
    ResidentGroup("wages", _("Wages and work"), ("wage_arrears", "labour_dispute")),
    ResidentGroup(OTHER, _("Something else"), ()),
)
BY_KEY = {group.key: group for group in GROUPS}


def resident_groups() -> list[dict]:
    """[{key, label, categories: [Category, …]}] for the picker; a group none of whose
    categories is active is left out; "other" takes every active category no group names."""
    active = {c.code: c for c in selectors.category_choices()}
    named = {code for group in GROUPS for code in group.codes}
    found = []
    for group in GROUPS:
        if group.key == OTHER:
            categories = sorted(
                (c for code, c in active.items() if code not in named),
                key=lambda c: (c.parent.code if c.parent else "", c.code),
            )
        else:
            categories = [active[code] for code in group.codes if code in active]
        if categories:
            found.append(
                {
                    "key": group.key,
                    "label": group.label,
                    "categories": categories,
                }
            )
    return found


def group_codes(key: str) -> list[str]:
    """The category codes of a resident group ([] for an unknown key)."""
    for group in resident_groups():
        if group["key"] == key:
            return [c.code for c in group["categories"]]
    return []
