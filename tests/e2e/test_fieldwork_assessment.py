"""The grid-worker assessment: the worker's visit of today shows in the centre's month (per
worker and per grid, 1366×768), and the worker reads their own month on the phone."""

from __future__ import annotations

import pytest

from fengqiao.core import clock
from fengqiao.fieldwork import services

from .conftest import login, screenshot, url
from .test_fieldwork_phone import _elder

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_centre_reads_the_workers_month_and_the_worker_reads_theirs(new_page, users):
    elder = _elder(users)
    services.visit_record(
        actor=users["grid_worker"],
        target="household",
        target_id=elder.household_id,
        people=[elder.pk],
        findings="身体好",
    )
    month = clock.localdate().strftime("%Y-%m")
    desk = new_page("desk", viewport={"width": 1366, "height": 768})
    login(desk, "village_centre")
    desk.goto(url(desk, "/fieldwork/"))
    with desk.expect_navigation():
        desk.click(".fw-subnav a[href='/fieldwork/assessment/']")
    row = desk.wait_for_selector("#by-worker tr[data-user='grid_worker']")
    assert row.query_selector("td[data-figure='visits']").inner_text().strip() == "1"
    assert row.query_selector("td[data-figure='people_seen']").inner_text().strip() == "1"
    assert desk.query_selector("#by-grid tr") is not None
    assert month in desk.get_attribute("#assessment-export", "href")
    screenshot(desk, "fieldwork_assessment")
    phone = new_page("phone", viewport={"width": 390, "height": 844})
    login(phone, "grid_worker")
    phone.goto(url(phone, "/m/visits/month/"))
    visits = phone.wait_for_selector("#my-month [data-figure='visits'] dd")
    assert visits.inner_text().strip() == "1"
    screenshot(phone, "fieldwork_m_month")
