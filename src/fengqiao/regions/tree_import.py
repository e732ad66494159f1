"""Import of the region and grid tree from GeoJSON or an Excel workbook (read by
`regions.tree_read`): every row checked against the file and the database, then written.

Imports check the whole file against the database first and write nothing unless every row
is sound (all or nothing). They are idempotent: a code already on record is updated in place
when its name, kind or boundary differ and left alone otherwise. An empty boundary leaves the
stored one as it is, so a file without polygons can rename units without erasing their maps.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import numpy as np
import shapely
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from shapely.geometry.base import BaseGeometry

from fengqiao.core import divisions
from fengqiao.core.audit import audit_batch
from fengqiao.core.divisions import DivisionCodeError, Level
from fengqiao.core.errors import NotAllowed, ValidationFailed
from fengqiao.core.roles import Role, has_role
from fengqiao.core.scoping import code_within
from fengqiao.regions import geometry, locator, services
from fengqiao.regions.gazetteer import gazetteer_mark_stale
from fengqiao.regions.models import Grid, Region
from fengqiao.regions.tree_export import GRIDS_SHEET, REGIONS_SHEET
from fengqiao.regions.tree_read import RowError, RowErrors, TreeRow, read_geojson, read_xlsx

_CHUNK = 500


@dataclass
class ImportReport:
    """What an import did (counts), or why it wrote nothing (errors)."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def import_geojson(*, actor, data: dict | bytes | str) -> ImportReport:
    """Import a FeatureCollection like the one export_geojson writes."""
    require_tree_admin(actor)
    errors = RowErrors()
    rows = read_geojson(data, errors)
    return _import(rows, errors, actor=actor)


def import_xlsx(*, actor, content: bytes) -> ImportReport:
    """Import a workbook like the one export_xlsx writes (sheets "regions" and "grids")."""
    require_tree_admin(actor)
    errors = RowErrors()
    rows = read_xlsx(content, errors)
    return _import(rows, errors, actor=actor)


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


def _check_jurisdiction(rows: list[TreeRow], errors: RowErrors, actor) -> None:
    for row in rows:
        if row.ok and row.code and not code_within(actor, row.code):
            errors.add(row, "code", _("This code lies outside your jurisdiction."))


def _import(rows: list[TreeRow], errors: RowErrors, *, actor) -> ImportReport:
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


def _check_rows(rows: list[TreeRow], errors: RowErrors) -> None:
    """Checks that need nothing but the row itself (and the codes seen before it)."""
    seen: dict[str, TreeRow] = {}
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
                row.geom = geometry.parse_boundary(boundary)
            except ValidationFailed as exc:
                errors.add(row, "boundary", exc.message)
            else:
                row.boundary = geometry.boundary_geojson(row.geom)
        elif row.is_grid:
            errors.add(row, "boundary", _("A grid needs a boundary."))


def _chunks(values: Iterable[str]) -> Iterator[list[str]]:
    batch = sorted(set(values))
    for start in range(0, len(batch), _CHUNK):
        yield batch[start : start + _CHUNK]


def _load_existing(rows: list[TreeRow]) -> tuple[dict[str, Region], dict[str, Grid]]:
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
    rows: list[TreeRow], regions: dict[str, Region], grids: dict[str, Grid], errors: RowErrors
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


def _check_geometry(rows: list[TreeRow], regions: dict[str, Region], errors: RowErrors) -> None:
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
            stored = geometry.stored_shape(region.boundary)
            if stored is not None:
                shapes[code] = stored
    for batch in _chunks(villages):
        for code, name, boundary in Grid.objects.filter(village__code__in=batch).values_list(
            "code", "name", "boundary"
        ):
            labels[code] = f"{name} ({code})"
            stored = geometry.stored_shape(boundary)
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
            buffered[container_code] = container.buffer(geometry.CONTAINMENT_TOLERANCE)
        if buffered[container_code].covers(shapes[code]):
            continue
        if row is not None:
            try:
                geometry.check_inside(
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
            if area <= geometry.OVERLAP_TOLERANCE:
                continue
            # Members are in file order, so the later row of a pair takes the blame, and a
            # stored grid (sorted first) is only ever the one named.
            blamed, other = members[j], members[i]
            if blamed not in file_rows:
                continue
            errors.add(
                file_rows[blamed],
                "boundary",
                geometry.overlap_error(shapes[blamed], labels[other], float(area)).message,
            )


def _write(
    rows: list[TreeRow], regions: dict[str, Region], grids: dict[str, Grid], report: ImportReport
) -> None:
    locator_affected = False
    changed: list[str] = []
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
            geometry.apply_boundary(region, row.geom)
            region.save()
            services.adopt_orphans(region)
            regions[row.code] = region
            report.created += 1
            changed.append(row.code)
            locator_affected |= row.level is Level.VILLAGE and row.geom is not None
        elif _update(region, row):
            report.updated += 1
            changed.append(row.code)
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
            geometry.apply_boundary(grid, row.geom)
            grid.save()
            grids[row.code] = grid
            report.created += 1
            changed.append(row.code)
            locator_affected = True
        elif _update(grid, row):
            report.updated += 1
            changed.append(row.code)
            locator_affected = True
        else:
            report.unchanged += 1
    gazetteer_mark_stale(changed)
    if locator_affected:
        transaction.on_commit(locator.grids_changed)


def _update(obj: Region | Grid, row: TreeRow) -> bool:
    """Bring a stored row in line with the file; True when anything changed."""
    changed = []
    if obj.name != row.name:
        obj.name = row.name
        changed.append("name")
    if obj.kind != row.kind:
        obj.kind = row.kind
        changed.append("kind")
    if row.boundary is not None and obj.boundary != row.boundary:
        geometry.apply_boundary(obj, row.geom)
        changed += geometry.BOUNDARY_FIELDS
    if changed:
        obj.save(update_fields=changed)
    return bool(changed)
