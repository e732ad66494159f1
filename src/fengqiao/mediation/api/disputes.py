"""API of disputes: lists, queues, figures, register, the dispute page, its steps (one endpoint
takes any step of the dispute table), mediator suggestions and the agreement (DOCX, scan)."""

from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _
from ninja import Body, File, Query, Router, Status
from ninja.files import UploadedFile
from ninja.pagination import PageNumberPagination, paginate

from fengqiao.cases import selectors as case_selectors
from fengqiao.cases import steps, workflow
from fengqiao.cases.models import Kind
from fengqiao.cases.schemas import QueueOut
from fengqiao.core.errors import NotFound, ValidationFailed
from fengqiao.core.http import client_ip
from fengqiao.mediation import agreements, metrics, selectors, services
from fengqiao.mediation.api.common import (
    METRICS_DAYS,
    dispute_by_code,
    period_of,
    village_by_code,
    with_case_part,
)
from fengqiao.mediation.models import Dispute
from fengqiao.mediation.schemas.common import PeriodFilter
from fengqiao.mediation.schemas.disputes import (
    AgreementOut,
    DisputeDetailOut,
    DisputeFilter,
    DisputeIn,
    DisputeMetricsOut,
    DisputeOut,
    MediatorSuggestionOut,
)

router = Router(tags=["disputes"])
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _dispute_detail(actor, dispute: Dispute) -> Dispute:
    """Attach what the dispute page shows besides the row itself (it depends on who asks)."""
    parts = selectors.dispute_parts(actor=actor, dispute=dispute)
    dispute.api_parties, dispute.api_sessions = parts["parties"], parts["sessions"]
    dispute.api_agreement, dispute.api_referrals = parts["agreement"], parts["referrals"]
    dispute.api_follow_ups = parts["follow_ups"]
    return with_case_part(actor, dispute)


def _dispute_page(request, dispute_id: int) -> Dispute:
    dispute = selectors.dispute_get(actor=request.auth, dispute_id=dispute_id)
    return _dispute_detail(request.auth, dispute)


# --- disputes: lists, figures, register --------------------------------------------------------


@router.get("/disputes", response=list[DisputeOut])
@paginate(PageNumberPagination, page_size=50)
def dispute_list(request, filters: Query[DisputeFilter]):
    """Disputes the caller may see, newest first; `queue` is one of GET /disputes/queues."""
    return selectors.dispute_list(
        actor=request.auth,
        queue=filters.queue,
        q=filters.q.strip(),
        dispute_type=filters.dispute_type,
        risk_grade=filters.risk_grade,
        status=filters.status,
    )


@router.get("/disputes/queues", response=list[QueueOut])
def dispute_queues(request):
    """How many disputes wait in each queue for the caller."""
    counts = selectors.dispute_queue_counts(actor=request.auth)
    return [
        {"queue": name, "description": description, "count": counts[name]}
        for name, description in selectors.DISPUTE_QUEUES.items()
    ]


@router.get("/disputes/metrics", response=DisputeMetricsOut)
def dispute_metrics(request, filters: Query[PeriodFilter]):
    """Figures from the case log for [start, end) (default: the 365 days up to the end of
    today): settled by
    deadline, mediation success, level of settlement, relapse — overall, per committee and
    per mediator."""
    start, end = period_of(filters, METRICS_DAYS)
    return metrics.dispute_metrics(actor=request.auth, start=start, end=end)


@router.post("/disputes", response={200: DisputeDetailOut, 201: DisputeDetailOut})
def dispute_register(request, payload: DisputeIn):
    """Register a dispute (screening, walk-in, a resident's application, a referral in, an
    upgraded case). Sending the same `client_id` again returns the dispute already made, with
    status 200."""
    actor = request.auth
    origin_case_id = None
    if payload.origin_case:
        origin = case_selectors.case_list(actor=actor).filter(code=payload.origin_case).first()
        if origin is None:
            raise NotFound(_("The case to upgrade was not found."), field="origin_case")
        origin_case_id = origin.pk
    resubmitted = bool(payload.client_id) and (
        selectors.dispute_list(actor=actor).filter(case__client_id=payload.client_id).exists()
    )
    dispute = services.dispute_register(
        actor=actor,
        dispute_type=payload.dispute_type,
        title=payload.title,
        description=payload.description,
        source=payload.source,
        parties=[services.PartyIn(**party.model_dump()) for party in payload.parties],
        amount=payload.amount,
        risk_grade=payload.risk_grade,
        risk_reasons=payload.risk_reasons,
        risk_note=payload.risk_note,
        lat=payload.lat,
        lng=payload.lng,
        village=village_by_code(payload.village),
        address=payload.address,
        origin_case_id=origin_case_id,
        client_id=payload.client_id or None,
    )
    page = _dispute_page(request, dispute.pk)
    return Status(200, page) if resubmitted else Status(201, page)


# --- one dispute -------------------------------------------------------------------------------


@router.get("/disputes/{code}", response=DisputeDetailOut)
def dispute_detail(request, code: str):
    """The dispute page: case fields, parties (phones masked), sessions, the agreement,
    referrals, follow-ups and what the caller may do (`actions`)."""
    return _dispute_detail(request.auth, dispute_by_code(request, code))


@router.post(
    "/disputes/{code}/actions/{action}",
    response=DisputeDetailOut,
    openapi_extra=steps.action_openapi("DisputeActionIn", [workflow.table_for(Kind.DISPUTE)]),
)
def dispute_action(request, code: str, action: str, payload: Body[dict[str, Any] | None] = None):
    """Take one step on a dispute: `actions` on the dispute page lists those the caller may
    take now, and each step reads the fields of its own form from the body (docs/api.md lists
    them). A unit a referral or a confirmation request went to answers it here too. The signed
    agreement, a file, has its own endpoint.

    Refusals: 403 `forbidden` (role or person), 409 `illegal_transition` (state), 404
    `unknown_action`, 400 naming the field at fault."""
    dispute = selectors.dispute_to_act_on(actor=request.auth, code=code)
    if dispute is None:
        raise NotFound(_("Dispute not found."))
    case = steps.perform(
        actor=request.auth,
        case=dispute.case,
        action=action,
        data=payload or {},
    )
    return _dispute_detail(request.auth, selectors.dispute_after_step(dispute_id=case.pk))


@router.get("/disputes/{code}/mediators", response=list[MediatorSuggestionOut])
def mediator_suggestions(request, code: str):
    """Mediators who serve the dispute's place, best first: speciality, nearness, load."""
    rows = selectors.mediator_suggestions(
        actor=request.auth, dispute=dispute_by_code(request, code)
    )
    return [
        {
            "id": row["mediator"].pk,
            "name": row["mediator"].name,
            "background": row["mediator"].background,
            "is_expert": row["mediator"].is_expert,
            "committee_id": row["mediator"].committee_id,
            "committee_name": row["mediator"].committee.name,
            "specialist": row["specialist"],
            "near": row["near"],
            "load": row["load"],
            "score": row["score"],
        }
        for row in rows
    ]


@router.get("/disputes/{code}/agreement.docx")
def agreement_download(request, code: str):
    """The agreement (调解协议书) as DOCX, personal numbers masked; every download is logged."""
    name, content = agreements.agreement_download(
        actor=request.auth, dispute_id=dispute_by_code(request, code).pk, ip=client_ip(request)
    )
    response = HttpResponse(content, content_type=DOCX)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@router.post("/disputes/{code}/agreement/signed", response=AgreementOut)
def agreement_signed(request, code: str, file: File[UploadedFile | None] = None):
    """Upload the signed agreement (a scan: photo or PDF, 10 MB at most) as multipart `file`;
    its SHA-256 goes into the log."""
    # `file` is checked after the dispute is found, so outsiders learn nothing but 404.
    dispute_id = dispute_by_code(request, code).pk
    if file is None:
        raise ValidationFailed(_("Choose the signed agreement (a photo or a PDF)."), field="file")
    return agreements.agreement_upload_signed(
        actor=request.auth, dispute_id=dispute_id, upload=file
    )
