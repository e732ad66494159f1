"""API: care records (/api/v1/care-records), their needs and help, the service lists
(/api/v1/care-services) and the monthly not-seen list (/api/v1/care/not-seen)."""

from ninja import Query, Router, Status
from ninja.pagination import PageNumberPagination, paginate

from fengqiao.fieldwork import care, care_selectors
from fengqiao.fieldwork.care_schemas import (
    HelpIn,
    HelpOut,
    NeedIn,
    NeedOut,
    NeedStatusIn,
    NotSeenFilter,
    NotSeenGridOut,
    OfferFilter,
    OfferIn,
    OfferOut,
    RecordFilter,
    RecordFullOut,
    RecordListOut,
    RecordOpenIn,
    RecordOut,
)

router = Router(tags=["care"])


@router.get("/care-records", response=list[RecordListOut])
@paginate(PageNumberPagination, page_size=50)
def record_list(request, filters: Query[RecordFilter]):
    """Care records in the caller's jurisdiction, newest first."""
    return care_selectors.record_list(actor=request.auth, **filters.dict())


@router.post("/care-records", response={200: RecordOut, 201: RecordOut})
def record_open(request, payload: RecordOpenIn):
    """Open a household's care record (200 with the open one if it has one)."""
    record = care.record_open(actor=request.auth, **payload.dict())
    return Status(201 if record.is_new else 200, record)


@router.get("/care-records/{record_id}", response=RecordFullOut)
def record_get(request, record_id: int):
    record = care_selectors.record_get(actor=request.auth, record_id=record_id)
    record.visits = list(
        care_selectors.record_visits(actor=request.auth, record=record).values_list("pk", flat=True)
    )
    return record


@router.post("/care-records/{record_id}/needs", response={200: NeedOut, 201: NeedOut})
def need_raise(request, record_id: int, payload: NeedIn):
    need = care.need_raise(actor=request.auth, record_id=record_id, **payload.dict())
    return Status(201 if need.is_new else 200, need)


@router.post("/care-needs/{need_id}/help", response={200: HelpOut, 201: HelpOut})
def help_record(request, need_id: int, payload: HelpIn):
    """Record help given for a need; the same `client_id` again answers 200."""
    row = care.help_record(actor=request.auth, need_id=need_id, **payload.dict())
    return Status(201 if row.is_new else 200, row)


@router.patch("/care-needs/{need_id}", response=NeedOut)
def need_set_status(request, need_id: int, payload: NeedStatusIn):
    return care.need_set_status(actor=request.auth, need_id=need_id, status=payload.status)


@router.get("/care-services", response=list[OfferOut])
def offer_list(request, filters: Query[OfferFilter]):
    return care_selectors.offer_list(actor=request.auth, village=filters.village)


@router.post("/care-services", response={201: OfferOut})
def offer_create(request, payload: OfferIn):
    """Add a line to a village's service list (centre staff)."""
    return Status(201, care.offer_save(actor=request.auth, **payload.dict()))


@router.put("/care-services/{offer_id}", response=OfferOut)
def offer_update(request, offer_id: int, payload: OfferIn):
    return care.offer_save(actor=request.auth, offer_id=offer_id, **payload.dict())


@router.delete("/care-services/{offer_id}", response={204: None})
def offer_deactivate(request, offer_id: int):
    """Take a line off the service list (kept, inactive)."""
    care.offer_deactivate(actor=request.auth, offer_id=offer_id)
    return Status(204, None)


@router.get("/care/not-seen", response=list[NotSeenGridOut])
def not_seen(request, filters: Query[NotSeenFilter]):
    """Per grid, the people who must be visited and were not met in the month."""
    return care_selectors.not_seen(actor=request.auth, month=filters.month, area=filters.area)
