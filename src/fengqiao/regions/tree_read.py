"""Reading a region and grid tree file (a GeoJSON FeatureCollection or an Excel workbook) into
rows, noting what is wrong with each; `regions.tree_import` checks the rows and writes them."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from io import BytesIO

from django.utils.translation import gettext_lazy as _
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from shapely.geometry.base import BaseGeometry

from fengqiao.core.divisions import Level
from fengqiao.core.errors import ValidationFailed
from fengqiao.core.inputguard import json_depth_ok
from fengqiao.regions.tree_export import COLUMNS, GRIDS_SHEET, REGIONS_SHEET

# Excel keeps 15 significant digits of a number, so a longer code typed as a number is lost.
_EXCEL_DIGITS = 15


@dataclass(frozen=True)
class RowError:
    """One problem in an import: where (row, column, and sheet for workbooks) and why.

    GeoJSON rows are feature indexes counted from 0 (as in `features[0]`), columns are
    property names; workbook rows are the row numbers Excel shows, columns "B (name)".
    """

    row: int
    column: str
    reason: str
    sheet: str = ""


@dataclass
class TreeRow:
    """One feature or worksheet row on its way into the database."""

    sheet: str
    row: int
    labels: dict[str, str]
    values: dict
    expect: str | None = None  # "region" / "grid" when the sheet decides, None for GeoJSON
    ok: bool = True
    code: str = ""
    level: Level | None = None
    parent_code: str | None = None
    parent_given: bool = False
    name: str = ""
    kind: str = ""
    geom: BaseGeometry | None = None
    boundary: dict | None = None

    @property
    def is_grid(self) -> bool:
        return self.level in (Level.GRID, Level.MICRO_GRID)


class RowErrors:
    """The problems found so far; adding one marks its row as not to be written."""

    def __init__(self) -> None:
        self.items: list[RowError] = []

    def add(self, row: TreeRow, column: str, reason) -> None:
        self.items.append(RowError(row.row, row.labels.get(column, column), str(reason), row.sheet))
        row.ok = False


def read_geojson(data: dict | bytes | str, errors: RowErrors) -> list[TreeRow]:
    """The features of a FeatureCollection like the one export_geojson writes, as rows."""
    if isinstance(data, bytes | str):
        if not json_depth_ok(data):
            raise ValidationFailed(_("The file nests its JSON too deeply."), field="file")
        try:
            # Windows tools often start UTF-8 files with a byte-order mark, which json rejects.
            data = json.loads(data.decode("utf-8-sig") if isinstance(data, bytes) else data)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ValidationFailed(
                _("The file is not valid JSON: %(error)s") % {"error": exc}, field="file"
            ) from exc
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise ValidationFailed(_("The file must be a GeoJSON FeatureCollection."), field="file")
    features = data.get("features")
    if not isinstance(features, list):
        raise ValidationFailed(_("The FeatureCollection has no list of features."), field="file")
    rows = []
    labels = {name: name for name in COLUMNS} | {"boundary": "geometry"}
    for index, feature in enumerate(features):
        row = TreeRow(sheet="", row=index, labels=labels, values={})
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            errors.add(row, "type", _("This is not a GeoJSON Feature."))
            continue
        properties = feature.get("properties")
        if not isinstance(properties, dict):
            errors.add(row, "properties", _("The feature has no properties (code, name…)."))
            continue
        row.values = {name: properties.get(name) for name in COLUMNS[:-1]}
        row.values["boundary"] = feature.get("geometry")
        rows.append(row)
    return rows


def read_xlsx(content: bytes, errors: RowErrors) -> list[TreeRow]:
    """The rows of a workbook like the one export_xlsx writes (sheets "regions" and "grids")."""
    try:
        workbook = load_workbook(BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise ValidationFailed(
            _("The file is not an Excel workbook (.xlsx); save it as .xlsx and try again."),
            field="file",
        ) from exc
    try:
        missing = [s for s in (REGIONS_SHEET, GRIDS_SHEET) if s not in workbook.sheetnames]
        if missing:
            raise ValidationFailed(
                _("The workbook needs the sheets %(needed)s; missing: %(missing)s.")
                % {"needed": f"{REGIONS_SHEET}, {GRIDS_SHEET}", "missing": ", ".join(missing)},
                field="file",
            )
        rows = [
            *_sheet_rows(workbook[REGIONS_SHEET], REGIONS_SHEET, "region", errors),
            *_sheet_rows(workbook[GRIDS_SHEET], GRIDS_SHEET, "grid", errors),
        ]
    finally:
        workbook.close()
    return rows


def _sheet_rows(sheet, title: str, expect: str, errors: RowErrors) -> Iterator[TreeRow]:
    lines = sheet.iter_rows(values_only=True)
    header = next(lines, None) or ()
    names = [str(h).strip().lower() if h is not None else "" for h in header]
    required = ("code", "name", "boundary") if expect == "grid" else ("code", "name")
    missing = [name for name in required if name not in names]
    if missing:
        raise ValidationFailed(
            _(
                "Sheet %(sheet)s lacks the column(s) %(missing)s in its first row; "
                "expected: %(expected)s."
            )
            % {"sheet": title, "missing": ", ".join(missing), "expected": ", ".join(COLUMNS)},
            field="file",
        )
    position = {name: names.index(name) for name in COLUMNS if name in names}
    boundary_columns = [position["boundary"]] if "boundary" in position else []
    boundary_columns += sorted(i for i, name in enumerate(names) if name.startswith("boundary_"))
    labels = {name: f"{get_column_letter(i + 1)} ({name})" for name, i in position.items()}
    for number, line in enumerate(lines, start=2):
        cells = list(line) + [None] * (len(names) - len(line))
        if all(cell is None or (isinstance(cell, str) and not cell.strip()) for cell in cells):
            continue
        row = TreeRow(sheet=title, row=number, labels=labels, values={}, expect=expect)
        for name in COLUMNS[:-1]:
            row.values[name] = _cell_text(cells[position[name]]) if name in position else ""
        code_cell = cells[position["code"]]
        if isinstance(code_cell, int | float) and len(row.values["code"]) > _EXCEL_DIGITS:
            errors.add(
                row,
                "code",
                _(
                    "The code was stored as a number and Excel kept only 15 digits; format the "
                    "column as text and type the code again."
                ),
            )
            continue
        text = "".join(_cell_text(cells[i]) for i in boundary_columns)
        row.values["boundary"] = None
        if text and not json_depth_ok(text):
            errors.add(row, "boundary", _("The file nests its JSON too deeply."))
            continue
        if text:
            try:
                row.values["boundary"] = json.loads(text)
            except json.JSONDecodeError as exc:
                errors.add(
                    row,
                    "boundary",
                    _("The boundary is not GeoJSON text: %(error)s") % {"error": exc},
                )
                continue
        yield row


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()
