"""API: people, households, dwellings (organisations, places, facilities: api_located;
household groups: fieldwork.api_groups, where they are also shaped and elected)."""

from django.http import HttpResponse
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import PageNumberPagination, paginate

from fengqiao.core.errors import NotFound
from fengqiao.core.http import client_ip
from fengqiao.regions.models import Region
from fengqiao.registry import exporter, imports, search, selectors, services
from fengqiao.registry.schemas import (
    DwellingIn,
    DwellingOut,
    HouseholdDetailOut,
    HouseholdOut,
    ImportJobOut,
    ImportOut,
    PersonDetailOut,
    PersonIn,
    PersonOut,
    RevealIn,
    RevealOut,
)

router = Router(tags=["registry"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class PersonFilter(Schema):
    q: str = ""
    tag: str = ""
    grid: str = ""
    household: int | None = None


@router.get("/people", response=list[PersonOut])
@paginate(PageNumberPagination, page_size=50)
def person_list(request, filters: Query[PersonFilter]):
    """People in the caller's jurisdiction. `q` matches a name, or exactly a whole ID or phone
    number: that is a reveal (roles that may reveal only, logged, at most 30 an hour)."""
    return search.person_search(
        actor=request.auth,
        q=filters.q,
        tag=filters.tag,
        grid_code=filters.grid,
        household_id=filters.household,
        ip=client_ip(request),
    ).or_raise()


@router.post("/people", response={201: PersonDetailOut})
def person_create(request, payload: PersonIn):
    actor = request.auth
    dwelling = (
        selectors.dwelling_get(actor=actor, dwelling_id=payload.dwelling_id)
        if payload.dwelling_id
        else None
    )
    household = (
        selectors.household_get(actor=actor, household_id=payload.household_id)
        if payload.household_id
        else None
    )
    person = services.person_create(
        actor=actor,
        name=payload.name,
        id_number=payload.id_number,
        phone=payload.phone,
        dwelling=dwelling,
        household=household,
        relation=payload.relation,
        residence=payload.residence,
        ethnicity=payload.ethnicity,
    )
    return Status(201, _person_detail(actor, person))


def _person_detail(actor, person):
    # Tags depend on who asks (sensitive ones are unsealed only for some roles).
    person.visible_tags = selectors.person_tags_visible(actor=actor, person=person)
    return person


@router.get("/people/export.xlsx")
def person_export(request, filters: Query[PersonFilter]):
    """XLSX of the people the caller may see (numbers masked); logged."""
    queryset = search.person_search(
        actor=request.auth,
        q=filters.q,
        tag=filters.tag,
        grid_code=filters.grid,
        ip=client_ip(request),
    ).or_raise()
    content = exporter.export_people_xlsx(
        actor=request.auth, queryset=queryset, ip=client_ip(request)
    )
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="people.xlsx"'
    return response


def import_file(request, kind: str, file: UploadedFile, mode: str) -> imports.ImportResult:
    job = imports.import_run(
        actor=request.auth, kind=kind, filename=file.name or "", fh=file.file, mode=mode
    )
    return imports.job_result(job)


@router.post("/import", response=ImportOut)
def registry_import(
    request,
    file: File[UploadedFile],
    kind: Form[str] = "people",
    mode: Form[str] = "all_or_nothing",
):
    """Import registry rows of one `kind` (people, dwellings, households, household_groups,
    organizations, places, facilities) from XLSX or CSV (UTF-8, GBK or UTF-16), headers in
    Chinese or English. `mode`: all_or_nothing (nothing is saved unless every row is valid) or
    valid_rows. Errors give row, column and reason; a rerun of the same file continues an
    unfinished import."""
    return import_file(request, kind, file, mode)


@router.get("/import/jobs/{job_id}", response=ImportJobOut)
def registry_import_job(request, job_id: int):
    """One of the caller's own imports."""
    return imports.job_get(actor=request.auth, job_id=job_id)


@router.get("/import/jobs/{job_id}/errors.xlsx")
def registry_import_errors(request, job_id: int):
    """Every rejected row of one of the caller's imports (row, column, reason)."""
    job = imports.job_get(actor=request.auth, job_id=job_id)
    response = HttpResponse(imports.error_report_xlsx(job), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="import-{job.pk}-errors.xlsx"'
    return response


@router.post("/people/import", response=ImportOut)
def person_import(request, file: File[UploadedFile], mode: Form[str] = "all_or_nothing"):
    """Import people (POST /import with kind=people)."""
    return import_file(request, "people", file, mode)


@router.get("/people/{person_id}", response=PersonDetailOut)
def person_detail(request, person_id: int):
    person = selectors.person_get(actor=request.auth, person_id=person_id)
    return _person_detail(request.auth, person)


@router.post("/people/{person_id}/reveal", response=RevealOut)
def person_reveal(request, person_id: int, payload: RevealIn):
    """The full ID or phone number; only for roles that may, and every call is logged."""
    person = selectors.person_get(actor=request.auth, person_id=person_id)
    value = services.person_reveal(
        actor=request.auth, person=person, field=payload.field, ip=client_ip(request)
    )
    return {"field": payload.field, "value": value}


@router.get("/households", response=list[HouseholdOut])
@paginate(PageNumberPagination, page_size=50)
def household_list(request, q: str = "", grid: str = ""):
    return selectors.household_list(actor=request.auth, q=q, grid_code=grid)


@router.get("/households/{household_id}", response=HouseholdDetailOut)
def household_detail(request, household_id: int):
    return selectors.household_get(actor=request.auth, household_id=household_id)


@router.get("/dwellings", response=list[DwellingOut])
@paginate(PageNumberPagination, page_size=50)
def dwelling_list(request, q: str = "", grid: str = "", use: str = ""):
    return selectors.dwelling_list(actor=request.auth, q=q, grid_code=grid, use=use)


@router.get("/dwellings/export.xlsx")
def dwelling_export(request, q: str = "", grid: str = "", use: str = ""):
    """XLSX of the dwellings the caller may see; logged."""
    queryset = selectors.dwelling_list(actor=request.auth, q=q, grid_code=grid, use=use)
    content = exporter.export_dwellings_xlsx(
        actor=request.auth, queryset=queryset, ip=client_ip(request)
    )
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="dwellings.xlsx"'
    return response


@router.post("/dwellings", response={201: DwellingOut})
def dwelling_create(request, payload: DwellingIn):
    village = None
    if payload.village_code:
        village = Region.objects.filter(code=payload.village_code).first()
        if village is None:
            raise NotFound()
    dwelling = services.dwelling_create(
        actor=request.auth,
        code=payload.code,
        address=payload.address,
        lat=payload.lat,
        lng=payload.lng,
        village=village,
        use=payload.use,
        building_type=payload.building_type,
        owner_name=payload.owner_name,
    )
    return Status(201, dwelling)


@router.post("/dwellings/import", response=ImportOut)
def dwelling_import(request, file: File[UploadedFile], mode: Form[str] = "all_or_nothing"):
    """Import dwellings (POST /import with kind=dwellings)."""
    return import_file(request, "dwellings", file, mode)


@router.get("/dwellings/{dwelling_id}", response=DwellingOut)
def dwelling_detail(request, dwelling_id: int):
    return selectors.dwelling_get(actor=request.auth, dwelling_id=dwelling_id)
