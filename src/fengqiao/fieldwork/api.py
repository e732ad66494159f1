"""API: visits (/api/v1/visits), the visits due (/api/v1/visits/due) and visit plans."""

from ninja import Query, Router, Status
from ninja.pagination import PageNumberPagination, paginate

from fengqiao.fieldwork import selectors, services
from fengqiao.fieldwork.schemas import (
    DueFilter,
    DueVisitOut,
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
        "met", "needs"
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
