"""Fixtures shared by the whole suite: the small demo county and named users in it."""

import pytest

from fengqiao.core import clock


@pytest.fixture(autouse=True)
def _release_clock():
    yield
    clock.freeze(None)


@pytest.fixture(autouse=True)
def _fresh_locator():
    """Test transactions roll back, so on_commit never refreshes the grid index: do it here."""
    from fengqiao.regions.locator import grids_changed

    grids_changed()
    yield
    grids_changed()


@pytest.fixture
def demo_county(db):
    """The `small` demo county with its demo accounts (village_centre, resident, …)."""
    from fengqiao.demo.seed import seed

    return seed("small")


@pytest.fixture
def users(demo_county):
    """Demo accounts by username, plus `village_centre_b`: centre staff of another village."""
    from fengqiao.accounts.models import User
    from fengqiao.accounts.services import user_create
    from fengqiao.regions.models import Region

    found = {u.username: u for u in User.objects.all()}
    home = found["village_centre"].bindings.get().code
    other = Region.objects.filter(level="village").exclude(code=home).order_by("-code").first()
    found["village_centre_b"] = user_create(
        username="village_centre_b",
        password="fengqiao-demo",  # noqa: S106 - the public demo password,
        role="centre_staff",
        jurisdiction=[other.code],
        display_name="乙村综治中心",
        check_password=False,
    )
    return found


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    """PBKDF2 at production strength costs ~0.3 s per demo account; tests need no such cost."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _english_messages():
    """Assertions on messages read English (the msgids); pages still negotiate per request."""
    from django.utils import translation

    with translation.override("en"):
        yield
