"""Every write to a notice: create, update, publish, withdraw (one transaction each, logged)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from fengqiao.core import clock
from fengqiao.core.audit import audit_diff, audit_record, audit_snapshot
from fengqiao.core.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from fengqiao.core.roles import Role, has_role
from fengqiao.core.scoping import code_within, scoped
from fengqiao.participation import caching, chainlog
from fengqiao.participation.models import Category, Notice, NoticeEvent, Status
from fengqiao.regions.models import Region

WRITER_ROLES = frozenset({Role.ADMIN, Role.CENTRE_STAFF})
# Notices are published for a whole village or a region above it, never for a grid.
NOTICE_LEVELS = (
    Region.Level.COUNTY,
    Region.Level.TOWNSHIP,
    Region.Level.VILLAGE,
)


def _require_writer(actor) -> None:
    if not has_role(actor, WRITER_ROLES):
        raise NotAllowed(_("Only centre staff publish notices."))


def _region_for(actor, region_code: str) -> Region:
    region = Region.objects.filter(code=(region_code or "").strip()).first()
    if region is None or region.level not in NOTICE_LEVELS:
        raise ValidationFailed(
            _("Choose a county, township or village to publish for."), field="region_code"
        )
    if not code_within(actor, region.code):
        raise NotAllowed(_("This region lies outside your jurisdiction."))
    return region


def _clean_text(*, category: str, title: str, body: str) -> tuple[str, str, str]:
    if category not in Category.values:
        raise ValidationFailed(_("Unknown notice category."), field="category")
    title, body = (title or "").strip(), (body or "").strip()
    if not title:
        raise ValidationFailed(_("A notice needs a title."), field="title")
    if len(title) > Notice._meta.get_field("title").max_length:
        raise ValidationFailed(_("The title is too long."), field="title")
    if not body:
        raise ValidationFailed(_("A notice needs a text."), field="body")
    return category, title, body


def _notice_for_update(actor, notice_id: int) -> Notice:
    _require_writer(actor)
    notice = scoped(Notice.objects.select_for_update(), actor).filter(pk=notice_id).first()
    if notice is None:
        raise NotFound()
    return notice


NOTICE_AUDIT_FIELDS = ["region_code", "category", "title", "body", "is_pinned", "status"]


def _snapshot(notice: Notice) -> dict:
    """The notice before a step, for its keyed chain and for the audit row."""
    return {
        "chain": chainlog.snapshot(notice),
        "audit": audit_snapshot(notice, NOTICE_AUDIT_FIELDS),
    }


def _log(notice: Notice, action: str, actor, note: str = "", before: dict | None = None) -> None:
    """The notice's next keyed-chain event and its audit row, both with before → after."""
    before = before or {}
    chainlog.append(
        notice,
        action=action,
        actor=actor,
        at=notice.updated_at,
        note=note,
        before=before.get("chain"),
    )
    audit_record(
        actor=actor,
        entity=notice,
        action=action,
        changes=audit_diff(before.get("audit", {}), audit_snapshot(notice, NOTICE_AUDIT_FIELDS)),
        reason=note,
    )


def notice_create(
    *,
    actor,
    region_code: str,
    category: str,
    title: str,
    body: str,
    is_pinned: bool = False,
) -> Notice:
    """A draft notice for `region_code` (a county, township or village in the jurisdiction)."""
    _require_writer(actor)
    category, title, body = _clean_text(category=category, title=title, body=body)
    region = _region_for(actor, region_code)
    now = clock.now()
    with transaction.atomic():
        notice = Notice.objects.create(
            region_code=region.prefix,
            category=category,
            title=title,
            body=body,
            author=actor,
            is_pinned=is_pinned,
            created_at=now,
            updated_at=now,
        )
        _log(notice, NoticeEvent.Action.CREATE, actor)
    return notice


def notice_update(
    *,
    actor,
    notice_id: int,
    category: str | None = None,
    title: str | None = None,
    body: str | None = None,
    is_pinned: bool | None = None,
) -> Notice:
    """Edit a notice (fields left None stay as they are); a published one changes for
    residents at once."""
    with transaction.atomic():
        notice = _notice_for_update(actor, notice_id)
        before = _snapshot(notice)
        if notice.status == Status.WITHDRAWN:
            raise Conflict(_("A withdrawn notice cannot be edited."))
        notice.category, notice.title, notice.body = _clean_text(
            category=notice.category if category is None else category,
            title=notice.title if title is None else title,
            body=notice.body if body is None else body,
        )
        if is_pinned is not None:
            notice.is_pinned = is_pinned
        notice.updated_at = clock.now()
        notice.save(update_fields=["category", "title", "body", "is_pinned", "updated_at"])
        _log(notice, NoticeEvent.Action.UPDATE, actor, before=before)
        if notice.status == Status.PUBLISHED:
            transaction.on_commit(caching.notices_changed)
    return notice


def notice_publish(*, actor, notice_id: int) -> Notice:
    """Publish a draft: every resident under its region sees it from now on."""
    return _move(actor, notice_id, frm=Status.DRAFT, to=Status.PUBLISHED)


def notice_withdraw(*, actor, notice_id: int, reason: str = "") -> Notice:
    """Take a published notice down; residents stop seeing it at once."""
    return _move(actor, notice_id, frm=Status.PUBLISHED, to=Status.WITHDRAWN, note=reason)


def _move(actor, notice_id: int, *, frm: str, to: str, note: str = "") -> Notice:
    with transaction.atomic():
        notice = _notice_for_update(actor, notice_id)
        if notice.status != frm:
            raise Conflict(
                _("The notice is %(status)s; this cannot be done now.")
                % {"status": notice.get_status_display()}
            )
        before = _snapshot(notice)
        now = clock.now()
        notice.status, notice.updated_at = to, now
        if to == Status.PUBLISHED:
            notice.published_at = now
        notice.save(update_fields=["status", "published_at", "updated_at"])
        action = (
            NoticeEvent.Action.PUBLISH if to == Status.PUBLISHED else NoticeEvent.Action.WITHDRAW
        )
        _log(notice, action, actor, note, before=before)
        transaction.on_commit(caching.notices_changed)
    return notice
