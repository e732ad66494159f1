"""API schemas of follow-up visits after a settlement."""

from datetime import date, datetime

from ninja import Field, Schema

from fengqiao.mediation.schemas.common import Body


class FollowUpOut(Schema):
    id: int
    dispute: str = Field(description="case code of the dispute")
    dispute_title: str
    due_on: date
    done_at: datetime | None
    result: str
    note: str

    @staticmethod
    def resolve_dispute(obj) -> str:
        return obj.dispute.case.code

    @staticmethod
    def resolve_dispute_title(obj) -> str:
        return obj.dispute.case.title


class FollowUpFilter(Body):
    within_days: int = Field(7, ge=0, le=366, description="due within this many days, or late")
