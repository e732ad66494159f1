"""A grid worker's visit on the phone: the visits due list shows the empty-nest elder, the
visit is recorded without signal (a finding raising a case), queued on the phone, and sent
exactly once when the phone is back online; the workbench then lists the visit."""

from __future__ import annotations

import pytest
from django.db.models import Count

from fengqiao.cases.models import Case
from fengqiao.fieldwork.defaults import ensure_default_plans
from fengqiao.fieldwork.models import Visit
from fengqiao.registry.models import Household, Person
from fengqiao.registry.services import person_tag

from .conftest import login, screenshot, url
from .test_case_flow import grid_point, phone_tab

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _elder(users) -> Person:
    worker = users["grid_worker"]
    mine = Person.objects.visible_to(worker).exclude(household=None)
    sizes = mine.values("household_id").annotate(n=Count("pk")).order_by("-n", "household_id")
    household = Household.objects.get(pk=sizes[0]["household_id"])
    elder = Person.objects.filter(household=household).order_by("pk").first()
    person_tag(actor=users["village_centre"], person=elder, tag_code="elderly_alone")
    ensure_default_plans(worker.bindings.get().code[:6])
    return elder


def test_visit_recorded_offline_raises_a_case_and_is_sent_once(new_page, users):
    elder = _elder(users)
    tab = phone_tab(new_page, "visit", grid_point(users))
    login(tab, "grid_worker")
    tab.goto(url(tab, "/m/visits/"))
    card = tab.wait_for_selector(f"#due-list li[data-person='{elder.pk}']")
    assert elder.name in card.inner_text()
    screenshot(tab, "fieldwork_m_due")

    card.query_selector("a.btn").click()
    tab.wait_for_selector("#visit-form")
    tab.wait_for_selector("body[data-sw=ready]")
    tab.context.set_offline(True)
    tab.reload()  # the service worker serves the page it has seen
    tab.wait_for_selector("#visit-form")
    tab.check(f"input[name=people][value='{elder.pk}']")
    tab.select_option("#id_purpose", "care")
    tab.fill("#id_findings", "老人独居，屋顶漏雨需要修缮")
    tab.click("#raise-case summary")
    tab.select_option("#id_category", "elderly_care")
    tab.fill("#id_case_title", "独居老人房屋漏雨")
    tab.click("#submit-visit")
    queued = tab.wait_for_selector("#outbox-list li[data-state=queued]")
    client_id = queued.get_attribute("data-client-id")
    assert not Visit.objects.exists()
    screenshot(tab, "fieldwork_m_visit_queued")

    tab.context.set_offline(False)
    tab.wait_for_selector(f"#outbox-list li[data-client-id='{client_id}'][data-state=done]")
    code = tab.inner_text(f"li[data-client-id='{client_id}'] .case-code").strip()
    screenshot(tab, "fieldwork_m_visit_sent")

    result = tab.evaluate("id => window.fqOutbox.resend(id)", client_id)
    assert result == {"before": code}
    tab.wait_for_selector(f"#outbox-list li[data-client-id='{client_id}'][data-state=done]")
    visit = Visit.objects.get()
    assert visit.client_id == client_id and visit.purpose == "care"
    assert list(visit.met.values_list("person_id", flat=True)) == [elder.pk]
    assert visit.case is not None and visit.case.code == code
    assert Case.objects.filter(title="独居老人房屋漏雨").count() == 1

    desk = new_page("desk")
    login(desk, "village_centre")
    desk.goto(url(desk, "/fieldwork/"))
    row = desk.wait_for_selector(f"tr[data-visit='{visit.pk}']")
    assert code in row.inner_text()


def test_centre_sets_a_plan_and_reads_the_visits_due_on_the_workbench(new_page, users):
    elder = _elder(users)
    desk = new_page("plans", viewport={"width": 1366, "height": 768})
    login(desk, "village_centre")
    desk.goto(url(desk, "/fieldwork/plans/"))
    village = users["village_centre"].bindings.get().code
    desk.select_option("#plan-form select[name=tag]", "elderly_alone")
    desk.fill("#plan-form input[name=region_code]", village)
    desk.fill("#plan-form input[name=every_days]", "10")
    with desk.expect_navigation():
        desk.click("#plan-form button")
    assert village in desk.inner_text("table.plans")
    screenshot(desk, "fieldwork_plans")
    desk.goto(url(desk, "/fieldwork/due/"))
    row = desk.wait_for_selector(f"tr[data-person='{elder.pk}']")
    assert "10" in row.inner_text()  # the village's plan beats the county's 30 days
    screenshot(desk, "fieldwork_due_desk")
    desk.goto(url(desk, "/cases/inbox/preferences/"))
    desk.fill("#id_phone", "13900008888")
    with desk.expect_navigation():
        desk.click("#notification-preferences button[type=submit]")
    assert desk.get_attribute("#id_phone", "placeholder") == "139****8888"
    screenshot(desk, "notification_preferences")
