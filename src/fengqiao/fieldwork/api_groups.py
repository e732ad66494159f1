"""API: household groups (/api/v1/household-groups), shaped by centre staff and grid chiefs
(create, change, split, merge, dissolve) and the elections of their heads."""

from ninja import Query, Router, Status
from ninja.pagination import PageNumberPagination, paginate

from fengqiao.fieldwork import groups, groups_selectors
from fengqiao.fieldwork.schemas_groups import (
    ElectionIn,
    ElectionOut,
    GroupChangeIn,
    GroupDetailOut,
    GroupFilter,
    GroupIn,
    GroupOut,
    MergeIn,
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
