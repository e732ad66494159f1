"""API: regions, grids and point location, all inside the caller's jurisdiction."""

import json

from django.http import HttpResponse
from ninja import File, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.pagination import PageNumberPagination, paginate

from fengqiao.core.errors import OutsideJurisdiction
from fengqiao.core.scoping import code_within
from fengqiao.regions import locator, selectors, tree_export, tree_import
from fengqiao.regions.basemap import basemap_features, parse_bbox, parse_zoom
from fengqiao.regions.gazetteer_search import gazetteer_search, parse_near
from fengqiao.regions.schemas import (
    GazetteerHitOut,
    GridDetailOut,
    GridOut,
    LocationOut,
    RegionDetailOut,
    RegionOut,
    TreeImportOut,
)

router = Router(tags=["regions"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class RegionFilter(Schema):
    parent: str | None = None
    level: str | None = None
    q: str | None = None


class GridFilter(Schema):
    village: str | None = None
    parent: str | None = None
    q: str | None = None


@router.get("/regions", response=list[RegionOut])
@paginate(PageNumberPagination, page_size=100)
def region_list(request, filters: Query[RegionFilter]):
    return selectors.region_list(
        actor=request.auth, parent_code=filters.parent, level=filters.level, q=filters.q
    ).select_related("parent")


@router.get("/regions/{code}/export.geojson")
def region_export_geojson(request, code: str):
    """The region and every region and grid inside it, as a GeoJSON FeatureCollection."""
    data = tree_export.export_geojson(actor=request.auth, root_code=code)
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False), content_type="application/geo+json"
    )
    response["Content-Disposition"] = f'attachment; filename="{code}.geojson"'
    return response


@router.get("/regions/{code}/export.xlsx")
def region_export_xlsx(request, code: str):
    """The same tree as a workbook with the sheets "regions" and "grids"."""
    content = tree_export.export_xlsx(actor=request.auth, root_code=code)
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{code}.xlsx"'
    return response


@router.post("/regions/import", response=TreeImportOut)
def region_import(request, file: File[UploadedFile]):
    """Import a GeoJSON or XLSX tree (administrators); all or nothing, idempotent."""
    return tree_import.import_tree(actor=request.auth, filename=file.name, content=file.read())


@router.get("/regions/{code}", response=RegionDetailOut)
def region_detail(request, code: str):
    return selectors.region_get(actor=request.auth, code=code)


@router.get("/grids", response=list[GridOut])
@paginate(PageNumberPagination, page_size=100)
def grid_list(request, filters: Query[GridFilter]):
    return selectors.grid_list(
        actor=request.auth,
        village_code=filters.village,
        parent_code=filters.parent,
        q=filters.q,
    ).select_related("village", "parent")


@router.get("/grids/locate", response=LocationOut)
def grid_locate(request, lat: float, lng: float):
    """The smallest grid containing the point, inside the caller's jurisdiction."""
    location = locator.locate(lat, lng)
    if not code_within(request.auth, location.region_code):
        raise OutsideJurisdiction()
    return location


@router.get("/grids/{code}", response=GridDetailOut)
def grid_detail(request, code: str):
    return selectors.grid_get(actor=request.auth, code=code)


@router.get("/basemap")
def basemap(request, bbox: str = "", zoom: str = ""):
    """The base map from our own data for one view, as GeoJSON: `bbox` is
    west,south,east,north in WGS-84 degrees, `zoom` the map's zoom level (0-22). Outlines,
    roads and points the caller may see; dwellings as points with their address only."""
    data = basemap_features(actor=request.auth, bbox=parse_bbox(bbox), zoom=parse_zoom(zoom))
    return HttpResponse(json.dumps(data, ensure_ascii=False), content_type="application/geo+json")


@router.get("/gazetteer", response=list[GazetteerHitOut])
def gazetteer(request, q: str = "", limit: str = "10", near: str = ""):
    """Address search: areas, grids, roads, junctions ("建设路与文化路"), dwellings, places and
    organisations the caller may see, matching `q` (Chinese, or pinyin initials such as
    "jsl"), exact before prefix before partial, nearest to `near` ("lat,lng") first."""
    try:
        count = int(limit)
    except ValueError:
        count = 0
    return gazetteer_search(actor=request.auth, q=q, limit=count, near=parse_near(near))
