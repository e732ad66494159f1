"""Text messages beside the inbox: residents hear each step of their own case, staff hear
deadline warnings and 督办 at once and the rest in a daily digest, each as their
preferences say; the preferences are changed by their owner, with an audit row."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse

from fengqiao.accounts import sms
from fengqiao.accounts.services import token_issue
from fengqiao.cases import notify_prefs, notify_sms, oversight, services
from fengqiao.cases.models import Notification, NotificationDigest
from fengqiao.core import clock
from fengqiao.core.errors import NotAllowed
from fengqiao.core.models import AuditEntry

SENT: list[sms.SmsMessage] = []
SHANGHAI = ZoneInfo("Asia/Shanghai")


class RecordingBackend(sms.SmsBackend):
    def send(self, message):
        SENT.append(message)


@pytest.fixture(autouse=True)
def _recording_backend(settings):
    settings.FENGQIAO_SMS_BACKEND = f"{__name__}.RecordingBackend"
    SENT.clear()


def _texts_to(phone: str) -> list[str]:
    return [m.text for m in SENT if m.phone == phone]


def _report(world, actor="resident"):
    return services.case_report(
        actor=world[actor], category=world["garbage"], title="垃圾堆放三天没人清", **world["point"]
    )


def _phone(world, name: str, phone: str) -> str:
    notify_prefs.preferences_set(actor=world[name], user=world[name], phone=phone)
    return phone


def test_resident_is_texted_each_step_of_their_case_and_not_for_a_note(
    world, django_capture_on_commit_callbacks
):
    phone = _phone(world, "resident", "13900001111")
    case = _report(world)
    with django_capture_on_commit_callbacks(execute=True):
        services.case_accept_dispatch(
            actor=world["grid_chief"], case_id=case.pk, unit_id=world["police"].pk
        )
    texts = _texts_to(phone)
    assert len(texts) == 1 and case.code in texts[0] and "已派遣" in texts[0]
    assert Notification.objects.filter(recipient=world["resident"], kind="update").exists()

    with django_capture_on_commit_callbacks(execute=True):
        services.case_note(actor=world["grid_chief"], case_id=case.pk, note="已联系环卫")
    assert len(_texts_to(phone)) == 1  # a note moves nothing: no text


def test_resident_who_turned_texts_off_gets_the_inbox_only(
    world, django_capture_on_commit_callbacks
):
    phone = _phone(world, "resident", "13900001112")
    notify_prefs.preferences_set(
        actor=world["resident"], user=world["resident"], sms_case_updates=False
    )
    case = _report(world)
    with django_capture_on_commit_callbacks(execute=True):
        services.case_accept_dispatch(
            actor=world["grid_chief"], case_id=case.pk, unit_id=world["police"].pk
        )
    assert _texts_to(phone) == []
    assert Notification.objects.filter(recipient=world["resident"], case=case).exists()


def test_staff_are_texted_a_supervision_at_once_but_not_a_dispatch(
    world, django_capture_on_commit_callbacks
):
    phone = _phone(world, "handler", "13900002222")
    case = _report(world, actor="grid_worker")
    with django_capture_on_commit_callbacks(execute=True):
        services.case_accept_dispatch(
            actor=world["grid_chief"], case_id=case.pk, unit_id=world["police"].pk
        )
    assert _texts_to(phone) == []  # waits for the digest
    with django_capture_on_commit_callbacks(execute=True):
        oversight.case_supervise(
            actor=world["leader"],
            case_id=case.pk,
            deadline=clock.localdate() + timedelta(days=2),
            instruction="两日内清运完毕",
        )
    texts = _texts_to(phone)
    assert len(texts) == 1 and "两日内清运完毕" in texts[0]


def test_daily_digest_goes_once_after_eight_with_the_unread_count(
    world, django_capture_on_commit_callbacks
):
    phone = _phone(world, "handler", "13900003333")
    day = clock.localdate()
    for title in ("井盖缺失", "路灯不亮"):
        case = services.case_report(
            actor=world["grid_worker"], category=world["garbage"], title=title, **world["point"]
        )
        with django_capture_on_commit_callbacks(execute=True):
            services.case_accept_dispatch(
                actor=world["grid_chief"], case_id=case.pk, unit_id=world["police"].pk
            )
    unread = Notification.objects.filter(recipient=world["handler"], read_at=None).count()
    assert unread >= 2
    early = datetime.combine(day, datetime.min.time(), SHANGHAI) + timedelta(hours=7, minutes=59)
    assert notify_sms.sweep_digests(early) == 0

    later = early + timedelta(minutes=10)
    assert notify_sms.sweep_digests(later) == 1
    assert notify_sms.sweep_digests(later + timedelta(hours=1)) == 0  # once a day
    (text,) = _texts_to(phone)
    assert f"{unread} 条未读" in text
    assert NotificationDigest.objects.get(user=world["handler"], day=day).unread == unread


def test_digest_skips_people_without_a_phone_or_who_opted_out(world):
    notify_prefs.preferences_set(actor=world["leader"], user=world["leader"], daily_digest=True)
    _phone(world, "grid_chief", "13900004444")
    notify_prefs.preferences_set(
        actor=world["grid_chief"], user=world["grid_chief"], daily_digest=False
    )
    at = datetime.combine(clock.localdate(), datetime.min.time(), SHANGHAI) + timedelta(hours=9)
    assert notify_sms.sweep_digests(at) == 0
    assert SENT == []


def test_preferences_through_the_api_name_a_bad_phone_and_audit_a_change(world):
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token_issue(user=world['handler'])[0]}")
    url = "/api/v1/inbox/preferences"
    assert client.get(url).json() == {
        "phone_masked": "",
        "phone_on_record": False,
        "sms_case_updates": True,
        "sms_warnings": True,
        "daily_digest": True,
    }

    bad = client.put(url, {"phone": "12345"}, content_type="application/json")
    assert bad.status_code == 400 and "phone" in bad.content.decode()

    good = client.put(
        url, {"phone": "139-0000-5555", "daily_digest": False}, content_type="application/json"
    )
    assert good.status_code == 200
    body = good.json()
    assert body["daily_digest"] is False and body["sms_warnings"] is True
    assert body["phone_masked"].startswith("139") and "5555" not in body["phone_masked"][3:7]
    entry = AuditEntry.objects.filter(entity_type="cases.notificationpreference").latest("at")
    assert entry.actor_id == world["handler"].pk and "daily_digest" in entry.changes


def test_nobody_changes_another_persons_preferences(world):
    with pytest.raises(NotAllowed):
        notify_prefs.preferences_set(
            actor=world["grid_worker"], user=world["handler"], daily_digest=False
        )


def test_preferences_page_saves_and_shows_the_masked_phone(world, client):
    client.force_login(world["grid_chief"])
    url = reverse("cases:notification_preferences")
    response = client.post(url, {"phone": "13900006666", "sms_warnings": "on"})
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert "139****6666" in page
    assert notify_prefs.preferences_of(world["grid_chief"]).daily_digest is False

    refused = client.post(url, {"phone": "abc"})
    assert refused.status_code == 400 and "field-error" in refused.content.decode()


def test_a_neighbour_who_said_me_too_is_texted_with_the_public_title(
    world, django_capture_on_commit_callbacks
):
    from fengqiao.accounts.services import user_create
    from fengqiao.cases.metoo import case_support
    from fengqiao.registry.models import Person

    person = Person.objects.filter(account__isnull=True).first()
    neighbour = user_create(
        username="neighbour", password="x", role="resident", person=person, check_password=False
    )
    world["neighbour"] = neighbour
    phone = _phone(world, "neighbour", "13900007777")
    case = services.case_report(
        actor=world["grid_worker"],
        category=world["garbage"],
        title="路口垃圾堆放 13800138000",
        **world["point"],
    )
    case_support(actor=neighbour, case_id=case.pk)
    with django_capture_on_commit_callbacks(execute=True):
        services.case_accept_dispatch(
            actor=world["grid_chief"], case_id=case.pk, unit_id=world["police"].pk
        )
    (text,) = _texts_to(phone)
    assert text.startswith("您附议的问题") and case.code in text
    assert "13800138000" not in text  # the title as the public sees it


def test_a_resident_reaches_the_text_settings_from_the_portal_and_keeps_them(world, client):
    client.force_login(world["resident"])
    home = client.get("/h5/").content.decode()
    assert 'id="texts-tile"' in home and "/cases/inbox/preferences/" in home
    page = client.get("/cases/inbox/preferences/").content.decode()
    assert 'name="sms_case_updates"' in page and 'name="sms_warnings"' not in page
    assert client.post("/cases/inbox/preferences/", {"phone": ""}).status_code == 302
    assert notify_prefs.preferences_of(world["resident"]).sms_case_updates is False
