"""API shapes of household groups, their elections, the broadcasts to their heads and the
party members' contact households."""

from datetime import date, datetime

from ninja import Field, Schema
from pydantic import field_validator

from fengqiao.fieldwork.schemas import _without_nul
from fengqiao.registry.schemas import HouseholdGroupOut

ID = Field(ge=1, le=2**62)


class GroupOut(HouseholdGroupOut):
    grid_code: str = Field(alias="grid.code")
    grid_name: str = Field(alias="grid.name")
    head_id: int | None
    deputies: list[str]
    term_ends: date | None = None

    @staticmethod
    def resolve_deputies(obj) -> list[str]:
        return [p.name for p in obj.deputies.all()]


class GroupFilter(Schema):
    grid: str = Field("", max_length=24)


class GroupIn(Schema):
    name: str = Field(max_length=100)
    households: list[int] = Field(max_length=100)

    strip_nul = field_validator("*", mode="before")(_without_nul)


class GroupChangeIn(Schema):
    add: list[int] = Field([], max_length=100)
    remove: list[int] = Field([], max_length=100)


class MergeIn(Schema):
    other: int = ID


class CandidateIn(Schema):
    person_id: int = ID
    votes: int = Field(ge=0, le=10_000)
    elected_as: str = Field("none", description="head | deputy | none")
    party_member: bool = False
    retired_cadre: bool = False
    veteran: bool = False
    clan_elder: bool = False
    other: str = Field("", max_length=100)

    strip_nul = field_validator("*", mode="before")(_without_nul)


class ElectionIn(Schema):
    held_on: date
    term_ends: date | None = Field(None, description="default: three years after")
    turnout: int = Field(ge=0, le=10_000, description="households that voted")
    candidates: list[CandidateIn] = Field(max_length=20)


class CandidateOut(Schema):
    person_id: int
    name: str = Field(alias="person.name")
    votes: int
    elected_as: str
    party_member: bool
    retired_cadre: bool
    veteran: bool
    clan_elder: bool
    other: str


class ElectionOut(Schema):
    id: int
    group_id: int
    held_on: date
    term_ends: date
    turnout: int
    candidates: list[CandidateOut]


class HouseholdRow(Schema):
    id: int
    number: str
    head_name: str | None = Field(None, alias="head.name")
    address: str | None = Field(None, alias="dwelling.address")


class GroupDetailOut(GroupOut):
    members: list[HouseholdRow]
    elections: list[ElectionOut]

    @staticmethod
    def resolve_members(obj):
        return list(obj.households.all())

    @staticmethod
    def resolve_elections(obj):
        return list(obj.elections.all())


class BroadcastIn(Schema):
    region_code: str = Field(max_length=24, description="the area whose group heads it reaches")
    title: str = Field(max_length=120)
    body: str = Field(max_length=4000)

    strip_nul = field_validator("*", mode="before")(_without_nul)


class BroadcastOut(Schema):
    id: int
    region_code: str
    title: str
    body: str
    sent_at: datetime
    created_by: str = Field(alias="created_by.label")
    groups: int
    read: int
    relayed: int


class ReceiptOut(Schema):
    id: int
    broadcast_id: int
    title: str = Field(alias="broadcast.title")
    body: str = Field(alias="broadcast.body")
    sent_at: datetime = Field(alias="broadcast.sent_at")
    group_id: int
    group_name: str = Field(alias="group.name")
    read_at: datetime | None
    relayed_at: datetime | None
    confirmed_count: int


class RelayIn(Schema):
    confirmed_count: int | None = Field(None, ge=0, le=10_000, description="households told")
    client_id: str | None = Field(None, max_length=64, description="sending again is harmless")


class GroupReportIn(Schema):
    household_id: int = ID
    category: str = Field(max_length=40)
    title: str = Field(max_length=120)
    description: str = Field("", max_length=4000)
    client_id: str | None = Field(None, max_length=64)

    strip_nul = field_validator("*", mode="before")(_without_nul)


class GroupReportOut(Schema):
    case_code: str


class MeetingIn(Schema):
    held_on: date
    topic: str = Field(max_length=200)
    attended: list[int] = Field([], max_length=50)
    client_id: str | None = Field(None, max_length=64)

    strip_nul = field_validator("*", mode="before")(_without_nul)


class MeetingOut(Schema):
    id: int
    group_id: int
    held_on: date
    topic: str
    attended: list[int]

    @staticmethod
    def resolve_attended(obj) -> list[int]:
        return sorted(h.pk for h in obj.attended.all())


class PartyContactIn(Schema):
    member_id: int = ID
    households: list[int] = Field(max_length=30)


class PartyHouseholdOut(Schema):
    id: int
    number: str
    head_name: str | None = Field(None, alias="head.name")


class PartyVisitIn(Schema):
    household_id: int = ID
    note: str = Field("", max_length=2000)
    at: datetime | None = Field(None, description="when (default now; up to 30 days ago)")
    client_id: str | None = Field(None, max_length=64)

    strip_nul = field_validator("*", mode="before")(_without_nul)


class PartyVisitOut(Schema):
    id: int
    contact_id: int
    household_id: int
    at: datetime
    note: str


class PartyContactOut(Schema):
    id: int
    member_id: int
    member_name: str = Field(alias="member.name")
    region_code: str
    has_account: bool
    household_count: int
    visit_count: int
    last_visit: datetime | None = None

    @staticmethod
    def resolve_has_account(obj) -> bool:
        return obj.user_id is not None


class PartyContactDetailOut(PartyContactOut):
    households: list[PartyHouseholdOut]
    recent_visits: list[PartyVisitOut]

    @staticmethod
    def resolve_households(obj) -> list:
        return list(obj.households.all())
