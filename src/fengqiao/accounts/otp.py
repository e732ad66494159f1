"""One-time SMS codes for residents' sign-in: asking for a code (limits per mobile number and
per client address) and checking one (stored as a salted keyed hash, five minutes, five tries).

Asking answers the same whether or not the number has an account, so the page tells nobody
who is registered. A new code replaces the number's earlier ones.
"""

import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from fengqiao.accounts import sms
from fengqiao.accounts.models import SmsCode, SmsGate
from fengqiao.core import clock, crypto
from fengqiao.core.errors import DomainError, ValidationFailed

CODE_DIGITS = 6
CODE_LIFETIME = timedelta(minutes=5)
MAX_ATTEMPTS = 5
# (window, most codes in it) per mobile number, and per client address.
PHONE_LIMITS = (
    (timedelta(seconds=60), 1),
    (timedelta(hours=1), 5),
    (timedelta(days=1), 10),
)
ADDRESS_LIMITS = ((timedelta(hours=1), 20),)
# Rows older than the longest window count for nothing (accounts.sweeps deletes them).
KEEP = max(window for window, _n in PHONE_LIMITS + ADDRESS_LIMITS)


class TooManyCodes(DomainError):
    status = 429
    code = "too_many_codes"
    default_message = _("Too many codes were asked for. Try again later.")


@dataclass(frozen=True)
class CodeSent:
    phone_masked: str
    expires_at: datetime
    to_console: bool  # the demo's backend: the code is on the server console


def phone_hash(phone: str) -> str:
    return crypto.lookup_hash(phone)


def _code_hash(salt: str, code: str) -> str:
    return crypto.lookup_hash(f"sms-code:{salt}:{code}")


def wait_text(seconds: int) -> str:
    """A wait as people say it: seconds under two minutes, then minutes, then hours."""
    if seconds < 120:
        return ngettext("%(n)d second", "%(n)d seconds", seconds) % {"n": seconds}
    minutes = -(-seconds // 60)
    if minutes < 120:
        return ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes}
    hours = -(-minutes // 60)
    return ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours}


def _wait(rows: list[datetime], limits, now: datetime) -> int:
    """Seconds until every limit has room again, given the request times (newest first)."""
    wait = 0
    for window, most in limits:
        inside = [at for at in rows if at > now - window]
        if len(inside) >= most:
            freed_at = inside[most - 1] + window  # when the oldest that keeps it full leaves
            wait = max(wait, math.ceil((freed_at - now).total_seconds()))
    return wait


def _recent(field: str, value: str, now: datetime) -> list[datetime]:
    return list(
        SmsCode.objects.filter(**{field: value, "created_at__gt": now - KEEP})
        .order_by("-created_at")
        .values_list("created_at", flat=True)
    )


def code_request(*, phone: str, ip: str | None, now: datetime | None = None) -> CodeSent:
    """Send a new sign-in code to `phone`, or refuse (429) naming how long to wait."""
    from fengqiao.core.idnumbers import mask_phone

    phone = sms.normalize_mobile(phone)
    now = now or clock.now()
    hashed, address = phone_hash(phone), (ip or "-")[:45]
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    salt = secrets.token_hex(8)
    with transaction.atomic():
        keys = [f"phone:{hashed}", f"ip:{address}"]
        SmsGate.objects.bulk_create([SmsGate(key=key) for key in keys], ignore_conflicts=True)
        list(SmsGate.objects.select_for_update().filter(key__in=keys).order_by("key"))
        phone_wait = _wait(_recent("phone_hash", hashed, now), PHONE_LIMITS, now)
        if phone_wait:
            message = (
                _("A code was just sent to this number. Ask again in %(wait)s.")
                if phone_wait <= PHONE_LIMITS[0][0].total_seconds()
                else _("Too many codes were sent to this number lately. Ask again in %(wait)s.")
            )
            raise TooManyCodes(message % {"wait": wait_text(phone_wait)}, field="phone")
        address_wait = _wait(_recent("ip", address, now), ADDRESS_LIMITS, now)
        if address_wait:
            raise TooManyCodes(
                _("Too many codes were asked for from this network. Ask again in %(wait)s.")
                % {"wait": wait_text(address_wait)},
                field="phone",
            )
        SmsCode.objects.filter(phone_hash=hashed, used_at__isnull=True, expires_at__gt=now).update(
            expires_at=now
        )
        row = SmsCode.objects.create(
            phone_hash=hashed,
            salt=salt,
            code_hash=_code_hash(salt, code),
            ip=address,
            created_at=now,
            expires_at=now + CODE_LIFETIME,
        )
    minutes = int(CODE_LIFETIME.total_seconds() // 60)
    text = _(
        "[fengqiao] Your sign-in code is %(code)s, valid for %(minutes)d minutes. "
        "If you did not ask for it, ignore this message."
    ) % {"code": code, "minutes": minutes}
    try:
        sms.send_sms(phone, text, purpose="sign_in_code", params={"code": code})
    except sms.SmsFailed:
        SmsCode.objects.filter(pk=row.pk).update(expires_at=now)
        raise
    return CodeSent(
        phone_masked=mask_phone(phone),
        expires_at=row.expires_at,
        to_console=sms.delivers_to_console(),
    )


def code_check(*, phone: str, code: str, now: datetime | None = None) -> str:
    """The normalised number when `code` is its newest live code (which is then used up);
    else ValidationFailed on the `code` field. Every try counts, right or wrong."""
    phone = sms.normalize_mobile(phone)
    code = "".join(ch for ch in str(code or "") if not ch.isspace())
    if not (len(code) == CODE_DIGITS and code.isdigit()):
        raise ValidationFailed(_("Enter the 6-digit code from the text message."), field="code")
    now = now or clock.now()
    with transaction.atomic():
        row = (
            SmsCode.objects.select_for_update()
            .filter(phone_hash=phone_hash(phone), used_at__isnull=True, expires_at__gt=now)
            .order_by("-created_at")
            .first()
        )
        if row is None:
            outcome = "expired"
        elif row.attempts >= MAX_ATTEMPTS:
            outcome = "spent"
        else:
            right = constant_time_compare(row.code_hash, _code_hash(row.salt, code))
            SmsCode.objects.filter(pk=row.pk).update(
                attempts=F("attempts") + 1, used_at=now if right else None
            )
            outcome = "right" if right else "wrong"
    if outcome == "right":
        return phone
    if outcome == "expired":
        message = _("This code has expired or was never sent. Ask for a new code.")
    elif outcome == "spent" or row.attempts + 1 >= MAX_ATTEMPTS:
        message = _("Too many wrong tries. Ask for a new code.")
    else:
        left = MAX_ATTEMPTS - row.attempts - 1
        message = ngettext(
            "Wrong code. %(left)d try left.", "Wrong code. %(left)d tries left.", left
        ) % {"left": left}
    raise ValidationFailed(message, code=f"code_{outcome}", field="code")


def sweep_sms_codes(now: datetime | None = None) -> int:
    """Delete the codes no limit counts any more, and the gate rows (mere locks, made again
    by the next request); returns how many codes went."""
    now = now or clock.now()
    deleted, _rows = SmsCode.objects.filter(created_at__lt=now - KEEP).delete()
    SmsGate.objects.all().delete()
    return deleted
