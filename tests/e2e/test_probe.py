import time
import pytest
from tests.e2e.conftest import login, url

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_probe(page, users):
    t = time.monotonic()
    login(page, "village_centre")
    print("login", time.monotonic() - t, page.url)


def test_probe2(page, users):
    t = time.monotonic()
    login(page, "county_centre")
    print("login", time.monotonic() - t, page.url)
    page.goto(url(page, "/regions/"))
    page.wait_for_selector("#map[data-loaded]")
    print(page.url, page.locator(".leaflet-interactive").count())
