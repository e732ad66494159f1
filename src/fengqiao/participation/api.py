"""API: notices under /api/v1/notices (staff: their jurisdiction; residents: their village)."""

from ninja import Query, Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate

from fengqiao.core.roles import Role, has_role
from fengqiao.participation import selectors, services
from fengqiao.participation.schemas import NoticeIn, NoticeOut, NoticeUpdateIn, WithdrawIn

router = Router(tags=["participation"])


class NoticeFilter(Schema):
    status: str = ""
    category: str = ""
    q: str = ""


def _notice_for(actor, notice_id: int):
    if has_role(actor, {Role.RESIDENT}):
        return selectors.notice_get_for_resident(resident=actor, notice_id=notice_id)
    return selectors.notice_get_for_staff(actor=actor, notice_id=notice_id)


@router.get("/notices", response=list[NoticeOut])
@paginate(PageNumberPagination, page_size=50)
def notice_list(request, filters: Query[NoticeFilter]):
    """Staff: notices for regions in their jurisdiction (filter by status, category, text).
    Residents: the published notices of their village and of the regions above it."""
    if has_role(request.auth, {Role.RESIDENT}):
        return selectors.notice_list_for_resident(request.auth).select_related("author")
    return selectors.notice_list_for_staff(
        actor=request.auth, status=filters.status, category=filters.category, q=filters.q
    )


@router.get("/notices/{notice_id}", response=NoticeOut)
def notice_get(request, notice_id: int):
    return _notice_for(request.auth, notice_id)


@router.post("/notices", response={201: NoticeOut})
def notice_create(request, payload: NoticeIn):
    """A draft notice for a county, township or village (its 12-digit code) in your
    jurisdiction; centre staff and administrators only."""
    return Status(201, services.notice_create(actor=request.auth, **payload.dict()))


@router.post("/notices/{notice_id}", response=NoticeOut)
def notice_update(request, notice_id: int, payload: NoticeUpdateIn):
    return services.notice_update(
        actor=request.auth, notice_id=notice_id, **payload.dict(exclude_none=True)
    )


@router.post("/notices/{notice_id}/publish", response=NoticeOut)
def notice_publish(request, notice_id: int):
    return services.notice_publish(actor=request.auth, notice_id=notice_id)


@router.post("/notices/{notice_id}/withdraw", response=NoticeOut)
def notice_withdraw(request, notice_id: int, payload: WithdrawIn):
    return services.notice_withdraw(actor=request.auth, notice_id=notice_id, reason=payload.reason)
