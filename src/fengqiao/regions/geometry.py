"""Boundary geometry shared by region and grid writes and the tree import: parsing a GeoJSON
boundary, the stored canonical form, containment and overlap checks with their tolerances."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable

import numpy as np
import shapely
from django.utils.translation import gettext_lazy as _
from shapely.errors import GEOSException
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

from fengqiao.core.errors import ValidationFailed
from fengqiao.regions.models import Grid, Region

# Degrees; about 0.1 mm on the ground. Grids are often digitised along the village edge, and
# float noise must not make such a grid "leave" its village, while a real mistake still shows.
CONTAINMENT_TOLERANCE = 1e-9
# Square degrees; about 0.01 m². Neighbours sharing an edge intersect with zero area; anything
# larger is a real overlap that would make "which grid is this point in" ambiguous.
OVERLAP_TOLERANCE = 1e-12
_METRES_PER_DEGREE = 111_320.0


def parse_boundary(boundary, *, field: str = "boundary") -> BaseGeometry:
    """A valid shapely (Multi)Polygon from a GeoJSON geometry dict, or ValidationFailed why not."""
    if not isinstance(boundary, dict):
        raise ValidationFailed(
            _("The boundary must be a GeoJSON geometry object (Polygon or MultiPolygon)."),
            field=field,
        )
    geometry_type = boundary.get("type")
    if geometry_type not in ("Polygon", "MultiPolygon"):
        raise ValidationFailed(
            _("The boundary must be a GeoJSON Polygon or MultiPolygon, not %(type)s.")
            % {"type": geometry_type or _("an untyped object")},
            field=field,
        )
    try:
        geom = shape(boundary)
    except (AttributeError, IndexError, KeyError, TypeError, ValueError, GEOSException) as exc:
        raise ValidationFailed(
            _(
                "The boundary coordinates are malformed (%(error)s). Each ring is a list of at "
                "least four [longitude, latitude] pairs, the last equal to the first."
            )
            % {"error": exc},
            field=field,
        ) from exc
    if geom.is_empty:
        raise ValidationFailed(_("The boundary is empty."), field=field)
    min_lng, min_lat, max_lng, max_lat = geom.bounds
    # Written as "not (a <= b)" so NaN coordinates fail too.
    if not (min_lng >= -180 and max_lng <= 180 and min_lat >= -90 and max_lat <= 90):
        raise ValidationFailed(
            _(
                "The boundary has coordinates outside longitude -180..180 / latitude -90..90. "
                "GeoJSON writes each point as [longitude, latitude] in WGS 84 degrees."
            ),
            field=field,
        )
    if not geom.is_valid:
        raise ValidationFailed(
            _(
                "The boundary is not a valid polygon: %(reason)s. Rings must not cross "
                "themselves or each other, and holes must lie inside the outer ring."
            )
            % {"reason": explain_validity(geom)},
            field=field,
        )
    return geom


def boundary_geojson(geom: BaseGeometry) -> dict:
    """The canonical stored form: plain lists and floats, so equal shapes compare equal."""
    return json.loads(json.dumps(mapping(geom)))


def check_inside(
    geom: BaseGeometry, container: BaseGeometry, *, container_label: str, field: str = "boundary"
) -> None:
    if container.buffer(CONTAINMENT_TOLERANCE).covers(geom):
        return
    share = geom.difference(container).area / geom.area * 100 if geom.area else 100.0
    raise ValidationFailed(
        _("The boundary must lie inside %(container)s; about %(share).1f%% of it lies outside.")
        % {"container": container_label, "share": share},
        field=field,
    )


def find_overlap(
    geom: BaseGeometry, others: Iterable[tuple[str, BaseGeometry]]
) -> tuple[str, float] | None:
    """The first (label, overlap area in deg²) among `others` that `geom` overlaps, if any."""
    labelled = list(others)
    if not labelled:
        return None
    shapes = np.array([other for _label, other in labelled], dtype=object)
    areas = shapely.area(shapely.intersection(geom, shapes))
    hits = np.flatnonzero(areas > OVERLAP_TOLERANCE)
    if hits.size == 0:
        return None
    first = int(hits[0])
    return labelled[first][0], float(areas[first])


def approx_square_metres(area_deg2: float, lat: float) -> float:
    """Rough ground area of a small shape measured in square degrees near latitude `lat`."""
    return area_deg2 * _METRES_PER_DEGREE**2 * math.cos(math.radians(lat))


def overlap_error(geom: BaseGeometry, label: str, area: float, *, field: str = "boundary"):
    return ValidationFailed(
        _("The boundary overlaps the neighbouring grid %(other)s by about %(area).0f m².")
        % {"other": label, "area": approx_square_metres(area, geom.centroid.y)},
        field=field,
    )


# The columns apply_boundary sets, for save(update_fields=...).
BOUNDARY_FIELDS = [
    "boundary",
    "centroid_lat",
    "centroid_lng",
    "min_lng",
    "min_lat",
    "max_lng",
    "max_lat",
]


def apply_boundary(obj: Region | Grid, geom: BaseGeometry | None) -> None:
    """Put `geom` (or no boundary), its centroid and its box on an unsaved or saved Region or
    Grid."""
    if geom is None:
        obj.boundary, obj.centroid_lat, obj.centroid_lng = None, None, None
        obj.min_lng = obj.min_lat = obj.max_lng = obj.max_lat = None
        return
    centroid = geom.centroid
    obj.boundary = boundary_geojson(geom)
    obj.centroid_lat, obj.centroid_lng = centroid.y, centroid.x
    obj.min_lng, obj.min_lat, obj.max_lng, obj.max_lat = geom.bounds


def stored_shape(boundary) -> BaseGeometry | None:
    """The shape of a stored boundary; None when there is none or it cannot be read."""
    if not boundary:
        return None
    try:
        geom = shape(boundary)
    except (AttributeError, IndexError, KeyError, TypeError, ValueError, GEOSException):
        return None
    if geom.is_empty:
        return None
    # Rows written before validation existed may be invalid; repair them for the comparison
    # rather than failing a new, correct write because of an old one.
    return geom if geom.is_valid else shapely.make_valid(geom)
