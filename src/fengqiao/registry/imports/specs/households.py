"""Row specs of households (户, at a dwelling) and household groups (联户, in a grid)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fengqiao.regions.models import Grid
from fengqiao.registry.imports.columns import Column
from fengqiao.registry.imports.columns import text as text_of
from fengqiao.registry.imports.reading import Row
from fengqiao.registry.imports.specs.base import DwellingLookup, ModelBatch, ModelSpec
from fengqiao.registry.models import Household, HouseholdGroup

__all__ = ["HOUSEHOLDS", "HOUSEHOLD_GROUPS", "HOUSEHOLD_NUMBER", "DWELLING_CODE"]

HOUSEHOLD_NUMBER = Column(
    "household_number",
    ("户号", "household_number", "household"),
    gettext_lazy("household number"),
    text_of(40),
)
DWELLING_CODE = Column(
    "dwelling_code",
    ("房屋编号", "dwelling_code", "dwelling"),
    gettext_lazy("dwelling code"),
    text_of(40),
    required=True,
)


class HouseholdSpec(ModelSpec):
    """A household at a dwelling; its head and members come with the people import."""

    kind = "households"
    model = Household
    columns = (
        Column(
            "number",
            ("户号", "number", "household_number"),
            HOUSEHOLD_NUMBER.label,
            text_of(40),
            required=True,
        ),
        DWELLING_CODE,
    )
    key = ("number",)
    related = ("dwelling",)

    def build(self, values: dict[str, Any]) -> Household:
        return Household(number=values["number"])

    def place(self, batch: ModelBatch, items: list[tuple[Row, dict, Any]]) -> None:
        lookup = DwellingLookup(batch.sql, batch.refusals)
        lookup.load({values["dwelling_code"] for _r, values, _o in items} - {None, ""})
        for row, values, household in items:
            dwelling = lookup.get(row, "dwelling_code", values["dwelling_code"] or "")
            if dwelling is not None:
                household.dwelling_id, household.region_code = dwelling

    def same(self, known: Household, new: Household, values: dict[str, Any]) -> bool:
        return known.dwelling is not None and known.dwelling.code == values["dwelling_code"]


class HouseholdGroupSpec(ModelSpec):
    """A household group in a grid; its households, head and deputies are set on its page
    (the 5-50 households rule is checked there)."""

    kind = "household_groups"
    model = HouseholdGroup
    columns = (
        Column(
            "code",
            ("联户编号", "编号", "code"),
            HouseholdGroup._meta.get_field("code").verbose_name,
            text_of(30),
            required=True,
        ),
        Column(
            "name",
            ("联户名称", "名称", "name"),
            HouseholdGroup._meta.get_field("name").verbose_name,
            text_of(100),
            required=True,
        ),
        Column(
            "grid_code",
            ("网格编码", "网格代码", "grid_code", "grid"),
            gettext_lazy("grid code"),
            text_of(24),
            required=True,
        ),
    )
    key = ("code",)
    related = ("grid",)

    def build(self, values: dict[str, Any]) -> HouseholdGroup:
        return HouseholdGroup(code=values["code"], name=values["name"])

    def same(self, known: HouseholdGroup, new: HouseholdGroup, values: dict[str, Any]) -> bool:
        return known.name == new.name and known.grid.code == values["grid_code"]

    def place(self, batch: ModelBatch, items: list[tuple[Row, dict, Any]]) -> None:
        codes = {values["grid_code"] for _r, values, _g in items} - {None}
        grids = dict(Grid.objects.filter(code__in=codes).values_list("code", "pk"))
        for row, values, group in items:
            code = values["grid_code"]
            if code is None:
                continue  # unreadable: the row already says so
            if code not in grids:
                row.fail("grid_code", _("No grid has the code %(code)s.") % {"code": code})
                continue
            refusal = batch.refusals(code)
            if refusal is not None:
                row.fail("grid_code", refusal)
            else:
                group.grid_id, group.region_code = grids[code], code


HOUSEHOLDS = HouseholdSpec()
HOUSEHOLD_GROUPS = HouseholdGroupSpec()
