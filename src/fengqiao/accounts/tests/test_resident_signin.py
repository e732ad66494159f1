"""Residents' SMS sign-in: codes (hashed, expiring, five tries), the request limits per number
and per address, the account made on first sign-in, and binding to the registry by hash."""

import threading
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.db import connection

from fengqiao.accounts import otp, resident_signin, sms
from fengqiao.accounts.models import SmsCode, User
from fengqiao.accounts.services import Throttled
from fengqiao.core import clock, crypto
from fengqiao.core.audit import AuditEntry
from fengqiao.core.errors import Conflict, ValidationFailed
from fengqiao.core.idnumbers import make_id_number
from fengqiao.registry.models import Person
from fengqiao.registry.services import person_build

PHONE = "13800138000"
OTHER = "13900139000"
T0 = datetime(2026, 6, 1, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(autouse=True)
def _console(settings):
    settings.FENGQIAO_SMS_BACKEND = "fengqiao.accounts.sms.ConsoleBackend"
    cache.delete(sms.ConsoleBackend.OUTBOX_KEY)
    clock.freeze(T0)


def _request(phone=PHONE, ip="10.0.0.1", at=None):
    if at is not None:
        clock.freeze(at)
    return otp.code_request(phone=phone, ip=ip)


def _last_code(phone=PHONE) -> str:
    return sms.outbox(phone)[-1]["params"]["code"]


def _person(name="王小明", sequence=11) -> tuple[Person, str]:
    number = make_id_number("439901", date(1980, 5, 6), sequence)
    person = person_build(name=name, id_number=number, region_code="439901100201")
    person.save()
    crypto.bind_row(person)
    return person, number


# -- codes ---------------------------------------------------------------------------------


def test_code_is_stored_only_as_a_salted_hash_when_sent(db):
    sent = _request()
    code = _last_code()
    row = SmsCode.objects.get()
    assert len(code) == 6 and code.isdigit()
    assert code not in (row.code_hash, row.salt) and row.code_hash != crypto.lookup_hash(code)
    assert row.phone_hash == crypto.lookup_hash(PHONE)
    assert row.expires_at - row.created_at == timedelta(minutes=5) == sent.expires_at - T0
    assert sent.to_console and sent.phone_masked == "138****8000"
    assert code in sms.outbox(PHONE)[-1]["text"]


def test_code_signs_in_once_when_right(db):
    _request()
    assert otp.code_check(phone=PHONE, code=_last_code()) == PHONE
    with pytest.raises(ValidationFailed) as caught:
        otp.code_check(phone=PHONE, code=_last_code())
    assert caught.value.code == "code_expired"


def test_code_is_refused_when_expired(db):
    _request()
    clock.freeze(T0 + timedelta(minutes=5, seconds=1))
    with pytest.raises(ValidationFailed) as caught:
        otp.code_check(phone=PHONE, code=_last_code())
    assert (caught.value.code, caught.value.field) == ("code_expired", "code")


def test_code_is_spent_after_five_wrong_tries_when_guessed(db):
    _request()
    right = _last_code()
    wrong = f"{(int(right) + 1) % 10**6:06d}"
    messages = []
    for _n in range(otp.MAX_ATTEMPTS):
        with pytest.raises(ValidationFailed) as caught:
            otp.code_check(phone=PHONE, code=wrong)
        messages.append(str(caught.value.message))
    assert "4" in messages[0] and caught.value.code == "code_wrong"
    with pytest.raises(ValidationFailed) as caught:
        otp.code_check(phone=PHONE, code=right)  # even the right one, once the tries are used
    assert caught.value.code == "code_spent"
    assert SmsCode.objects.get().attempts == otp.MAX_ATTEMPTS


def test_new_code_replaces_the_earlier_one_when_asked_again(db):
    _request()
    later = T0 + timedelta(seconds=61)
    _request(at=later)
    first, second = SmsCode.objects.order_by("created_at")
    assert (first.expires_at, second.expires_at) == (later, later + otp.CODE_LIFETIME)
    assert otp.code_check(phone=PHONE, code=_last_code()) == PHONE


@pytest.mark.parametrize("raw", ["12345", "abcdef", "1234567"])
def test_malformed_code_is_refused_naming_the_field_when_typed(db, raw):
    with pytest.raises(ValidationFailed) as caught:
        otp.code_check(phone=PHONE, code=raw)
    assert caught.value.field == "code"


# -- limits --------------------------------------------------------------------------------


def test_second_code_within_a_minute_is_refused_naming_the_wait_when_asked(db):
    _request()
    with pytest.raises(otp.TooManyCodes) as caught:
        _request(at=T0 + timedelta(seconds=20))
    assert caught.value.status == 429 and caught.value.field == "phone"
    assert "40 seconds" in str(caught.value.message)  # 60 s after the first
    _request(at=T0 + timedelta(seconds=61))
    assert SmsCode.objects.count() == 2


def test_sixth_code_within_an_hour_is_refused_when_asked(db):
    for n in range(5):
        _request(at=T0 + timedelta(minutes=2 * n))
    with pytest.raises(otp.TooManyCodes) as caught:
        _request(at=T0 + timedelta(minutes=11))
    assert "49 minutes" in str(caught.value.message)  # the first leaves the hour at T0 + 60 min
    _request(at=T0 + timedelta(minutes=60, seconds=1))


def test_eleventh_code_within_a_day_is_refused_when_asked(db):
    for n in range(10):
        _request(at=T0 + timedelta(hours=2 * n))
    with pytest.raises(otp.TooManyCodes) as caught:
        _request(at=T0 + timedelta(hours=21))
    assert "3 hours" in str(caught.value.message)


def test_twenty_first_code_from_one_address_in_an_hour_is_refused_when_asked(db):
    for n in range(20):
        _request(phone=f"1380000{n:04d}", ip="10.9.9.9")
    with pytest.raises(otp.TooManyCodes) as caught:
        _request(phone=OTHER, ip="10.9.9.9")
    assert "network" in str(caught.value.message)
    _request(phone=OTHER, ip="10.9.9.10")  # another address is not held back


def test_request_answers_alike_when_number_is_registered_or_not(db):
    _request(phone=PHONE)
    resident_signin.resident_sign_in(phone=PHONE, code=_last_code())
    known = _request(phone=PHONE, at=T0 + timedelta(minutes=2))
    unknown = _request(phone=OTHER, at=T0 + timedelta(minutes=2))
    assert (known.to_console, known.expires_at) == (unknown.to_console, unknown.expires_at)


def test_sweep_forgets_codes_when_older_than_a_day(db):
    _request()
    assert otp.sweep_sms_codes(T0 + timedelta(hours=23)) == 0
    assert otp.sweep_sms_codes(T0 + timedelta(days=1, seconds=1)) == 1


# -- sign-in -------------------------------------------------------------------------------


def test_first_sign_in_makes_a_resident_account_when_number_is_new(db):
    _request()
    user, created = resident_signin.resident_sign_in(phone=PHONE, code=_last_code())
    assert created and user.role == "resident" and user.person_id is None
    assert user.phone_masked == "138****8000" and PHONE not in user.phone_sealed
    assert resident_signin.user_phone(User.objects.get(pk=user.pk)) == PHONE
    assert not user.has_usable_password()
    assert AuditEntry.objects.filter(entity_id=str(user.pk), action="create").exists()
    _request(at=T0 + timedelta(minutes=2))
    again, created = resident_signin.resident_sign_in(phone=PHONE, code=_last_code())
    assert (again.pk, created) == (user.pk, False)


# -- binding -------------------------------------------------------------------------------


@pytest.fixture
def newcomer(db):
    _request()
    user, _created = resident_signin.resident_sign_in(phone=PHONE, code=_last_code())
    return user


def test_binding_links_the_person_when_name_and_id_match(newcomer):
    person, number = _person()
    found = resident_signin.resident_bind(
        actor=newcomer, name=" 王小明 ", id_number=number.lower(), ip="10.0.0.1"
    )
    assert found == person
    assert User.objects.get(pk=newcomer.pk).person_id == person.pk
    entry = AuditEntry.objects.get(entity_id=str(newcomer.pk), action="bind_person")
    assert entry.changes == {"person": [None, person.pk]} and number not in str(entry.changes)


def test_binding_is_refused_when_name_or_id_is_wrong(newcomer):
    person, number = _person()
    other = make_id_number("439901", date(1980, 5, 6), 13)
    for name, id_number in [("王小红", number), ("王小明", other)]:
        with pytest.raises(ValidationFailed) as caught:
            resident_signin.resident_bind(
                actor=newcomer, name=name, id_number=id_number, ip="10.0.0.1"
            )
        assert (caught.value.code, caught.value.field) == ("no_match", "id_number")
    with pytest.raises(ValidationFailed) as caught:
        resident_signin.resident_bind(actor=newcomer, name="王小明", id_number="123", ip="x")
    assert caught.value.field == "id_number"
    assert User.objects.get(pk=newcomer.pk).person_id is None


def test_binding_is_held_back_when_tries_run_out(newcomer, settings):
    _person()
    wrong = make_id_number("439901", date(1980, 5, 6), 13)
    for _n in range(settings.FENGQIAO_LOGIN_MAX_FAILURES):
        with pytest.raises(ValidationFailed):
            resident_signin.resident_bind(actor=newcomer, name="王小明", id_number=wrong, ip="ip")
    with pytest.raises(Throttled):
        resident_signin.resident_bind(actor=newcomer, name="王小明", id_number=wrong, ip="ip")


def test_binding_is_refused_when_person_or_account_is_already_bound(newcomer):
    person, number = _person()
    resident_signin.resident_bind(actor=newcomer, name="王小明", id_number=number, ip="x")
    with pytest.raises(Conflict):
        resident_signin.resident_bind(actor=newcomer, name="王小明", id_number=number, ip="x")
    _request(phone=OTHER)
    second, _created = resident_signin.resident_sign_in(phone=OTHER, code=_last_code(OTHER))
    with pytest.raises(Conflict):
        resident_signin.resident_bind(actor=second, name="王小明", id_number=number, ip="x")
    assert User.objects.get(pk=second.pk).person_id is None


@pytest.mark.skipif(
    "connection.vendor != 'postgresql'",
    reason="needs concurrent transactions with row locks (runs in the PostgreSQL pass)",
)
@pytest.mark.django_db(transaction=True)
def test_parallel_requests_for_one_number_send_one_code():
    attempts = 8
    barrier = threading.Barrier(attempts)
    outcomes = [None] * attempts

    def attempt(index):
        try:
            barrier.wait(30)
            otp.code_request(phone=PHONE, ip=f"10.1.1.{index}")
            outcomes[index] = "sent"
        except otp.TooManyCodes as exc:
            outcomes[index] = exc.code
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(outcomes) == ["sent"] + ["too_many_codes"] * (attempts - 1)
    assert SmsCode.objects.count() == 1
