"""The one place to get "now", so tests can move time."""

from datetime import datetime

from django.utils import timezone

_frozen: datetime | None = None


def now() -> datetime:
    return _frozen or timezone.now()


def freeze(at: datetime | None) -> None:
    """Pin now() to `at` (tests only); None releases it."""
    global _frozen
    _frozen = at


def localdate(at: datetime | None = None):
    """The date in Asia/Shanghai (case numbers and working days follow local dates)."""
    return timezone.localtime(at or now()).date()
