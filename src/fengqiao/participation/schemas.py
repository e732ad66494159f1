"""API schemas for notices."""

from datetime import datetime

from ninja import Schema


class NoticeIn(Schema):
    region_code: str
    category: str
    title: str
    body: str
    is_pinned: bool = False


class NoticeUpdateIn(Schema):
    """Only the fields sent change."""

    category: str | None = None
    title: str | None = None
    body: str | None = None
    is_pinned: bool | None = None


class WithdrawIn(Schema):
    reason: str = ""


class NoticeOut(Schema):
    id: int
    region_code: str
    category: str
    title: str
    body: str
    status: str
    is_pinned: bool
    published_at: datetime | None
    created_at: datetime
    updated_at: datetime
    author: str

    @staticmethod
    def resolve_author(obj) -> str:
        return obj.author.label
