"""The password policy: length, strength, the user's names; at createuser, the page and /admin/."""

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.test import Client

from fengqiao.accounts.models import User
from fengqiao.accounts.services import user_create
from fengqiao.demo.accounts import DEMO_PASSWORD, DEMO_USERNAMES

STRONG = "lantern-orchard-quietly-73"


@pytest.fixture
def chen(db):
    return user_create(
        username="chen", password=STRONG, role="admin", is_superuser=True, check_password=False
    )


@pytest.mark.parametrize(
    "password",
    [
        "grid_chief",  # the probe's example: the user name, 10 characters
        "grid_chief2024!",  # the user name with a year
        "password1234",  # common
        "qwertyuiop12",  # a keyboard walk
        "abcabcabcabc",  # a repetition
        "shortone-1",  # under 12 characters
    ],
)
def test_createuser_refuses_weak_password(db, password):
    with pytest.raises(CommandError, match="password"):
        call_command(
            "createuser", "grid_chief", "--role", "admin", "--superuser", "--password", password
        )
    assert not User.objects.filter(username="grid_chief").exists()


def test_createuser_accepts_a_strong_phrase(db):
    call_command("createuser", "zhou", "--role", "admin", "--superuser", "--password", STRONG)
    assert User.objects.get(username="zhou").check_password(STRONG)


def test_display_name_counts_as_the_users_name():
    with pytest.raises(ValidationError) as caught:
        validate_password(
            "wangxiaoming-orchard-73", User(username="w1", display_name="wangxiaoming")
        )
    assert "password_contains_user_name" in [e.code for e in caught.value.error_list]


def test_password_page_refuses_weak_new_password_and_keeps_the_old(chen):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(chen)
    response = client.post(
        "/accounts/password/", {"old_password": STRONG, "new_password": "chen12345678"}
    )
    assert response.status_code == 200
    assert b"contain the user name" in response.content or b"too easy to guess" in response.content
    chen.refresh_from_db()
    assert chen.check_password(STRONG)


def test_admin_password_form_refuses_weak_password(chen):
    bob = user_create(
        username="bob", password=STRONG, role="admin", is_superuser=True, check_password=False
    )
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(chen)
    response = client.post(
        f"/admin/accounts/user/{bob.pk}/password/",
        {"password1": "bob-password", "password2": "bob-password", "usable_password": "true"},
    )
    assert response.status_code == 200  # the form again, with the error
    bob.refresh_from_db()
    assert bob.check_password(STRONG)
    response = client.post(
        f"/admin/accounts/user/{bob.pk}/password/",
        {"password1": STRONG + "x", "password2": STRONG + "x", "usable_password": "true"},
    )
    assert response.status_code == 302
    bob.refresh_from_db()
    assert bob.check_password(STRONG + "x")


@pytest.mark.parametrize("username", DEMO_USERNAMES)
def test_public_demo_password_passes_the_policy_for_every_demo_account(username):
    validate_password(DEMO_PASSWORD, User(username=username))
