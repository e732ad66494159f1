"""API: visits (/api/v1/visits) with their photos, the visits due (/api/v1/visits/due) and
visit plans."""

from ninja import File, Query, Router, Status
from ninja.files import UploadedFile
from ninja.pagination import PageNumberPagination, paginate

from fengqiao.core.downloads import inline_file
from fengqiao.fieldwork import photos as _photos
from fengqiao.fieldwork import selectors, services
from fengqiao.fieldwork.schemas import (
    DueFilter,
    DueVisitOut,
    PhotoOut,
    PlanIn,
    PlanOut,
    VisitFilter,
    VisitIn,
    VisitOut,
)

router = Router(tags=["fieldwork"])


@router.get("/visits", response=list[VisitOut])
@paginate(PageNumberPagination, page_size=50)
def visit_list(request, filters: Query[VisitFilter]):
    """Visits in the caller's jurisdiction, newest first."""
    return selectors.visit_list(actor=request.auth, **filters.dict()).prefetch_related(
        "met", "needs", "photos"
    )


@router.get("/visits/due", response=list[DueVisitOut])
def visits_due(request, filters: Query[DueFilter]):
    """People due a visit (or overdue) under the visit plans, nearest first when lat/lng are
    given."""
    near = (
        (filters.lat, filters.lng) if filters.lat is not None and filters.lng is not None else None
    )
    return selectors.visits_due(
        actor=request.auth, area=filters.area, near=near, include_later=filters.all
    )


@router.get("/visits/{visit_id}", response=VisitOut)
def visit_get(request, visit_id: int):
    return selectors.visit_get(actor=request.auth, visit_id=visit_id)


@router.post("/visits", response={200: VisitOut, 201: VisitOut})
def visit_record(request, payload: VisitIn):
    """Record a visit; a finding may raise a case (`case_category` + `case_title`) and, on a
    household visit, a care need (`need_kind` + `need_detail`) in its care record. The same
    `client_id` again answers 200 with the visit already recorded."""
    data = payload.dict()
    category, title = data.pop("case_category").strip(), data.pop("case_title")
    raise_case = services.RaiseCase(category=category, title=title) if category else None
    kind, detail = data.pop("need_kind").strip(), data.pop("need_detail")
    raise_need = services.RaiseNeed(kind=kind, detail=detail) if kind else None
    visit = services.visit_record(
        actor=request.auth, raise_case=raise_case, raise_need=raise_need, **data
    )
    return Status(201 if visit.is_new else 200, visit)


@router.post("/visits/{visit_id}/photos", response={200: list[PhotoOut], 201: list[PhotoOut]})
def visit_photos_add(request, visit_id: int, photos: File[list[UploadedFile] | None] = None):
    """Add photos (JPEG, PNG, GIF, WebP, HEIC; 10 MB each, 10 a visit) to one's own visit, as
    multipart `photos`. A photo the visit holds already is not stored again, so a resend is
    harmless: 201 when some were stored, 200 when all were there. Answers the visit's photos."""
    # The visit is found (or 404) before the files are looked at, so outsiders learn nothing.
    stored = _photos.visit_photos_add(actor=request.auth, visit_id=visit_id, files=photos)
    visit = selectors.visit_get(actor=request.auth, visit_id=visit_id)
    return Status(201 if stored else 200, list(visit.photos.all()))


@router.get("/visits/{visit_id}/photos/{photo_id}")
def visit_photo(request, visit_id: int, photo_id: int):
    """The photo itself, for a visit the caller may see."""
    photo = selectors.visit_photo_get(actor=request.auth, visit_id=visit_id, photo_id=photo_id)
    return inline_file(photo, content_type=photo.content_type)


@router.get("/visit-plans", response=list[PlanOut])
def plan_list(request):
    return selectors.plan_list(actor=request.auth)


@router.put("/visit-plans", response={200: PlanOut, 204: None})
def plan_set(request, payload: PlanIn):
    """Set (or with every_days null, remove) the plan for a tag in an area."""
    plan = services.plan_set(
        actor=request.auth,
        tag_code=payload.tag,
        region_code=payload.region_code,
        every_days=payload.every_days,
    )
    return (200, plan) if plan is not None else (204, None)
