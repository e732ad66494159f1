"""API: the audit log and the access log of the caller's jurisdiction (administrators)."""

from datetime import datetime

from django.core.paginator import Paginator
from ninja import Query, Router, Schema

from fengqiao.core import auditlog

router = Router(tags=["audit"])
PAGE_SIZE = 50


class AuditFilter(Schema):
    """Every filter is text, validated by the page's form: bad input is a 400 naming it."""

    actor: str = ""
    entity_type: str = ""
    entity_id: str = ""
    action: str = ""
    region: str = ""
    date_from: str = ""
    date_to: str = ""
    page: str = "1"


class AuditEntryOut(Schema):
    id: int
    at: datetime
    actor_id: int | None
    actor_label: str
    entity_type: str
    entity_id: str
    region_code: str
    action: str
    changes: dict
    reason: str
    ip: str | None


class AccessEntryOut(Schema):
    id: int
    at: datetime
    actor_id: int
    action: str
    object_type: str
    object_id: str
    field: str
    detail: str
    region_code: str
    ip: str | None


class AuditPageOut(Schema):
    count: int
    page: int
    pages: int
    items: list[AuditEntryOut]


class AccessPageOut(Schema):
    count: int
    page: int
    pages: int
    items: list[AccessEntryOut]


def _page(queryset, page: str) -> dict:
    found = Paginator(queryset, PAGE_SIZE).get_page(page[:12])
    return {
        "count": found.paginator.count,
        "page": found.number,
        "pages": found.paginator.num_pages,
        "items": list(found),
    }


def _filters(request, filters: AuditFilter) -> dict:
    auditlog.require_audit_reader(request.auth)
    return auditlog.audit_filters(filters.dict(exclude={"page"}))


@router.get("/audit", response=AuditPageOut)
def audit_list(request, filters: Query[AuditFilter]):
    """Audit entries (who changed what, before → after) inside your jurisdiction, newest
    first, 50 a page. Administrators only; personal fields read "***"."""
    found = auditlog.audit_list(actor=request.auth, filters=_filters(request, filters))
    return _page(found, filters.page)


@router.get("/audit/access", response=AccessPageOut)
def access_list(request, filters: Query[AuditFilter]):
    """Reveals and exports of personal data inside your jurisdiction (same filters;
    `entity_type`/`entity_id` match the object type and id)."""
    found = auditlog.access_list(actor=request.auth, filters=_filters(request, filters))
    return _page(found, filters.page)
