"""API: organisations, places and facilities — list, detail, create, edit, export, import,
and the reveal of an organisation's contact phone (logged)."""

from django.http import HttpResponse
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import PageNumberPagination, paginate

from fengqiao.core.errors import NotFound
from fengqiao.core.http import client_ip
from fengqiao.regions.models import Region
from fengqiao.registry import located, located_exporter, selectors
from fengqiao.registry.api import XLSX, import_file
from fengqiao.registry.schemas import (
    FacilityIn,
    FacilityOut,
    FacilityPatch,
    ImportOut,
    OrganizationIn,
    OrganizationOut,
    OrganizationPatch,
    PlaceIn,
    PlaceOut,
    PlacePatch,
    RevealOut,
)

router = Router(tags=["registry"])


class LocatedFilter(Schema):
    q: str = ""
    kind: str = ""
    grid: str = ""


def _filtered(list_fn, actor, filters: LocatedFilter):
    return list_fn(
        actor=actor, q=filters.q[:100], kind=filters.kind[:16], grid_code=filters.grid[:24]
    )


def _where(fields: dict) -> dict:
    """village_code → the village (as dwellings take it); 404 for a code that is none."""
    code = fields.pop("village_code", None)
    if code:
        village = Region.objects.defer("boundary").filter(code=code[:24]).first()
        if village is None:
            raise NotFound(field="village_code")
        fields["village"] = village
    return fields


def _download(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# Organisations ------------------------------------------------------------------------------


@router.get("/organizations", response=list[OrganizationOut])
@paginate(PageNumberPagination, page_size=50)
def organization_list(request, filters: Query[LocatedFilter]):
    return _filtered(selectors.organization_list, request.auth, filters)


@router.post("/organizations", response={201: OrganizationOut})
def organization_create(request, payload: OrganizationIn):
    """An organisation at a point (its grid is found) or in a village; the contact phone is
    stored sealed and only ever returned masked."""
    org = located.organization_create(actor=request.auth, **_where(payload.dict()))
    return Status(201, org)


@router.get("/organizations/export.xlsx")
def organization_export(request, filters: Query[LocatedFilter]):
    """XLSX of the organisations the caller may see (contact phones masked); logged."""
    queryset = _filtered(selectors.organization_list, request.auth, filters)
    content = located_exporter.export_organizations_xlsx(
        actor=request.auth, queryset=queryset, ip=client_ip(request)
    )
    return _download(content, "organizations.xlsx")


@router.post("/organizations/import", response=ImportOut)
def organization_import(request, file: File[UploadedFile], mode: Form[str] = "all_or_nothing"):
    """Import organisations (POST /import with kind=organizations)."""
    return import_file(request, "organizations", file, mode)


@router.get("/organizations/{organization_id}", response=OrganizationOut)
def organization_detail(request, organization_id: int):
    return selectors.organization_get(actor=request.auth, organization_id=organization_id)


@router.patch("/organizations/{organization_id}", response=OrganizationOut)
def organization_update(request, organization_id: int, payload: OrganizationPatch):
    org = selectors.organization_get(actor=request.auth, organization_id=organization_id)
    fields = _where(payload.dict(exclude_unset=True))
    return located.organization_update(actor=request.auth, organization=org, **fields)


@router.post("/organizations/{organization_id}/reveal", response=RevealOut)
def organization_reveal(request, organization_id: int):
    """The full contact phone; only for roles that may reveal, and every call is logged."""
    org = selectors.organization_get(actor=request.auth, organization_id=organization_id)
    value = located.organization_reveal_phone(
        actor=request.auth, organization=org, ip=client_ip(request)
    )
    return {"field": "contact_phone", "value": value}


# Places -------------------------------------------------------------------------------------


@router.get("/places", response=list[PlaceOut])
@paginate(PageNumberPagination, page_size=50)
def place_list(request, filters: Query[LocatedFilter]):
    return _filtered(selectors.place_list, request.auth, filters)


@router.post("/places", response={201: PlaceOut})
def place_create(request, payload: PlaceIn):
    return Status(201, located.place_create(actor=request.auth, **_where(payload.dict())))


@router.get("/places/export.xlsx")
def place_export(request, filters: Query[LocatedFilter]):
    """XLSX of the places the caller may see; logged."""
    queryset = _filtered(selectors.place_list, request.auth, filters)
    content = located_exporter.export_places_xlsx(
        actor=request.auth, queryset=queryset, ip=client_ip(request)
    )
    return _download(content, "places.xlsx")


@router.post("/places/import", response=ImportOut)
def place_import(request, file: File[UploadedFile], mode: Form[str] = "all_or_nothing"):
    """Import places (POST /import with kind=places)."""
    return import_file(request, "places", file, mode)


@router.get("/places/{place_id}", response=PlaceOut)
def place_detail(request, place_id: int):
    return selectors.place_get(actor=request.auth, place_id=place_id)


@router.patch("/places/{place_id}", response=PlaceOut)
def place_update(request, place_id: int, payload: PlacePatch):
    place = selectors.place_get(actor=request.auth, place_id=place_id)
    fields = _where(payload.dict(exclude_unset=True))
    return located.place_update(actor=request.auth, place=place, **fields)


# Facilities ---------------------------------------------------------------------------------


@router.get("/facilities", response=list[FacilityOut])
@paginate(PageNumberPagination, page_size=50)
def facility_list(request, filters: Query[LocatedFilter]):
    return _filtered(selectors.facility_list, request.auth, filters)


@router.post("/facilities", response={201: FacilityOut})
def facility_create(request, payload: FacilityIn):
    """A facility at a point (or in a village); its code is unique."""
    return Status(201, located.facility_create(actor=request.auth, **_where(payload.dict())))


@router.get("/facilities/export.xlsx")
def facility_export(request, filters: Query[LocatedFilter]):
    """XLSX of the facilities the caller may see; logged."""
    queryset = _filtered(selectors.facility_list, request.auth, filters)
    content = located_exporter.export_facilities_xlsx(
        actor=request.auth, queryset=queryset, ip=client_ip(request)
    )
    return _download(content, "facilities.xlsx")


@router.post("/facilities/import", response=ImportOut)
def facility_import(request, file: File[UploadedFile], mode: Form[str] = "all_or_nothing"):
    """Import facilities (POST /import with kind=facilities)."""
    return import_file(request, "facilities", file, mode)


@router.get("/facilities/{facility_id}", response=FacilityOut)
def facility_detail(request, facility_id: int):
    return selectors.facility_get(actor=request.auth, facility_id=facility_id)


@router.patch("/facilities/{facility_id}", response=FacilityOut)
def facility_update(request, facility_id: int, payload: FacilityPatch):
    """Change what is sent; `status` records a check (working, faulty, removed)."""
    facility = selectors.facility_get(actor=request.auth, facility_id=facility_id)
    fields = _where(payload.dict(exclude_unset=True))
    return located.facility_update(actor=request.auth, facility=facility, **fields)
