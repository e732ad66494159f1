"""Care records on the phone and the workbench: the grid worker visits an elder living alone
without signal and the visit raises a care need and a case; back online it is sent once (one
visit, one need, one case); the centre opens the household's care record and records the
help given, with its cost."""

from __future__ import annotations

import pytest

from fengqiao.cases.models import Case
from fengqiao.fieldwork.models import CareHelp, CareNeed, CareRecord, Visit

from .conftest import login, screenshot, url
from .test_case_flow import grid_point, phone_tab
from .test_fieldwork_phone import _elder

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_offline_visit_raises_a_need_and_a_case_and_the_centre_records_help(new_page, users):
    elder = _elder(users)
    tab = phone_tab(new_page, "care", grid_point(users))
    login(tab, "grid_worker")
    tab.goto(url(tab, "/m/visits/care/"))  # the service worker takes over, then keeps pages
    tab.wait_for_selector("body[data-sw=ready]")
    tab.goto(url(tab, f"/m/visits/household/{elder.household_id}/?person={elder.pk}"))
    tab.wait_for_selector("#visit-form")
    tab.wait_for_selector("body[data-sw=ready]")
    tab.context.set_offline(True)
    tab.reload()
    tab.wait_for_selector("#visit-form")
    tab.select_option("#id_purpose", "care")
    tab.fill("#id_findings", "老人独居，行动不便，屋顶漏雨")
    tab.click("#raise-need summary")
    tab.select_option("#id_need_kind", "care")
    tab.fill("#id_need_detail", "需要助餐送餐服务")
    tab.click("#raise-case summary")
    tab.select_option("#id_category", "elderly_care")
    tab.fill("#id_case_title", "独居老人房屋漏雨")
    screenshot(tab, "fieldwork_m_care_need_form")
    tab.click("#submit-visit")
    queued = tab.wait_for_selector("#outbox-list li[data-state=queued]")
    client_id = queued.get_attribute("data-client-id")
    assert not Visit.objects.exists() and not CareNeed.objects.exists()

    tab.context.set_offline(False)
    tab.wait_for_selector(f"#outbox-list li[data-client-id='{client_id}'][data-state=done]")
    tab.evaluate("id => window.fqOutbox.resend(id)", client_id)
    tab.wait_for_selector(f"#outbox-list li[data-client-id='{client_id}'][data-state=done]")
    visit = Visit.objects.get()
    need = CareNeed.objects.get()
    assert visit.client_id == client_id and need.visit_id == visit.pk
    assert need.record.household_id == elder.household_id and need.kind == "care"
    assert Case.objects.filter(title="独居老人房屋漏雨").count() == 1 and visit.case_id

    tab.goto(url(tab, "/m/visits/care/"))
    card = tab.wait_for_selector(f"#care-list li[data-need='{need.pk}']")
    assert "需要助餐送餐服务" in card.inner_text()
    screenshot(tab, "fieldwork_m_care_needs")

    desk = new_page("care-desk", viewport={"width": 1366, "height": 768})
    login(desk, "village_centre")
    desk.goto(url(desk, "/fieldwork/care/"))
    record = CareRecord.objects.get()
    with desk.expect_navigation():
        desk.click(f"tr[data-record='{record.pk}'] a")
    form = desk.locator(f"section[data-need='{need.pk}'] form.help-form")
    form.locator("[name=what]").fill("联系村老年食堂每日送餐")
    form.locator("[name=unit_name]").fill("村老年食堂")
    form.locator("[name=cost]").fill("150")
    with desk.expect_navigation():
        form.locator("button").click()
    assert "¥150.00" in desk.inner_text("#total-cost")
    assert "联系村老年食堂每日送餐" in desk.inner_text(f"section[data-need='{need.pk}']")
    screenshot(desk, "fieldwork_care_record")
    assert CareHelp.objects.get().cost == 150
    need.refresh_from_db()
    assert need.status == "helping"
