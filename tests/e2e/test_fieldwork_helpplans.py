"""Help plans (帮教) end to end: the centre makes a drug-rehab plan for a returnee who came back
yesterday, naming the grid worker; on the phone the worker sees the contact due (the T+1
rule), records it without signal, and it is sent exactly once back online; the centre's list
then shows it done, and another returnee never contacted shows as overdue."""

from __future__ import annotations

from datetime import timedelta

import pytest

from fengqiao.core import clock
from fengqiao.fieldwork import helpplans
from fengqiao.fieldwork.models import HelpContact, HelpPlan
from fengqiao.registry.models import Person

from .conftest import login, screenshot, url
from .test_case_flow import grid_point, phone_tab

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_t_plus_1_contact_recorded_offline_is_sent_once_and_the_centre_sees_it(new_page, users):
    worker, centre = users["grid_worker"], users["village_centre"]
    returnee, other = Person.objects.visible_to(worker).order_by("pk")[:2]
    today = clock.localdate()
    late = helpplans.helpplan_create(
        actor=centre,
        person_id=other.pk,
        kind="drug_rehab",
        returned_on=today - timedelta(days=12),
        members=[(worker.pk, "网格员")],
    )

    desk = new_page("helpplans-desk", viewport={"width": 1366, "height": 768})
    login(desk, "village_centre")
    desk.goto(url(desk, "/fieldwork/help-plans/new/"))
    desk.fill("#id_person_q", returnee.name)  # the picker searches the registry by name
    desk.check(f"#person-choices input[name=person_id][value='{returnee.pk}']")
    screenshot(desk, "fieldwork_help_plan_picker")
    desk.select_option("#id_kind", "drug_rehab")
    desk.fill("#id_returned_on", (today - timedelta(days=1)).isoformat())
    desk.select_option("#members select >> nth=0", str(worker.pk))
    desk.fill("#members input[name=duty] >> nth=0", "网格员")
    desk.fill("#id_notes", "回归社区，家属配合")
    with desk.expect_navigation():
        desk.click("#create-help-plan")
    plan = HelpPlan.objects.exclude(pk=late.pk).get()
    assert desk.get_attribute("#plan-state", "data-state") == "due"
    assert "T+1" in desk.inner_text("#plan-state")
    screenshot(desk, "fieldwork_help_plan_new")

    tab = phone_tab(new_page, "helpplans-phone", grid_point(users))
    login(tab, "grid_worker")
    tab.goto(url(tab, "/m/visits/help/"))
    card = tab.wait_for_selector(f"#help-list li[data-plan='{plan.pk}']")
    assert card.get_attribute("data-state") == "due" and returnee.name in card.inner_text()
    late_card = tab.wait_for_selector(f"#help-list li[data-plan='{late.pk}']")
    assert late_card.get_attribute("data-state") == "overdue"
    tab.wait_for_selector("body[data-sw=ready]")
    screenshot(tab, "fieldwork_m_help_due")

    tab.context.set_offline(True)
    tab.click(f"li[data-plan='{plan.pk}'] details.help-contact summary")
    tab.select_option(f"#mode-{plan.pk}", "visit")
    tab.fill(f"#note-{plan.pk}", "已入户见面，情绪稳定")
    tab.click(f"li[data-plan='{plan.pk}'] form button")
    queued = tab.wait_for_selector("#outbox-list li[data-state=queued]")
    client_id = queued.get_attribute("data-client-id")
    assert "戒毒" not in queued.inner_text() and returnee.name in queued.inner_text()
    assert not HelpContact.objects.exists()
    screenshot(tab, "fieldwork_m_help_queued")

    tab.context.set_offline(False)
    tab.evaluate("() => window.fqOutbox.send()")
    tab.wait_for_selector(f"#outbox-list li[data-client-id='{client_id}'][data-state=done]")
    tab.evaluate("id => window.fqOutbox.resend(id)", client_id)
    tab.wait_for_selector(f"#outbox-list li[data-client-id='{client_id}'][data-state=done]")
    contact = HelpContact.objects.get()
    assert contact.client_id == client_id and contact.plan_id == plan.pk
    assert helpplans.contact_note(contact) == "已入户见面，情绪稳定"
    screenshot(tab, "fieldwork_m_help_sent")

    desk.goto(url(desk, "/fieldwork/help-plans/"))
    done = desk.wait_for_selector(f"#help-plans tr[data-plan='{plan.pk}']")
    assert done.get_attribute("data-state") == "later"
    assert today.isoformat() in done.inner_text()
    overdue = desk.wait_for_selector(f"#help-plans tr[data-plan='{late.pk}']")
    assert overdue.get_attribute("data-state") == "overdue"
    screenshot(desk, "fieldwork_help_plans_desk")
