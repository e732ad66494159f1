"""API shapes of patrols and patrol teams."""

from datetime import date, datetime, time

from ninja import Field, Schema
from pydantic import field_validator

from fengqiao.fieldwork.schemas import PhotoOut, _without_nul

ID = {"ge": 1, "le": 2**62}


class CheckInIn(Schema):
    at: datetime
    result: str = Field("ok", description="ok | problem")
    target: str = Field("", max_length=16, description="place | facility | empty (a free point)")
    target_id: int | None = Field(None, **ID)
    lat: float | None = None
    lng: float | None = None
    note: str = Field("", max_length=1000)
    case_category: str = Field("", max_length=40, description="a problem raises this case")
    case_title: str = Field("", max_length=120)

    strip_nul = field_validator("*", mode="before")(_without_nul)


class PatrolIn(Schema):
    started_at: datetime
    ended_at: datetime
    points: list[list[float | None]] = Field(
        [], description="[[lat, lng, seconds from start, accuracy m], …]; at most 20,000"
    )
    check_ins: list[CheckInIn] = Field([], description="at most 200")
    note: str = Field("", max_length=4000)
    shift_id: int | None = Field(None, **ID)
    client_id: str | None = Field(
        None, max_length=64, description="id made on the phone; sending it again is harmless"
    )

    strip_nul = field_validator("note", "client_id", mode="before")(_without_nul)


class CheckInOut(Schema):
    id: int
    at: datetime
    target: str
    target_id: int | None
    label: str
    lat: float | None
    lng: float | None
    result: str
    note: str
    case_code: str | None = Field(None, alias="case.code")
    photos: list[PhotoOut]

    @staticmethod
    def resolve_photos(obj) -> list:
        return list(obj.photos.all())

    @staticmethod
    def resolve_target(obj) -> str:
        return "place" if obj.place_id else "facility" if obj.facility_id else ""

    @staticmethod
    def resolve_target_id(obj) -> int | None:
        return obj.place_id or obj.facility_id


class PatrolOut(Schema):
    id: int
    region_code: str
    grid_name: str | None = Field(None, alias="grid.name")
    patroller: str = Field(alias="patroller.label")
    started_at: datetime
    ended_at: datetime
    duration_s: int
    distance_m: int
    point_count: int
    note: str
    client_id: str | None
    case_code: str | None = Field(None, description="the first case its check-ins raised")

    @staticmethod
    def resolve_case_code(obj) -> str | None:
        codes = [c.case.code for c in obj.check_ins.all() if c.case_id]
        return codes[0] if codes else None


class PatrolDetailOut(PatrolOut):
    track: list[list[float | None]]
    check_ins: list[CheckInOut]
    photos_url: str = Field(
        description="POST check-in photos here (multipart `photos`, and `check_in` for each:"
        " the check-in's position from 0 as sent)"
    )

    @staticmethod
    def resolve_check_ins(obj):
        return list(obj.check_ins.all())

    @staticmethod
    def resolve_photos_url(obj) -> str:
        return f"/api/v1/patrols/{obj.pk}/photos"


class PatrolFilter(Schema):
    area: str = Field("", max_length=24)
    patroller: str = Field("", max_length=150)
    date_from: date | None = None
    date_to: date | None = None


class TeamIn(Schema):
    name: str = Field(max_length=100)
    region_code: str = Field(max_length=24)
    leader_name: str = Field("", max_length=50)
    is_active: bool = True

    strip_nul = field_validator("*", mode="before")(_without_nul)


class MemberOut(Schema):
    id: int
    name: str
    phone: str = Field(alias="phone_masked", description="masked")
    person_id: int | None
    user_id: int | None
    joined_on: date
    left_on: date | None


class TeamOut(Schema):
    id: int
    name: str
    region_code: str
    leader_name: str
    is_active: bool
    members: list[MemberOut]

    @staticmethod
    def resolve_members(obj):
        return getattr(obj, "current", None) or list(obj.members.filter(left_on__isnull=True))


class MemberIn(Schema):
    name: str = Field(max_length=50)
    phone: str | None = Field(None, max_length=30, description="null keeps, empty clears")
    person_id: int | None = Field(None, **ID)
    user_id: int | None = Field(None, **ID)
    joined_on: date | None = None
    left_on: date | None = None

    strip_nul = field_validator("*", mode="before")(_without_nul)


class ShiftIn(Schema):
    date: date
    time_from: time
    time_until: time
    members: list[int] = Field([], max_length=50)
    note: str = Field("", max_length=200)

    strip_nul = field_validator("note", mode="before")(_without_nul)


class ShiftOut(Schema):
    id: int
    team_id: int
    team_name: str = Field(alias="team.name")
    date: date
    time_from: time = Field(alias="starts_at")
    time_until: time = Field(alias="ends_at")
    members: list[MemberOut]
    note: str

    @staticmethod
    def resolve_members(obj):
        return list(obj.members.all())


class RosterFilter(Schema):
    week_of: date | None = None
    area: str = Field("", max_length=24)
    team_id: int | None = Field(None, **ID)
