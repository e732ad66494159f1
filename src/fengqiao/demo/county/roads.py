"""Named streets of a demo township: a small street grid round its seat (three by three in a
sub-district, two by two in a town, one crossing in a township), cut at village edges into one
`Road` row per village, so streets cross at junctions the gazetteer can find.

The streets draw from their own random stream (seeded by the township code), so adding them
leaves every other demo row as it was.
"""

from __future__ import annotations

import math
import random

import shapely
from shapely.geometry import LineString, MultiLineString, mapping

from fengqiao.demo.county import geometry
from fengqiao.regions.models import Region, Road

__all__ = ["township_roads"]

# East–west and north–south names; the first of each cross at the seat of every township
# (so "建设路与文化路" is a junction in each sub-district and town).
EAST_WEST = ("建设路", "人民路", "解放路", "和平路", "五一路", "朝阳路")
NORTH_SOUTH = ("文化路", "新华路", "中山路", "育才路", "青年路", "花园路")
STREETS_PER_KIND = {Region.Kind.SUBDISTRICT: 3, Region.Kind.TOWN: 2, Region.Kind.TOWNSHIP: 1}
SPACING_KM = 0.7
HALF_LENGTH_KM = 3.0


def _offsets(count: int) -> list[int]:
    """0 first (the street through the seat), then alternately either side: 0, 1, -1, 2 …"""
    out = [0]
    step = 1
    while len(out) < count:
        out += [step, -step]
        step += 1
    return out[:count]


def _street(seat, angle: float, offset_km: float, rng: random.Random) -> LineString:
    """A slightly bent street through the point `offset_km` across from the seat."""
    x0, y0 = seat
    lng_km = geometry.km_per_degree_lng(y0)
    lat_km = geometry.KM_PER_DEGREE_LAT
    along = (math.cos(angle), math.sin(angle))
    across = (-along[1], along[0])
    points = []
    for i in range(-4, 5):
        t = HALF_LENGTH_KM * i / 4
        wobble = rng.uniform(-0.05, 0.05) if i not in (0,) else 0.0
        dx = along[0] * t + across[0] * (offset_km + wobble)
        dy = along[1] * t + across[1] * (offset_km + wobble)
        points.append((x0 + dx / lng_km, y0 + dy / lat_km))
    return LineString(points)


def _lines(geom) -> MultiLineString | LineString | None:
    parts = [p for p in shapely.get_parts(geom) if p.geom_type == "LineString" and p.length > 0]
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else MultiLineString(parts)


def township_roads(township: Region, township_geom, villages: list[tuple[Region, object]]):
    """Save the streets of one township, one row per street and village; returns how many."""
    rng = random.Random(f"roads-{township.code}")
    count = STREETS_PER_KIND.get(township.kind, 1)
    seat = geometry.seat_of(township_geom)
    tilt = math.radians(rng.uniform(-12, 12))
    rows = []
    for names, angle in ((EAST_WEST, tilt), (NORTH_SOUTH, tilt + math.pi / 2)):
        for name, offset in zip(names, _offsets(count), strict=False):
            street = _street(seat, angle, offset * SPACING_KM, rng)
            for village, vgeom in villages:
                piece = _lines(street.intersection(vgeom))
                if piece is None:
                    continue
                min_lng, min_lat, max_lng, max_lat = piece.bounds
                rows.append(
                    Road(
                        name=name,
                        region_code=village.code,
                        geometry=mapping(piece),
                        min_lng=min_lng,
                        min_lat=min_lat,
                        max_lng=max_lng,
                        max_lat=max_lat,
                    )
                )
    Road.objects.bulk_create(rows)
    return len(rows)
