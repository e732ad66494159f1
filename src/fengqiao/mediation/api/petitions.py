"""API of petitions (信访): list, figures, register, the petition page and its steps, and the
petitioner's history."""

from typing import Any

from django.utils.translation import gettext_lazy as _
from ninja import Body, Query, Router, Status
from ninja.pagination import PageNumberPagination, paginate

from fengqiao.cases import steps, workflow
from fengqiao.cases.models import Kind
from fengqiao.core.errors import NotFound
from fengqiao.mediation import metrics, petitions, selectors
from fengqiao.mediation.api.common import (
    METRICS_DAYS,
    dispute_by_code,
    period_of,
    village_by_code,
    with_case_part,
)
from fengqiao.mediation.models import Petition
from fengqiao.mediation.schemas.common import PeriodFilter
from fengqiao.mediation.schemas.petitions import (
    PetitionDetailOut,
    PetitionFilter,
    PetitionIn,
    PetitionMetricsOut,
    PetitionOut,
)

router = Router(tags=["petitions"])


def _petition(request, code: str) -> Petition:
    petition = selectors.petition_list(actor=request.auth).filter(case__code=code).first()
    if petition is None:
        raise NotFound(_("Petition not found."))
    return petition


def _petition_detail(actor, petition: Petition) -> Petition:
    petition.api_history_count = selectors.petition_history(actor=actor, petition=petition).count()
    return with_case_part(actor, petition)


def _petition_page(request, petition_id: int) -> Petition:
    petition = petitions.petition_get(actor=request.auth, petition_id=petition_id)
    return _petition_detail(request.auth, petition)


@router.get("/petitions", response=list[PetitionOut])
@paginate(PageNumberPagination, page_size=50)
def petition_list(request, filters: Query[PetitionFilter]):
    """Petitions the caller may see, newest first."""
    return selectors.petition_list(actor=request.auth, queue=filters.queue, q=filters.q.strip())


@router.get("/petitions/metrics", response=PetitionMetricsOut)
def petition_metrics(request, filters: Query[PeriodFilter]):
    """Petitions registered in [start, end) (default: the last 365 days): acknowledged and
    replied within the limits, and how many are overdue now."""
    start, end = period_of(filters, METRICS_DAYS)
    figures = metrics.petition_metrics(actor=request.auth, start=start, end=end)
    return {"start": start, "end": end, **figures}


@router.post("/petitions", response={200: PetitionDetailOut, 201: PetitionDetailOut})
def petition_register(request, payload: PetitionIn):
    """Register a petition (online, walk-in visit, letter, phone). Limits: acknowledge within
    15 days, reply within 60 days of acceptance. The same `client_id` again returns status 200."""
    actor = request.auth
    dispute_id = (
        dispute_by_code(request, payload.dispute, field="dispute").pk if payload.dispute else None
    )
    resubmitted = bool(payload.client_id) and (
        selectors.petition_list(actor=actor).filter(case__client_id=payload.client_id).exists()
    )
    petition = petitions.petition_register(
        actor=actor,
        form=payload.form,
        category_code=payload.category,
        title=payload.title,
        matter=payload.matter,
        petitioner_id=payload.petitioner_id,
        petitioner_name=payload.petitioner_name,
        id_number=payload.id_number,
        phone=payload.phone,
        visitors=payload.visitors,
        lat=payload.lat,
        lng=payload.lng,
        village=village_by_code(payload.village),
        address=payload.address,
        dispute_id=dispute_id,
        client_id=payload.client_id or None,
    )
    page = _petition_page(request, petition.pk)
    return Status(200, page) if resubmitted else Status(201, page)


@router.get("/petitions/{code}", response=PetitionDetailOut)
def petition_detail(request, code: str):
    """The petition page: limits and whether they are passed, the petitioner (ID masked), how
    many other petitions they made, and what the caller may do (`actions`)."""
    return _petition_detail(request.auth, _petition(request, code))


@router.post(
    "/petitions/{code}/actions/{action}",
    response=PetitionDetailOut,
    openapi_extra=steps.action_openapi("PetitionActionIn", [workflow.table_for(Kind.PETITION)]),
)
def petition_action(request, code: str, action: str, payload: Body[dict[str, Any] | None] = None):
    """Take one step on a petition: `actions` on the petition page lists those the caller may
    take now, and each step reads the fields of its own form from the body (docs/api.md lists
    them).

    Refusals: 403 `forbidden` (role or person), 409 `illegal_transition` (state), 404
    `unknown_action`, 400 naming the field at fault."""
    case = steps.perform(
        actor=request.auth,
        case=_petition(request, code).case,
        action=action,
        data=payload or {},
    )
    return _petition_page(request, case.pk)


@router.get("/petitions/{code}/history", response=list[PetitionOut])
@paginate(PageNumberPagination, page_size=50)
def petition_history(request, code: str):
    """The petitioner's other petitions the caller may see (same person or ID number)."""
    return selectors.petition_history(actor=request.auth, petition=_petition(request, code))
