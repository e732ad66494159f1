"""The hotline operator's journey of issue 13 in one browser at 1366×768: find the caller's
address by typing it, place and record the case, accept and dispatch it in one step to the
suggested unit (chosen already), then print its 交办单 from the case page."""

from __future__ import annotations

import pytest

from fengqiao.cases import routing
from fengqiao.cases.models import Case, Status

from .conftest import login, open_step, screenshot, url

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LAPTOP = {"width": 1366, "height": 768}


def test_operator_places_a_case_by_address_and_dispatches_it_to_the_suggested_unit(new_page, users):
    page = new_page("hotline", viewport=LAPTOP)
    login(page, "county_centre")
    page.goto(url(page, "/cases/new/"))
    page.locator("#map-search-input").press_sequentially("建设路与文化路", delay=20)
    first = page.locator("#map-search-list li[role=option]").first
    first.wait_for()
    first.click()
    page.wait_for_function("() => document.querySelector('#id_lat').value !== ''")
    page.select_option("#id_channel", "hotline")
    page.select_option("#id_category", "noise")
    page.fill("#id_title", "建设路与文化路口夜间施工噪音扰民")
    with page.expect_navigation():
        page.click("button[type=submit]:has-text('登记')")
    case = Case.objects.get(title="建设路与文化路口夜间施工噪音扰民")
    suggested = routing.suggested_unit(actor=users["county_centre"], case=case)
    assert suggested is not None

    open_step(page, "accept_dispatch")
    form = page.locator("form.actform[data-action='accept_dispatch']")
    chosen = form.locator("select[name=unit_id]").input_value()
    assert chosen == str(suggested.pk)  # the suggestion is chosen already
    screenshot(page, "hotline_accept_dispatch")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    case.refresh_from_db()
    assert (case.status, case.unit_id) == (Status.DISPATCHED, suggested.pk)

    link = page.locator("a[href*='/print/dispatch-order/']").first
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename.endswith((".pdf", ".docx"))
    screenshot(page, "hotline_dispatched")
