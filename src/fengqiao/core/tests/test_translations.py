"""The zh-Hans catalogue is complete and is what pages show; English stays English."""

from pathlib import Path

from babel.messages.pofile import read_po
from django.conf import settings
from django.core.management import call_command
from django.test import Client

PO = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def test_every_message_is_translated_when_catalogue_read():
    with PO.open("rb") as fh:
        catalog = read_po(fh)
    missing = [
        m.id
        for m in catalog
        if m.id and (m.fuzzy or not (m.string if isinstance(m.string, str) else m.string[0]))
    ]
    assert missing == []


def test_sign_in_page_is_chinese_by_default_and_english_on_request(db):
    call_command("compiletranslations")
    client = Client()
    assert "登录" in client.get("/accounts/login/").content.decode()
    english = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en")
    assert "Sign in" in english.content.decode()
