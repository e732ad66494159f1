"""A campaign (排查任务) from the centre's desk to the grid worker's phone and back: the centre
creates a campaign for one grid; the worker, without signal, ticks off every item of the grid
(one a problem, which raises a case); back online the phone sends each check once; the
centre's campaign page shows the grid at 100 %."""

from __future__ import annotations

from datetime import timedelta

import pytest

from fengqiao.campaigns.models import Campaign, CampaignItem
from fengqiao.cases.models import Case
from fengqiao.core import clock

from .conftest import login, screenshot, url
from .test_case_flow import grid_point, phone_tab

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
DESK = {"width": 1366, "height": 768}


def test_a_grid_is_checked_offline_and_shows_100_percent(new_page, users):
    grid_code = users["grid_worker"].bindings.get().code
    desk = new_page("desk", viewport=DESK)
    login(desk, "village_centre")
    desk.goto(url(desk, "/fieldwork/campaigns/"))
    desk.click("#campaign-new summary")
    desk.fill("input[name=title]", "出租房屋排查")
    desk.select_option("#id_kind", "dwelling")
    desk.fill("input[name=region_code]", grid_code)
    desk.fill("input[name=deadline]", (clock.localdate() + timedelta(days=7)).isoformat())
    desk.fill("textarea[name=checklist]", "是否有租户\n租户是否登记\n消防通道是否畅通")
    screenshot(desk, "fieldwork_campaign_new")
    with desk.expect_navigation():
        desk.click("#create-campaign")
    campaign = Campaign.objects.get()
    total = campaign.items.count()
    assert total > 1
    desk.wait_for_selector("#campaign-total")

    tab = phone_tab(new_page, "worker", grid_point(users))
    login(tab, "grid_worker")
    tab.goto(url(tab, "/m/visits/campaigns/"))
    tab.wait_for_selector("body[data-sw=ready]")
    cards = tab.query_selector_all("form.check-card")
    assert len(cards) == total
    tab.context.set_offline(True)
    for n, card in enumerate(cards):
        card.query_selector("input[name=yes][value='0']").check()
        if n == 0:
            card.query_selector("details.raise-case summary").click()
            card.query_selector("select[name=case_category]").select_option("building_hazard")
            card.query_selector("input[name=case_title]").fill("消防通道堵塞")
            card.query_selector("button[value=problem]").click()
        else:
            card.query_selector("button[value=done]").click()
    tab.wait_for_function(
        "n => document.querySelectorAll('#outbox-list li[data-state=queued]').length === n",
        arg=total,
    )
    assert tab.locator("form.check-card.ticked").count() == total
    assert CampaignItem.objects.filter(status="pending").count() == total
    screenshot(tab, "fieldwork_m_campaign_offline")

    tab.context.set_offline(False)
    tab.wait_for_function(
        "n => document.querySelectorAll('#outbox-list li[data-state=done]').length === n",
        arg=total,
    )
    screenshot(tab, "fieldwork_m_campaign_sent")
    assert not CampaignItem.objects.filter(status="pending").exists()
    problem = CampaignItem.objects.get(status="problem")
    assert problem.case is not None and problem.answers["0"] is True
    assert Case.objects.filter(title="消防通道堵塞").count() == 1

    desk.goto(url(desk, f"/fieldwork/campaigns/{campaign.pk}/?level=grid"))
    row = desk.wait_for_selector(f"tr[data-unit='{grid_code[:15]}']")
    assert "100%" in row.inner_text()
    screenshot(desk, "fieldwork_campaign_done")
