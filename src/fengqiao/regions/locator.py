"""Point → smallest grid (or village): an in-process shapely STRtree, rebuilt when grids change.

Border rule: a point belongs to every polygon that *covers* it (interior or boundary). Among
the covering grids the deepest wins (micro-grid over grid), and among equally deep ones the
smallest code wins; so a point on an edge or corner shared by several grids always lands in
the same one, on every machine. With no covering grid, the covering village with the smallest
code is used. A point no village covers is outside the jurisdiction.

Cache: each process keeps one index. `grids_changed()` bumps a counter in Django's cache (seen
by every process sharing it, e.g. Redis) and a local one (seen at once by this process); an
index built at another version is rebuilt on the next call. Tests that roll back the database
between cases must call `grids_changed()` too, since rolled-back writes never commit.
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from django.core.cache import cache
from django.utils.translation import gettext_lazy as _
from shapely.geometry import shape

from fengqiao.core.errors import OutsideJurisdiction, ValidationFailed
from fengqiao.regions.models import Grid, Region

__all__ = ["Location", "grids_changed", "locate", "locate_many"]

logger = logging.getLogger(__name__)

VERSION_KEY = "fengqiao:grid-version"


@dataclass(frozen=True)
class Location:
    """Where a point lies: its smallest grid (None outside every grid) and its village."""

    grid_code: str | None
    grid_id: int | None
    village_code: str
    village_id: int
    region_code: str  # the grid code, or the village code when no grid covers the point


@dataclass(frozen=True)
class _Index:
    version: tuple
    # Tree position i holds the i-th best candidate: grids are sorted deepest first, then by
    # code, so the smallest matching position is the border rule's winner.
    grid_tree: shapely.STRtree
    grid_locations: list[Location]
    village_tree: shapely.STRtree
    village_locations: list[Location]


_version_lock = threading.Lock()
_build_lock = threading.Lock()
_local_version = 0
_index: _Index | None = None


def grids_changed() -> None:
    """Tell every process that grid or village polygons changed (call it after commit)."""
    global _local_version
    with _version_lock:
        _local_version += 1
    try:
        try:
            cache.incr(VERSION_KEY)
        except ValueError:  # the key is missing: never set, or evicted
            if not cache.add(VERSION_KEY, _seed(), timeout=None):
                cache.incr(VERSION_KEY)
    except Exception:  # a cache outage must not fail the write that just committed
        logger.warning(
            "could not bump %s; other processes may keep a stale index", VERSION_KEY, exc_info=True
        )


def locate(lat, lng) -> Location:
    """The smallest grid covering (lat, lng); OutsideJurisdiction when no village covers it."""
    location = locate_many([(lat, lng)])[0]
    if location is None:
        raise OutsideJurisdiction(
            _("The point (%(lat)s, %(lng)s) lies outside every village and grid on record.")
            % {"lat": lat, "lng": lng}
        )
    return location


def locate_many(points: Iterable[Sequence[float]]) -> list[Location | None]:
    """Locate many (lat, lng) pairs at once; None for a point outside every village."""
    lats, lngs = _coordinates(points)
    count = len(lats)
    if count == 0:
        return []
    index = _current_index()
    geometries = shapely.points(lngs, lats)  # GeoJSON/shapely order is (x=lng, y=lat)
    results: list[Location | None] = [None] * count

    no_match = len(index.grid_locations)
    best = np.full(count, no_match, dtype=np.int64)
    # For a point, "intersects" a polygon is exactly "covered by" it: interior or boundary.
    point_idx, tree_idx = index.grid_tree.query(geometries, predicate="intersects")
    np.minimum.at(best, point_idx, tree_idx)
    for i in np.flatnonzero(best < no_match):
        results[i] = index.grid_locations[best[i]]

    missing = np.flatnonzero(best == no_match)
    if missing.size and index.village_locations:
        no_village = len(index.village_locations)
        best_village = np.full(missing.size, no_village, dtype=np.int64)
        point_idx, tree_idx = index.village_tree.query(geometries[missing], predicate="intersects")
        np.minimum.at(best_village, point_idx, tree_idx)
        for j in np.flatnonzero(best_village < no_village):
            results[missing[j]] = index.village_locations[best_village[j]]
    return results


# --- input ------------------------------------------------------------------------------------


def _coordinates(points: Iterable[Sequence[float]]) -> tuple[np.ndarray, np.ndarray]:
    items = list(points)
    if not items:
        return np.empty(0), np.empty(0)
    try:
        array = np.asarray(items, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValidationFailed(_("Latitude and longitude must be numbers."), field="lat") from exc
    if array.ndim != 2 or array.shape[1] != 2:
        raise ValidationFailed(_("Each point must be a (latitude, longitude) pair."), field="lat")
    lats, lngs = array[:, 0], array[:, 1]
    # Written as "not (low <= x <= high)" so NaN fails too.
    bad_lat = np.flatnonzero(~((lats >= -90) & (lats <= 90)))
    if bad_lat.size:
        i = int(bad_lat[0])
        message = _("Latitude must be between -90 and 90 degrees, got %(value)s.") % {
            "value": items[i][0]
        }
        if -90 <= lngs[i] <= 90 and -180 <= lats[i] <= 180:
            message = f"{message} {_('Latitude and longitude look swapped.')}"
        raise ValidationFailed(_numbered(message, i, len(items)), field="lat")
    bad_lng = np.flatnonzero(~((lngs >= -180) & (lngs <= 180)))
    if bad_lng.size:
        i = int(bad_lng[0])
        message = _("Longitude must be between -180 and 180 degrees, got %(value)s.") % {
            "value": items[i][1]
        }
        raise ValidationFailed(_numbered(message, i, len(items)), field="lng")
    return lats, lngs


def _numbered(message: str, i: int, count: int) -> str:
    if count == 1:
        return message
    return _("Point %(number)d: %(message)s") % {"number": i + 1, "message": message}


# --- the index --------------------------------------------------------------------------------


def _seed() -> int:
    # A random start, so a counter recreated after eviction never repeats a version some
    # process already built its index at.
    return secrets.randbits(62)


def _shared_version():
    try:
        version = cache.get(VERSION_KEY)
        if version is None:
            cache.add(VERSION_KEY, _seed(), timeout=None)
            version = cache.get(VERSION_KEY)
        return version
    except Exception:  # without the shared cache, fall back to this process's own changes
        logger.warning(
            "could not read %s; using the local grid version only", VERSION_KEY, exc_info=True
        )
        return None


def _current_index() -> _Index:
    global _index
    # Read the version before the rows: a change committed during the build then shows up as
    # a newer version and triggers another build, instead of being lost.
    version = (_shared_version(), _local_version)
    index = _index
    if index is not None and index.version == version:
        return index
    with _build_lock:
        index = _index
        if index is None or index.version != version:
            index = _build(version)
            _index = index
    return index


def _polygon(code: str, boundary):
    try:
        geom = shape(boundary)
    except Exception:  # a broken stored row must not take the locator down for everyone
        logger.warning("skipping %s: its boundary is not readable GeoJSON", code, exc_info=True)
        return None
    if geom.is_empty:
        return None
    return geom if geom.is_valid else shapely.make_valid(geom)


def _build(version: tuple) -> _Index:
    villages = {
        pk: code
        for pk, code in Region.objects.filter(level=Region.Level.VILLAGE).values_list("pk", "code")
    }

    grid_entries = []
    rows = Grid.objects.filter(boundary__isnull=False).values_list(
        "pk", "code", "village_id", "boundary"
    )
    for pk, code, village_id, boundary in rows.iterator(chunk_size=2000):
        geom = _polygon(code, boundary)
        if geom is not None and village_id in villages:
            grid_entries.append((code, pk, village_id, geom))
    grid_entries.sort(key=lambda entry: (-len(entry[0]), entry[0]))

    village_entries = []
    rows = Region.objects.filter(level=Region.Level.VILLAGE, boundary__isnull=False).values_list(
        "pk", "code", "boundary"
    )
    for pk, code, boundary in rows.iterator(chunk_size=2000):
        geom = _polygon(code, boundary)
        if geom is not None:
            village_entries.append((code, pk, geom))
    village_entries.sort(key=lambda entry: entry[0])

    logger.info(
        "grid locator built: %d grids, %d villages", len(grid_entries), len(village_entries)
    )
    return _Index(
        version=version,
        grid_tree=shapely.STRtree([entry[3] for entry in grid_entries]),
        grid_locations=[
            Location(code, pk, villages[village_id], village_id, code)
            for code, pk, village_id, _geom in grid_entries
        ],
        village_tree=shapely.STRtree([entry[2] for entry in village_entries]),
        village_locations=[
            Location(None, None, code, pk, code) for code, pk, _geom in village_entries
        ],
    )
