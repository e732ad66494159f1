"""The sign-in throttle: every door, per-pair refusals, no lock-out weapon, races, the sweep."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client, RequestFactory, override_settings

from fengqiao.accounts import throttling
from fengqiao.accounts.models import LoginThrottle
from fengqiao.accounts.services import BadCredentials, Throttled, login_check, user_create
from fengqiao.core import clock

RIGHT = "a-long-and-unguessable-phrase-42"


@pytest.fixture
def chen(db):
    return user_create(
        username="chen", password=RIGHT, role="admin", is_superuser=True, check_password=False
    )


def _page(username, password, ip="10.0.0.1"):
    return Client(REMOTE_ADDR=ip).post(
        "/accounts/login/", {"username": username, "password": password}
    )


def _api(username, password, ip="10.0.0.1"):
    return Client(REMOTE_ADDR=ip).post(
        "/api/v1/auth/token",
        {"username": username, "password": password},
        content_type="application/json",
    )


def _admin(username, password, ip="10.0.0.1"):
    return Client(REMOTE_ADDR=ip, HTTP_ACCEPT_LANGUAGE="en").post(
        "/admin/login/?next=/admin/", {"username": username, "password": password}
    )


@override_settings(FENGQIAO_LOGIN_MAX_FAILURES=3)
def test_pair_is_refused_even_with_right_password_when_bar_reached(chen):
    for _ in range(3):
        assert _page("chen", "wrong").status_code == 401
    assert _page("chen", RIGHT).status_code == 429


@override_settings(FENGQIAO_LOGIN_MAX_FAILURES=3)
def test_api_token_door_shares_the_throttle_with_the_page(chen):
    for _ in range(2):
        _page("chen", "wrong")
    assert _api("chen", "wrong").json()["code"] == "bad_credentials"
    response = _api("chen", RIGHT)
    assert (response.status_code, response.json()["code"]) == (429, "throttled")


@override_settings(FENGQIAO_LOGIN_MAX_FAILURES=3)
def test_admin_login_is_throttled_and_says_so(chen):
    for _ in range(3):
        response = _admin("chen", "wrong")
        assert response.status_code == 200
        assert "_auth_user_id" not in response.client.session
    response = _admin("chen", RIGHT)
    assert b"Too many failed sign-ins" in response.content
    assert "_auth_user_id" not in response.client.session
    # From another address the owner still gets in: only the guessing pair is held back.
    response = _admin("chen", RIGHT, ip="10.9.9.9")
    assert response.status_code == 302


@override_settings(FENGQIAO_LOGIN_MAX_FAILURES=3, FENGQIAO_LOGIN_DELAY_SECONDS=30)
def test_refusal_grows_exponentially_and_lifts(chen):
    start = clock.now()
    clock.freeze(start)
    for _ in range(3):
        _page("chen", "wrong")
    row = LoginThrottle.objects.get(key="pair:chen|10.0.0.1")
    assert row.locked_until == start + timedelta(seconds=30)
    clock.freeze(start + timedelta(seconds=31))
    _page("chen", "wrong")
    row.refresh_from_db()
    assert row.locked_until == start + timedelta(seconds=31 + 60)
    clock.freeze(start + timedelta(seconds=60))
    assert _page("chen", RIGHT).status_code == 429
    clock.freeze(start + timedelta(seconds=92))
    assert _page("chen", RIGHT).status_code == 302
    row.refresh_from_db()
    assert (row.failures, row.locked_until) == (0, None)


@override_settings(FENGQIAO_LOGIN_MAX_FAILURES=5, FENGQIAO_LOGIN_USER_MAX_FAILURES=10)
def test_stranger_cannot_lock_out_owner_who_signed_in_before(chen):
    assert _page("chen", RIGHT, ip="10.1.1.1").status_code == 302  # the owner's usual device
    for i in range(40):  # a botnet: many addresses, one user name
        _page("chen", "wrong", ip=f"10.2.0.{i}")
    assert _page("chen", RIGHT, ip="10.1.1.1").status_code == 302
    # A new device of anyone is slowed while the name is under attack; it is never permanent.
    assert _page("chen", RIGHT, ip="10.3.3.3").status_code == 429
    clock.freeze(clock.now() + timedelta(hours=2))
    assert _page("chen", RIGHT, ip="10.3.3.3").status_code == 302


@override_settings(FENGQIAO_LOGIN_IP_MAX_FAILURES=8)
def test_address_guessing_many_names_is_held_back_but_not_its_known_users(chen):
    assert _page("chen", RIGHT, ip="10.5.5.5").status_code == 302  # an office behind one NAT
    for i in range(8):
        _page(f"guess{i}", "wrong", ip="10.5.5.5")
    assert _page("guess99", "wrong", ip="10.5.5.5").status_code == 429
    assert _page("chen", RIGHT, ip="10.5.5.5").status_code == 302


def test_success_gives_back_its_count_on_the_shared_rows(chen):
    _page("chen", "wrong", ip="10.7.7.7")
    _page("chen", RIGHT, ip="10.7.7.8")
    counts = dict(LoginThrottle.objects.values_list("key", "failures"))
    assert counts["user:chen"] == 1
    assert counts["pair:chen|10.7.7.8"] == 0
    assert counts["ip:10.7.7.8"] == 0


def test_sweep_forgets_stale_rows_and_keeps_recent_and_trusted(chen):
    start = clock.now()
    clock.freeze(start)
    _page("chen", RIGHT, ip="10.1.1.1")
    _page("mallory", "wrong", ip="10.6.6.6")
    clock.freeze(start + timedelta(days=2))
    _page("eve", "wrong", ip="10.6.6.7")
    throttling.sweep_login_throttles(clock.now())
    keys = set(LoginThrottle.objects.values_list("key", flat=True))
    assert "pair:chen|10.1.1.1" in keys  # trusted for FENGQIAO_LOGIN_TRUST_DAYS
    assert "pair:eve|10.6.6.7" in keys
    assert "pair:mallory|10.6.6.6" not in keys
    clock.freeze(start + timedelta(days=40))
    throttling.sweep_login_throttles(clock.now())
    assert not LoginThrottle.objects.exists()


def test_login_with_the_test_client_goes_through_the_throttle(chen):
    assert not Client().login(username="chen", password="wrong")
    assert LoginThrottle.objects.get(key="pair:chen|-").failures == 1


@pytest.mark.skipif(
    "connection.vendor != 'postgresql'",
    reason="needs concurrent transactions with row locks (runs in the PostgreSQL pass)",
)
@pytest.mark.django_db(transaction=True)
def test_parallel_attempts_cannot_pass_the_bar(settings):
    settings.FENGQIAO_LOGIN_MAX_FAILURES = 3
    user_create(
        username="chen", password=RIGHT, role="admin", is_superuser=True, check_password=False
    )
    attempts = 12
    barrier = threading.Barrier(attempts)
    outcomes = [None] * attempts

    def attempt(index):
        request = RequestFactory().post("/accounts/login/", REMOTE_ADDR="10.8.8.8")
        try:
            barrier.wait(30)
            login_check(request=request, username="chen", password="wrong")
        except (BadCredentials, Throttled) as exc:
            outcomes[index] = exc.code
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(outcomes) == ["bad_credentials"] * 3 + ["throttled"] * 9
    assert LoginThrottle.objects.get(key="pair:chen|10.8.8.8").failures == 3


def test_overlong_name_and_forwarded_address_are_counted_without_error(chen, settings):
    settings.FENGQIAO_TRUST_X_FORWARDED_FOR = True
    client = Client(HTTP_X_FORWARDED_FOR="f" * 500)
    response = client.post("/accounts/login/", {"username": "u" * 5000, "password": "p"})
    assert response.status_code == 401
    assert LoginThrottle.objects.get(key="pair:" + "u" * 150 + "|" + "f" * 45).failures == 1
