"""Point → smallest grid (or village): an in-process index, rebuilt when grids change.

Border rule: a point belongs to every polygon that *covers* it (interior or boundary). Among
the covering grids the deepest wins (micro-grid over grid), and among equally deep ones the
smallest code wins; so a point on an edge or corner shared by several grids always lands in
the same one, on every machine. With no covering grid, the covering village with the smallest
code is used. A point no village covers is outside the jurisdiction.

Speed: points are answered by `pointindex.PolygonLayer`, one layer per grid depth (deepest
first) and one for villages, in numpy over whole arrays of points; the few points it leaves
undecided (on or within rounding distance of a boundary) are settled by the same rule with
shapely's STRtree and GEOS, which also answers short inputs (a single report) outright.
`index_from_shapes` builds an index from polygons in memory (the P2 benchmark uses it; the
database build goes through it too).

Cache: each process keeps one index, versioned by core.versioned_cache. `grids_changed()`
bumps a counter in Django's cache (seen by every process sharing it, e.g. Redis) and a local
one (seen at once by this process); an index built at another version is rebuilt on the next
call. Tests that roll back the database between cases must call `grids_changed()` too, since
rolled-back writes never commit.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import chain, groupby

import numpy as np
import shapely
from django.utils.translation import gettext_lazy as _
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from fengqiao.core.errors import OutsideJurisdiction, ValidationFailed
from fengqiao.core.versioned_cache import VersionedCache
from fengqiao.regions.models import Grid, Region
from fengqiao.regions.pointindex import PolygonLayer

__all__ = [
    "Location",
    "LocatorIndex",
    "grids_changed",
    "index_from_shapes",
    "locate",
    "locate_many",
]

logger = logging.getLogger(__name__)

VERSION_KEY = "fengqiao:grid-version"

# Below this many points GEOS answers sooner than the numpy layers, whose fixed cost per call
# (some hundred µs) dwarfs one point's lookup: a single case report takes that path.
FEW_POINTS = 128


@dataclass(frozen=True)
class Location:
    """Where a point lies: its smallest grid (None outside every grid) and its village."""

    grid_code: str | None
    grid_id: int | None
    village_code: str
    village_id: int
    region_code: str  # the grid code, or the village code when no grid covers the point


@dataclass(frozen=True, eq=False)  # compared by identity: it holds arrays and trees
class LocatorIndex:
    """Grids and villages ready for locating points; build it with `index_from_shapes`."""

    # Position i holds the i-th best candidate: grids deepest first, then by code, then the
    # villages by code; so of all polygons covering a point, the lowest position wins.
    locations: list[Location]
    grid_count: int
    # The exact path: short inputs, and points the numpy layers leave undecided.
    grid_tree: shapely.STRtree
    village_tree: shapely.STRtree
    # `locations` plus None at the end, so position -1 (nowhere) reads as None.
    answers: np.ndarray = field(repr=False)
    _lazy: dict = field(default_factory=dict, repr=False)
    _lazy_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def layers(self) -> list[tuple[PolygonLayer, int]]:
        """The fast path: (layer, position of its first polygon), grid depths deepest first,
        then the villages. Built on first use (seconds for a city), so a process that only
        locates single points, such as case intake, never waits for it."""
        layers = self._lazy.get("layers")
        if layers is None:
            with self._lazy_lock:
                layers = self._lazy.get("layers")
                if layers is None:
                    layers = self._lazy["layers"] = self._build_layers()
        return layers

    def _build_layers(self) -> list[tuple[PolygonLayer, int]]:
        layers = []
        grids = self.grid_tree.geometries
        depths = [len(location.grid_code) for location in self.locations[: self.grid_count]]
        offset = 0
        for _depth, same_depth in groupby(depths):
            size = len(list(same_depth))
            layers.append((PolygonLayer(grids[offset : offset + size]), offset))
            offset += size
        if len(self.village_tree.geometries):
            layers.append((PolygonLayer(self.village_tree.geometries), offset))
        return layers


# The shared version is read on every call: a grid saved in one process is used by the next
# report in any other.
_index = VersionedCache("grid index", key=VERSION_KEY)


def grids_changed() -> None:
    """Tell every process that grid or village polygons changed (call it after commit)."""
    _index.bump()


def locate(lat, lng) -> Location:
    """The smallest grid covering (lat, lng); OutsideJurisdiction when no village covers it."""
    location = locate_many([(lat, lng)])[0]
    if location is None:
        raise OutsideJurisdiction(
            _("The point (%(lat)s, %(lng)s) lies outside every village and grid on record.")
            % {"lat": lat, "lng": lng}
        )
    return location


def locate_many(
    points: Iterable[Sequence[float]] | np.ndarray, *, index: LocatorIndex | None = None
) -> list[Location | None]:
    """Locate many (lat, lng) pairs at once; None for a point outside every village.

    `points` may be any iterable of pairs or an (n, 2) numpy array (fastest). `index` is for
    benchmarks and tests; by default the process's index, rebuilt when grids changed.
    """
    lats, lngs = _coordinates(points)
    if len(lats) == 0:
        return []
    if index is None:
        index = _index.get(_build)
    return np.take(index.answers, _positions(index, lats, lngs)).tolist()


def _positions(index: LocatorIndex, lats: np.ndarray, lngs: np.ndarray) -> np.ndarray:
    """Each point's position in `index.locations`, or -1 outside every village."""
    xs = np.ascontiguousarray(lngs, dtype=float)  # GeoJSON/shapely order is (x=lng, y=lat)
    ys = np.ascontiguousarray(lats, dtype=float)
    if len(xs) < FEW_POINTS:
        return _exact_positions(index, xs, ys)
    found = np.full(len(xs), -1, dtype=np.int64)
    undecided = np.zeros(len(xs), dtype=bool)
    todo = np.arange(len(xs))
    for layer, offset in index.layers:
        if todo.size == 0:
            break
        first, unsure = layer.first_covering(xs[todo], ys[todo])
        undecided[todo[unsure]] = True
        hit = (first >= 0) & ~unsure
        found[todo[hit]] = first[hit] + offset
        # A point covered by a deeper layer never needs the shallower ones.
        todo = todo[(first < 0) & ~unsure]
    if undecided.any():
        rest = np.flatnonzero(undecided)
        found[rest] = _exact_positions(index, xs[rest], ys[rest])
    return found


def _exact_positions(index: LocatorIndex, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """The same rule with GEOS: slower, and the judge on boundaries."""
    geometries = shapely.points(xs, ys)
    count = len(xs)
    nowhere = len(index.locations)
    best = np.full(count, nowhere, dtype=np.int64)
    # For a point, "intersects" a polygon is exactly "covered by" it: interior or boundary.
    point_idx, tree_idx = index.grid_tree.query(geometries, predicate="intersects")
    np.minimum.at(best, point_idx, tree_idx)
    missing = np.flatnonzero(best == nowhere)
    if missing.size:
        point_idx, tree_idx = index.village_tree.query(geometries[missing], predicate="intersects")
        np.minimum.at(best, missing[point_idx], tree_idx + index.grid_count)
    best[best == nowhere] = -1
    return best


# --- input ------------------------------------------------------------------------------------


def _coordinates(points) -> tuple[np.ndarray, np.ndarray]:
    items = points if isinstance(points, np.ndarray) else list(points)
    if len(items) == 0:
        return np.empty(0), np.empty(0)
    try:
        array = _pairs_array(items)
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


def _pairs_array(items) -> np.ndarray:
    if not isinstance(items, np.ndarray):
        # Twice as fast as np.asarray on a long list of pairs; anything unusual takes the
        # np.asarray path, which converts and refuses exactly as before.
        try:
            if set(map(len, items)) == {2}:
                flat = np.fromiter(chain.from_iterable(items), dtype=float, count=2 * len(items))
                return flat.reshape(-1, 2)
        except (TypeError, ValueError):
            pass
    return np.asarray(items, dtype=float)


def _numbered(message: str, i: int, count: int) -> str:
    if count == 1:
        return message
    return _("Point %(number)d: %(message)s") % {"number": i + 1, "message": message}


# --- the index --------------------------------------------------------------------------------


def _polygon(code: str, boundary):
    try:
        geom = shape(boundary)
    except Exception:  # a broken stored row must not take the locator down for everyone
        logger.warning("skipping %s: its boundary is not readable GeoJSON", code, exc_info=True)
        return None
    if geom.is_empty:
        return None
    return geom if geom.is_valid else shapely.make_valid(geom)


def _build() -> LocatorIndex:
    villages = {
        pk: code
        for pk, code in Region.objects.filter(level=Region.Level.VILLAGE).values_list("pk", "code")
    }

    grid_shapes = []
    rows = Grid.objects.filter(boundary__isnull=False).values_list(
        "pk", "code", "village_id", "boundary"
    )
    for pk, code, village_id, boundary in rows.iterator(chunk_size=2000):
        geom = _polygon(code, boundary)
        if geom is not None and village_id in villages:
            grid_shapes.append((Location(code, pk, villages[village_id], village_id, code), geom))

    village_shapes = []
    rows = Region.objects.filter(level=Region.Level.VILLAGE, boundary__isnull=False).values_list(
        "pk", "code", "boundary"
    )
    for pk, code, boundary in rows.iterator(chunk_size=2000):
        geom = _polygon(code, boundary)
        if geom is not None:
            village_shapes.append((Location(None, None, code, pk, code), geom))

    return index_from_shapes(grids=grid_shapes, villages=village_shapes)


def index_from_shapes(
    *,
    grids: Iterable[tuple[Location, BaseGeometry]],
    villages: Iterable[tuple[Location, BaseGeometry]],
) -> LocatorIndex:
    """An index over grid and village polygons given in memory, each with its Location.

    A grid's depth is the length of its code (micro-grid codes extend their grid's), so the
    order is: longer codes first, then smaller codes; villages by code. Geometries must be
    valid and non-empty (the database build repairs or skips stored ones first).
    """
    grid_entries = sorted(grids, key=lambda entry: (-len(entry[0].grid_code), entry[0].grid_code))
    village_entries = sorted(villages, key=lambda entry: entry[0].village_code)
    locations = [location for location, _geom in grid_entries + village_entries]
    logger.info(
        "grid locator built: %d grids, %d villages", len(grid_entries), len(village_entries)
    )
    answers = np.empty(len(locations) + 1, dtype=object)
    answers[: len(locations)] = locations
    return LocatorIndex(
        locations=locations,
        grid_count=len(grid_entries),
        grid_tree=shapely.STRtree([geom for _location, geom in grid_entries]),
        village_tree=shapely.STRtree([geom for _location, geom in village_entries]),
        answers=answers,
    )
