"""API schemas of petitions (信访): rows, the petition page, register, steps and figures."""

from datetime import datetime

from ninja import Field, Schema
from pydantic import field_validator

from fengqiao.core import clock
from fengqiao.mediation.schemas.common import Body, CaseDetailPart, CaseRowOut, queue_of
from fengqiao.mediation.selectors import PETITION_QUEUES


class PetitionFilter(Body):
    queue: str = Field("", description="to_acknowledge, mine, overdue or replied")
    q: str = Field("", description="case code, title or petitioner's name (part of)")

    check_queue = field_validator("queue")(queue_of(PETITION_QUEUES))


class PetitionOut(CaseRowOut):
    form: str
    petitioner_name: str
    visitors: int
    is_collective: bool
    acknowledge_due_at: datetime
    acknowledged_at: datetime | None
    is_accepted: bool | None
    reply_due_at: datetime | None
    extended_days: int
    replied_at: datetime | None
    acknowledge_overdue: bool
    reply_overdue: bool
    dispute: str | None = Field(description="case code of the linked dispute")

    @staticmethod
    def resolve_acknowledge_overdue(obj) -> bool:
        return obj.acknowledge_overdue(clock.now())

    @staticmethod
    def resolve_reply_overdue(obj) -> bool:
        return obj.reply_overdue(clock.now())

    @staticmethod
    def resolve_dispute(obj) -> str | None:
        return obj.dispute.case.code if obj.dispute_id else None


class PetitionDetailOut(CaseDetailPart, PetitionOut):
    category: str
    category_name: str
    petitioner_id_masked: str
    phone: str = Field(description="masked")
    reply: str
    history_count: int = Field(description="the petitioner's other petitions the caller sees")

    @staticmethod
    def resolve_category(obj) -> str:
        return obj.case.category.code

    @staticmethod
    def resolve_category_name(obj) -> str:
        return obj.case.category.name

    @staticmethod
    def resolve_phone(obj) -> str:
        return obj.case.callback_phone_masked

    @staticmethod
    def resolve_history_count(obj) -> int:
        return obj.api_history_count


class PetitionIn(Body):
    form: str = Field(description="online (residents), visit, letter or phone")
    category: str = Field(description="code of a category of the petitions group")
    title: str
    matter: str = Field(description="what the petition asks for")
    petitioner_id: int | None = Field(None, description="a registered person")
    petitioner_name: str = ""
    id_number: str = Field("", description="the petitioner's ID number (stored masked)")
    phone: str = ""
    visitors: int = 1
    lat: float | None = None
    lng: float | None = None
    village: str = Field("", description="village code, when there is no point")
    address: str = ""
    dispute: str = Field("", description="case code of a related dispute")
    client_id: str | None = Field(
        None, max_length=64, description="id made on the device; resubmitting it is harmless"
    )


class PetitionMetricsOut(Schema):
    start: datetime
    end: datetime
    registered: int
    collective: int
    acknowledged: int
    acknowledged_on_time_rate: float | None
    replied: int
    replied_on_time_rate: float | None
    overdue_now: int
