"""API schemas for notices."""

from datetime import datetime

from ninja import Schema

from fengqiao.core.redact import redact
from fengqiao.core.roles import Role, has_role


def _for_reader(text: str, context) -> str:
    """A resident reads a notice as the public does: ID and phone numbers starred."""
    request = (context or {}).get("request")
    reader = getattr(request, "auth", None)
    return redact(text) if has_role(reader, {Role.RESIDENT}) else text


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

    @staticmethod
    def resolve_title(obj, context) -> str:
        return _for_reader(obj.title, context)

    @staticmethod
    def resolve_body(obj, context) -> str:
        return _for_reader(obj.body, context)
