"""One sign-in throttle for every door (pages, /admin/, API): an authentication backend.

Failures are counted in three rows, each with its own bar:

- the pair (user name, client address): refused for an exponentially growing delay once it
  reaches FENGQIAO_LOGIN_MAX_FAILURES — the attacker's own pair, nobody else's;
- the user name from any address, and the client address for any user name: higher bars,
  and they apply only to pairs that have not signed in successfully lately, so a stranger
  guessing from elsewhere (or from a shared address) never locks out a person on the device
  they used before.

Nothing is ever locked for good: each refusal lasts FENGQIAO_LOGIN_DELAY_SECONDS × 2^k, at
most FENGQIAO_LOGIN_MAX_DELAY_SECONDS. An attempt is counted as a failure before the
password is checked, under a row lock, and given back when it succeeds: parallel attempts
cannot pass the bar. `sweep_login_throttles` deletes rows nobody needs any more.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F, Q

from fengqiao.accounts.models import LoginThrottle
from fengqiao.core import clock
from fengqiao.core.http import client_ip

PAIR, USER, ADDRESS = "pair", "user", "ip"
# Set on the request when a sign-in was refused; doors read it to answer 429.
REFUSED_ATTRIBUTE = "login_refused_seconds"


@dataclass(frozen=True)
class Reservation:
    """The rows an attempt was counted in (given back if it succeeds)."""

    keys: tuple[str, ...]
    refused_seconds: int = 0


def _bar(scope: str) -> int:
    return {
        PAIR: settings.FENGQIAO_LOGIN_MAX_FAILURES,
        USER: settings.FENGQIAO_LOGIN_USER_MAX_FAILURES,
        ADDRESS: settings.FENGQIAO_LOGIN_IP_MAX_FAILURES,
    }[scope]


def _delay(failures: int, bar: int) -> timedelta:
    steps = min(failures - bar, 30)
    seconds = settings.FENGQIAO_LOGIN_DELAY_SECONDS * (2**steps)
    return timedelta(seconds=min(seconds, settings.FENGQIAO_LOGIN_MAX_DELAY_SECONDS))


def _keys(username: str, ip: str | None) -> dict[str, str]:
    name = (username or "").strip().lower()[:150]
    address = (ip or "-")[:45]  # an IPv6 address at most; a forwarded header is not trusted blindly
    return {PAIR: f"pair:{name}|{address}", USER: f"user:{name}", ADDRESS: f"ip:{address}"}


def reserve(*, username: str, ip: str | None, now: datetime | None = None) -> Reservation:
    """Count this attempt as a failure now, or refuse it (refused_seconds > 0)."""
    now = now or clock.now()
    keys = _keys(username, ip)
    forget_before = now - timedelta(seconds=settings.FENGQIAO_LOGIN_WINDOW_SECONDS)
    trust_since = now - timedelta(days=settings.FENGQIAO_LOGIN_TRUST_DAYS)
    with transaction.atomic():
        LoginThrottle.objects.bulk_create(
            [LoginThrottle(key=key, scope=scope) for scope, key in keys.items()],
            ignore_conflicts=True,
        )
        # Locked in key order, so two attempts never wait for each other crosswise.
        rows = {
            row.scope: row
            for row in LoginThrottle.objects.select_for_update()
            .filter(key__in=keys.values())
            .order_by("key")
        }
        pair = rows[PAIR]
        trusted = pair.succeeded_at is not None and pair.succeeded_at >= trust_since
        counted = [pair] if trusted else [rows[PAIR], rows[USER], rows[ADDRESS]]
        waits = [
            row.locked_until - now
            for row in counted
            if row.locked_until is not None and row.locked_until > now
        ]
        if waits:
            return Reservation(keys=(), refused_seconds=max(1, int(max(waits).total_seconds())))
        for row in counted:
            if row.last_failure_at is None or row.last_failure_at < forget_before:
                row.failures = 0
            row.failures += 1
            row.last_failure_at = now
            bar = _bar(row.scope)
            row.locked_until = now + _delay(row.failures, bar) if row.failures >= bar else None
            row.save(update_fields=["failures", "last_failure_at", "locked_until"])
    return Reservation(keys=tuple(row.key for row in counted))


def succeeded(reservation: Reservation, *, now: datetime | None = None) -> None:
    """Give the attempt back: the pair starts afresh and is trusted; the others lose one."""
    now = now or clock.now()
    pair_key = next(key for key in reservation.keys if key.startswith("pair:"))
    LoginThrottle.objects.filter(key=pair_key).update(
        failures=0, locked_until=None, succeeded_at=now
    )
    others = [key for key in reservation.keys if key != pair_key]
    LoginThrottle.objects.filter(key__in=others, failures__gt=0).update(failures=F("failures") - 1)


def sweep_login_throttles(now: datetime | None = None) -> int:
    """Delete rows with no recent failure and no trusted success; returns how many."""
    now = now or clock.now()
    forget_before = now - timedelta(seconds=settings.FENGQIAO_LOGIN_WINDOW_SECONDS)
    trust_since = now - timedelta(days=settings.FENGQIAO_LOGIN_TRUST_DAYS)
    stale = LoginThrottle.objects.filter(
        Q(last_failure_at__isnull=True) | Q(last_failure_at__lt=forget_before),
        Q(locked_until__isnull=True) | Q(locked_until__lt=now),
        Q(succeeded_at__isnull=True) | Q(succeeded_at__lt=trust_since),
    )
    deleted, _ = stale.delete()
    return deleted


class ThrottledModelBackend(ModelBackend):
    """Django's password check behind the throttle; every `authenticate()` passes here."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get("username")
        if username is None or password is None:
            return None
        ip = client_ip(request) if request is not None else None
        reservation = reserve(username=str(username), ip=ip)
        if reservation.refused_seconds:
            if request is not None:
                setattr(request, REFUSED_ATTRIBUTE, reservation.refused_seconds)
            raise PermissionDenied("sign-in throttled")  # stops every other backend too
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is not None:
            succeeded(reservation)
        return user


def refused_seconds(request) -> int:
    """Seconds the door should tell the client to wait (0 when the attempt was not refused)."""
    return getattr(request, REFUSED_ATTRIBUTE, 0) if request is not None else 0
