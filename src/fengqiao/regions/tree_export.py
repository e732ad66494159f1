"""Export of the region and grid tree as GeoJSON and as an Excel workbook, and the columns and
sheets of that file format, which the import (`regions.tree_read`) reads back."""

from __future__ import annotations

import json
from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Font

from fengqiao.core import divisions
from fengqiao.core.divisions import DivisionCodeError, Level
from fengqiao.core.errors import ValidationFailed
from fengqiao.core.textsafe import xml_safe
from fengqiao.regions import selectors
from fengqiao.regions.models import Grid, Region

COLUMNS = ("code", "name", "level", "kind", "parent_code", "boundary")
REGIONS_SHEET = "regions"
GRIDS_SHEET = "grids"
# Excel refuses cells longer than 32,767 characters; a long boundary continues in
# "boundary_2", "boundary_3"… columns, which the importer joins back together.
_CELL_LIMIT = 32_000


def _tree(*, actor, root_code) -> tuple[list[Region], list[Grid]]:
    """The root (a region or grid the actor may see) and everything inside it, in code order."""
    try:
        canonical = divisions.normalize(str(root_code or ""))
        level = divisions.level_of(canonical)
    except DivisionCodeError as exc:
        raise ValidationFailed(exc.message, field="root_code") from exc
    if level in (Level.GRID, Level.MICRO_GRID):
        root = selectors.grid_get(actor=actor, code=canonical)
        grids = selectors.grid_list(actor=actor).filter(code__startswith=root.code)
        return [], list(grids.order_by("code"))
    root = selectors.region_get(actor=actor, code=canonical)
    regions = selectors.region_list(actor=actor).filter(code__startswith=root.prefix)
    grids = selectors.grid_list(actor=actor).filter(code__startswith=root.prefix)
    # Zero-padded codes sort depth-first (a county before its townships before their
    # villages), so parents always precede their children in the output.
    return list(regions.order_by("code")), list(grids.order_by("code"))


def _region_record(region: Region) -> dict:
    return {
        "code": region.code,
        "name": region.name,
        "level": region.level,
        "kind": region.kind,
        "parent_code": region.parent.code if region.parent_id else None,
    }


def _grid_record(grid: Grid) -> dict:
    return {
        "code": grid.code,
        "name": grid.name,
        "level": divisions.level_of(grid.code).value,
        "kind": grid.kind,
        "parent_code": grid.parent.code if grid.parent_id else grid.village.code,
    }


def export_geojson(*, actor, root_code) -> dict:
    """A FeatureCollection of every region and grid inside `root_code` that the actor sees."""
    regions, grids = _tree(actor=actor, root_code=root_code)
    features = [
        {"type": "Feature", "geometry": region.boundary, "properties": _region_record(region)}
        for region in regions
    ] + [
        {"type": "Feature", "geometry": grid.boundary, "properties": _grid_record(grid)}
        for grid in grids
    ]
    return {"type": "FeatureCollection", "features": features}


def export_xlsx(*, actor, root_code) -> bytes:
    """A workbook with a "regions" and a "grids" sheet; boundaries as GeoJSON text."""
    regions, grids = _tree(actor=actor, root_code=root_code)
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, records in (
        (REGIONS_SHEET, [(_region_record(r), r.boundary) for r in regions]),
        (GRIDS_SHEET, [(_grid_record(g), g.boundary) for g in grids]),
    ):
        _write_sheet(workbook.create_sheet(title), records)
    out = BytesIO()
    workbook.save(out)
    return out.getvalue()


def _write_sheet(sheet, records: list[tuple[dict, dict | None]]) -> None:
    texts = [
        json.dumps(boundary, separators=(",", ":"), ensure_ascii=False) if boundary else ""
        for _record, boundary in records
    ]
    pieces = [
        [text[i : i + _CELL_LIMIT] for i in range(0, len(text), _CELL_LIMIT)] or [""]
        for text in texts
    ]
    extra = max((len(p) for p in pieces), default=1) - 1
    headers = list(COLUMNS) + [f"boundary_{n}" for n in range(2, extra + 2)]
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for (record, _boundary), parts in zip(records, pieces, strict=True):
        row = [xml_safe(record[c]) or "" for c in COLUMNS[:-1]] + parts
        sheet.append(row + [""] * (len(headers) - len(row)))
    # Text format keeps codes as text when someone edits them in Excel; as numbers, codes
    # over 15 digits lose their tail.
    for column in ("A", "E"):
        for cell in sheet[column]:
            cell.number_format = "@"
    for letter, width in zip("ABCDEF", (20, 24, 12, 14, 20, 60), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"
