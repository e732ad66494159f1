"""Maps in a real browser: the hotline operator finds a road junction by typing it on the
new-case page, picks it, and the point is set; every map draws the base from our own data
(outlines, names, roads), never a grey box; the resident's report map searches too."""

from __future__ import annotations

import pytest

from fengqiao.regions.gazetteer_search import junctions

from .conftest import login, screenshot, url

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LAPTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
JUNCTION = "建设路与文化路"


def base_drawn(page, selector: str = "#case-map") -> dict:
    """Wait for the base layer, then count what it drew: SVG paths and name labels."""
    page.wait_for_selector(f"{selector}[data-base]")
    return page.evaluate(
        """sel => ({
            paths: document.querySelectorAll(sel + ' .leaflet-fqBase-pane path').length,
            labels: [...document.querySelectorAll(sel + ' .fq-label')].map(e => e.textContent),
        })""",
        selector,
    )


@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["1366x768", "390x844"])
def test_operator_finds_a_junction_and_sets_the_point(new_page, users, viewport):
    (expected,) = junctions(actor=users["county_centre"], text=JUNCTION)[:1]
    page = new_page(f"{viewport['width']}", viewport=viewport)
    login(page, "county_centre")
    page.goto(url(page, "/cases/new/"))
    before = base_drawn(page)
    assert before["paths"] > 0 and before["labels"], before
    page.locator("#map-search-input").press_sequentially(JUNCTION, delay=20)
    first = page.locator("#map-search-list li[role=option]").first
    first.wait_for()
    assert JUNCTION in first.inner_text()
    screenshot(page, f"maps_suggestions_{viewport['width']}")
    first.click()
    page.wait_for_function(
        "v => document.querySelector('#case-map').dataset.point === v",
        arg=f"{expected.lat:.6f},{expected.lng:.6f}",
    )
    assert float(page.input_value("#id_lat")) == pytest.approx(expected.lat, abs=1e-6)
    assert float(page.input_value("#id_lng")) == pytest.approx(expected.lng, abs=1e-6)
    # At street zoom the base shows the two roads by name around the pin.
    page.wait_for_function(
        "() => [...document.querySelectorAll('#case-map .fq-label-road')]"
        ".some(e => e.textContent === '文化路')"
    )
    after = base_drawn(page)
    assert {"建设路", "文化路"} <= set(after["labels"])
    assert page.locator("#case-map .leaflet-overlay-pane path").count() >= 1  # the pin
    screenshot(page, f"maps_junction_set_{viewport['width']}")


def test_resident_report_map_has_a_base_and_finds_a_road(new_page, users):
    page = new_page("resident", viewport=PHONE)
    login(page, "resident")
    page.goto(url(page, "/h5/report/"))
    drawn = base_drawn(page)
    assert drawn["paths"] > 0 and drawn["labels"], drawn
    page.locator("#map-search-input").press_sequentially("建设路", delay=20)
    first = page.locator("#map-search-list li[role=option]").first
    first.wait_for()
    first.click()
    page.wait_for_function("() => document.querySelector('#id_lat').value !== ''")


def test_region_browser_draws_the_base_under_its_areas(new_page, users):
    page = new_page("leader", viewport=LAPTOP)
    login(page, "county_centre")
    page.goto(url(page, "/regions/"))
    page.wait_for_selector("#map[data-loaded]")
    drawn = base_drawn(page, "#map")
    assert drawn["paths"] > 0 and drawn["labels"], drawn
