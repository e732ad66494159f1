"""GeoJSON for the map pages: the outline of one area and the polygons of its children."""

from django.urls import reverse


def _feature(obj, *, role: str) -> dict | None:
    if not obj.boundary:
        return None
    is_grid = hasattr(obj, "village_id")
    url = reverse("regions:grid" if is_grid else "regions:region", args=[obj.code])
    return {
        "type": "Feature",
        "geometry": obj.boundary,
        "properties": {"code": obj.code, "name": obj.name, "role": role, "url": url},
    }


def feature_collection(outline, children) -> dict:
    features = [_feature(outline, role="outline")]
    features += [_feature(child, role="child") for child in children]
    return {"type": "FeatureCollection", "features": [f for f in features if f]}
