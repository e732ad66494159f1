"""API schemas of referrals to another way and of judicial confirmation requests."""

from datetime import datetime

from ninja import Field, Schema


class ReferralOut(Schema):
    id: int
    dispute: str = Field(description="case code of the dispute")
    dispute_title: str
    way: str
    purpose: str
    state: str
    from_unit_name: str | None
    from_user_label: str
    to_unit_id: int
    to_unit_name: str
    reason: str
    created_at: datetime
    accepted_at: datetime | None
    returned_at: datetime | None
    is_settled: bool | None
    result: str

    @staticmethod
    def resolve_dispute(obj) -> str:
        return obj.dispute.case.code

    @staticmethod
    def resolve_dispute_title(obj) -> str:
        return obj.dispute.case.title

    @staticmethod
    def resolve_from_unit_name(obj) -> str | None:
        return obj.from_unit.name if obj.from_unit_id else None

    @staticmethod
    def resolve_from_user_label(obj) -> str:
        return obj.from_user.label

    @staticmethod
    def resolve_to_unit_name(obj) -> str:
        return obj.to_unit.name
