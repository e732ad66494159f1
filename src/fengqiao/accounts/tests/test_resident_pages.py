"""The residents' sign-in pages at /h5/signin/: phone, code, first-time binding."""

from datetime import date

import pytest
from django.core.cache import cache
from django.test import Client

from fengqiao.accounts import sms
from fengqiao.accounts.models import User
from fengqiao.accounts.services import user_create
from fengqiao.core import crypto
from fengqiao.core.idnumbers import make_id_number
from fengqiao.registry.services import person_build

PHONE = "13600136000"


@pytest.fixture(autouse=True)
def _console(settings):
    settings.FENGQIAO_SMS_BACKEND = "fengqiao.accounts.sms.ConsoleBackend"
    cache.delete(sms.ConsoleBackend.OUTBOX_KEY)


def _sign_in(client, phone=PHONE, next_url="/h5/"):
    sent = client.post("/h5/signin/", {"step": "send", "phone": phone, "next": next_url})
    code = sms.outbox(phone)[-1]["params"]["code"]
    done = client.post(
        "/h5/signin/", {"step": "verify", "phone": phone, "code": code, "next": next_url}
    )
    return sent, done


def test_sign_in_says_where_the_demo_code_went_and_asks_new_residents_to_bind(db):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert client.get("/h5/signin/").status_code == 200
    sent, done = _sign_in(client)
    assert "Demo: the code was printed on the server console." in sent.content.decode()
    assert done.status_code == 302 and done.url == "/h5/signin/bind/?next=%2Fh5%2F"
    user = User.objects.get(phone_masked="136****6000")
    assert int(client.session["_auth_user_id"]) == user.pk
    assert client.get("/h5/").status_code == 200


def test_sign_in_names_the_field_when_number_or_code_is_wrong(db):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    bad = client.post("/h5/signin/", {"step": "send", "phone": "12345"})
    assert bad.status_code == 400 and "11-digit" in bad.content.decode()
    client.post("/h5/signin/", {"step": "send", "phone": PHONE})
    again = client.post("/h5/signin/", {"step": "send", "phone": PHONE})
    assert again.status_code == 429 and "Ask again in" in again.content.decode()
    wrong = client.post("/h5/signin/", {"step": "verify", "phone": PHONE, "code": "000000"})
    if sms.outbox(PHONE)[-1]["params"]["code"] != "000000":
        assert wrong.status_code == 400 and "tries left" in wrong.content.decode()
    assert "_auth_user_id" not in client.session


def test_bind_page_binds_the_record_when_name_and_id_match(db):
    number = make_id_number("439901", date(1975, 3, 4), 21)
    person = person_build(name="李四", id_number=number, region_code="439901100201")
    person.save()
    crypto.bind_row(person)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    _sign_in(client)
    wrong = client.post("/h5/signin/bind/", {"name": "李五", "id_number": number})
    assert wrong.status_code == 400 and "No registered resident" in wrong.content.decode()
    done = client.post("/h5/signin/bind/", {"name": "李四", "id_number": number, "next": "/h5/"})
    assert done.status_code == 302 and done.url == "/h5/"
    assert User.objects.get(phone_masked="136****6000").person_id == person.pk
    assert client.get("/h5/signin/bind/").status_code == 302  # bound already


def test_bind_page_is_refused_when_staff(db):
    staff = user_create(
        username="centre", password="x", role="admin", is_superuser=True, check_password=False
    )
    client = Client()
    client.force_login(staff)
    assert client.get("/h5/signin/bind/").status_code == 403


@pytest.mark.parametrize("path", ["/", "/h5/", "/h5/report/", "/h5/notices/", "/h5/mediation/"])
def test_every_portal_page_opens_when_resident_is_not_bound_yet(db, path):
    client = Client(raise_request_exception=False)
    _sign_in(client)
    assert client.get(path).status_code in (200, 302), path


def test_portal_home_offers_binding_instead_of_my_record_when_not_bound(db):
    client = Client()
    _sign_in(client)
    home = client.get("/h5/").content.decode()
    assert 'id="bind-tile"' in home and 'id="my-data-tile"' not in home
    assert client.get("/h5/me/").status_code == 404  # no record to show yet
