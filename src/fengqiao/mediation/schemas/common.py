"""What the mediation schemas share: the request body base (no NUL, aware times), the case
fields of a dispute or petition row and page, and a period filter. The bodies of the steps are
the step forms (step_forms.py).

Phone and ID numbers only ever leave masked; a petitioner's or party's full number is never
part of a response.
"""

from datetime import datetime

from django.utils import timezone
from ninja import Field, Schema
from pydantic import field_validator

from fengqiao.cases.schemas import ActionOut, SupervisionOut
from fengqiao.core import clock


def _clean(value):
    """Drop NUL characters (PostgreSQL text cannot hold them) from text and lists of text."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, list):
        return [_clean(item) for item in value]
    return value


def _aware(value):
    """A time sent without an offset is read in the installation's time zone."""
    if isinstance(value, datetime) and timezone.is_naive(value):
        return timezone.make_aware(value)
    return value


def queue_of(queues: dict):
    def check(value: str) -> str:
        if value and value not in queues:
            raise ValueError(f"Unknown queue; one of: {', '.join(queues)}.")
        return value

    return check


class Body(Schema):
    """Every request body and filter: text without NUL, times made time-zone aware."""

    clean_text = field_validator("*", mode="before")(_clean)
    aware_times = field_validator("*", mode="after")(_aware)


class CaseRowOut(Schema):
    """What a dispute or a petition row shows of its case."""

    id: int = Field(alias="pk")
    code: str = Field(alias="case.code")
    title: str = Field(alias="case.title")
    status: str = Field(alias="case.status")
    status_label: str
    level: str = Field(alias="case.level")
    region_code: str
    reported_at: datetime = Field(alias="case.reported_at")
    due_at: datetime | None = Field(alias="case.due_at")
    is_overdue: bool
    unit_name: str | None
    assignee_label: str | None

    @staticmethod
    def resolve_status_label(obj) -> str:
        return str(obj.case.get_status_display())

    @staticmethod
    def resolve_is_overdue(obj) -> bool:
        return obj.case.is_overdue(clock.now())

    @staticmethod
    def resolve_unit_name(obj) -> str | None:
        return obj.case.unit.name if obj.case.unit_id else None

    @staticmethod
    def resolve_assignee_label(obj) -> str | None:
        return obj.case.assignee.label if obj.case.assignee_id else None


class CaseDetailPart(Schema):
    """The case fields a dispute or petition page adds to its row."""

    description: str = Field(alias="case.description")
    channel: str = Field(alias="case.channel")
    address: str = Field(alias="case.address")
    lat: float | None = Field(alias="case.lat")
    lng: float | None = Field(alias="case.lng")
    village_name: str = Field(alias="case.village.name")
    result: str = Field(alias="case.result")
    resolve_due_at: datetime | None = Field(alias="case.resolve_due_at")
    closed_at: datetime | None = Field(alias="case.closed_at")
    version: int = Field(alias="case.version")
    actions: list[ActionOut]
    supervision: SupervisionOut | None = Field(
        None, description="the 督办 in force: deadline, instruction, by whom, whether passed"
    )

    @staticmethod
    def resolve_actions(obj) -> list:
        return [{"action": action, "label": label} for action, label in obj.api_actions]

    @staticmethod
    def resolve_supervision(obj):
        return getattr(obj, "api_supervision", None)


class PeriodFilter(Body):
    start: datetime | None = Field(None, description="ISO date or date-time (local time)")
    end: datetime | None = Field(None, description="ISO date or date-time, exclusive")
