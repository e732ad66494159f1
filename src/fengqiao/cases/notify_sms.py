"""Text messages beside the inbox (accounts/sms.py sends them): a resident hears each step of
a case they reported or said "me too" to; staff hear deadline warnings and 督办 at once and
everything else once a day in a digest of what they have not read. Each person's
preferences (notify_prefs) decide; without a phone nothing goes out by text."""

import logging
from datetime import datetime, time, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from fengqiao.accounts import sms
from fengqiao.accounts.models import User
from fengqiao.cases.models import Case, Notification, NotificationDigest, NotificationPreference
from fengqiao.cases.notify import FOLLOWER_KIND
from fengqiao.cases.notify_prefs import sms_phone
from fengqiao.core import clock
from fengqiao.core.errors import DomainError
from fengqiao.core.redact import redact
from fengqiao.core.roles import Role

logger = logging.getLogger("fengqiao.sms")

STAFF_AT_ONCE = frozenset({"warning", "supervise"})  # the rest waits for the digest
DIGEST_AT = time(8, 0)  # local time from which the day's digest goes out


def _wants(user: User, row: NotificationPreference | None, kind: str) -> bool:
    if user.role == Role.RESIDENT:
        return kind == FOLLOWER_KIND and (row is None or row.sms_case_updates)
    return kind in STAFF_AT_ONCE and (row is None or row.sms_warnings)


def _text(case: Case, user: User, kind: str, message: str) -> str:
    with translation.override("zh-hans"):
        if user.role == Role.RESIDENT and case.reporter_id == user.pk:
            return _("Your report %(code)s \u201c%(title)s\u201d: %(status)s.") % {
                "code": case.code,
                "title": case.title[:30],
                "status": case.get_status_display(),
            }
        if user.role == Role.RESIDENT:  # a neighbour's "me too": the title as the public sees it
            return _("A case you support, %(code)s \u201c%(title)s\u201d: %(status)s.") % {
                "code": case.code,
                "title": redact(case.title)[:30],
                "status": case.get_status_display(),
            }
        return _("Fengqiao: %(message)s") % {"message": message[:120]}


class SmsSender:
    """A notification sender (FENGQIAO_NOTIFICATION_SENDERS): one text per person who wants
    this kind of news by text and has a phone. Runs as a background task after commit; a
    refused or unreachable provider is logged and the others still get theirs."""

    kinds = STAFF_AT_ONCE | {FOLLOWER_KIND}  # no task is queued for any other kind

    def send(self, case: Case, users: list[User], *, kind: str, message: str) -> int:
        rows = {r.user_id: r for r in NotificationPreference.objects.filter(user__in=users)}
        sent = 0
        for user in users:
            row = rows.get(user.pk)
            if not _wants(user, row, kind):
                continue
            phone = sms_phone(user, row)
            if not phone:
                continue
            try:
                sms.send_sms(
                    phone,
                    _text(case, user, kind, message),
                    purpose=f"case_{kind}",
                    params={"code": case.code},
                )
            except DomainError as exc:  # an invalid stored number or a provider refusal
                logger.warning("text to user %s not sent: %s", user.pk, exc.message)
                continue
            sent += 1
        return sent


def digest_day(now: datetime):
    """The day whose digest is due at `now` (None before DIGEST_AT)."""
    local = timezone.localtime(now)
    return local.date() if local.time() >= DIGEST_AT else None


def _digest_text(unread: list[Notification], day) -> str:
    warnings = sum(1 for note in unread if note.kind == "warning")
    supervised = sum(1 for note in unread if note.kind == "supervise")
    with translation.override("zh-hans"):
        return _(
            "Fengqiao %(day)s: %(count)d unread notifications (%(warnings)d deadline warnings, "
            "%(supervised)d supervised). Sign in to act."
        ) % {
            "day": day.strftime("%m-%d"),
            "count": len(unread),
            "warnings": warnings,
            "supervised": supervised,
        }


def sweep_digests(now: datetime | None = None) -> int:
    """Send each staff member who asked for it one digest a day of the notifications they
    have not read from the last day. A NotificationDigest row claims (person, day) first, so
    a rerun or a second worker sends nothing twice. Returns how many texts went out."""
    now = now or clock.now()
    day = digest_day(now)
    if day is None:
        return 0
    start = now - timedelta(days=1)
    sent = 0
    wanting = (
        NotificationPreference.objects.filter(daily_digest=True, user__is_active=True)
        .exclude(user__role=Role.RESIDENT)
        .exclude(phone_sealed="")
        .exclude(user__in=NotificationDigest.objects.filter(day=day).values("user"))
        .select_related("user")
    )
    for row in wanting.iterator(chunk_size=500):
        unread = list(
            Notification.objects.filter(
                recipient_id=row.user_id, read_at__isnull=True, created_at__gte=start
            ).only("kind")
        )
        try:
            with transaction.atomic():
                NotificationDigest.objects.create(
                    user_id=row.user_id, day=day, unread=len(unread), sent_at=now
                )
        except IntegrityError:
            continue  # another worker claimed this person's day
        if not unread:
            continue
        try:
            sms.send_sms(
                sms_phone(row.user, row),
                _digest_text(unread, day),
                purpose="daily_digest",
                params={"count": str(len(unread))},
            )
        except DomainError as exc:
            logger.warning("digest to user %s not sent: %s", row.user_id, exc.message)
            continue
        sent += 1
    return sent
