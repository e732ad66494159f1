"""Report first, confirm the phone after: a visitor's report is held until their mobile number
is confirmed by SMS code, then filed through the case services as their new account; a held
"me too" the same way. Nothing is filed for an unconfirmed number."""

import io
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.test import Client

from fengqiao.accounts import sms
from fengqiao.accounts.models import User
from fengqiao.cases import held_reports
from fengqiao.cases.models import Case, CaseEvent
from fengqiao.cases.tests import test_metoo
from fengqiao.core import clock

county, c = test_metoo.county, test_metoo.c  # the module's seeded county (fixtures)
PHONE = "13700137000"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def _console(settings, tmp_path):
    settings.FENGQIAO_SMS_BACKEND = "fengqiao.accounts.sms.ConsoleBackend"
    settings.MEDIA_ROOT = tmp_path
    cache.delete(sms.ConsoleBackend.OUTBOX_KEY)


def _post_report(client, c, **extra):
    photo = io.BytesIO(PNG)
    photo.name = "垃圾.png"
    data = {
        "group": "environment",
        "category": "garbage",
        "title": "桥头垃圾没人清",
        "description": "三天了",
        **c["point"],
        "client_id": "held-1",
        "photo": photo,
        **extra,
    }
    return client.post("/h5/report/", data)


def _confirm(client, phone=PHONE):
    sent = client.post("/h5/report/confirm/", {"step": "send", "phone": phone})
    assert sent.status_code == 200
    code = sms.outbox(phone)[-1]["params"]["code"]
    return client.post("/h5/report/confirm/", {"step": "verify", "phone": phone, "code": code})


def test_report_is_held_and_nothing_filed_until_the_phone_is_confirmed(c):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    cases_before = Case.objects.count()
    response = _post_report(client, c)
    assert response.status_code == 302 and response.url == "/h5/report/confirm/"
    held = client.session[held_reports.SESSION_KEY]
    assert held["title"] == "桥头垃圾没人清" and len(held["photos"]) == 1
    assert default_storage.exists(held["photos"][0][0])
    page = client.get("/h5/report/confirm/")
    assert "桥头垃圾没人清" in page.content.decode()
    sent = client.post("/h5/report/confirm/", {"step": "send", "phone": PHONE})
    assert "Demo: the code was printed on the server console." in sent.content.decode()
    wrong = client.post("/h5/report/confirm/", {"step": "verify", "phone": PHONE, "code": "x"})
    assert wrong.status_code == 400 and "6-digit" in wrong.content.decode()
    assert Case.objects.count() == cases_before
    assert not User.objects.filter(phone_masked="137****7000").exists()

    code = sms.outbox(PHONE)[-1]["params"]["code"]
    filed = client.post("/h5/report/confirm/", {"step": "verify", "phone": PHONE, "code": code})
    case = Case.objects.get(client_id="held-1")
    assert filed.status_code == 302 and filed.url == f"/h5/cases/{case.code}/"
    assert case.reporter.phone_masked == "137****7000" and case.channel == "portal"
    assert case.callback_phone_masked == "137****7000"  # the confirmed number, for a call back
    assert case.attachments.count() == 1
    assert held_reports.SESSION_KEY not in client.session
    assert not default_storage.exists(held["photos"][0][0])
    assert client.get(filed.url).status_code == 200  # the new resident sees their case


def test_held_report_is_refused_at_once_when_it_lacks_a_point_or_category(c):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    no_point = _post_report(client, c, lat="", lng="")
    assert no_point.status_code == 400 and "Tap the map" in no_point.content.decode()
    no_category = _post_report(client, c, category="")
    assert no_category.status_code == 400
    assert held_reports.SESSION_KEY not in client.session


def test_confirm_page_sends_visitor_back_when_nothing_is_held(c):
    response = Client().get("/h5/report/confirm/")
    assert response.status_code == 302 and response.url == "/h5/report/"


def test_held_me_too_is_added_once_the_phone_is_confirmed(c):
    case = c["cases"]["garbage"]
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    held = client.post(f"/h5/cases/{case.code}/support/")
    assert held.status_code == 302 and held.url == "/h5/report/confirm/"
    assert not CaseEvent.objects.filter(case=case, action="support").exists()
    done = _confirm(client)
    assert done.status_code == 302 and done.url == f"/h5/following/{case.code}/"
    (event,) = CaseEvent.objects.filter(case=case, action="support")
    assert event.actor.phone_masked == "137****7000"


def test_signed_in_resident_files_at_once_when_reporting(c):
    client = Client()
    client.force_login(c["ben"])
    response = _post_report(client, c, client_id="direct-1")
    case = Case.objects.get(client_id="direct-1")
    assert response.url == f"/h5/cases/{case.code}/" and case.reporter == c["ben"]


def test_sweep_deletes_held_photos_when_older_than_a_day(c):
    client = Client()
    _post_report(client, c)
    stored = client.session[held_reports.SESSION_KEY]["photos"][0][0]
    assert held_reports.sweep(clock.now()) == {"held_photos_purged": 0}
    later = clock.now() + held_reports.KEEP + timedelta(minutes=1)
    assert held_reports.sweep(later) == {"held_photos_purged": 1}
    assert not default_storage.exists(stored)
