"""API: disputes and mediation, referrals, follow-ups, committees, screening, petitions."""

from datetime import datetime, time, timedelta

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja import File, Query, Router, Status
from ninja.files import UploadedFile
from ninja.pagination import PageNumberPagination, paginate

from fengqiao.cases import selectors as case_selectors
from fengqiao.cases import services as case_services
from fengqiao.cases.schemas import QueueOut
from fengqiao.core import clock
from fengqiao.core.errors import NotFound, ValidationFailed
from fengqiao.core.http import client_ip
from fengqiao.mediation import (
    agreements,
    followups,
    metrics,
    petitions,
    referrals,
    screening,
    selectors,
    services,
)
from fengqiao.mediation.models import Dispute, Petition
from fengqiao.mediation.schemas import (
    AcceptIn,
    AcknowledgeIn,
    AgreementOut,
    AssignIn,
    CommitteeOut,
    ConcludeIn,
    ConfirmationIn,
    DisputeDetailOut,
    DisputeFilter,
    DisputeIn,
    DisputeMetricsOut,
    DisputeOut,
    ExtendIn,
    FollowUpFilter,
    FollowUpIn,
    FollowUpOut,
    LinkIn,
    MediatorSuggestionOut,
    NoteIn,
    PartyIn,
    PeriodFilter,
    PetitionDetailOut,
    PetitionFilter,
    PetitionIn,
    PetitionMetricsOut,
    PetitionOut,
    ReasonIn,
    ReferIn,
    ReferralOut,
    ReferralReturnIn,
    ReplyIn,
    ReportIn,
    ReportOut,
    RoundCoverageOut,
    RoundIn,
    RoundOut,
    RouteIn,
    SessionOut,
    SessionPlanIn,
    SessionRecordIn,
)
from fengqiao.regions.models import Grid, Region

router = Router(tags=["disputes"])
MEDIATION = ["mediation"]
PETITIONS = ["petitions"]
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
METRICS_DAYS = 365  # figures cover the last year unless asked otherwise
CALENDAR_DAYS = 14  # the calendar shows two weeks from today unless asked otherwise


# --- lookups the handlers share ----------------------------------------------------------------


def _dispute(request, code: str, field: str | None = None) -> Dispute:
    """The dispute with this case code among those the caller may see; 404 otherwise."""
    dispute = selectors.dispute_list(actor=request.auth).filter(case__code=code).first()
    if dispute is None:
        raise NotFound(_("Dispute not found."), field=field)
    return dispute


def _petition(request, code: str) -> Petition:
    petition = selectors.petition_list(actor=request.auth).filter(case__code=code).first()
    if petition is None:
        raise NotFound(_("Petition not found."))
    return petition


def _village(code: str) -> Region | None:
    if not code:
        return None
    village = Region.objects.filter(code=code).first()
    if village is None:
        raise NotFound(_("Unknown village."), field="village")
    return village


def _period(filters: PeriodFilter, days: int, *, ahead: bool = False) -> tuple[datetime, datetime]:
    """[start, end) from the query, in whole local days when not given: without either, the
    `days` up to the end of today, or (`ahead`) the `days` from the start of today; with one
    of them, `days` from or up to it."""
    start, end = filters.start, filters.end
    if start is None and end is None:
        today = timezone.make_aware(datetime.combine(clock.localdate(), time.min))
        if ahead:
            start = today
        else:
            end = today + timedelta(days=1)
    if start is None:
        start = end - timedelta(days=days)
    elif end is None:
        end = start + timedelta(days=days)
    if end <= start:
        raise ValidationFailed(_("The end must come after the start."), field="end")
    return start, end


def _dispute_detail(actor, dispute: Dispute) -> Dispute:
    """Attach what the dispute page shows besides the row itself (it depends on who asks)."""
    parts = selectors.dispute_parts(actor=actor, dispute=dispute)
    dispute.api_parties, dispute.api_sessions = parts["parties"], parts["sessions"]
    dispute.api_agreement, dispute.api_referrals = parts["agreement"], parts["referrals"]
    dispute.api_follow_ups = parts["follow_ups"]
    dispute.api_actions = case_selectors.case_actions(actor=actor, case=dispute.case)
    return dispute


def _dispute_page(request, dispute_id: int) -> Dispute:
    dispute = services.dispute_get(actor=request.auth, dispute_id=dispute_id)
    return _dispute_detail(request.auth, dispute)


def _petition_detail(actor, petition: Petition) -> Petition:
    petition.api_history_count = selectors.petition_history(actor=actor, petition=petition).count()
    petition.api_actions = case_selectors.case_actions(actor=actor, case=petition.case)
    return petition


def _petition_page(request, petition_id: int) -> Petition:
    petition = petitions.petition_get(actor=request.auth, petition_id=petition_id)
    return _petition_detail(request.auth, petition)


# --- disputes: lists, figures, register -------------------------------------------------------


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
    start, end = _period(filters, METRICS_DAYS)
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
        village=_village(payload.village),
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
    return _dispute_detail(request.auth, _dispute(request, code))


@router.post("/disputes/{code}/accept", response=DisputeDetailOut)
def dispute_accept(request, code: str, payload: AcceptIn):
    """Accept for mediation; needs the parties' `consent` and both sides named."""
    dispute = services.dispute_accept(
        actor=request.auth,
        dispute_id=_dispute(request, code).pk,
        consent=payload.consent,
        consent_note=payload.consent_note,
        note=payload.note,
    )
    return _dispute_detail(request.auth, dispute)


@router.post("/disputes/{code}/reject", response=DisputeDetailOut)
def dispute_reject(request, code: str, payload: ReasonIn):
    """Reject (e.g. the parties refuse mediation), with the reason."""
    dispute_id = _dispute(request, code).pk
    case_services.case_reject(actor=request.auth, case_id=dispute_id, reason=payload.reason)
    return _dispute_page(request, dispute_id)


@router.get("/disputes/{code}/mediators", response=list[MediatorSuggestionOut])
def mediator_suggestions(request, code: str):
    """Mediators who serve the dispute's place, best first: speciality, nearness, load."""
    rows = selectors.mediator_suggestions(actor=request.auth, dispute=_dispute(request, code))
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


@router.post("/disputes/{code}/assign", response=DisputeDetailOut)
def dispute_assign(request, code: str, payload: AssignIn):
    """Give the dispute to a mediator (and their committee)."""
    dispute = services.dispute_assign(
        actor=request.auth,
        dispute_id=_dispute(request, code).pk,
        mediator_id=payload.mediator_id,
        note=payload.note,
    )
    return _dispute_detail(request.auth, dispute)


@router.post("/disputes/{code}/parties", response=DisputeDetailOut)
def dispute_party_add(request, code: str, payload: PartyIn):
    """Name another party, or the missing side, of an open dispute."""
    dispute = _dispute(request, code)
    services.dispute_party_add(
        actor=request.auth, dispute_id=dispute.pk, party=services.PartyIn(**payload.model_dump())
    )
    return _dispute_detail(
        request.auth, services.dispute_get(actor=request.auth, dispute_id=dispute.pk)
    )


@router.post("/disputes/{code}/claim", response=DisputeDetailOut)
def dispute_claim(request, code: str, payload: NoteIn):
    """The mediator signs for the dispute (签收)."""
    dispute_id = _dispute(request, code).pk
    case_services.case_claim(actor=request.auth, case_id=dispute_id, note=payload.note)
    return _dispute_page(request, dispute_id)


@router.post("/disputes/{code}/sessions", response={201: SessionOut})
def session_plan(request, code: str, payload: SessionPlanIn):
    """Put a session on the calendar."""
    session = services.session_plan(
        actor=request.auth,
        dispute_id=_dispute(request, code).pk,
        starts_at=payload.starts_at,
        place=payload.place,
    )
    return Status(201, session)


@router.post("/disputes/{code}/sessions/held", response={201: SessionOut})
def session_record(request, code: str, payload: SessionRecordIn):
    """Record a session held: a planned one (`session_id`) or one held without a plan."""
    session = services.session_record(
        actor=request.auth,
        dispute_id=_dispute(request, code).pk,
        held_at=payload.held_at,
        place=payload.place,
        participants=payload.participants,
        record=payload.record,
        session_id=payload.session_id,
    )
    return Status(201, session)


@router.post("/disputes/{code}/conclude", response=DisputeDetailOut)
def dispute_conclude(request, code: str, payload: ConcludeIn):
    """End the mediation: an agreement (facts, terms, performance), failed or withdrawn."""
    dispute = services.dispute_conclude(
        actor=request.auth,
        dispute_id=_dispute(request, code).pk,
        outcome=payload.outcome,
        result=payload.result,
        facts=payload.facts,
        terms=payload.terms,
        performance=payload.performance,
    )
    return _dispute_detail(request.auth, dispute)


@router.get("/disputes/{code}/agreement.docx")
def agreement_download(request, code: str):
    """The agreement (调解协议书) as DOCX, personal numbers masked; every download is logged."""
    name, content = agreements.agreement_download(
        actor=request.auth, dispute_id=_dispute(request, code).pk, ip=client_ip(request)
    )
    response = HttpResponse(content, content_type=DOCX)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@router.post("/disputes/{code}/agreement/signed", response=AgreementOut)
def agreement_signed(request, code: str, file: File[UploadedFile] = None):
    """Upload the signed agreement (a scan: photo or PDF, 10 MB at most) as multipart `file`;
    its SHA-256 goes into the log."""
    # `file` is checked after the dispute is found, so outsiders learn nothing but 404.
    dispute_id = _dispute(request, code).pk
    if file is None:
        raise ValidationFailed(_("Choose the signed agreement (a photo or a PDF)."), field="file")
    return services.agreement_upload_signed(actor=request.auth, dispute_id=dispute_id, upload=file)


@router.post("/disputes/{code}/referrals", response={201: ReferralOut})
def dispute_refer(request, code: str, payload: ReferIn):
    """Hand the dispute to another way (court, procuratorate, police, sector committee,
    petition office); the case moves with it."""
    referral = referrals.dispute_refer(
        actor=request.auth,
        dispute_id=_dispute(request, code).pk,
        way=payload.way,
        to_unit_id=payload.to_unit_id,
        reason=payload.reason,
    )
    return Status(201, referral)


@router.post("/disputes/{code}/confirmation", response={201: ReferralOut})
def confirmation_request(request, code: str, payload: ConfirmationIn):
    """Ask the court to confirm the agreement (司法确认); the court answers it as a referral."""
    referral = referrals.confirmation_request(
        actor=request.auth,
        dispute_id=_dispute(request, code).pk,
        to_unit_id=payload.to_unit_id,
        note=payload.note,
    )
    return Status(201, referral)


# --- referrals ---------------------------------------------------------------------------------


@router.get("/referrals/in", response=list[ReferralOut], tags=MEDIATION)
@paginate(PageNumberPagination, page_size=50)
def referrals_in(request, open_only: bool = True):
    """Referrals and confirmation requests sent to a unit the caller belongs to."""
    return selectors.referrals_in(actor=request.auth, open_only=open_only)


@router.get("/referrals/out", response=list[ReferralOut], tags=MEDIATION)
@paginate(PageNumberPagination, page_size=50)
def referrals_out(request):
    """Referrals the caller sent, or of disputes in their jurisdiction."""
    return selectors.referrals_out(actor=request.auth)


@router.post("/referrals/{referral_id}/accept", response=ReferralOut, tags=MEDIATION)
def referral_accept(request, referral_id: int, payload: NoteIn):
    """The receiving unit signs for the referral."""
    return referrals.referral_accept(actor=request.auth, referral_id=referral_id, note=payload.note)


@router.post("/referrals/{referral_id}/decline", response=ReferralOut, tags=MEDIATION)
def referral_decline(request, referral_id: int, payload: ReasonIn):
    """The receiving unit will not take it: the dispute goes back to the sender."""
    return referrals.referral_decline(
        actor=request.auth, referral_id=referral_id, reason=payload.reason
    )


@router.post("/referrals/{referral_id}/return", response=ReferralOut, tags=MEDIATION)
def referral_return(request, referral_id: int, payload: ReferralReturnIn):
    """The result comes back: settled there (the dispute is resolved) or not (it goes back)."""
    return referrals.referral_return(
        actor=request.auth,
        referral_id=referral_id,
        settled=payload.settled,
        result=payload.result,
    )


# --- follow-ups, committees, calendar ----------------------------------------------------------


@router.get("/follow-ups", response=list[FollowUpOut], tags=MEDIATION)
@paginate(PageNumberPagination, page_size=50)
def follow_ups_due(request, filters: Query[FollowUpFilter]):
    """Follow-up visits not yet made, due within `within_days` days or already late."""
    return selectors.follow_ups_due(actor=request.auth, within_days=filters.within_days)


@router.post("/follow-ups/{follow_up_id}", response=FollowUpOut, tags=MEDIATION)
def follow_up_record(request, follow_up_id: int, payload: FollowUpIn):
    """Record the visit: stable, relapsed (the dispute reopens) or unreachable (retried)."""
    return followups.follow_up_record(
        actor=request.auth, follow_up_id=follow_up_id, result=payload.result, note=payload.note
    )


@router.get("/mediation/committees", response=list[CommitteeOut], tags=MEDIATION)
@paginate(PageNumberPagination, page_size=100)
def committee_list(request):
    """Committees in the caller's jurisdiction and those above it that serve it."""
    return selectors.committee_list(actor=request.auth)


@router.get("/mediation/sessions", response=list[SessionOut], tags=MEDIATION)
@paginate(PageNumberPagination, page_size=100)
def session_calendar(request, filters: Query[PeriodFilter]):
    """Sessions, planned and held, in [start, end) (default: two weeks from today)."""
    start, end = _period(filters, CALENDAR_DAYS, ahead=True)
    return selectors.session_calendar(actor=request.auth, start=start, end=end)


# --- screening ---------------------------------------------------------------------------------


@router.get("/screening/rounds", response=list[RoundCoverageOut], tags=MEDIATION)
@paginate(PageNumberPagination, page_size=50)
def screening_rounds(request):
    """Rounds in the caller's jurisdiction with their coverage (grids, reports, findings)."""
    return selectors.screening_rounds(actor=request.auth)


@router.post("/screening/rounds", response={201: list[RoundOut]}, tags=MEDIATION)
def screening_rounds_open(request, payload: RoundIn):
    """Open a round for every village of a village, township or county."""
    region = Region.objects.filter(code=payload.region).first()
    if region is None:
        raise NotFound(_("Unknown region."), field="region")
    rounds = screening.screening_rounds_open(
        actor=request.auth, region=region, starts_on=payload.starts_on, ends_on=payload.ends_on
    )
    return Status(201, rounds)


@router.post("/screening/rounds/{round_id}/reports", response={201: ReportOut}, tags=MEDIATION)
def screening_report_file(request, round_id: int, payload: ReportIn):
    """A grid's return: the disputes it registered (case codes), or `nothing_found`."""
    grid_id = payload.grid_id
    if grid_id is None:
        grid_id = Grid.objects.filter(code=payload.grid).values_list("pk", flat=True).first()
        if grid_id is None:
            raise ValidationFailed(_("Choose a grid of the round's village."), field="grid")
    codes = list(dict.fromkeys(payload.disputes))
    dispute_ids = list(Dispute.objects.filter(case__code__in=codes).values_list("pk", flat=True))
    if len(dispute_ids) != len(codes):
        raise ValidationFailed(
            _("Every finding must be an unreported dispute registered in this grid."),
            field="disputes",
        )
    report = screening.screening_report_file(
        actor=request.auth,
        round_id=round_id,
        grid_id=grid_id,
        nothing_found=payload.nothing_found,
        note=payload.note,
        dispute_ids=dispute_ids,
    )
    report.api_disputes = codes
    return Status(201, report)


# --- petitions ---------------------------------------------------------------------------------


@router.get("/petitions", response=list[PetitionOut], tags=PETITIONS)
@paginate(PageNumberPagination, page_size=50)
def petition_list(request, filters: Query[PetitionFilter]):
    """Petitions the caller may see, newest first."""
    return selectors.petition_list(actor=request.auth, queue=filters.queue, q=filters.q.strip())


@router.get("/petitions/metrics", response=PetitionMetricsOut, tags=PETITIONS)
def petition_metrics(request, filters: Query[PeriodFilter]):
    """Petitions registered in [start, end) (default: the last 365 days): acknowledged and
    replied within the limits, and how many are overdue now."""
    start, end = _period(filters, METRICS_DAYS)
    figures = metrics.petition_metrics(actor=request.auth, start=start, end=end)
    return {"start": start, "end": end, **figures}


@router.post(
    "/petitions", response={200: PetitionDetailOut, 201: PetitionDetailOut}, tags=PETITIONS
)
def petition_register(request, payload: PetitionIn):
    """Register a petition (online, walk-in visit, letter, phone). Limits: acknowledge within
    15 days, reply within 60 days of acceptance. The same `client_id` again returns status 200."""
    actor = request.auth
    dispute_id = _dispute(request, payload.dispute, field="dispute").pk if payload.dispute else None
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
        village=_village(payload.village),
        address=payload.address,
        dispute_id=dispute_id,
        client_id=payload.client_id or None,
    )
    page = _petition_page(request, petition.pk)
    return Status(200, page) if resubmitted else Status(201, page)


@router.get("/petitions/{code}", response=PetitionDetailOut, tags=PETITIONS)
def petition_detail(request, code: str):
    """The petition page: limits and whether they are passed, the petitioner (ID masked), how
    many other petitions they made, and what the caller may do (`actions`)."""
    return _petition_detail(request.auth, _petition(request, code))


@router.post("/petitions/{code}/acknowledge", response=PetitionDetailOut, tags=PETITIONS)
def petition_acknowledge(request, code: str, payload: AcknowledgeIn):
    """Tell the petitioner whether the petition is accepted (受理); say why if not."""
    petition = petitions.petition_acknowledge(
        actor=request.auth,
        petition_id=_petition(request, code).pk,
        accepted=payload.accepted,
        note=payload.note,
    )
    return _petition_detail(request.auth, petition)


@router.post("/petitions/{code}/route", response=PetitionDetailOut, tags=PETITIONS)
def petition_route(request, code: str, payload: RouteIn):
    """Send an accepted petition to the unit responsible for it."""
    petition_id = _petition(request, code).pk
    case_services.case_dispatch(
        actor=request.auth, case_id=petition_id, unit_id=payload.unit_id, note=payload.note
    )
    return _petition_page(request, petition_id)


@router.post("/petitions/{code}/claim", response=PetitionDetailOut, tags=PETITIONS)
def petition_claim(request, code: str, payload: NoteIn):
    """The responsible unit signs for the petition."""
    petition_id = _petition(request, code).pk
    case_services.case_claim(actor=request.auth, case_id=petition_id, note=payload.note)
    return _petition_page(request, petition_id)


@router.post("/petitions/{code}/reply", response=PetitionDetailOut, tags=PETITIONS)
def petition_reply(request, code: str, payload: ReplyIn):
    """The written reply (办理意见) to the petitioner."""
    petition = petitions.petition_reply(
        actor=request.auth, petition_id=_petition(request, code).pk, reply=payload.reply
    )
    return _petition_detail(request.auth, petition)


@router.post("/petitions/{code}/extend", response=PetitionDetailOut, tags=PETITIONS)
def petition_extend(request, code: str, payload: ExtendIn):
    """Extend the reply limit once, by 1 to 30 days, with the reason."""
    petition = petitions.petition_extend(
        actor=request.auth,
        petition_id=_petition(request, code).pk,
        days=payload.days,
        reason=payload.reason,
    )
    return _petition_detail(request.auth, petition)


@router.post("/petitions/{code}/link", response=PetitionDetailOut, tags=PETITIONS)
def petition_link(request, code: str, payload: LinkIn):
    """Link the petition to the dispute it is about."""
    petition_id = _petition(request, code).pk
    petition = petitions.petition_link_dispute(
        actor=request.auth,
        petition_id=petition_id,
        dispute_id=_dispute(request, payload.dispute, field="dispute").pk,
    )
    return _petition_detail(request.auth, petition)


@router.get("/petitions/{code}/history", response=list[PetitionOut], tags=PETITIONS)
@paginate(PageNumberPagination, page_size=50)
def petition_history(request, code: str):
    """The petitioner's other petitions the caller may see (same person or ID number)."""
    return selectors.petition_history(actor=request.auth, petition=_petition(request, code))
