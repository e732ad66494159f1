"""Row specs of the things that sit at a point: dwellings, organisations, places, facilities.

A row lies where its latitude and longitude fall (the smallest grid, else the village); the
kinds whose sheets often lack coordinates (organisations, places) may give a village code
instead. The importer must be allowed to write there."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fengqiao.core import crypto
from fengqiao.core.errors import OutsideJurisdiction
from fengqiao.core.idnumbers import mask_phone
from fengqiao.regions.models import Grid, Region
from fengqiao.registry.imports.columns import Choice, Column, coordinate, count, decimal, phone
from fengqiao.registry.imports.columns import credit_code as credit_code_parser
from fengqiao.registry.imports.columns import text as text_of
from fengqiao.registry.imports.labels import (
    BUILDING_TYPE_LABELS,
    FACILITY_KIND_LABELS,
    FACILITY_STATUS_LABELS,
    ORGANIZATION_KIND_LABELS,
    PLACE_KIND_LABELS,
    PLACE_RISK_LABELS,
    USE_LABELS,
)
from fengqiao.registry.imports.reading import Row
from fengqiao.registry.imports.specs.base import ModelBatch, ModelSpec
from fengqiao.registry.models import Dwelling, Facility, Organization, Place
from fengqiao.registry.services import Placement

__all__ = ["DWELLINGS", "FACILITIES", "ORGANIZATIONS", "PLACES"]


def _field(model, name: str):
    return model._meta.get_field(name).verbose_name


def _address(model) -> Column:
    return Column(
        "address", ("地址", "详细地址", "address"), _field(model, "address"), text_of(200)
    )


def _point(required: bool) -> tuple[Column, Column]:
    return (
        Column(
            "lat", ("纬度", "lat", "latitude"), gettext_lazy("latitude"), coordinate(90), required
        ),
        Column(
            "lng",
            ("经度", "lng", "lon", "longitude"),
            gettext_lazy("longitude"),
            coordinate(180),
            required,
        ),
    )


VILLAGE = Column(
    "village_code",
    ("村社区代码", "村（社区）代码", "村代码", "village_code", "village"),
    gettext_lazy("village code"),
    text_of(24),
)


def place_all(points: list[tuple[float, float]]) -> list[Placement | None]:
    """place_at for many points: one index lookup, and each grid and village row fetched once."""
    from fengqiao.regions.locator import locate_many

    locations = locate_many(points)
    grid_ids = {loc.grid_id for loc in locations if loc and loc.grid_id}
    village_ids = {loc.village_id for loc in locations if loc}
    grids = Grid.objects.defer("boundary").in_bulk(list(grid_ids))
    villages = Region.objects.defer("boundary").in_bulk(list(village_ids))
    return [
        Placement(
            villages[loc.village_id],
            grids.get(loc.grid_id) if loc.grid_id else None,
            loc.region_code,
        )
        if loc
        else None
        for loc in locations
    ]


class LocatedSpec(ModelSpec):
    point_required = True  # False: a village code may stand in for the point

    def place(self, batch: ModelBatch, items: list[tuple[Row, dict, Any]]) -> None:
        located, by_village = [], []
        for row, values, obj in items:
            lat, lng = values.get("lat"), values.get("lng")
            if lat is not None and lng is not None:
                located.append((row, obj))
            elif self.point_required or any(
                row.text(k) and values.get(k) is None for k in ("lat", "lng")
            ):
                continue  # a coordinate missing or unreadable: the row already says so
            elif lat is not None or lng is not None:
                row.fail("lng" if lng is None else "lat", _("Give both latitude and longitude."))
            elif values.get("village_code"):
                by_village.append((row, obj, values["village_code"]))
            else:
                where = "village_code" if row.has("village_code") else "lat"
                row.fail(where, _("Give a point (latitude and longitude) or a village code."))
        placements = place_all([(obj.lat, obj.lng) for _row, obj in located])
        for (row, obj), placement in zip(located, placements, strict=True):
            if placement is None:
                row.fail("lat", OutsideJurisdiction.default_message)
            else:
                self._put(batch, row, obj, placement, "lat")
        codes = {code for _r, _o, code in by_village}
        villages = (
            Region.objects.defer("boundary")
            .filter(code__in=codes, level=Region.Level.VILLAGE)
            .in_bulk(field_name="code")
            if codes
            else {}
        )
        for row, obj, code in by_village:
            village = villages.get(code)
            if village is None:
                row.fail(
                    "village_code",
                    _("No village or community has the code %(code)s.") % {"code": code},
                )
            else:
                self._put(batch, row, obj, Placement(village, None, village.code), "village_code")

    @staticmethod
    def _put(batch: ModelBatch, row: Row, obj, placement: Placement, key: str) -> None:
        refusal = batch.refusals(placement.region_code)
        if refusal is not None:
            row.fail(key, refusal)
            return
        obj.village, obj.grid = placement.village, placement.grid
        obj.region_code = placement.region_code


class DwellingSpec(LocatedSpec):
    kind = "dwellings"
    model = Dwelling
    columns = (
        Column(
            "code",
            ("房屋编号", "code", "dwelling_code"),
            _field(Dwelling, "code"),
            text_of(40),
            required=True,
        ),
        _address(Dwelling),
        *_point(required=True),
        Column(
            "use",
            ("用途", "房屋用途", "use"),
            _field(Dwelling, "use"),
            Choice(Dwelling.Use, USE_LABELS, Dwelling.Use.OWNER),
        ),
        Column(
            "building_type",
            ("类型", "房屋类型", "建筑类型", "building_type", "type"),
            _field(Dwelling, "building_type"),
            Choice(Dwelling.BuildingType, BUILDING_TYPE_LABELS, Dwelling.BuildingType.HOUSE),
        ),
        Column(
            "floor_area",
            ("面积", "建筑面积", "floor_area", "area"),
            _field(Dwelling, "floor_area"),
            decimal(1, 10_000_000),
        ),
        Column(
            "owner_name",
            ("产权人", "房主", "owner_name", "owner"),
            _field(Dwelling, "owner_name"),
            text_of(50),
        ),
    )
    key = ("code",)
    compare = ("address", "use", "building_type", "owner_name", "floor_area", "lat", "lng")


class OrganizationSpec(LocatedSpec):
    kind = "organizations"
    model = Organization
    columns = (
        Column(
            "name",
            ("单位名称", "名称", "name"),
            _field(Organization, "name"),
            text_of(100),
            required=True,
        ),
        Column(
            "kind",
            ("单位类型", "类型", "kind", "type"),
            _field(Organization, "kind"),
            Choice(Organization.Kind, ORGANIZATION_KIND_LABELS),
            required=True,
        ),
        Column(
            "credit_code",
            ("统一社会信用代码", "信用代码", "credit_code"),
            _field(Organization, "credit_code"),
            credit_code_parser,
        ),
        Column(
            "contact_name",
            ("联系人", "负责人", "contact_name", "contact"),
            _field(Organization, "contact_name"),
            text_of(50),
        ),
        Column(
            "contact_phone",
            ("联系电话", "电话", "contact_phone", "phone"),
            _field(Organization, "contact_phone_masked"),
            phone,
        ),
        Column(
            "employees",
            ("从业人数", "员工人数", "employees"),
            _field(Organization, "employees"),
            count(10_000_000),
        ),
        _address(Organization),
        *_point(required=False),
        VILLAGE,
    )
    key = ("name", "address")
    key_label = gettext_lazy("name and address")
    point_required = False
    compare = (
        "kind",
        "credit_code",
        "contact_name",
        "contact_phone_hash",
        "employees",
        "lat",
        "lng",
    )

    def build(self, values: dict[str, Any]) -> Organization:
        org = super().build(values)
        number = values.get("contact_phone") or ""
        org.contact_phone_hash = crypto.lookup_hash(number)
        org.contact_phone_masked = mask_phone(number) if number else ""
        return org

    def seal(self, obj: Organization, values: dict[str, Any]) -> None:
        # Bound to the row (its id is drawn before the insert), like organization_create's.
        obj.contact_phone_sealed = crypto.seal_field(
            obj, "contact_phone_sealed", values.get("contact_phone") or ""
        )


class PlaceSpec(LocatedSpec):
    kind = "places"
    model = Place
    columns = (
        Column(
            "name", ("场所名称", "名称", "name"), _field(Place, "name"), text_of(100), required=True
        ),
        Column(
            "kind",
            ("场所类型", "类型", "kind", "type"),
            _field(Place, "kind"),
            Choice(Place.Kind, PLACE_KIND_LABELS),
            required=True,
        ),
        Column(
            "risk",
            ("风险等级", "风险", "risk"),
            _field(Place, "risk"),
            Choice(Place.Risk, PLACE_RISK_LABELS, Place.Risk.LOW),
        ),
        _address(Place),
        *_point(required=False),
        VILLAGE,
    )
    key = ("name", "address")
    key_label = gettext_lazy("name and address")
    point_required = False
    compare = ("kind", "risk", "lat", "lng")


class FacilitySpec(LocatedSpec):
    kind = "facilities"
    model = Facility
    columns = (
        Column(
            "code",
            ("部件编码", "编码", "code"),
            _field(Facility, "code"),
            text_of(40),
            required=True,
        ),
        Column(
            "name",
            ("部件名称", "名称", "name"),
            _field(Facility, "name"),
            text_of(100),
            required=True,
        ),
        Column(
            "kind",
            ("部件类型", "类型", "kind", "type"),
            _field(Facility, "kind"),
            Choice(Facility.Kind, FACILITY_KIND_LABELS),
            required=True,
        ),
        Column(
            "status",
            ("状态", "status"),
            _field(Facility, "status"),
            Choice(Facility.Status, FACILITY_STATUS_LABELS, Facility.Status.WORKING),
        ),
        _address(Facility),
        *_point(required=True),
    )
    key = ("code",)
    compare = ("name", "kind", "status", "address", "lat", "lng")


DWELLINGS = DwellingSpec()
ORGANIZATIONS = OrganizationSpec()
PLACES = PlaceSpec()
FACILITIES = FacilitySpec()
