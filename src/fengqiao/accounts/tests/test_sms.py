"""The SMS sender facade: backend by setting, console backend's outbox, mobile numbers."""

import pytest
from django.core.cache import cache

from fengqiao.accounts import sms
from fengqiao.core.errors import ValidationFailed

SENT: list[sms.SmsMessage] = []


class RecordingBackend(sms.SmsBackend):
    def send(self, message):
        SENT.append(message)


class RefusingBackend(sms.SmsBackend):
    def send(self, message):
        raise sms.SmsFailed()


@pytest.fixture(autouse=True)
def _empty_outbox():
    cache.delete(sms.ConsoleBackend.OUTBOX_KEY)
    SENT.clear()


def test_console_backend_prints_and_keeps_the_message_when_default(settings, capsys):
    settings.FENGQIAO_SMS_BACKEND = ""
    sms.send_sms("+86 138-0013-8000", "验证码 123456", purpose="sign_in_code", params={"code": 1})
    assert "[SMS to 13800138000] 验证码 123456" in capsys.readouterr().out
    (kept,) = sms.outbox("13800138000")
    assert kept["text"] == "验证码 123456"
    assert kept["params"] == {"code": "1"}
    assert sms.outbox("13900000000") == []
    assert sms.delivers_to_console()


def test_backend_is_chosen_by_setting_when_configured(settings):
    settings.FENGQIAO_SMS_BACKEND = f"{__name__}.RecordingBackend"
    message = sms.send_sms("13800138000", "hello")
    assert [message] == SENT
    assert sms.outbox() == []
    assert not sms.delivers_to_console()


def test_provider_failure_is_a_domain_error_when_backend_refuses(settings):
    settings.FENGQIAO_SMS_BACKEND = f"{__name__}.RefusingBackend"
    with pytest.raises(sms.SmsFailed):
        sms.send_sms("13800138000", "hello")


@pytest.mark.parametrize("raw", ["12800138000", "1380013800", "abc", "", "+1 13800138000"])
def test_mobile_number_is_refused_naming_the_field_when_malformed(raw):
    with pytest.raises(ValidationFailed) as caught:
        sms.normalize_mobile(raw)
    assert caught.value.field == "phone"


def test_outbox_keeps_only_the_last_messages_when_full(settings):
    settings.FENGQIAO_SMS_BACKEND = ""
    for n in range(sms.ConsoleBackend.OUTBOX_SIZE + 3):
        sms.send_sms("13800138000", f"m{n}")
    kept = sms.outbox()
    assert len(kept) == sms.ConsoleBackend.OUTBOX_SIZE
    assert kept[-1]["text"] == f"m{sms.ConsoleBackend.OUTBOX_SIZE + 2}"
