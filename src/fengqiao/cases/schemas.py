"""API schemas for cases: lists, the case page (timeline, actions, duplicates), reports, actions.

The callback phone only ever leaves masked; a reporter's account is never exposed, only the
name they gave (empty when anonymous).
"""

from datetime import date, datetime

from ninja import Field, Schema
from pydantic import field_validator

from fengqiao.core import clock


def _without_nul(value):
    # PostgreSQL text cannot hold NUL; it never means anything in a report.
    return value.replace("\x00", "") if isinstance(value, str) else value


class CaseFilter(Schema):
    queue: str = ""
    q: str = ""
    status: str = ""
    category: str = ""
    level: str = ""
    channel: str = ""

    strip_nul = field_validator("*", mode="before")(_without_nul)


class CaseOut(Schema):
    id: int
    code: str
    title: str
    status: str
    status_label: str
    level: str
    channel: str
    priority: str
    category: str
    category_name: str
    address: str
    lat: float | None
    lng: float | None
    region_code: str
    village_name: str
    grid_name: str | None
    unit_name: str | None
    assignee_label: str | None
    reported_at: datetime
    due_at: datetime | None
    is_overdue: bool
    rating: int | None

    @staticmethod
    def resolve_status_label(obj) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_category(obj) -> str:
        return obj.category.code

    @staticmethod
    def resolve_category_name(obj) -> str:
        return obj.category.name

    @staticmethod
    def resolve_village_name(obj) -> str:
        return obj.village.name

    @staticmethod
    def resolve_grid_name(obj) -> str | None:
        return obj.grid.name if obj.grid_id else None

    @staticmethod
    def resolve_unit_name(obj) -> str | None:
        return obj.unit.name if obj.unit_id else None

    @staticmethod
    def resolve_assignee_label(obj) -> str | None:
        return obj.assignee.label if obj.assignee_id else None

    @staticmethod
    def resolve_is_overdue(obj) -> bool:
        return obj.is_overdue(clock.now())


class EventOut(Schema):
    seq: int
    action: str
    actor_label: str
    at: datetime
    from_status: str
    to_status: str
    from_level: str
    to_level: str
    note: str


class ActionOut(Schema):
    action: str
    label: str


class CandidateOut(Schema):
    code: str
    title: str
    status: str
    similarity: float
    distance_m: int | None


class AttachmentOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    sha256: str
    uploaded_at: datetime
    event_seq: int | None
    url: str

    @staticmethod
    def resolve_event_seq(obj) -> int | None:
        return obj.event.seq if obj.event_id else None

    @staticmethod
    def resolve_url(obj) -> str:
        return f"/api/v1/cases/{obj.case.code}/attachments/{obj.pk}"


class WarningOut(Schema):
    code: str
    message: str


class SupervisionOut(Schema):
    deadline: date
    instruction: str
    by: str
    at: datetime
    overdue: bool


class PhoneRevealOut(Schema):
    field: str
    value: str


class CaseDetailOut(CaseOut):
    description: str
    reporter_name: str
    is_anonymous: bool
    callback_phone: str
    result: str
    rating_comment: str
    resolve_due_at: datetime | None
    closed_at: datetime | None
    master: str | None
    version: int
    timeline: list[EventOut]
    actions: list[ActionOut]
    duplicate_candidates: list[CandidateOut]
    attachments: list[AttachmentOut]
    warnings: list[WarningOut] = Field(
        [], description="e.g. unit_off_category: the case is with a unit that does not handle it"
    )

    supervision: SupervisionOut | None = Field(
        None, description="the 督办 in force: deadline, instruction, by whom, whether passed"
    )

    @staticmethod
    def resolve_supervision(obj):
        return getattr(obj, "api_supervision", None)

    @staticmethod
    def resolve_callback_phone(obj) -> str:
        return obj.callback_phone_masked

    @staticmethod
    def resolve_master(obj) -> str | None:
        return obj.master.code if obj.master_id else None

    @staticmethod
    def resolve_timeline(obj) -> list:
        return obj.api_timeline

    @staticmethod
    def resolve_actions(obj) -> list:
        return [{"action": action, "label": label} for action, label in obj.api_actions]

    @staticmethod
    def resolve_duplicate_candidates(obj) -> list:
        return obj.api_candidates

    @staticmethod
    def resolve_attachments(obj) -> list:
        return obj.api_attachments

    @staticmethod
    def resolve_warnings(obj) -> list:
        return getattr(obj, "api_warnings", [])


class CaseIn(Schema):
    category: str = Field(description="code of a category (not a group)")
    title: str
    description: str = ""
    lat: float | None = None
    lng: float | None = None
    village: str = Field("", description="village code, when there is no point")
    address: str = ""
    channel: str = Field("", description="empty: portal for residents, grid_app for staff")
    priority: str = "normal"
    client_id: str | None = Field(
        None, max_length=64, description="id made on the device; resubmitting it is harmless"
    )
    reporter_name: str = ""
    callback_phone: str = ""
    is_anonymous: bool = False
    person_ids: list[int] = []
    dwelling_ids: list[int] = []

    strip_nul = field_validator("*", mode="before")(_without_nul)


class QueueOut(Schema):
    queue: str
    description: str
    count: int


class CategoryOut(Schema):
    code: str
    name: str
    name_en: str
    start_level: str
    keywords: str


class CategoryGroupOut(Schema):
    code: str
    name: str
    name_en: str
    children: list[CategoryOut]


class UnitOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    region_code: str
    handles: bool = Field(
        False, description="the unit handles the case's category (bound to it or by a rule)"
    )
    suggested: bool = Field(False, description="the unit routing suggests for the case")


class NotificationOut(Schema):
    id: int
    kind: str
    message: str
    created_at: datetime
    read_at: datetime | None
    case: str | None

    @staticmethod
    def resolve_case(obj) -> str | None:
        return obj.case.code if obj.case_id else None


class PreferencesOut(Schema):
    phone_masked: str = Field(description="the phone texts go to, masked; empty for none")
    phone_on_record: bool = Field(description="no phone given, but the registry has one")
    sms_case_updates: bool
    sms_warnings: bool
    daily_digest: bool


class PreferencesIn(Schema):
    phone: str = Field("", max_length=20, description="a mainland mobile number; empty: keep")
    clear_phone: bool = False
    sms_case_updates: bool | None = None
    sms_warnings: bool | None = None
    daily_digest: bool | None = None

    strip_nul = field_validator("*", mode="before")(_without_nul)
