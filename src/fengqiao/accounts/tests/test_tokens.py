"""API tokens: lifetime, revocation (one, all), and their end on sign-out and password change."""

from datetime import timedelta

import pytest
from django.test import Client, override_settings

from fengqiao.accounts.models import ApiToken
from fengqiao.accounts.services import token_issue, user_change_password, user_create
from fengqiao.core import clock

RIGHT = "a-long-and-unguessable-phrase-42"


@pytest.fixture
def chen(db):
    return user_create(
        username="chen", password=RIGHT, role="admin", is_superuser=True, check_password=False
    )


def _me(key):
    return Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {key}")


@override_settings(FENGQIAO_API_TOKEN_HOURS=8)
def test_token_lives_the_configured_hours_then_gets_401(chen):
    start = clock.now()
    clock.freeze(start)
    key, token = token_issue(user=chen)
    assert token.expires_at == start + timedelta(hours=8)
    clock.freeze(start + timedelta(hours=7, minutes=59))
    assert _me(key).status_code == 200
    clock.freeze(start + timedelta(hours=8, seconds=1))
    response = _me(key)
    assert (response.status_code, response.json()["code"]) == (401, "unauthenticated")


def test_revoke_ends_only_the_token_in_use(chen):
    key, _token = token_issue(user=chen)
    other, _token = token_issue(user=chen)
    response = Client().post("/api/v1/auth/revoke", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert (response.status_code, response.json()) == (200, {"revoked": 1})
    assert _me(key).status_code == 401
    assert _me(other).status_code == 200


def test_revoke_all_ends_every_token_of_the_caller_only(chen):
    keys = [token_issue(user=chen)[0] for _ in range(3)]
    bob = user_create(
        username="bob", password=RIGHT, role="admin", is_superuser=True, check_password=False
    )
    bobs, _token = token_issue(user=bob)
    response = Client().post("/api/v1/auth/revoke-all", HTTP_AUTHORIZATION=f"Bearer {keys[0]}")
    assert response.json() == {"revoked": 3}
    assert [_me(key).status_code for key in keys] == [401, 401, 401]
    assert _me(bobs).status_code == 200


def test_revoke_with_a_session_asks_for_a_token_and_revoke_all_works(chen):
    key, _token = token_issue(user=chen)
    client = Client()
    client.force_login(chen)
    response = client.post("/api/v1/auth/revoke")
    assert (response.status_code, response.json()["code"]) == (400, "no_token")
    assert client.post("/api/v1/auth/revoke-all").json() == {"revoked": 1}
    assert _me(key).status_code == 401


def test_revoke_without_credentials_gets_401(db):
    assert Client().post("/api/v1/auth/revoke").status_code == 401


def test_sign_out_ends_the_users_tokens(chen):
    key, _token = token_issue(user=chen)
    client = Client()
    client.force_login(chen)
    client.post("/accounts/logout/")
    assert _me(key).status_code == 401
    assert not ApiToken.objects.filter(user=chen, revoked=False).exists()


def test_password_change_on_the_page_ends_the_tokens(chen):
    key, _token = token_issue(user=chen)
    user_change_password(
        user=chen, old_password=RIGHT, new_password="another-long-phrase-for-him-7"
    )
    assert _me(key).status_code == 401


def test_password_set_any_other_way_voids_the_tokens(chen):
    """Admin form, `changepassword`, a reset: all go through set_password."""
    key, _token = token_issue(user=chen)
    chen.set_password("set-by-an-administrator-on-admin-9")
    chen.save()
    assert _me(key).status_code == 401
    fresh, _token = token_issue(user=chen)
    assert _me(fresh).status_code == 200
