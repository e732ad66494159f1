"""Vectorised point-in-polygon for the grid locator: polygons bucketed on a raster, exact or "too
close to call" for every point, with no shapely object made per point.

Why not shapely's STRtree with a predicate: it builds one GEOS point per query point and runs a
GEOS predicate per candidate, about 10 µs a point; a city-wide re-location of a million
dwellings, or the P2 benchmark (docs/scaling.md), needs well under 2 µs. Here every step is a
numpy operation over a chunk of points:

1. The layer's bounding box is cut into square raster cells. Each cell lists the polygons whose
   bounding box meets it, so a point's candidates are its cell's list, kept when the point lies
   in the candidate's bounding box.
2. Each polygon's edges are listed per raster row they span. A horizontal ray from the point
   crosses only edges spanning the point's y, and all of those are in the point's row, so the
   crossing count (odd = inside) reads a handful of edges per candidate, not the whole ring.
3. The crossing test is the sign of an orientation determinant. When that determinant is too
   small for its float sign to be trusted, the point lies on or within rounding distance of
   the polygon's boundary, and the point is reported undecided instead of guessed.

A decided answer is the exact mathematical one, and so equal to GEOS's, whose robust
(double-double) orientation test cannot err that far from zero; the caller settles undecided
points, boundary points included, with GEOS.
Row and column numbers of points and of bounds come from the same monotone float formula, so a
point on a bounding box edge or a raster line always finds the polygons it touches.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

__all__ = ["CHUNK", "PolygonLayer"]

# Points per pass: large enough to amortise numpy's per-call cost, small enough that the
# temporary arrays (about 40 doubles per point) stay in the CPU caches.
CHUNK = 32_768

# The computed determinant differs from the exact one by at most ~4.4e-16 times the sum of
# its two products' magnitudes; below this much larger share its sign is not trusted.
_SIGN_MARGIN = 1e-12

# Raster size: a cell about a quarter of a typical polygon's width, and at most this many
# cells per polygon in the layer (so memory stays linear in the number of polygons).
_CELLS_PER_TYPICAL_WIDTH = 4
_MAX_CELLS_PER_POLYGON = 16
_MAX_ENTRIES_PER_POLYGON = 64

_POLYGON, _MULTIPOLYGON = 3, 6


def _expand(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For segments of the given lengths: each element's segment and its place in it."""
    ends = np.cumsum(counts)
    segment = np.repeat(np.arange(len(counts)), counts)
    place = np.arange(int(ends[-1]) if len(ends) else 0) - np.repeat(ends - counts, counts)
    return segment, place


def _offsets(values: np.ndarray) -> np.ndarray:
    """Index arrays in 32 bits when they fit: the layer's memory is mostly such arrays."""
    return values.astype(np.int32) if values[-1] < 2**31 else values


class PolygonLayer:
    """Polygons in priority order; for each point, the first (lowest index) one covering it.

    "Covering" is GEOS's intersects for a point: interior or boundary. Polygons and
    multipolygons (holes included) are answered here; any other geometry, such as the
    collection make_valid may return, leaves the points near it undecided.
    """

    def __init__(self, geometries: Sequence[BaseGeometry]):
        geoms = np.asarray(geometries, dtype=object).reshape(-1)
        self.size = len(geoms)
        if self.size == 0:
            return
        if shapely.is_empty(geoms).any():
            raise ValueError("a polygon layer cannot hold empty geometries")
        types = shapely.get_type_id(geoms)
        self._is_other = ~np.isin(types, (_POLYGON, _MULTIPOLYGON))
        self._has_other = bool(self._is_other.any())
        bounds = shapely.bounds(geoms)
        self._bounds = bounds

        x0, y0 = bounds[:, 0].min(), bounds[:, 1].min()
        width, height = bounds[:, 2].max() - x0, bounds[:, 3].max() - y0
        self._x0, self._y0 = x0, y0
        self._cell = self._cell_size(bounds, width, height)
        while True:
            self._nx = int(np.floor(width / self._cell)) + 1
            self._ny = int(np.floor(height / self._cell)) + 1
            col0, col1 = self._cols(bounds[:, 0]), self._cols(bounds[:, 2])
            row0, row1 = self._rows(bounds[:, 1]), self._rows(bounds[:, 3])
            widths, heights = col1 - col0 + 1, row1 - row0 + 1
            # Boxes much larger than their polygons (long diagonal shapes) would fill many
            # cells each: coarser cells then, so memory stays linear in the polygon count.
            if int((widths * heights).sum()) <= _MAX_ENTRIES_PER_POLYGON * self.size:
                break
            self._cell *= 2

        # 1. Cell → polygons whose bounding box meets the cell (sorted by polygon).
        polygon, place = _expand(widths * heights)
        cell_of = (row0[polygon] + place // widths[polygon]) * self._nx + (
            col0[polygon] + place % widths[polygon]
        )
        order = np.argsort(cell_of, kind="stable")  # polygons stay in order within a cell
        self._candidates = polygon[order].astype(np.int32)
        self._cell_start = _offsets(
            np.searchsorted(cell_of[order], np.arange(self._nx * self._ny + 1))
        )

        # 2. (Polygon, row) → the polygon's edges whose y-range meets the row.
        x1, y1, x2, y2, owner = self._edges(geoms, types)
        self._edge_coords = np.stack([x1, y1, x2, y2], axis=1)
        self._row0 = row0
        self._row_base = np.cumsum(heights) - heights
        edge_row0 = self._rows(np.minimum(y1, y2))
        edge_row1 = self._rows(np.maximum(y1, y2))
        edge, place = _expand(edge_row1 - edge_row0 + 1)
        key = self._row_base[owner[edge]] + edge_row0[edge] + place - row0[owner[edge]]
        order = np.argsort(key, kind="stable")
        self._row_edges = edge[order].astype(np.int32)
        self._row_start = _offsets(np.searchsorted(key[order], np.arange(int(heights.sum()) + 1)))

    @property
    def nbytes(self) -> int:
        """Memory held by the layer's arrays (the geometries themselves are not counted)."""
        if self.size == 0:
            return 0
        arrays = (
            self._bounds,
            self._is_other,
            self._candidates,
            self._cell_start,
            self._edge_coords,
            self._row0,
            self._row_base,
            self._row_edges,
            self._row_start,
        )
        return sum(array.nbytes for array in arrays)

    # --- building --------------------------------------------------------------------------

    @staticmethod
    def _cell_size(bounds: np.ndarray, width: float, height: float) -> float:
        count = len(bounds)
        typical = float(
            np.median(np.maximum(bounds[:, 2] - bounds[:, 0], bounds[:, 3] - bounds[:, 1]))
        )
        limit = _MAX_CELLS_PER_POLYGON * count
        cell = max(typical / _CELLS_PER_TYPICAL_WIDTH, float(np.sqrt(width * height / limit)), 1e-9)
        while (np.floor(width / cell) + 1) * (np.floor(height / cell) + 1) > limit:
            cell *= 1.5
        return cell

    def _cols(self, xs: np.ndarray) -> np.ndarray:
        return np.floor((xs - self._x0) / self._cell).astype(np.int64)

    def _rows(self, ys: np.ndarray) -> np.ndarray:
        return np.floor((ys - self._y0) / self._cell).astype(np.int64)

    def _edges(self, geoms: np.ndarray, types: np.ndarray):
        """Every ring edge of the polygonal geometries (not of the others), with its owner."""
        single = np.flatnonzero(types == _POLYGON)
        multi = np.flatnonzero(types == _MULTIPOLYGON)
        parts, part_owner = shapely.get_parts(geoms[multi], return_index=True)
        polygons = np.concatenate([geoms[single], parts])
        polygon_owner = np.concatenate([single, multi[part_owner]])
        rings, ring_polygon = shapely.get_rings(polygons, return_index=True)
        coords, coord_ring = shapely.get_coordinates(rings, return_index=True)
        same_ring = coord_ring[1:] == coord_ring[:-1]
        x1, y1 = coords[:-1, 0][same_ring], coords[:-1, 1][same_ring]
        x2, y2 = coords[1:, 0][same_ring], coords[1:, 1][same_ring]
        owner = polygon_owner[ring_polygon[coord_ring[:-1][same_ring]]]
        # A repeated vertex is no edge; its neighbours already decide points near it.
        real = (x1 != x2) | (y1 != y2)
        return x1[real], y1[real], x2[real], y2[real], owner[real]

    # --- querying --------------------------------------------------------------------------

    def first_covering(self, xs: np.ndarray, ys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For each point: the index of the first polygon covering it (-1 for none), and
        whether the point is undecided (its index is then meaningless)."""
        count = len(xs)
        first = np.full(count, -1, dtype=np.int64)
        undecided = np.zeros(count, dtype=bool)
        if self.size == 0 or count == 0:
            return first, undecided
        for start in range(0, count, CHUNK):
            stop = min(start + CHUNK, count)
            self._chunk(xs[start:stop], ys[start:stop], first[start:stop], undecided[start:stop])
        return first, undecided

    def _chunk(self, xs, ys, first, undecided) -> None:
        # np.take throughout: several times faster than fancy indexing for gathers like these.
        fcol = np.floor((xs - self._x0) / self._cell)
        frow = np.floor((ys - self._y0) / self._cell)
        on_raster = np.flatnonzero(
            (fcol >= 0) & (fcol < self._nx) & (frow >= 0) & (frow < self._ny)
        )
        if on_raster.size == 0:
            return
        rows = np.take(frow, on_raster).astype(np.int64)
        cells = rows * self._nx + np.take(fcol, on_raster).astype(np.int64)

        # Candidate (point, polygon) pairs: the cell's list, kept inside the polygon's box.
        low = np.take(self._cell_start, cells)
        pair, place = _expand(np.take(self._cell_start, cells + 1) - low)
        polygon = np.take(self._candidates, np.take(low, pair) + place)
        point = np.take(on_raster, pair)
        px, py = np.take(xs, point), np.take(ys, point)
        box = np.take(self._bounds, polygon, axis=0)
        near = (px >= box[:, 0]) & (px <= box[:, 2]) & (py >= box[:, 1]) & (py <= box[:, 3])
        if self._has_other:
            other = near & np.take(self._is_other, polygon)
            undecided[point[other]] = True
            near &= ~other
        kept = np.flatnonzero(near)
        pair, polygon, point = np.take(pair, kept), np.take(polygon, kept), np.take(point, kept)

        # Each pair's edges in the point's row (none for a row in a gap of a multipolygon).
        key = np.take(self._row_base, polygon) + np.take(rows, pair) - np.take(self._row0, polygon)
        low = np.take(self._row_start, key)
        edge_count = np.take(self._row_start, key + 1) - low
        owner, place = _expand(edge_count)
        edge = np.take(self._edge_coords, np.take(self._row_edges, np.take(low, owner) + place), 0)
        at = np.take(point, owner)
        ex, ey = np.take(xs, at), np.take(ys, at)
        ax, ay, bx, by = edge[:, 0], edge[:, 1], edge[:, 2], edge[:, 3]
        a_above, b_above = ay > ey, by > ey
        left = (bx - ax) * (ey - ay)
        right = (by - ay) * (ex - ax)
        det = left - right
        # The edge straddles the ray's line and meets it right of the point.
        crosses = (a_above != b_above) & ((det > 0) == b_above)
        # The point's y within the edge's closed y-range and the determinant's sign unsure:
        # on the edge, at a vertex, or within rounding distance of either.
        unsure = (
            (np.abs(det) <= _SIGN_MARGIN * (np.abs(left) + np.abs(right)))
            & ~(a_above & b_above)
            & ~((ay < ey) & (by < ey))
        )

        # Sum per pair with one running total: crossings count from bit 0, unsure edges from
        # bit 32 (a row never holds 2**32 edges).
        running = np.zeros(edge.shape[0] + 1, dtype=np.int64)
        np.cumsum(crosses + (unsure.astype(np.int64) << 32), out=running[1:])
        ends = np.cumsum(edge_count)
        totals = np.take(running, ends) - np.take(running, ends - edge_count)
        undecided[point[totals >= 1 << 32]] = True
        inside = np.flatnonzero(totals & 1)
        if inside.size:
            hit_point, hit_polygon = np.take(point, inside), np.take(polygon, inside)
            # Pairs run by point, then by polygon: a point's first hit is its best polygon.
            leading = np.ones(hit_point.size, dtype=bool)
            leading[1:] = hit_point[1:] != hit_point[:-1]
            first[hit_point[leading]] = hit_polygon[leading]
