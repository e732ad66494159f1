"""API shapes of fieldwork."""

from datetime import date, datetime

from ninja import Field, Schema
from pydantic import field_validator


def _without_nul(value):
    return value.replace("\x00", "") if isinstance(value, str) else value


class VisitIn(Schema):
    target: str = Field(description="household | dwelling | place | organization | facility")
    target_id: int = Field(ge=1, le=2**62)
    purpose: str = Field("routine", description="routine | care | check | follow_up | other")
    findings: str = Field("", max_length=4000)
    people: list[int] = Field([], description="ids of the people met (they live there)")
    visited_at: datetime | None = Field(None, description="when (default now; up to 30 days ago)")
    lat: float | None = None
    lng: float | None = None
    accuracy_m: int | None = Field(None, ge=0, le=100_000)
    client_id: str | None = Field(
        None, max_length=64, description="id made on the phone; sending it again is harmless"
    )
    case_category: str = Field("", description="raise a case of this category from the findings")
    case_title: str = Field("", max_length=120)
    need_kind: str = Field(
        "",
        max_length=16,
        description="raise a care need of this kind for the household: money | care | medical"
        " | schooling | housing | employment | mental | other",
    )
    need_detail: str = Field("", max_length=2000)

    strip_nul = field_validator("*", mode="before")(_without_nul)


class PhotoOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    sha256: str
    uploaded_at: datetime
    url: str = Field(description="the photo itself (GET with the same credentials)")

    @staticmethod
    def resolve_url(obj) -> str:
        if hasattr(obj, "visit_id"):
            return f"/api/v1/visits/{obj.visit_id}/photos/{obj.pk}"
        return f"/api/v1/patrols/{obj.check_in.patrol_id}/photos/{obj.pk}"


class VisitOut(Schema):
    id: int
    target: str
    target_label: str
    region_code: str
    grid_name: str | None = Field(None, alias="grid.name")
    visitor: str = Field(alias="visitor.label")
    visited_at: datetime
    purpose: str
    findings: str
    people: list[int]
    lat: float | None
    lng: float | None
    case_code: str | None = Field(None, alias="case.code")
    client_id: str | None
    needs: list[int] = Field(description="ids of the care needs the visit raised")
    photos: list[PhotoOut]
    photos_url: str = Field(description="POST photos here (multipart `photos`)")

    @staticmethod
    def resolve_photos(obj) -> list:
        return list(obj.photos.all())

    @staticmethod
    def resolve_photos_url(obj) -> str:
        return f"/api/v1/visits/{obj.pk}/photos"

    @staticmethod
    def resolve_people(obj) -> list[int]:
        return [m.person_id for m in obj.met.all()]

    @staticmethod
    def resolve_needs(obj) -> list[int]:
        return [n.pk for n in obj.needs.all()]


class DueVisitOut(Schema):
    person_id: int
    name: str
    household_id: int | None
    household_number: str
    address: str
    lat: float | None
    lng: float | None
    reasons: list[str]
    every_days: int
    last_visit: datetime | None
    due_on: date
    overdue: bool
    distance_m: float | None


class DueFilter(Schema):
    area: str = Field("", max_length=24)
    lat: float | None = Field(None, ge=-90, le=90)
    lng: float | None = Field(None, ge=-180, le=180)
    all: bool = Field(False, description="also people not due yet")


class VisitFilter(Schema):
    area: str = Field("", max_length=24)
    purpose: str = Field("", max_length=16)
    visitor: str = Field("", max_length=150)
    target: str = Field(
        "", max_length=16, description="household | dwelling | place | organization | facility"
    )
    target_id: int | None = Field(None, ge=1, le=2**62)


class PlanOut(Schema):
    id: int
    tag: str = Field(alias="tag.code")
    tag_name: str = Field(alias="tag.name")
    region_code: str
    every_days: int


class PlanIn(Schema):
    tag: str = Field(max_length=40)
    region_code: str = Field(max_length=24)
    every_days: int | None = Field(None, description="1–366; null removes the plan")

    strip_nul = field_validator("*", mode="before")(_without_nul)
