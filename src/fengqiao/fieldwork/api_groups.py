"""API: household groups (/api/v1/household-groups), shaped by centre staff and grid chiefs
(create, change, split, merge, dissolve) and the elections of their heads; broadcasts to the
heads (/api/v1/broadcasts) and the heads' receipts (/api/v1/broadcast-receipts)."""

from ninja import Query, Router, Status
from ninja.pagination import PageNumberPagination, paginate

from fengqiao.fieldwork import broadcasts, group_duties, groups, groups_selectors
from fengqiao.fieldwork.schemas_groups import (
    BroadcastIn,
    BroadcastOut,
    ElectionIn,
    ElectionOut,
    GroupChangeIn,
    GroupDetailOut,
    GroupFilter,
    GroupIn,
    GroupOut,
    GroupReportIn,
    GroupReportOut,
    MeetingIn,
    MeetingOut,
    MergeIn,
    ReceiptOut,
    RelayIn,
)

router = Router(tags=["household groups"])


def _detail(request, group_id: int):
    return groups_selectors.group_detail(actor=request.auth, group_id=group_id)


@router.get("/household-groups", response=list[GroupOut])
@paginate(PageNumberPagination, page_size=50)
def group_list(request, filters: Query[GroupFilter]):
    """Household groups in the caller's jurisdiction with head, deputies, size, term end."""
    return groups_selectors.group_list(actor=request.auth, grid=filters.grid)


@router.post("/household-groups", response={201: GroupOut})
def group_create(request, payload: GroupIn):
    """A new group of 5–50 households of one grid that are in no group yet."""
    group = groups.group_create(
        actor=request.auth, name=payload.name, household_ids=payload.households
    )
    return Status(201, _detail(request, group.pk))


@router.get("/household-groups/{group_id}", response=GroupDetailOut)
def group_get(request, group_id: int):
    return _detail(request, group_id)


@router.post("/household-groups/{group_id}/households", response=GroupOut)
def group_change(request, group_id: int, payload: GroupChangeIn):
    """Add and remove households (the group keeps 5–50)."""
    groups.group_change(
        actor=request.auth, group_id=group_id, add=payload.add, remove=payload.remove
    )
    return _detail(request, group_id)


@router.post("/household-groups/{group_id}/split", response={201: GroupOut})
def group_split(request, group_id: int, payload: GroupIn):
    """Move `households` of the group into a new group `name`."""
    new = groups.group_split(
        actor=request.auth, group_id=group_id, household_ids=payload.households, name=payload.name
    )
    return Status(201, _detail(request, new.pk))


@router.post("/household-groups/{group_id}/merge", response=GroupOut)
def group_merge(request, group_id: int, payload: MergeIn):
    """Take the `other` group's households into this one and dissolve the other."""
    groups.group_merge(actor=request.auth, group_id=group_id, other_id=payload.other)
    return _detail(request, group_id)


@router.delete("/household-groups/{group_id}", response={204: None})
def group_dissolve(request, group_id: int):
    groups.group_dissolve(actor=request.auth, group_id=group_id)
    return Status(204, None)


@router.post("/household-groups/{group_id}/elections", response={201: ElectionOut})
def election_record(request, group_id: int, payload: ElectionIn):
    """Record an election; its head and deputies become the group's."""
    election = groups.election_record(
        actor=request.auth,
        group_id=group_id,
        held_on=payload.held_on,
        term_ends=payload.term_ends,
        turnout=payload.turnout,
        candidates=[groups.Candidate(**c.dict()) for c in payload.candidates],
    )
    return Status(201, election)


@router.get("/broadcasts", response=list[BroadcastOut])
@paginate(PageNumberPagination, page_size=50)
def broadcast_list(request):
    """Broadcasts to group heads in the caller's jurisdiction, with how many groups read
    them and passed them on."""
    return groups_selectors.broadcast_list(actor=request.auth)


@router.post("/broadcasts", response={201: BroadcastOut})
def broadcast_send(request, payload: BroadcastIn):
    """Write to the heads of every household group in `region_code`."""
    sent = broadcasts.broadcast_send(actor=request.auth, **payload.dict())
    return Status(201, groups_selectors.broadcast_get(actor=request.auth, broadcast_id=sent.pk))


@router.get("/broadcasts/{broadcast_id}", response=BroadcastOut)
def broadcast_get(request, broadcast_id: int):
    return groups_selectors.broadcast_get(actor=request.auth, broadcast_id=broadcast_id)


@router.get("/broadcast-receipts", response=list[ReceiptOut])
@paginate(PageNumberPagination, page_size=50)
def my_receipts(request):
    """The broadcasts to the groups the caller heads (or is a deputy of)."""
    return groups_selectors.my_receipts(actor=request.auth)


@router.post("/broadcast-receipts/{receipt_id}/read", response=ReceiptOut)
def receipt_read(request, receipt_id: int):
    return broadcasts.receipt_mark(actor=request.auth, receipt_id=receipt_id)


@router.post("/broadcast-receipts/{receipt_id}/relayed", response=ReceiptOut)
def receipt_relayed(request, receipt_id: int, payload: RelayIn):
    """Passed on to the group's households (`confirmed_count` of them; default all)."""
    return broadcasts.receipt_mark(
        actor=request.auth,
        receipt_id=receipt_id,
        relayed=True,
        confirmed_count=payload.confirmed_count,
    )


@router.post("/household-groups/{group_id}/reports", response={201: GroupReportOut})
def group_report(request, group_id: int, payload: GroupReportIn):
    """The group head relays a household's report as a case (the same client_id again
    answers with the same case)."""
    case = group_duties.group_report(actor=request.auth, group_id=group_id, **payload.dict())
    return Status(201, {"case_code": case.code})


@router.post("/household-groups/{group_id}/meetings", response={201: MeetingOut})
def meeting_record(request, group_id: int, payload: MeetingIn):
    """The group head confirms a meeting and the households that came."""
    meeting = group_duties.meeting_record(actor=request.auth, group_id=group_id, **payload.dict())
    return Status(201, meeting)
