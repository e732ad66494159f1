"""Every write to regions and grids, and the code, name and kind checks the tree import shares.

The boundary geometry both use lives in `regions.geometry`."""

from __future__ import annotations

import hashlib
import json

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _
from shapely.geometry.base import BaseGeometry

from fengqiao.core import divisions
from fengqiao.core.audit import audit_created, audit_record
from fengqiao.core.divisions import DivisionCodeError, Level
from fengqiao.core.errors import Conflict, ValidationFailed
from fengqiao.regions import locator
from fengqiao.regions.gazetteer import gazetteer_mark_stale
from fengqiao.regions.geometry import (
    BOUNDARY_FIELDS,
    CONTAINMENT_TOLERANCE,
    apply_boundary,
    check_inside,
    find_overlap,
    overlap_error,
    parse_boundary,
    stored_shape,
)
from fengqiao.regions.models import Grid, Region

REGION_LEVELS = (Level.PROVINCE, Level.CITY, Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE)
_KINDS_BY_LEVEL = {
    Level.PROVINCE: {Region.Kind.PROVINCE},
    Level.CITY: {Region.Kind.CITY},
    Level.COUNTY: {Region.Kind.COUNTY},
    Level.TOWNSHIP: {Region.Kind.SUBDISTRICT, Region.Kind.TOWN, Region.Kind.TOWNSHIP},
    Level.VILLAGE: {Region.Kind.COMMUNITY, Region.Kind.VILLAGE},
}
_NAME_MAX = 100


# --- checks shared with the tree import -----------------------------------------------------------


def clean_name(name, *, field: str = "name") -> str:
    cleaned = (name or "").strip() if isinstance(name, str) or name is None else str(name).strip()
    if not cleaned:
        raise ValidationFailed(_("A name is required."), field=field)
    if len(cleaned) > _NAME_MAX:
        raise ValidationFailed(
            _("The name is longer than %(max)d characters.") % {"max": _NAME_MAX}, field=field
        )
    return cleaned


def clean_region_code(code, *, field: str = "code") -> tuple[str, Level]:
    """Canonical 12-digit region code and its level; grid codes are refused."""
    try:
        canonical = divisions.normalize(str(code) if code is not None else "")
        level = divisions.level_of(canonical)
    except DivisionCodeError as exc:
        raise ValidationFailed(exc.message, field=field) from exc
    if level not in REGION_LEVELS:
        raise ValidationFailed(
            _("%(code)s is a grid code, not a region code.") % {"code": canonical}, field=field
        )
    return canonical, level


def clean_region_kind(code: str, level: Level, kind, *, field: str = "kind") -> str:
    """The given kind if it fits the level, else the kind the code's digits imply."""
    allowed = _KINDS_BY_LEVEL[level]
    if kind in (None, ""):
        if level is Level.TOWNSHIP:
            implied = divisions.township_kind(code)
        elif level is Level.VILLAGE:
            implied = divisions.village_kind(code)
        else:
            implied = level.value
        # Serials 400+ (development zones, farms) have no kind of their own in the model.
        return implied if implied in allowed else level.value
    if kind not in allowed:
        raise ValidationFailed(
            _("Kind %(kind)s does not fit a %(level)s; use one of: %(allowed)s.")
            % {"kind": kind, "level": level.value, "allowed": ", ".join(sorted(allowed))},
            field=field,
        )
    return str(kind)


def clean_grid_code(code, *, parent_code: str, field: str = "code") -> str:
    """Canonical grid code, which must sit directly below `parent_code` (village or grid)."""
    try:
        canonical = divisions.normalize(str(code) if code is not None else "")
        level = divisions.level_of(canonical)
    except DivisionCodeError as exc:
        raise ValidationFailed(exc.message, field=field) from exc
    if level not in (Level.GRID, Level.MICRO_GRID):
        raise ValidationFailed(
            _("%(code)s is a region code, not a grid code.") % {"code": canonical}, field=field
        )
    if divisions.parent_of(canonical) != parent_code:
        raise ValidationFailed(
            _("Grid code %(code)s does not belong directly under %(parent)s.")
            % {"code": canonical, "parent": parent_code},
            field=field,
        )
    return canonical


def clean_grid_kind(kind, *, is_micro: bool, field: str = "kind") -> str:
    if kind in (None, ""):
        return Grid.Kind.MICRO if is_micro else Grid.Kind.COMPREHENSIVE
    if kind not in Grid.Kind.values:
        raise ValidationFailed(
            _("Unknown grid kind %(kind)s; use one of: %(allowed)s.")
            % {"kind": kind, "allowed": ", ".join(Grid.Kind.values)},
            field=field,
        )
    return str(kind)


# --- regions ----------------------------------------------------------------------------------


def _boundary_digest(boundary) -> str | None:
    """A short digest standing for a polygon in an audit row (the polygon itself is large)."""
    if not boundary:
        return None
    text = json.dumps(boundary, sort_keys=True, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()[:16]


def region_create(
    *,
    code,
    name,
    parent: Region | None = None,
    boundary: dict | None = None,
    kind=None,
    actor=None,
) -> Region:
    """Create a region. Its level and default kind follow from the code's digits.

    Without `parent`, the region hangs under the unit its code names as parent if that exists,
    and is a root otherwise (a county-only installation has no province row).
    """
    code, level = clean_region_code(code)
    name = clean_name(name)
    kind = clean_region_kind(code, level, kind)
    geom = parse_boundary(boundary) if boundary is not None else None
    expected_parent = divisions.parent_of(code)
    with transaction.atomic():
        if parent is not None and parent.code != expected_parent:
            raise ValidationFailed(
                _("The parent of %(code)s must be %(expected)s, not %(given)s.")
                % {"code": code, "expected": expected_parent, "given": parent.code},
                field="parent",
            )
        if parent is None and expected_parent is not None:
            parent = Region.objects.filter(code=expected_parent).first()
        if Region.objects.filter(code=code).exists():
            raise Conflict(
                _("A region with code %(code)s already exists.") % {"code": code}, field="code"
            )
        region = Region(code=code, name=name, level=level.value, kind=kind, parent=parent)
        apply_boundary(region, geom)
        try:
            with transaction.atomic():
                region.save()
        except IntegrityError as exc:
            raise Conflict(
                _("A region with code %(code)s already exists.") % {"code": code}, field="code"
            ) from exc
        adopt_orphans(region)
        changes = audit_created(region, ["code", "name", "level", "kind", "parent"])
        gazetteer_mark_stale([region.code])
        changes["boundary"] = [None, _boundary_digest(region.boundary)]
        audit_record(
            actor=actor, entity=region, action="create", changes=changes, region_code=region.code
        )
        if level is Level.VILLAGE and geom is not None:
            transaction.on_commit(locator.grids_changed)
    return region


def adopt_orphans(region: Region) -> int:
    """Attach roots whose code names `region` as parent (they were created before it)."""
    candidates = Region.objects.filter(parent__isnull=True, code__startswith=region.prefix).exclude(
        pk=region.pk
    )
    orphan_ids = [
        pk
        for pk, code in candidates.values_list("pk", "code")
        if divisions.parent_of(code) == region.code
    ]
    if not orphan_ids:
        return 0
    return Region.objects.filter(pk__in=orphan_ids).update(parent=region)


# --- grids ------------------------------------------------------------------------------------


def grid_create(
    *,
    village: Region,
    name,
    boundary: dict,
    kind=None,
    parent: Grid | None = None,
    code=None,
    actor=None,
) -> Grid:
    """Create a grid under a village, or a micro-grid under `parent`.

    The code is the next unused serial below the village (3 digits) or parent grid (2 digits)
    unless given. Kind defaults to comprehensive for a grid and micro for a micro-grid.
    """
    if village.level != Region.Level.VILLAGE:
        raise ValidationFailed(
            _("Grids belong to a village or community, not to a %(level)s.")
            % {"level": village.level},
            field="village",
        )
    if parent is not None and parent.village_id != village.pk:
        raise ValidationFailed(
            _("The parent grid %(parent)s belongs to another village.") % {"parent": parent.code},
            field="parent",
        )
    name = clean_name(name)
    kind = clean_grid_kind(kind, is_micro=parent is not None)
    if boundary is None:
        raise ValidationFailed(_("A grid needs a boundary."), field="boundary")
    geom = parse_boundary(boundary)
    with transaction.atomic():
        # Lock the container so two concurrent creates cannot both take the next serial.
        village = Region.objects.select_for_update().get(pk=village.pk)
        if parent is not None:
            parent = Grid.objects.select_for_update().get(pk=parent.pk)
        base = parent.code if parent is not None else village.code
        code = (
            _next_grid_code(base) if code in (None, "") else clean_grid_code(code, parent_code=base)
        )
        if Grid.objects.filter(code=code).exists():
            raise Conflict(
                _("A grid with code %(code)s already exists.") % {"code": code}, field="code"
            )
        _check_grid_geometry(geom, village=village, parent=parent, grid=None)
        grid = Grid(
            code=code,
            name=name,
            kind=kind,
            village=village,
            parent=parent,
            depth=(parent.depth + 1) if parent is not None else 1,
        )
        apply_boundary(grid, geom)
        try:
            with transaction.atomic():
                grid.save()
        except IntegrityError as exc:
            raise Conflict(
                _("A grid with code %(code)s already exists.") % {"code": code}, field="code"
            ) from exc
        changes = audit_created(grid, ["code", "name", "kind", "village", "parent", "depth"])
        gazetteer_mark_stale([grid.code])
        changes["boundary"] = [None, _boundary_digest(grid.boundary)]
        audit_record(
            actor=actor, entity=grid, action="create", changes=changes, region_code=grid.code
        )
        transaction.on_commit(locator.grids_changed)
    return grid


def grid_update_boundary(*, grid: Grid, boundary: dict, actor=None) -> Grid:
    """Redraw a grid: it must stay inside its containers, off its siblings, around its children."""
    geom = parse_boundary(boundary)
    with transaction.atomic():
        grid = (
            Grid.objects.select_for_update(of=("self",))
            .select_related("village", "parent")
            .get(pk=grid.pk)
        )
        _check_grid_geometry(geom, village=grid.village, parent=grid.parent, grid=grid)
        for child_code, child_name, child_boundary in grid.children.values_list(
            "code", "name", "boundary"
        ):
            child = stored_shape(child_boundary)
            if child is not None and not geom.buffer(CONTAINMENT_TOLERANCE).covers(child):
                raise ValidationFailed(
                    _("The new boundary would leave micro-grid %(child)s partly outside.")
                    % {"child": f"{child_name} ({child_code})"},
                    field="boundary",
                )
        before = _boundary_digest(grid.boundary)
        apply_boundary(grid, geom)
        grid.save(update_fields=BOUNDARY_FIELDS)
        gazetteer_mark_stale([grid.code])
        audit_record(
            actor=actor,
            entity=grid,
            action="update",
            changes={"boundary": [before, _boundary_digest(grid.boundary)]},
            region_code=grid.code,
        )
        transaction.on_commit(locator.grids_changed)
    return grid


def _next_grid_code(base: str) -> str:
    # Serials are never reused after a delete: old cases and records keep pointing at a code,
    # so a new grid must not inherit another's history.
    width = 3 if len(base) == divisions.REGION_LENGTH else divisions.MICRO_GRID_STEP
    serials = [
        int(code[len(base) :])
        for code in Grid.objects.filter(code__startswith=base).values_list("code", flat=True)
        if len(code) == len(base) + width
    ]
    try:
        return divisions.child_code(base, max(serials, default=0) + 1)
    except DivisionCodeError as exc:
        raise ValidationFailed(
            _("No grid serial is left under %(base)s: %(reason)s")
            % {"base": base, "reason": exc.message},
            field="code",
        ) from exc


def _check_grid_geometry(
    geom: BaseGeometry, *, village: Region, parent: Grid | None, grid: Grid | None
) -> None:
    village_shape = stored_shape(village.boundary)
    if village_shape is not None:
        check_inside(geom, village_shape, container_label=f"{village.name} ({village.code})")
    if parent is not None:
        parent_shape = stored_shape(parent.boundary)
        if parent_shape is not None:
            check_inside(geom, parent_shape, container_label=f"{parent.name} ({parent.code})")
    siblings = Grid.objects.filter(village=village, parent=parent, boundary__isnull=False)
    if grid is not None:
        siblings = siblings.exclude(pk=grid.pk)
    labelled = (
        (f"{sibling_name} ({sibling_code})", stored_shape(sibling_boundary))
        for sibling_code, sibling_name, sibling_boundary in siblings.values_list(
            "code", "name", "boundary"
        )
    )
    overlap = find_overlap(geom, ((label, other) for label, other in labelled if other is not None))
    if overlap is not None:
        raise overlap_error(geom, *overlap)
