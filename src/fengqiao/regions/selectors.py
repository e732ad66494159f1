"""Every read of regions and grids, scoped to the caller's jurisdiction by code prefix."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from fengqiao.core import divisions
from fengqiao.core.divisions import DivisionCodeError, Level
from fengqiao.core.errors import NotFound, ValidationFailed
from fengqiao.core.scoping import actor_prefixes, code_within
from fengqiao.regions.models import Grid, Region


def _canonical(code, *, field: str = "code") -> str:
    try:
        return divisions.normalize(str(code) if code is not None else "")
    except DivisionCodeError as exc:
        raise ValidationFailed(exc.message, field=field) from exc


def region_list(
    *, actor, parent_code: str | None = None, level: str | None = None, q: str | None = None
) -> QuerySet[Region]:
    """Regions inside the actor's jurisdiction, optionally the children of `parent_code`."""
    qs = Region.objects.select_related("parent").visible_to(actor)
    if parent_code:
        qs = qs.filter(parent__code=_canonical(parent_code, field="parent_code"))
    if level:
        if level not in Region.Level.values:
            raise ValidationFailed(
                _("Unknown level %(level)s; use one of: %(allowed)s.")
                % {"level": level, "allowed": ", ".join(Region.Level.values)},
                field="level",
            )
        qs = qs.filter(level=level)
    q = (q or "").strip()
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(code__startswith=q))
    return qs


def region_get(*, actor, code) -> Region:
    canonical = _canonical(code)
    region = region_list(actor=actor).filter(code=canonical).first()
    if region is None:
        raise NotFound(_("No region %(code)s in your jurisdiction.") % {"code": canonical})
    return region


def grid_list(
    *,
    actor,
    village_code: str | None = None,
    parent_code: str | None = None,
    q: str | None = None,
) -> QuerySet[Grid]:
    """Grids inside the actor's jurisdiction.

    `parent_code` selects direct children: a village code gives its top-level grids, a grid
    code gives its micro-grids.
    """
    qs = Grid.objects.select_related("village", "parent").visible_to(actor)
    if village_code:
        qs = qs.filter(village__code=_canonical(village_code, field="village_code"))
    if parent_code:
        parent = _canonical(parent_code, field="parent_code")
        if divisions.level_of(parent) is Level.VILLAGE:
            qs = qs.filter(village__code=parent, parent__isnull=True)
        else:
            qs = qs.filter(parent__code=parent)
    q = (q or "").strip()
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(code__startswith=q))
    return qs


def grid_get(*, actor, code) -> Grid:
    canonical = _canonical(code)
    grid = grid_list(actor=actor).filter(code=canonical).first()
    if grid is None:
        raise NotFound(_("No grid %(code)s in your jurisdiction.") % {"code": canonical})
    return grid


def region_ancestors_visible(*, actor, code) -> list[Region]:
    """The regions above `code` (a region or grid code), top first, for breadcrumbs.

    Ancestors may lie outside the jurisdiction (a village worker's township); they are shown
    because `code` itself lies inside it. Outside the jurisdiction this raises NotFound.
    Levels with no row (a county-only installation has no province) are left out.
    """
    chain = _visible_chain(actor, code)
    region_codes = [c for c in chain if len(c) == divisions.REGION_LENGTH]
    found = {r.code: r for r in Region.objects.filter(code__in=region_codes)}
    return [found[c] for c in region_codes if c in found]


def grid_ancestors_visible(*, actor, code) -> list[Grid]:
    """The grids above a micro-grid `code`, top first (empty for a grid or region code)."""
    chain = _visible_chain(actor, code)
    grid_codes = [c for c in chain if len(c) > divisions.REGION_LENGTH]
    if not grid_codes:
        return []
    found = {g.code: g for g in Grid.objects.filter(code__in=grid_codes)}
    return [found[c] for c in grid_codes if c in found]


def _visible_chain(actor, code) -> list[str]:
    canonical = _canonical(code)
    if not code_within(actor, canonical):
        raise NotFound(_("No region %(code)s in your jurisdiction.") % {"code": canonical})
    return divisions.ancestors(canonical)


def browse_root(*, actor) -> tuple[str, str] | None:
    """Where the actor's browsing starts: ("region" | "grid", code), or None if nowhere.

    A bound user starts at their first jurisdiction that exists; a superuser at the first
    top-level region.
    """
    prefixes = actor_prefixes(actor)
    if prefixes is None:
        code = Region.objects.filter(parent__isnull=True).values_list("code", flat=True).first()
        return ("region", code) if code else None
    for prefix in prefixes:
        try:
            code = divisions.normalize(prefix)
        except DivisionCodeError:
            continue
        if len(code) > divisions.REGION_LENGTH:
            if Grid.objects.filter(code=code).exists():
                return ("grid", code)
        elif Region.objects.filter(code=code).exists():
            return ("region", code)
    return None


def map_area(actor) -> dict:
    """Where a picking map starts: the actor's first jurisdiction (centre and outline)."""
    target = None
    binding = actor.bindings.first() if actor.is_authenticated else None
    if binding is not None:
        target = binding.target
    elif actor.is_superuser:
        target = region_list(actor=actor, level="county").first()
    elif getattr(actor, "person", None) is not None and actor.person.dwelling_id:
        dwelling = actor.person.dwelling
        if dwelling.lat is not None:
            return {"lat": dwelling.lat, "lng": dwelling.lng, "outline": None}
        target = dwelling.village
    if target is None:
        return {"lat": None, "lng": None, "outline": None}
    return {"lat": target.centroid_lat, "lng": target.centroid_lng, "outline": target.boundary}
