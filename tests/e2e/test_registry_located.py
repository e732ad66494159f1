"""The village centre registers a key place on the workbench (1366×768): creates it at a point
of its village, edits it, exports the list as XLSX (logged), and opens the place's visits."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import pytest
from openpyxl import load_workbook

from fengqiao.core.models import AccessLog, AuditEntry
from fengqiao.fieldwork.services import visit_record
from fengqiao.registry.models import Place

from .conftest import login, screenshot, url

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WORKBENCH = {"width": 1366, "height": 768}


def test_centre_creates_edits_exports_a_place_and_opens_its_visits(new_page, users):
    centre = users["village_centre"]
    village = centre.bindings.get().code
    page = new_page("centre", viewport=WORKBENCH)
    login(page, "village_centre")

    page.goto(url(page, "/registry/places/"))
    page.click("a[href='/registry/places/new/']")
    page.fill("#id_name", "城南出租屋集中点")
    page.select_option("#id_kind", "other")
    page.select_option("#id_risk", "medium")
    page.fill("#id_address", "城南路88号")
    page.wait_for_selector("#case-map .leaflet-overlay-pane path")  # the village's outline
    page.locator("#case-map").click()  # the map starts on the village: a point inside it
    page.wait_for_function("() => document.querySelector('#id_lat').value !== ''")
    picked = float(page.input_value("#id_lat")), float(page.input_value("#id_lng"))
    screenshot(page, "registry_place_new")
    with page.expect_navigation():
        page.click("form.located-form button[type=submit]")
    place = Place.objects.get(name="城南出租屋集中点")
    assert (place.lat, place.lng) == pytest.approx(picked, abs=1e-6)
    assert place.region_code.startswith(village) and place.grid_id is not None
    assert page.url.endswith(f"/registry/places/{place.pk}/")

    page.click(f"a[href='/registry/places/{place.pk}/edit/']")
    page.fill("#id_name", "城南出租屋集中点（二区）")
    page.select_option("#id_risk", "high")
    with page.expect_navigation():
        page.click("form.located-form button[type=submit]")
    assert "城南出租屋集中点（二区）" in page.inner_text("h1")
    place.refresh_from_db()
    assert place.risk == "high"
    assert AuditEntry.objects.filter(entity_id=str(place.pk), action="update").exists()
    screenshot(page, "registry_place_detail")

    page.goto(url(page, "/registry/places/?q=出租屋"))
    assert page.locator(f"tr[data-row='{place.pk}']").count() == 1
    with page.expect_download() as download:
        page.click("a[href^='/registry/places/export.xlsx']")
    sheet = load_workbook(BytesIO(Path(download.value.path()).read_bytes())).active
    assert [r[0] for r in sheet.iter_rows(min_row=2, values_only=True)] == [place.name]
    assert AccessLog.objects.filter(action="export", object_type="place").count() == 1
    screenshot(page, "registry_place_list")

    visit_record(actor=centre, target="place", target_id=place.pk, findings="消防通道畅通")
    page.goto(url(page, f"/registry/places/{place.pk}/"))
    with page.expect_navigation():
        page.click("#visits-link")
    assert "target=place" in page.url
    rows = page.locator("table.visits tbody tr[data-visit]")
    assert rows.count() == 1 and "城南出租屋集中点" in rows.first.inner_text()
    assert page.locator("#all-visits").count() == 1
