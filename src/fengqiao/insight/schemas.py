"""API schemas for the dashboard."""

from datetime import date

from ninja import Field, Schema


class CountOut(Schema):
    key: str
    label: str
    count: int


class GroupCountOut(CountOut):
    label_en: str


class LevelRateOut(CountOut):
    rate: float | None


class TrendDayOut(Schema):
    day: date
    reported: int
    closed: int


class DashboardOut(Schema):
    scope: str
    start: date
    end: date
    reported: int
    resolved: int
    on_time: int
    on_time_rate: float | None
    open_now: int = Field(description="cases of the area open now (not only of the period)")
    overdue_now: int = Field(description="of those, past their current deadline")
    by_status: list[CountOut]
    by_level: list[CountOut]
    resolved_at_level: list[LevelRateOut]
    by_group: list[GroupCountOut]
    trend: list[TrendDayOut]


class AreaOut(Schema):
    code: str
    name: str
