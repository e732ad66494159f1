"""The SMS sender: `send_sms(phone, text)` hands a text message to the backend named by
FENGQIAO_SMS_BACKEND (default: the console backend of the demo).

A backend is a class with no constructor arguments (it reads its own settings) and one
method, `send(message: SmsMessage) -> None`, raising `SmsFailed` when the provider refuses
or cannot be reached. Chinese providers (Aliyun 短信服务, Tencent Cloud SMS) send only
pre-approved templates with a signature: such a backend maps `message.purpose` (e.g.
"sign_in_code", "case_update") to its template id and fills the template from
`message.params`; `message.text` is the full wording for backends that send free text and
for the log. Set `delivers_to_console = True` on a backend that does not really deliver, so
pages can say where the message went (the demo's "code printed on the server console").
"""

from __future__ import annotations

import logging
import re
import sys
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from fengqiao.core import clock
from fengqiao.core.errors import DomainError, ValidationFailed

logger = logging.getLogger("fengqiao.sms")

DEFAULT_BACKEND = "fengqiao.accounts.sms.ConsoleBackend"
# Mainland mobile numbers: 11 digits starting 13–19, with an optional +86 / 0086 in front.
_MOBILE = re.compile(r"^(?:\+?86|0086)?(1[3-9]\d{9})$")


class SmsFailed(DomainError):
    status = 503
    code = "sms_failed"
    default_message = _("The text message could not be sent. Try again in a few minutes.")


@dataclass(frozen=True)
class SmsMessage:
    phone: str  # 11 digits, normalised by normalize_mobile
    text: str  # the whole message as the recipient reads it
    purpose: str = "notice"  # which template a template-based provider uses
    params: dict[str, str] = field(default_factory=dict)  # the template's variables
    at: datetime | None = None


class SmsBackend:
    """The interface every backend implements."""

    delivers_to_console = False

    def send(self, message: SmsMessage) -> None:
        raise NotImplementedError


class ConsoleBackend(SmsBackend):
    """Demo and development: prints the message on the server console (standard output and
    the "fengqiao.sms" log) and keeps the last OUTBOX_SIZE messages in the cache, where tests
    and the demo read them back with `outbox()`. Never use it where real people sign in."""

    delivers_to_console = True
    OUTBOX_KEY = "fengqiao:sms:outbox"
    OUTBOX_SIZE = 50

    def send(self, message: SmsMessage) -> None:
        line = f"[SMS to {message.phone}] {message.text}"
        print(line, file=sys.stdout, flush=True)  # the console is the channel
        logger.info("sms to %s (%s)", message.phone, message.purpose)
        kept = cache.get(self.OUTBOX_KEY) or []
        kept.append(
            {
                "phone": message.phone,
                "text": message.text,
                "purpose": message.purpose,
                "params": dict(message.params),
                "at": message.at.isoformat() if message.at else "",
            }
        )
        cache.set(self.OUTBOX_KEY, kept[-self.OUTBOX_SIZE :], timeout=24 * 3600)


def backend() -> SmsBackend:
    path = getattr(settings, "FENGQIAO_SMS_BACKEND", "") or DEFAULT_BACKEND
    return import_string(path)()


def delivers_to_console() -> bool:
    """True when messages only reach the server console (the demo): pages say so."""
    return bool(getattr(backend(), "delivers_to_console", False))


def normalize_mobile(raw: str, *, field_name: str = "phone") -> str:
    """A mainland mobile number as 11 digits, or ValidationFailed naming the field."""
    cleaned = re.sub(r"[\s\-()]", "", str(raw or ""))
    match = _MOBILE.match(cleaned)
    if match is None:
        raise ValidationFailed(
            _("Enter an 11-digit mobile number starting with 1."), field=field_name
        )
    return match.group(1)


def send_sms(
    phone: str, text: str, *, purpose: str = "notice", params: dict[str, str] | None = None
) -> SmsMessage:
    """Send one text message now (call it from a task or after commit, not inside a
    transaction that may roll back). Returns what was handed to the backend."""
    message = SmsMessage(
        phone=normalize_mobile(phone),
        text=str(text),
        purpose=purpose,
        params={key: str(value) for key, value in (params or {}).items()},
        at=clock.now(),
    )
    backend().send(message)
    return message


def outbox(phone: str | None = None) -> list[dict]:
    """Messages the console backend kept, oldest first (only to `phone` when given)."""
    kept = cache.get(ConsoleBackend.OUTBOX_KEY) or []
    return [m for m in kept if phone is None or m["phone"] == phone]
