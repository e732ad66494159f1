"""API of petitions (信访): list, figures, register, the petition page and its steps, and the
petitioner's history."""

from django.utils.translation import gettext_lazy as _
from ninja import Query, Router, Status
from ninja.pagination import PageNumberPagination, paginate

from fengqiao.cases import selectors as case_selectors
from fengqiao.cases import services as case_services
from fengqiao.core.errors import NotFound
from fengqiao.mediation import metrics, petitions, selectors
from fengqiao.mediation.api.common import METRICS_DAYS, dispute_by_code, period_of, village_by_code
from fengqiao.mediation.models import Petition
from fengqiao.mediation.schemas.common import NoteIn, PeriodFilter
from fengqiao.mediation.schemas.petitions import (
    AcknowledgeIn,
    ExtendIn,
    LinkIn,
    PetitionDetailOut,
    PetitionFilter,
    PetitionIn,
    PetitionMetricsOut,
    PetitionOut,
    ReplyIn,
    RouteIn,
)

router = Router(tags=["petitions"])


def _petition(request, code: str) -> Petition:
    petition = selectors.petition_list(actor=request.auth).filter(case__code=code).first()
    if petition is None:
        raise NotFound(_("Petition not found."))
    return petition


def _petition_detail(actor, petition: Petition) -> Petition:
    petition.api_history_count = selectors.petition_history(actor=actor, petition=petition).count()
    petition.api_actions = case_selectors.case_actions(actor=actor, case=petition.case)
    return petition


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


@router.post("/petitions/{code}/acknowledge", response=PetitionDetailOut)
def petition_acknowledge(request, code: str, payload: AcknowledgeIn):
    """Tell the petitioner whether the petition is accepted (受理); say why if not."""
    petition = petitions.petition_acknowledge(
        actor=request.auth,
        petition_id=_petition(request, code).pk,
        accepted=payload.accepted,
        note=payload.note,
    )
    return _petition_detail(request.auth, petition)


@router.post("/petitions/{code}/route", response=PetitionDetailOut)
def petition_route(request, code: str, payload: RouteIn):
    """Send an accepted petition to the unit responsible for it."""
    petition_id = _petition(request, code).pk
    case_services.case_dispatch(
        actor=request.auth, case_id=petition_id, unit_id=payload.unit_id, note=payload.note
    )
    return _petition_page(request, petition_id)


@router.post("/petitions/{code}/claim", response=PetitionDetailOut)
def petition_claim(request, code: str, payload: NoteIn):
    """The responsible unit signs for the petition."""
    petition_id = _petition(request, code).pk
    case_services.case_claim(actor=request.auth, case_id=petition_id, note=payload.note)
    return _petition_page(request, petition_id)


@router.post("/petitions/{code}/reply", response=PetitionDetailOut)
def petition_reply(request, code: str, payload: ReplyIn):
    """The written reply (办理意见) to the petitioner."""
    petition = petitions.petition_reply(
        actor=request.auth, petition_id=_petition(request, code).pk, reply=payload.reply
    )
    return _petition_detail(request.auth, petition)


@router.post("/petitions/{code}/extend", response=PetitionDetailOut)
def petition_extend(request, code: str, payload: ExtendIn):
    """Extend the reply limit once, by 1 to 30 days, with the reason."""
    petition = petitions.petition_extend(
        actor=request.auth,
        petition_id=_petition(request, code).pk,
        days=payload.days,
        reason=payload.reason,
    )
    return _petition_detail(request.auth, petition)


@router.post("/petitions/{code}/link", response=PetitionDetailOut)
def petition_link(request, code: str, payload: LinkIn):
    """Link the petition to the dispute it is about."""
    petition_id = _petition(request, code).pk
    petition = petitions.petition_link_dispute(
        actor=request.auth,
        petition_id=petition_id,
        dispute_id=dispute_by_code(request, payload.dispute, field="dispute").pk,
    )
    return _petition_detail(request.auth, petition)


@router.get("/petitions/{code}/history", response=list[PetitionOut])
@paginate(PageNumberPagination, page_size=50)
def petition_history(request, code: str):
    """The petitioner's other petitions the caller may see (same person or ID number)."""
    return selectors.petition_history(actor=request.auth, petition=_petition(request, code))
