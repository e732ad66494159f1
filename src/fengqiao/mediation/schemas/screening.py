"""API schemas of screening rounds and the grids' reports."""

from datetime import date, datetime

from ninja import Field, Schema

from fengqiao.campaigns.selectors import percent_of
from fengqiao.mediation.schemas.common import Body


class RoundIn(Body):
    region: str = Field(description="code of a village, township or county: one round each")
    starts_on: date
    ends_on: date


class RoundOut(Schema):
    id: int
    village_code: str
    village_name: str
    starts_on: date
    ends_on: date
    opened_at: datetime

    @staticmethod
    def resolve_village_code(obj) -> str:
        return obj.region_code

    @staticmethod
    def resolve_village_name(obj) -> str:
        return obj.village.name


class RoundCoverageOut(RoundOut):
    campaign_id: int = Field(description="the round's campaign (one item per grid)")
    grid_count: int
    report_count: int
    percent: int = Field(description="whole percent of the grids that reported")
    finding_count: int
    nothing_count: int

    @staticmethod
    def resolve_percent(obj) -> int:
        return percent_of(obj.grid_count, obj.grid_count - obj.report_count)


class ReportIn(Body):
    grid_id: int | None = None
    grid: str = Field("", description="grid code (instead of grid_id)")
    nothing_found: bool = False
    note: str = ""
    disputes: list[str] = Field([], description="case codes of the disputes found")


class ReportOut(Schema):
    id: int
    round_id: int
    grid_code: str
    nothing_found: bool
    note: str
    reported_at: datetime
    disputes: list[str]

    @staticmethod
    def resolve_grid_code(obj) -> str:
        return obj.grid.code

    @staticmethod
    def resolve_disputes(obj) -> list[str]:
        return obj.api_disputes
