"""API: patrols (/api/v1/patrols) and volunteer patrol teams with their members and roster
(/api/v1/patrol-teams). Members' phones appear masked only."""

from ninja import File, Form, Query, Router, Status
from ninja.files import UploadedFile
from ninja.pagination import PageNumberPagination, paginate

from fengqiao.core import clock
from fengqiao.core.downloads import inline_file
from fengqiao.fieldwork import patrol_selectors as selectors
from fengqiao.fieldwork import patrols as services
from fengqiao.fieldwork import photos as _photos
from fengqiao.fieldwork.patrol_schemas import (
    MemberIn,
    MemberOut,
    PatrolDetailOut,
    PatrolFilter,
    PatrolIn,
    PatrolOut,
    RosterFilter,
    ShiftIn,
    ShiftOut,
    TeamIn,
    TeamOut,
)

router = Router(tags=["patrols"])


@router.get("/patrols", response=list[PatrolOut])
@paginate(PageNumberPagination, page_size=50)
def patrol_list(request, filters: Query[PatrolFilter]):
    """Patrols in the caller's jurisdiction, newest first (without their tracks)."""
    rows = selectors.patrol_list(actor=request.auth, **filters.dict())
    return rows.prefetch_related("check_ins__case")


@router.get("/patrols/{patrol_id}", response=PatrolDetailOut)
def patrol_get(request, patrol_id: int):
    return selectors.patrol_get(actor=request.auth, patrol_id=patrol_id)


@router.post("/patrols", response={200: PatrolDetailOut, 201: PatrolDetailOut})
def patrol_record(request, payload: PatrolIn):
    """Record a whole patrol at its end. A check-in with a problem may raise a case
    (`case_category` + `case_title`). The same `client_id` again answers 200 with the patrol
    already recorded."""
    data = payload.dict()
    check_ins = []
    for item in data.pop("check_ins"):
        category, title = item.pop("case_category").strip(), item.pop("case_title")
        raise_case = services.RaiseCase(category=category, title=title) if category else None
        check_ins.append(services.CheckIn(raise_case=raise_case, **item))
    patrol = services.patrol_record(actor=request.auth, check_ins=check_ins, **data)
    status = 201 if patrol.is_new else 200
    return Status(status, selectors.patrol_get(actor=request.auth, patrol_id=patrol.pk))


@router.post("/patrols/{patrol_id}/photos", response={200: PatrolDetailOut, 201: PatrolDetailOut})
def check_in_photos_add(
    request,
    patrol_id: int,
    photos: File[list[UploadedFile] | None] = None,
    check_in: Form[list[str] | None] = None,
):
    """Add photos to the check-ins of one's own patrol, as multipart `photos` with one
    `check_in` each: the position (from 0) of its check-in in the patrol as it was sent. At
    most 10 photos a request and 5 a check-in; a photo a check-in holds already is not stored
    again (201 when some were stored, 200 when all were there). Answers the patrol."""
    stored = _photos.check_in_photos_add(
        actor=request.auth, patrol_id=patrol_id, files=photos, check_ins=check_in
    )
    patrol = selectors.patrol_get(actor=request.auth, patrol_id=patrol_id)
    return Status(201 if stored else 200, patrol)


@router.get("/patrols/{patrol_id}/photos/{photo_id}")
def check_in_photo(request, patrol_id: int, photo_id: int):
    """A check-in photo itself, for a patrol the caller may see."""
    photo = selectors.check_in_photo_get(actor=request.auth, patrol_id=patrol_id, photo_id=photo_id)
    return inline_file(photo, content_type=photo.content_type)


@router.get("/patrol-teams", response=list[TeamOut])
def team_list(request, area: str = ""):
    return list(selectors.team_list(actor=request.auth, area=area[:24]))


@router.post("/patrol-teams", response={201: TeamOut})
def team_create(request, payload: TeamIn):
    return Status(201, services.team_save(actor=request.auth, **payload.dict()))


@router.put("/patrol-teams/{team_id}", response=TeamOut)
def team_update(request, team_id: int, payload: TeamIn):
    return services.team_save(actor=request.auth, team_id=team_id, **payload.dict())


@router.post("/patrol-teams/{team_id}/members", response={201: MemberOut})
def member_add(request, team_id: int, payload: MemberIn):
    return Status(201, services.member_save(actor=request.auth, team_id=team_id, **payload.dict()))


@router.put("/patrol-teams/{team_id}/members/{member_id}", response=MemberOut)
def member_update(request, team_id: int, member_id: int, payload: MemberIn):
    return services.member_save(
        actor=request.auth, team_id=team_id, member_id=member_id, **payload.dict()
    )


@router.get("/patrol-shifts", response=list[ShiftOut])
def roster(request, filters: Query[RosterFilter]):
    """The shifts of one week (Monday to Sunday; default this week)."""
    data = filters.dict()
    data["week_of"] = data["week_of"] or clock.localdate()
    return list(selectors.roster_week(actor=request.auth, **data))


@router.post("/patrol-teams/{team_id}/shifts", response={201: ShiftOut})
def shift_add(request, team_id: int, payload: ShiftIn):
    data = payload.dict()
    data["on"], data["starts_at"], data["ends_at"] = (
        data.pop("date"),
        data.pop("time_from"),
        data.pop("time_until"),
    )
    return Status(201, services.shift_save(actor=request.auth, team_id=team_id, **data))


@router.put("/patrol-teams/{team_id}/shifts/{shift_id}", response=ShiftOut)
def shift_update(request, team_id: int, shift_id: int, payload: ShiftIn):
    data = payload.dict()
    data["on"], data["starts_at"], data["ends_at"] = (
        data.pop("date"),
        data.pop("time_from"),
        data.pop("time_until"),
    )
    return services.shift_save(actor=request.auth, team_id=team_id, shift_id=shift_id, **data)


@router.delete("/patrol-teams/{team_id}/shifts/{shift_id}", response={204: None})
def shift_delete(request, team_id: int, shift_id: int):
    services.shift_delete(actor=request.auth, team_id=team_id, shift_id=shift_id)
    return Status(204, None)
