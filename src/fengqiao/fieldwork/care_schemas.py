"""API shapes of care records (一本记) and service lists."""

from datetime import date, datetime
from decimal import Decimal

from ninja import Field, Schema
from pydantic import field_validator

from fengqiao.fieldwork.schemas import _without_nul


class RecordOpenIn(Schema):
    household_id: int = Field(ge=1, le=2**62)
    summary: str = Field("", max_length=2000)

    strip_nul = field_validator("*", mode="before")(_without_nul)


class NeedIn(Schema):
    kind: str = Field(
        max_length=16,
        description="money | care | medical | schooling | housing | employment | mental | other",
    )
    detail: str = Field(max_length=2000)
    client_id: str | None = Field(None, max_length=64)

    strip_nul = field_validator("*", mode="before")(_without_nul)


class HelpIn(Schema):
    what: str = Field(max_length=500)
    given_by_name: str = Field("", max_length=100, description="default: the caller")
    unit_name: str = Field("", max_length=100)
    given_on: date | None = Field(None, description="default today; up to a year back")
    cost: Decimal = Field(Decimal(0), ge=0, le=1_000_000, max_digits=10, decimal_places=2)
    client_id: str | None = Field(None, max_length=64)

    strip_nul = field_validator("*", mode="before")(_without_nul)


class NeedStatusIn(Schema):
    status: str = Field(max_length=16, description="open | helping | met | closed")


class HelpOut(Schema):
    id: int
    need_id: int
    given_by_name: str
    unit_name: str
    what: str
    given_on: date
    cost: Decimal
    client_id: str | None


class NeedOut(Schema):
    id: int
    record_id: int
    kind: str
    detail: str
    status: str
    raised_at: datetime
    raised_by: str = Field(alias="raised_by.label")
    visit_id: int | None
    client_id: str | None


class NeedFullOut(NeedOut):
    help: list[HelpOut]

    @staticmethod
    def resolve_help(obj) -> list:
        return list(obj.help.all())


class RecordOut(Schema):
    id: int
    household_id: int
    label: str
    region_code: str
    grid_name: str | None = Field(None, alias="grid.name")
    status: str
    opened_at: datetime
    closed_at: datetime | None
    summary: str


class RecordListOut(RecordOut):
    active_needs: int


class RecordFullOut(RecordOut):
    needs: list[NeedFullOut]
    total_cost: Decimal
    visits: list[int]

    @staticmethod
    def resolve_needs(obj) -> list:
        return list(obj.needs.all())


class RecordFilter(Schema):
    area: str = Field("", max_length=24)
    status: str = Field("", max_length=8)
    kind: str = Field("", max_length=16)


class OfferIn(Schema):
    region_code: str = Field(max_length=24, description="the village")
    name: str = Field(max_length=100)
    kind: str = Field(max_length=16)
    provider: str = Field(max_length=100)
    contact_phone: str = Field("", max_length=30)
    schedule: str = Field("", max_length=200)

    strip_nul = field_validator("*", mode="before")(_without_nul)


class OfferOut(Schema):
    id: int
    region_code: str
    name: str
    kind: str
    provider: str
    contact_phone: str = Field(alias="contact_phone_masked")
    schedule: str
    is_active: bool


class OfferFilter(Schema):
    village: str = Field("", max_length=24)


class NotSeenFilter(Schema):
    month: str = Field("", max_length=7, description="YYYY-MM (default this month)")
    area: str = Field("", max_length=24)


class NotSeenPersonOut(Schema):
    person_id: int
    name: str
    household_id: int | None
    address: str
    reasons: list[str]


class NotSeenGridOut(Schema):
    code: str
    name: str
    people: list[NotSeenPersonOut]
