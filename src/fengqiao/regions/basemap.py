"""The base map drawn from our own data, as GeoJSON for one map view: area and grid outlines
with their names, roads, and the points of dwellings (address only), places and organisations,
each layer from the zoom where it is legible, scoped to the caller (`on_map_of`)."""

from __future__ import annotations

import math

from django.utils.translation import gettext as _
from shapely.geometry import box, mapping, shape

from fengqiao.core.errors import ValidationFailed
from fengqiao.regions.models import GazetteerEntry, Grid, Region, Road

__all__ = ["basemap_features", "parse_bbox", "parse_zoom"]

MAX_POLYGONS = 600
MAX_ROADS = 1500
MAX_POINTS = 2000
# The zoom from which each layer is drawn (Web Mercator zoom levels).
FROM_ZOOM = {"county": 0, "township": 9, "village": 11, "road": 12, "grid": 14, "point": 16}
UNTIL_ZOOM = {"county": 10, "township": 13}
MICRO_GRID_ZOOM = 16
POINT_KINDS = (
    GazetteerEntry.Kind.DWELLING,
    GazetteerEntry.Kind.PLACE,
    GazetteerEntry.Kind.ORGANIZATION,
)


def parse_bbox(text: str | None) -> tuple[float, float, float, float]:
    """ "west,south,east,north" in degrees → a tuple, or ValidationFailed on `bbox`."""
    try:
        west, south, east, north = (float(p) for p in (text or "").split(","))
    except ValueError:
        west = south = east = north = math.nan
    if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
        raise ValidationFailed(
            _("Give bbox as west,south,east,north in degrees (west < east, south < north)."),
            field="bbox",
        )
    return west, south, east, north


def parse_zoom(text: str | None) -> int:
    try:
        zoom = int(text or "")
    except ValueError:
        zoom = -1
    if not 0 <= zoom <= 22:
        raise ValidationFailed(_("Give zoom as a whole number from 0 to 22."), field="zoom")
    return zoom


def _in_view(qs, bbox):
    west, south, east, north = bbox
    return qs.filter(min_lng__lte=east, max_lng__gte=west, min_lat__lte=north, max_lat__gte=south)


def _shown(layer: str, zoom: int) -> bool:
    return FROM_ZOOM[layer] <= zoom <= UNTIL_ZOOM.get(layer, 99)


def _feature(geom, layer: str, name: str, label_at=None) -> dict:
    properties = {"layer": layer, "name": name}
    if label_at is not None:
        properties["at"] = [round(label_at.y, 6), round(label_at.x, 6)]
    return {"type": "Feature", "geometry": mapping(geom), "properties": properties}


def _outline(row, layer: str, tolerance: float, view) -> dict:
    """An area's simplified outline, its name placed inside the part of it in view."""
    geom = shape(row.boundary)
    seen = geom.intersection(view)
    at = (seen if not seen.is_empty else geom).representative_point()
    return _feature(geom.simplify(tolerance, preserve_topology=True), layer, row.name, at)


def basemap_features(*, actor, bbox, zoom: int) -> dict:
    """A FeatureCollection of what the actor may see in `bbox` at `zoom`; `properties.layer`
    says how to draw each feature ("county", "township", "village", "grid", "micro", "road",
    "dwelling", "place", "organization")."""
    tolerance = 180 / (256 * 2**zoom)  # about half a screen pixel, in degrees
    view = box(*bbox)
    features: list[dict] = []
    regions = _in_view(Region.objects.on_map_of(actor), bbox).exclude(boundary=None)
    for level in ("county", "township", "village"):
        if _shown(level, zoom):
            rows = regions.filter(level=level)[:MAX_POLYGONS]
            features += [_outline(row, level, tolerance, view) for row in rows]
    if _shown("grid", zoom):
        grids = _in_view(Grid.objects.on_map_of(actor), bbox).exclude(boundary=None)
        if zoom < MICRO_GRID_ZOOM:
            grids = grids.filter(depth=1)
        for grid in grids[:MAX_POLYGONS]:
            layer = "grid" if grid.depth == 1 else "micro"
            features.append(_outline(grid, layer, tolerance, view))
    if _shown("road", zoom):
        for road in _in_view(Road.objects.on_map_of(actor), bbox)[:MAX_ROADS]:
            geom = shape(road.geometry).simplify(tolerance)
            features.append(_feature(geom, "road", road.name))
    if _shown("point", zoom):
        west, south, east, north = bbox
        points = GazetteerEntry.objects.on_map_of(actor).filter(
            kind__in=POINT_KINDS, lng__range=(west, east), lat__range=(south, north)
        )
        for kind, name, lat, lng in points.values_list("kind", "name", "lat", "lng")[:MAX_POINTS]:
            features.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": [lng, lat]},
                    "properties": {"layer": kind, "name": name},
                }
            )
    return {"type": "FeatureCollection", "features": features}
