"""Import and export of the region and grid tree as GeoJSON and as an Excel workbook.

Imports check the whole file against the database first and write nothing unless every row
is sound (all or nothing). They are idempotent: a code already on record is updated in place
when its name, kind or boundary differ and left alone otherwise. An empty boundary leaves the
stored one as it is, so a file without polygons can rename units without erasing their maps.
"""

from __future__ import annotations

import json
import zipfile
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from io import BytesIO

import numpy as np
import shapely
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from shapely.geometry.base import BaseGeometry

from fengqiao.core import divisions
from fengqiao.core.audit import audit_batch
from fengqiao.core.divisions import DivisionCodeError, Level
from fengqiao.core.errors import NotAllowed, ValidationFailed
from fengqiao.core.inputguard import json_depth_ok
from fengqiao.core.roles import Role, has_role
from fengqiao.core.scoping import code_within
from fengqiao.core.textsafe import xml_safe
from fengqiao.regions import locator, selectors, services
from fengqiao.regions.models import Grid, Region

__all__ = [
    "ImportReport",
    "RowError",
    "export_geojson",
    "export_xlsx",
    "import_geojson",
    "import_xlsx",
]

COLUMNS = ("code", "name", "level", "kind", "parent_code", "boundary")
REGIONS_SHEET = "regions"
GRIDS_SHEET = "grids"
# Excel refuses cells longer than 32,767 characters; a long boundary continues in
# "boundary_2", "boundary_3"… columns, which the importer joins back together.
_CELL_LIMIT = 32_000
# Excel keeps 15 significant digits of a number, so a longer code typed as a number is lost.
_EXCEL_DIGITS = 15
_CHUNK = 500


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
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


# --- export -----------------------------------------------------------------------------------


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


# --- import: reading files --------------------------------------------------------------------


@dataclass
class _Row:
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


class _Errors:
    def __init__(self) -> None:
        self.items: list[RowError] = []

    def add(self, row: _Row, column: str, reason) -> None:
        self.items.append(RowError(row.row, row.labels.get(column, column), str(reason), row.sheet))
        row.ok = False


def import_geojson(*, actor, data: dict | bytes | str) -> ImportReport:
    """Import a FeatureCollection like the one export_geojson writes."""
    require_tree_admin(actor)
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
    errors = _Errors()
    rows = []
    labels = {name: name for name in COLUMNS} | {"boundary": "geometry"}
    for index, feature in enumerate(features):
        row = _Row(sheet="", row=index, labels=labels, values={})
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
    return _import(rows, errors, actor=actor)


def import_xlsx(*, actor, content: bytes) -> ImportReport:
    """Import a workbook like the one export_xlsx writes (sheets "regions" and "grids")."""
    require_tree_admin(actor)
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
        errors = _Errors()
        rows = [
            *_sheet_rows(workbook[REGIONS_SHEET], REGIONS_SHEET, "region", errors),
            *_sheet_rows(workbook[GRIDS_SHEET], GRIDS_SHEET, "grid", errors),
        ]
    finally:
        workbook.close()
    return _import(rows, errors, actor=actor)


def _sheet_rows(sheet, title: str, expect: str, errors: _Errors) -> Iterator[_Row]:
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
        row = _Row(sheet=title, row=number, labels=labels, values={}, expect=expect)
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


# --- import: checking and writing -------------------------------------------------------------


# A whole county's regions and grids with detailed polygons stay well below this.
TREE_FILE_MAX_BYTES = 64 * 1024 * 1024


def import_tree(*, actor, filename: str, content: bytes) -> ImportReport:
    """Import a tree file, choosing the reader by its name (.xlsx, else GeoJSON)."""
    if len(content) > TREE_FILE_MAX_BYTES:
        raise ValidationFailed(
            _("The file is larger than %(mb)d MB.") % {"mb": TREE_FILE_MAX_BYTES // 2**20},
            field="file",
        )
    if filename.lower().endswith(".xlsx"):
        return import_xlsx(actor=actor, content=content)
    return import_geojson(actor=actor, data=content)


def require_tree_admin(actor) -> None:
    """Only administrators change the region and grid tree."""
    if not has_role(actor, {Role.ADMIN}):
        raise NotAllowed(_("Only administrators may import regions and grids."))


def _check_jurisdiction(rows: list[_Row], errors: _Errors, actor) -> None:
    for row in rows:
        if row.ok and row.code and not code_within(actor, row.code):
            errors.add(row, "code", _("This code lies outside your jurisdiction."))


def _import(rows: list[_Row], errors: _Errors, *, actor) -> ImportReport:
    _check_rows(rows, errors)
    _check_jurisdiction(rows, errors, actor)
    existing_regions, existing_grids = _load_existing(rows)
    _check_against_records(rows, existing_regions, existing_grids, errors)
    _check_geometry(rows, existing_regions, errors)
    report = ImportReport()
    if errors.items:
        sheet_order = {"": 0, REGIONS_SHEET: 0, GRIDS_SHEET: 1}
        report.errors = sorted(errors.items, key=lambda e: (sheet_order.get(e.sheet, 2), e.row))
        return report
    with transaction.atomic():
        _write(rows, existing_regions, existing_grids, report)
        audit_batch(  # one row per imported file, with its counts
            actor=actor,
            entity_type="regions.region",
            action="import",
            counts={"created": report.created, "updated": report.updated},
            region_codes={row.code for row in rows if getattr(row, "code", None)},
        )
    return report


def _check_rows(rows: list[_Row], errors: _Errors) -> None:
    """Checks that need nothing but the row itself (and the codes seen before it)."""
    seen: dict[str, _Row] = {}
    for row in rows:
        raw = row.values.get("code")
        if raw in (None, ""):
            errors.add(row, "code", _("The code is missing."))
            continue
        try:
            row.code = divisions.normalize(str(raw))
            row.level = divisions.level_of(row.code)
        except DivisionCodeError as exc:
            errors.add(row, "code", exc.message)
            continue
        if row.expect == "region" and row.is_grid:
            errors.add(
                row,
                "code",
                _("%(code)s is a grid code; it belongs on the grids sheet.") % {"code": row.code},
            )
            continue
        if row.expect == "grid" and not row.is_grid:
            errors.add(
                row,
                "code",
                _("%(code)s is a region code; it belongs on the regions sheet.")
                % {"code": row.code},
            )
            continue
        if row.code in seen:
            errors.add(
                row,
                "code",
                _("Code %(code)s already appears in row %(row)s.")
                % {"code": row.code, "row": seen[row.code].row},
            )
            continue
        seen[row.code] = row
        row.parent_code = divisions.parent_of(row.code)

        level = row.values.get("level")
        if level not in (None, ""):
            try:
                stated = divisions.parse_level(str(level))
            except DivisionCodeError as exc:
                errors.add(row, "level", exc.message)
            else:
                if stated is not row.level:
                    errors.add(
                        row,
                        "level",
                        _("The level says %(stated)s but code %(code)s is a %(level)s.")
                        % {"stated": stated.value, "code": row.code, "level": row.level.value},
                    )

        parent = row.values.get("parent_code")
        if parent not in (None, ""):
            row.parent_given = True
            try:
                stated_parent = divisions.normalize(str(parent))
            except DivisionCodeError as exc:
                errors.add(row, "parent_code", exc.message)
            else:
                if stated_parent != row.parent_code:
                    errors.add(
                        row,
                        "parent_code",
                        _("The parent of %(code)s is %(expected)s by its code, not %(given)s.")
                        % {"code": row.code, "expected": row.parent_code, "given": stated_parent},
                    )

        try:
            row.name = services.clean_name(row.values.get("name"))
        except ValidationFailed as exc:
            errors.add(row, "name", exc.message)

        boundary = row.values.get("boundary")
        if boundary not in (None, "", {}):
            try:
                row.geom = services.parse_boundary(boundary)
            except ValidationFailed as exc:
                errors.add(row, "boundary", exc.message)
            else:
                row.boundary = services.boundary_geojson(row.geom)
        elif row.is_grid:
            errors.add(row, "boundary", _("A grid needs a boundary."))


def _chunks(values: Iterable[str]) -> Iterator[list[str]]:
    batch = sorted(set(values))
    for start in range(0, len(batch), _CHUNK):
        yield batch[start : start + _CHUNK]


def _load_existing(rows: list[_Row]) -> tuple[dict[str, Region], dict[str, Grid]]:
    """Records the file refers to: its own codes, their parents and their villages."""
    region_codes, grid_codes = set(), set()
    for row in rows:
        if not row.code or row.level is None:
            continue
        for code in (row.code, row.parent_code, row.code[: divisions.REGION_LENGTH]):
            if code:
                (grid_codes if len(code) > divisions.REGION_LENGTH else region_codes).add(code)
    regions = {}
    for batch in _chunks(region_codes):
        regions.update({r.code: r for r in Region.objects.filter(code__in=batch)})
    grids = {}
    for batch in _chunks(grid_codes):
        grids.update({g.code: g for g in Grid.objects.filter(code__in=batch)})
    return regions, grids


def _check_against_records(
    rows: list[_Row], regions: dict[str, Region], grids: dict[str, Grid], errors: _Errors
) -> None:
    """Parents exist (in the file or on record); kinds fit; kind blank keeps the stored one."""
    in_file = {row.code for row in rows if row.code}
    for row in rows:
        if not row.ok:
            continue
        parent = row.parent_code
        is_known = not parent or parent in in_file or parent in regions or parent in grids
        # A region whose parent is unknown may be a root (a county-only installation), unless
        # the file names that parent; a grid always needs its village or parent grid.
        if not is_known and (row.is_grid or row.parent_given):
            column = "parent_code" if row.parent_given else "code"
            errors.add(
                row,
                column,
                _("The parent %(parent)s is neither in this file nor on record.")
                % {"parent": parent},
            )
        stored = grids.get(row.code) if row.is_grid else regions.get(row.code)
        kind = row.values.get("kind") or (stored.kind if stored else None)
        try:
            if row.is_grid:
                row.kind = services.clean_grid_kind(kind, is_micro=row.level is Level.MICRO_GRID)
            else:
                row.kind = services.clean_region_kind(row.code, row.level, kind)
        except ValidationFailed as exc:
            errors.add(row, "kind", exc.message)


def _check_geometry(rows: list[_Row], regions: dict[str, Region], errors: _Errors) -> None:
    """Grids inside their village and parent grid, and off their siblings, as they will be
    once the file is in: file shapes override stored ones, stored ones fill the rest."""
    file_rows = {row.code: row for row in rows if row.ok and row.geom is not None}
    villages = {row.code[: divisions.REGION_LENGTH] for row in rows if row.ok and row.is_grid}
    villages |= {row.code for row in file_rows.values() if row.level is Level.VILLAGE}
    if not villages:
        return

    shapes: dict[str, BaseGeometry] = {}
    labels: dict[str, str] = {}
    for code in villages:
        region = regions.get(code)
        if region is not None:
            labels[code] = f"{region.name} ({code})"
            stored = services.stored_shape(region.boundary)
            if stored is not None:
                shapes[code] = stored
    for batch in _chunks(villages):
        for code, name, boundary in Grid.objects.filter(village__code__in=batch).values_list(
            "code", "name", "boundary"
        ):
            labels[code] = f"{name} ({code})"
            stored = services.stored_shape(boundary)
            if stored is not None:
                shapes[code] = stored
    for code, row in file_rows.items():
        labels[code] = f"{row.name} ({code})"
        shapes[code] = row.geom

    grid_codes = [code for code in shapes if len(code) > divisions.REGION_LENGTH]
    buffered: dict[str, BaseGeometry] = {}
    for code in grid_codes:
        container_code = divisions.parent_of(code)
        container = shapes.get(container_code)
        row, container_row = file_rows.get(code), file_rows.get(container_code)
        if container is None or (row is None and container_row is None):
            continue  # nothing this file changes
        if container_code not in buffered:
            buffered[container_code] = container.buffer(services.CONTAINMENT_TOLERANCE)
        if buffered[container_code].covers(shapes[code]):
            continue
        if row is not None:
            try:
                services.check_inside(
                    shapes[code], container, container_label=labels[container_code]
                )
            except ValidationFailed as exc:
                errors.add(row, "boundary", exc.message)
        else:
            errors.add(
                container_row,
                "boundary",
                _("The new boundary would leave grid %(grid)s partly outside.")
                % {"grid": labels[code]},
            )

    siblings: dict[str, list[str]] = defaultdict(list)
    for code in grid_codes:
        siblings[divisions.parent_of(code)].append(code)
    for members in siblings.values():
        if len(members) < 2 or not any(code in file_rows for code in members):
            continue
        members.sort(key=lambda c: (file_rows[c].row if c in file_rows else -1, c))
        geoms = np.array([shapes[c] for c in members], dtype=object)
        left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
        pairs = left < right
        left, right = left[pairs], right[pairs]
        if left.size == 0:
            continue
        areas = shapely.area(shapely.intersection(geoms[left], geoms[right]))
        for i, j, area in zip(left, right, areas, strict=True):
            if area <= services.OVERLAP_TOLERANCE:
                continue
            # Members are in file order, so the later row of a pair takes the blame, and a
            # stored grid (sorted first) is only ever the one named.
            blamed, other = members[j], members[i]
            if blamed not in file_rows:
                continue
            errors.add(
                file_rows[blamed],
                "boundary",
                services.overlap_error(shapes[blamed], labels[other], float(area)).message,
            )


def _write(
    rows: list[_Row], regions: dict[str, Region], grids: dict[str, Grid], report: ImportReport
) -> None:
    locator_affected = False
    region_rows = sorted((r for r in rows if not r.is_grid), key=lambda r: (r.level.rank, r.code))
    for row in region_rows:
        region = regions.get(row.code)
        if region is None:
            region = Region(
                code=row.code,
                name=row.name,
                level=row.level.value,
                kind=row.kind,
                parent=regions.get(row.parent_code) if row.parent_code else None,
            )
            services.apply_boundary(region, row.geom)
            region.save()
            services.adopt_orphans(region)
            regions[row.code] = region
            report.created += 1
            locator_affected |= row.level is Level.VILLAGE and row.geom is not None
        elif _update(region, row):
            report.updated += 1
            locator_affected |= row.level is Level.VILLAGE
        else:
            report.unchanged += 1

    grid_rows = sorted((r for r in rows if r.is_grid), key=lambda r: (len(r.code), r.code))
    for row in grid_rows:
        grid = grids.get(row.code)
        if grid is None:
            parent = grids[row.parent_code] if row.level is Level.MICRO_GRID else None
            grid = Grid(
                code=row.code,
                name=row.name,
                kind=row.kind,
                village=regions[row.code[: divisions.REGION_LENGTH]],
                parent=parent,
                depth=(parent.depth + 1) if parent is not None else 1,
            )
            services.apply_boundary(grid, row.geom)
            grid.save()
            grids[row.code] = grid
            report.created += 1
            locator_affected = True
        elif _update(grid, row):
            report.updated += 1
            locator_affected = True
        else:
            report.unchanged += 1
    if locator_affected:
        transaction.on_commit(locator.grids_changed)


def _update(obj: Region | Grid, row: _Row) -> bool:
    """Bring a stored row in line with the file; True when anything changed."""
    changed = []
    if obj.name != row.name:
        obj.name = row.name
        changed.append("name")
    if obj.kind != row.kind:
        obj.kind = row.kind
        changed.append("kind")
    if row.boundary is not None and obj.boundary != row.boundary:
        services.apply_boundary(obj, row.geom)
        changed += ["boundary", "centroid_lat", "centroid_lng"]
    if changed:
        obj.save(update_fields=changed)
    return bool(changed)
