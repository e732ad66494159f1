"""API shapes of household groups, their elections, the broadcasts to their heads and the
party members' contact households."""

from datetime import date

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
