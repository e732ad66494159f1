"""Which tile layers lie under the maps: 天地图 (vector + annotation) with a key, else a
configured XYZ/WMTS URL, else none (the base drawn from our own data stands alone)."""

from __future__ import annotations

from django.conf import settings

# 天地图's WMTS in Web Mercator ("_w"); t0–t7 are the same service on eight hosts.
TIANDITU_URL = (
    "https://t{{s}}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
    "&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles"
    "&TILEMATRIX={{z}}&TILEROW={{y}}&TILECOL={{x}}&tk={token}"
)
# Tianditu asks maps to credit it; its current map approval number (审图号) can be added with
# FENGQIAO_TILE_ATTRIBUTION.
TIANDITU_ATTRIBUTION = "© 天地图 tianditu.gov.cn"


def tile_layers() -> list[dict]:
    """Leaflet tile layers, bottom first: url template, subdomains, attribution, max zoom."""
    token = settings.FENGQIAO_TIANDITU_TOKEN
    if token:
        return [
            {
                "url": TIANDITU_URL.format(layer=layer, token=token),
                "subdomains": "01234567",
                "attribution": (settings.FENGQIAO_TILE_ATTRIBUTION or TIANDITU_ATTRIBUTION)
                if layer == "vec"
                else "",
                "minZoom": 1,  # its matrix set starts at level 1
                "maxZoom": 18,
            }
            for layer in ("vec", "cva")
        ]
    if settings.FENGQIAO_TILE_URL:
        return [
            {
                "url": settings.FENGQIAO_TILE_URL,
                "subdomains": "abc",
                "attribution": settings.FENGQIAO_TILE_ATTRIBUTION,
                "maxZoom": 19,
            }
        ]
    return []
