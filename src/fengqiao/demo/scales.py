"""Seed scales: how many counties, townships, communities, villages, grids, households and
cameras one `seed()` run makes ("small" is what the test suite loads)."""

from __future__ import annotations

from dataclasses import dataclass

from fengqiao.regions.models import Region

__all__ = ["SCALES", "Scale", "TownshipPlan"]


@dataclass(frozen=True)
class TownshipPlan:
    kind: str  # Region.Kind.SUBDISTRICT, TOWN or TOWNSHIP
    communities: int
    villages: int


@dataclass(frozen=True)
class Scale:
    counties: int
    townships: tuple[TownshipPlan, ...]
    grids_per_community: tuple[int, int]
    grids_per_village: tuple[int, int]
    micro_grids_per_grid: tuple[int, int]
    households_per_micro_grid_community: tuple[int, int]
    households_per_micro_grid_village: tuple[int, int]
    cameras_per_village: tuple[int, int]


_SUB, _TOWN, _TSHIP = Region.Kind.SUBDISTRICT, Region.Kind.TOWN, Region.Kind.TOWNSHIP
# Gonghe's 99 villages and 18 communities, spread over 2 sub-districts, 6 towns, 3 townships.
_COUNTY_TOWNSHIPS = (
    TownshipPlan(_SUB, 6, 0),
    TownshipPlan(_SUB, 6, 0),
    TownshipPlan(_TOWN, 1, 12),
    TownshipPlan(_TOWN, 1, 10),
    TownshipPlan(_TOWN, 1, 11),
    TownshipPlan(_TOWN, 1, 13),
    TownshipPlan(_TOWN, 1, 9),
    TownshipPlan(_TOWN, 1, 11),
    TownshipPlan(_TSHIP, 0, 10),
    TownshipPlan(_TSHIP, 0, 12),
    TownshipPlan(_TSHIP, 0, 11),
)
_COUNTY = dict(
    townships=_COUNTY_TOWNSHIPS,
    grids_per_community=(10, 14),
    grids_per_village=(6, 10),
    micro_grids_per_grid=(3, 7),
    households_per_micro_grid_community=(8, 14),
    households_per_micro_grid_village=(5, 9),
    cameras_per_village=(30, 50),
)
SCALES: dict[str, Scale] = {
    "small": Scale(
        counties=1,
        townships=(TownshipPlan(_SUB, 2, 0), TownshipPlan(_TSHIP, 0, 2)),
        grids_per_community=(2, 2),
        grids_per_village=(2, 2),
        micro_grids_per_grid=(2, 2),
        households_per_micro_grid_community=(9, 11),
        households_per_micro_grid_village=(9, 11),
        cameras_per_village=(4, 8),
    ),
    "county": Scale(counties=1, **_COUNTY),
    "city": Scale(counties=8, **_COUNTY),
}
