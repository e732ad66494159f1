import pytest
from .conftest import login, url, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_probe_phone(new_page, users):
    p = new_page("probe", viewport={"width": 390, "height": 844})
    login(p, "village_centre")
    for path in ["/registry/people/", "/registry/households/", "/registry/dwellings/",
                 "/regions/", "/registry/import/", "/accounts/password/"]:
        p.goto(url(p, path))
        if path == "/regions/":
            p.wait_for_selector("#map[data-loaded]", state="attached")
        print(path, p.evaluate("document.scrollingElement.scrollWidth - window.innerWidth"))
    p.goto(url(p, "/registry/people/"))
    p.click("#results tbody a")
    print("person", p.evaluate("document.scrollingElement.scrollWidth - window.innerWidth"))
    screenshot(p, "probe_phone_person")
    p.goto(url(p, "/regions/"))
    p.wait_for_selector("#map[data-loaded]", state="attached")
    screenshot(p, "probe_phone_region")


def test_probe_resident(new_page, users):
    p = new_page("resident")
    login(p, "resident")
    for path in ["/registry/people/", "/registry/households/", "/registry/dwellings/", "/regions/",
                 "/registry/import/", "/registry/people/export.xlsx"]:
        try:
            r = p.goto(url(p, path))
            print(path, r.status, p.locator("#results tbody tr").count())
        except Exception as e:
            print(path, "EXC", str(e)[:100])
