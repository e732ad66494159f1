"""XLSX export of organisations, places and facilities in the caller's jurisdiction, logged.

Headers are the importer's (registry.imports.specs.located), so an exported sheet reads back;
an organisation's contact phone is written masked only (its ciphertext is not even loaded)."""

from django.db.models import QuerySet
from openpyxl import Workbook

from fengqiao.core.scoping import scoped
from fengqiao.registry.exporter import (
    CHUNK_SIZE,
    require_export,
    scope_code,
    text_cell,
    workbook_bytes,
)
from fengqiao.registry.imports.labels import (
    FACILITY_KIND_LABELS,
    FACILITY_STATUS_LABELS,
    ORGANIZATION_KIND_LABELS,
    PLACE_KIND_LABELS,
    PLACE_RISK_LABELS,
)
from fengqiao.registry.models import Facility, Organization, Place
from fengqiao.registry.services import export_log

__all__ = [
    "FACILITY_HEADERS",
    "ORGANIZATION_HEADERS",
    "PLACE_HEADERS",
    "export_facilities_xlsx",
    "export_organizations_xlsx",
    "export_places_xlsx",
]

_WHERE = ["地址", "纬度", "经度", "村社区代码", "网格", "辖区代码"]
ORGANIZATION_HEADERS = [
    *["单位名称", "单位类型", "统一社会信用代码", "联系人", "联系电话", "从业人数"],
    *_WHERE,
]
PLACE_HEADERS = ["场所名称", "场所类型", "风险等级", *_WHERE]
FACILITY_HEADERS = ["部件编码", "部件名称", "部件类型", "状态", *_WHERE]


def _where(sheet, row) -> list:
    return [
        text_cell(sheet, row.address),
        row.lat,
        row.lng,
        row.village.code if row.village_id else "",
        row.grid.name if row.grid_id else "",
        row.region_code,
    ]


def _export(actor, queryset, *, sheet_name, headers, object_type, cells, ip) -> bytes:
    require_export(actor)
    queryset = scoped(queryset, actor).select_related("village", "grid")
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_name)
    sheet.append(headers)
    count = 0
    for row in queryset.iterator(chunk_size=CHUNK_SIZE):
        sheet.append([*cells(sheet, row), *_where(sheet, row)])
        count += 1
    data = workbook_bytes(workbook)
    export_log(
        actor=actor,
        object_type=object_type,
        detail=f"rows={count}",
        region_code=scope_code(actor),
        ip=ip,
    )
    return data


def export_organizations_xlsx(*, actor, queryset: QuerySet[Organization], ip=None) -> bytes:
    def cells(sheet, org):
        return [
            text_cell(sheet, org.name),
            ORGANIZATION_KIND_LABELS.get(org.kind, org.kind),
            text_cell(sheet, org.credit_code),
            text_cell(sheet, org.contact_name),
            org.contact_phone_masked,
            org.employees,
        ]

    return _export(
        actor,
        queryset.defer("contact_phone_sealed"),
        sheet_name="单位",
        headers=ORGANIZATION_HEADERS,
        object_type="organization",
        cells=cells,
        ip=ip,
    )


def export_places_xlsx(*, actor, queryset: QuerySet[Place], ip=None) -> bytes:
    def cells(sheet, place):
        return [
            text_cell(sheet, place.name),
            PLACE_KIND_LABELS.get(place.kind, place.kind),
            PLACE_RISK_LABELS.get(place.risk, place.risk),
        ]

    return _export(
        actor,
        queryset,
        sheet_name="场所",
        headers=PLACE_HEADERS,
        object_type="place",
        cells=cells,
        ip=ip,
    )


def export_facilities_xlsx(*, actor, queryset: QuerySet[Facility], ip=None) -> bytes:
    def cells(sheet, facility):
        return [
            text_cell(sheet, facility.code),
            text_cell(sheet, facility.name),
            FACILITY_KIND_LABELS.get(facility.kind, facility.kind),
            FACILITY_STATUS_LABELS.get(facility.status, facility.status),
        ]

    return _export(
        actor,
        queryset,
        sheet_name="部件",
        headers=FACILITY_HEADERS,
        object_type="facility",
        cells=cells,
        ip=ip,
    )
