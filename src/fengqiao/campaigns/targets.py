"""What fieldwork's writes share with the campaign engine: how a registry row is named on a
list, the case a finding raises, and how late (or early, by a phone's clock) a record made
offline may arrive."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from fengqiao.core import clock
from fengqiao.core.errors import ValidationFailed

LATE_SYNC = timedelta(days=30)  # a record made offline may reach us this late
CLOCK_SKEW = timedelta(minutes=10)  # a phone's clock may run this far ahead


@dataclass(frozen=True)
class RaiseCase:
    """A finding that needs handling: the category and title of the case to raise."""

    category: str
    title: str


def target_label(target: str, row) -> str:
    """The name of a household, dwelling, place, facility, organisation or grid on a list."""
    if target == "household":  # names, not the 21-digit household number
        address = row.dwelling.address if row.dwelling_id else ""
        if row.head_id:
            return f"{row.head.name}户 {address}".strip()
        return address or row.number
    if target == "dwelling":
        return row.address or row.code
    return row.name


def aware(at: datetime) -> datetime:
    """A time without a zone is read as local time (the phone's clock is in China)."""
    return timezone.make_aware(at) if timezone.is_naive(at) else at


def check_recent(at: datetime | None, *, field: str, future: str, too_old: str) -> datetime:
    """`at` (default now) as an aware time, refused with `future` when it is ahead of the
    clock by more than the skew allowed and with `too_old` when it is older than a phone may
    sync late; both errors name `field`."""
    now = clock.now()
    at = aware(at or now)
    if at > now + CLOCK_SKEW:
        raise ValidationFailed(future, field=field)
    if at < now - LATE_SYNC:
        raise ValidationFailed(too_old, field=field)
    return at
