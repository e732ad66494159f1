"""API shapes of campaigns (排查任务)."""

from datetime import date, datetime

from ninja import Field, Schema
from pydantic import field_validator

from fengqiao.fieldwork.schemas import _without_nul


class CampaignIn(Schema):
    title: str = Field(max_length=100)
    kind: str = Field(
        description="household | dwelling | place | facility | grid (one return per grid)"
    )
    region_code: str = Field(max_length=24, description="the area (inside your jurisdiction)")
    deadline: date
    checklist: list[str] = Field([], max_length=20, description="yes/no questions, ≤ 100 chars")
    instructions: str = Field("", max_length=2000)

    strip_nul = field_validator("*", mode="before")(_without_nul)

    @field_validator("checklist", mode="before")
    @classmethod
    def _questions(cls, value):
        return [_without_nul(q) for q in value] if isinstance(value, list) else value


class CampaignOut(Schema):
    id: int
    code: str
    title: str
    kind: str
    instructions: str
    checklist: list[str]
    region_code: str
    deadline: date
    status: str
    created_by: str = Field(alias="created_by.label")
    created_at: datetime
    closed_at: datetime | None
    item_count: int = 0
    pending_count: int = 0


class CampaignFilter(Schema):
    status: str = Field("", max_length=8)


class ItemFilter(Schema):
    status: str = Field("", max_length=12)
    grid: str = Field("", max_length=24)


class ItemOut(Schema):
    id: int
    campaign_id: int
    region_code: str
    grid_code: str | None = Field(None, alias="grid.code")
    grid_name: str | None = Field(None, alias="grid.name")
    target_label: str
    household_id: int | None
    dwelling_id: int | None
    place_id: int | None
    facility_id: int | None
    clue: str
    address: str
    lat: float | None
    lng: float | None
    source_row: int | None
    status: str
    answers: dict[str, bool]
    note: str
    case_code: str | None = Field(None, alias="case.code")
    done_by: str | None = Field(None, alias="done_by.label")
    done_at: datetime | None
    client_id: str | None


class CheckIn(Schema):
    result: str = Field(description="done | not_found | problem")
    answers: dict[str, bool] = Field({}, description="question index → yes/no")
    note: str = Field("", max_length=2000)
    checked_at: datetime | None = Field(None, description="when (default now; up to 30 days ago)")
    client_id: str | None = Field(
        None, max_length=64, description="id made on the phone; sending it again is harmless"
    )
    case_category: str = Field("", max_length=40, description="a problem raises a case of this")
    case_title: str = Field("", max_length=120)

    strip_nul = field_validator("*", mode="before")(_without_nul)


class ProgressOut(Schema):
    code: str
    name: str
    total: int
    done: int
    not_found: int
    problem: int
    pending: int
    percent: int


class CampaignProgressOut(Schema):
    level: str
    total: ProgressOut
    units: list[ProgressOut]
    stragglers: list[ProgressOut]


class ProgressFilter(Schema):
    level: str = Field("village", max_length=16, description="township | village | grid")
