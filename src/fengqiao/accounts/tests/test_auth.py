"""Sign-in, throttling, tokens, /me and password change."""

from datetime import timedelta

from django.test import Client, override_settings

from fengqiao.accounts.models import ApiToken, LoginThrottle
from fengqiao.accounts.services import token_authenticate, token_issue, token_revoke
from fengqiao.core import clock

PASSWORD = "fengqiao-demo"


def test_login_page_signs_in_when_password_right(users):
    client = Client()
    response = client.post("/accounts/login/", {"username": "village_centre", "password": PASSWORD})
    assert response.status_code == 302
    home = client.get("/")
    assert home.status_code == 200
    assert (
        b"village_centre" in home.content or users["village_centre"].label.encode() in home.content
    )


def test_login_page_shows_error_when_password_wrong(users):
    response = Client().post("/accounts/login/", {"username": "village_centre", "password": "nope"})
    assert response.status_code == 401
    assert LoginThrottle.objects.get(key="pair:village_centre|127.0.0.1").failures == 1


@override_settings(FENGQIAO_LOGIN_MAX_FAILURES=3)
def test_login_is_throttled_when_too_many_failures(users):
    client = Client()
    for _ in range(3):
        client.post("/accounts/login/", {"username": "grid_worker", "password": "wrong"})
    response = client.post("/accounts/login/", {"username": "grid_worker", "password": PASSWORD})
    assert response.status_code == 429
    assert not response.wsgi_request.user.is_authenticated


@override_settings(FENGQIAO_LOGIN_MAX_FAILURES=3)
def test_login_throttle_lifts_when_window_passes(users):
    client = Client()
    for _ in range(3):
        client.post("/accounts/login/", {"username": "grid_worker", "password": "wrong"})
    clock.freeze(clock.now() + timedelta(hours=1))
    response = client.post("/accounts/login/", {"username": "grid_worker", "password": PASSWORD})
    assert response.status_code == 302


def test_login_refuses_next_url_when_it_points_elsewhere(users):
    response = Client().post(
        "/accounts/login/",
        {"username": "village_centre", "password": PASSWORD, "next": "https://evil.example/"},
    )
    assert response["Location"] == "/"


def test_pages_redirect_to_login_when_signed_out(db):
    response = Client().get("/registry/people/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_logout_needs_post_when_signed_in(users):
    client = Client()
    client.force_login(users["village_centre"])
    assert client.get("/accounts/logout/").status_code == 405
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/").status_code == 302


def test_password_change_rejects_when_old_password_wrong(users):
    client = Client()
    client.force_login(users["grid_worker"])
    response = client.post(
        "/accounts/password/", {"old_password": "bad", "new_password": "a-much-better-one-42"}
    )
    assert response.status_code == 200
    users["grid_worker"].refresh_from_db()
    assert users["grid_worker"].check_password(PASSWORD)


def test_password_change_keeps_session_when_successful(users):
    client = Client()
    client.force_login(users["grid_worker"])
    response = client.post(
        "/accounts/password/", {"old_password": PASSWORD, "new_password": "a-much-better-one-42"}
    )
    assert response.status_code == 302
    users["grid_worker"].refresh_from_db()
    assert users["grid_worker"].check_password("a-much-better-one-42")
    assert client.get("/m/").status_code == 200


def test_api_token_issued_when_credentials_right(users):
    client = Client()
    response = client.post(
        "/api/v1/auth/token",
        {"username": "grid_chief", "password": PASSWORD},
        content_type="application/json",
    )
    assert response.status_code == 200
    token = response.json()["token"]
    me = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert me.status_code == 200
    body = me.json()
    assert body["username"] == "grid_chief"
    assert body["role"] == "grid_chief"
    assert len(body["jurisdictions"]) == 1
    assert len(body["jurisdictions"][0]["code"]) == 15
    # Only the hash is stored.
    assert not ApiToken.objects.filter(key_hash=token).exists()


def test_api_token_refused_when_password_wrong(users):
    response = Client().post(
        "/api/v1/auth/token",
        {"username": "grid_chief", "password": "x"},
        content_type="application/json",
    )
    assert response.status_code == 401
    assert response.json()["code"] == "bad_credentials"


def test_api_rejects_when_token_unknown_expired_or_revoked(users):
    client = Client()
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION="Bearer nope").status_code == 401
    key, token = token_issue(user=users["grid_chief"])
    assert token_authenticate(key=key) == users["grid_chief"]
    clock.freeze(token.expires_at + timedelta(seconds=1))
    assert token_authenticate(key=key) is None
    clock.freeze(None)
    token_revoke(user=users["grid_chief"], key=key)
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 401


def test_api_rejects_token_when_user_disabled(users):
    key, _token = token_issue(user=users["handler"])
    users["handler"].is_active = False
    users["handler"].save()
    assert Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 401


def test_session_reaches_api_when_signed_in(users):
    client = Client()
    client.force_login(users["resident"])
    body = client.get("/api/v1/me").json()
    assert body["role"] == "resident"
    assert body["person_id"] == users["resident"].person_id
