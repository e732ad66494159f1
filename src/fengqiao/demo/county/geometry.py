"""Synthetic boundaries for the demo: an irregular outline split into nested Voronoi tilings.

Coordinates are (x=longitude, y=latitude) in WGS 84 degrees, as GeoJSON and shapely expect.
Nothing is rounded: every cell is the exact intersection of a Voronoi cell with its parent,
so siblings share their edges bit for bit and tile the parent without gaps or overlaps;
rounding each shape on its own would break that.
"""

from __future__ import annotations

import math
import random

import shapely
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

Area = Polygon | MultiPolygon

KM_PER_DEGREE_LAT = 110.574


def km_per_degree_lng(lat: float) -> float:
    return 111.320 * math.cos(math.radians(lat))


def outline(
    rng: random.Random,
    *,
    lat: float,
    lng: float,
    radius_km: float,
    vertices: int = 72,
    roughness: float = 0.22,
) -> Polygon:
    """An irregular star-shaped polygon around (lat, lng), about 2 × radius_km across."""
    # A few low harmonics give a lobed, county-like outline; a little jitter roughens the edge.
    harmonics = [
        (k, rng.uniform(0.3, 1.0) * roughness / k, rng.uniform(0, 2 * math.pi)) for k in range(2, 7)
    ]
    lng_scale = km_per_degree_lng(lat)
    points = []
    for i in range(vertices):
        angle = 2 * math.pi * i / vertices
        r = 1 + sum(a * math.sin(k * angle + phase) for k, a, phase in harmonics)
        r = max(0.45, r + rng.uniform(-0.02, 0.02))
        points.append(
            (
                lng + radius_km * r * math.cos(angle) / lng_scale,
                lat + radius_km * r * math.sin(angle) / KM_PER_DEGREE_LAT,
            )
        )
    return Polygon(points)


def polygonal(geom: BaseGeometry) -> Area:
    """The areal part of an overlay result: lines and points where cells touch are dropped."""
    if isinstance(geom, Polygon | MultiPolygon):
        return geom
    parts: list[Polygon] = []
    for part in shapely.get_parts(geom):
        if isinstance(part, Polygon) and not part.is_empty:
            parts.append(part)
        elif isinstance(part, MultiPolygon):
            parts.extend(shapely.get_parts(part))
    if not parts:
        raise ValueError("overlay result has no area")
    return parts[0] if len(parts) == 1 else MultiPolygon(parts)


def sample_points(
    rng: random.Random, area: Area, count: int, *, spacing: float = 0.0, inset: float = 0.0
) -> list[tuple[float, float]]:
    """`count` random (x, y) points inside `area`.

    `spacing` keeps points at least that far apart (relaxed if it cannot be met), which avoids
    sliver cells; `inset` keeps them that far inside the edge, so a point never sits on a
    boundary shared with a neighbour.
    """
    target = area
    if inset:
        shrunk = area.buffer(-inset)
        if not shrunk.is_empty and shrunk.area > area.area * 0.05:
            target = shrunk
    shapely.prepare(target)
    min_x, min_y, max_x, max_y = target.bounds
    fill = max(target.area / ((max_x - min_x) * (max_y - min_y)), 0.01)
    points: list[tuple[float, float]] = []
    rounds = 0
    while len(points) < count:
        batch = max(8, int((count - len(points)) / fill * 1.5))
        xs = [rng.uniform(min_x, max_x) for _ in range(batch)]
        ys = [rng.uniform(min_y, max_y) for _ in range(batch)]
        inside = shapely.contains_xy(target, xs, ys)
        for x, y, ok in zip(xs, ys, inside, strict=True):
            if not ok:
                continue
            if spacing and any(
                (x - px) ** 2 + (y - py) ** 2 < spacing * spacing for px, py in points
            ):
                continue
            points.append((x, y))
            if len(points) == count:
                break
        rounds += 1
        if rounds % 5 == 0:
            spacing *= 0.7
    return points


def voronoi_tiles(parent: Area, seeds: list[tuple[float, float]]) -> list[Area]:
    """The Voronoi cells of `seeds` clipped to `parent`, in seed order; they tile `parent`."""
    if len(seeds) == 1:
        return [parent]
    diagram = shapely.voronoi_polygons(shapely.multipoints(seeds), extend_to=parent, ordered=True)
    cells = shapely.intersection(shapely.get_parts(diagram), parent)
    return [polygonal(cell) for cell in cells]


def _inside_point(cell: Area, parent: Area) -> tuple[float, float]:
    centroid = cell.centroid
    if parent.contains(centroid) and cell.contains(centroid):
        return centroid.x, centroid.y
    point = cell.point_on_surface()
    return point.x, point.y


def split(rng: random.Random, parent: Area, count: int, *, relax: int = 2) -> list[Area]:
    """Split `parent` into `count` tiles of similar size, ordered north-west to south-east.

    Seeds start spread out and get `relax` rounds of Lloyd relaxation (each seed moves to its
    cell's centroid), which turns ragged Voronoi cells into rounder, more even ones.
    """
    if count <= 1:
        return [parent]
    seeds = sample_points(rng, parent, count, spacing=0.6 * math.sqrt(parent.area / count))
    cells = voronoi_tiles(parent, seeds)
    for _ in range(relax):
        seeds = [_inside_point(cell, parent) for cell in cells]
        cells = voronoi_tiles(parent, seeds)
    return reading_order(cells, parent)


def split_around_seat(
    rng: random.Random, parent: Area, *, central: int, outer: int, seat_km: float = 3.0
) -> tuple[list[Area], list[Area]]:
    """Split `parent` into `central` small tiles round its seat and `outer` larger ones.

    A county seat's sub-districts (街道) are small and dense; towns and townships share the
    rest. The central seeds sit close together and stay put; the outer ones start away from
    the seat and are relaxed like `split` does. Both lists come back in reading order.
    """
    seat_x, seat_y = _inside_point(parent, parent)
    lng_scale = km_per_degree_lng(seat_y)
    start = rng.uniform(0, 2 * math.pi)
    core: list[tuple[float, float]] = []
    for i in range(central):
        radius = 0.0 if central == 1 else seat_km * rng.uniform(0.8, 1.2)
        angle = start + 2 * math.pi * i / max(central, 1)
        point = (
            seat_x + radius * math.cos(angle) / lng_scale,
            seat_y + radius * math.sin(angle) / KM_PER_DEGREE_LAT,
        )
        core.append(point if parent.contains(shapely.Point(point)) else (seat_x, seat_y))
    keep_out = 3 * seat_km / KM_PER_DEGREE_LAT
    spacing = 0.6 * math.sqrt(parent.area / max(outer, 1))
    outer_seeds: list[tuple[float, float]] = []
    while len(outer_seeds) < outer:
        for x, y in sample_points(rng, parent, outer, spacing=spacing):
            far = (x - seat_x) ** 2 + (y - seat_y) ** 2 > keep_out**2
            if far and len(outer_seeds) < outer:
                outer_seeds.append((x, y))
        keep_out *= 0.8
    cells = voronoi_tiles(parent, core + outer_seeds)
    for _ in range(2):
        outer_seeds = [_inside_point(cell, parent) for cell in cells[central:]]
        cells = voronoi_tiles(parent, core + outer_seeds)
    return reading_order(cells[:central], parent), reading_order(cells[central:], parent)


def nearest_first(cells: list[Area], point: tuple[float, float]) -> list[int]:
    """Indexes of `cells` by distance from `point` to each cell's inside point."""

    def distance(i: int) -> float:
        inside = cells[i].point_on_surface()
        return (inside.x - point[0]) ** 2 + (inside.y - point[1]) ** 2

    return sorted(range(len(cells)), key=distance)


def seat_of(area: Area) -> tuple[float, float]:
    """A point well inside `area`: its centroid when that lies inside, else a surface point."""
    return _inside_point(area, area)


def reading_order(cells: list[Area], parent: Area) -> list[Area]:
    """Sort cells in bands from north to south, alternating direction, so serials read
    like a walk across the map and neighbours get neighbouring numbers."""
    band = max(math.sqrt(parent.area / max(len(cells), 1)), 1e-12)
    top = parent.bounds[3]

    def key(cell: Area) -> tuple[int, float]:
        point = cell.point_on_surface()
        row = int((top - point.y) / band)
        return row, point.x if row % 2 == 0 else -point.x

    return sorted(cells, key=key)


def area_km2(area: Area) -> float:
    """Approximate ground area of a small shape, for progress messages and sanity checks."""
    lat = area.centroid.y
    return area.area * KM_PER_DEGREE_LAT * km_per_degree_lng(lat)
