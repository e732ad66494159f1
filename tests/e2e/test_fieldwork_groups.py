"""Household groups in the browser: the centre (workbench) records an election that makes a
new group head and sends a broadcast to the heads of the village; the head reads it on the
phone and marks it passed on to the group without signal (queued, then sent once); the
centre then sees one group that passed it on."""

from __future__ import annotations

import pytest

from fengqiao.accounts.services import user_create
from fengqiao.core import clock
from fengqiao.fieldwork.models import BroadcastReceipt
from fengqiao.registry.models import HouseholdGroup, Person

from .conftest import DEMO_PASSWORD, login, screenshot, url
from .test_case_flow import grid_point, phone_tab

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _new_head(users):
    """The village's first group and someone of it who is not its head yet, with a group
    head's account bound to the group's grid."""
    village = users["village_centre"].bindings.get().code
    group = HouseholdGroup.objects.filter(region_code__startswith=village).order_by("code")[0]
    person = (
        Person.objects.filter(household__group=group, relation="head")
        .exclude(pk=group.head_id)
        .filter(account__isnull=True)
        .order_by("pk")
        .first()
    )
    user_create(
        username="group_head",
        password=DEMO_PASSWORD,
        role="unit_head",
        person=person,
        jurisdiction=[group.grid.code],
        display_name=f"联户长 {person.name}",
        check_password=False,
    )
    return group, person, village


def test_election_and_broadcast_reach_the_head_who_passes_it_on(new_page, users):
    group, person, village = _new_head(users)
    desk = new_page("desk", viewport={"width": 1366, "height": 768})
    login(desk, "village_centre")
    desk.goto(url(desk, f"/fieldwork/groups/{group.pk}/"))
    desk.click("#election-form summary")
    desk.fill("input[name=held_on]", clock.localdate().isoformat())
    desk.fill("input[name=turnout]", "12")
    desk.select_option("select[name=c0-person]", str(person.pk))
    desk.fill("input[name=c0-votes]", "9")
    desk.select_option("select[name=c0-elected]", "head")
    desk.check("input[name=c0-party_member]")
    desk.select_option("select[name=c1-person]", str(group.head_id))
    desk.fill("input[name=c1-votes]", "3")
    desk.select_option("select[name=c1-elected]", "deputy")
    with desk.expect_navigation():
        desk.click("#election-form button.btn")
    assert person.name in desk.inner_text("#group-leaders .head")
    screenshot(desk, "fieldwork_group_elected")

    desk.goto(url(desk, "/fieldwork/groups/broadcasts/"))
    desk.fill("input[name=region_code]", village)
    desk.fill("input[name=title]", "防汛紧急通知")
    desk.fill("textarea[name=body]", "今夜有强降雨，请各联户长通知到户，低洼处住户注意转移。")
    with desk.expect_navigation():
        desk.click("#broadcast-form button.btn")
    assert "防汛紧急通知" in desk.inner_text("h1")

    phone = phone_tab(new_page, "head", grid_point(users))
    login(phone, "group_head")
    phone.goto(url(phone, "/m/visits/group/"))
    card = phone.wait_for_selector("#receipts li[data-receipt]")
    assert "防汛紧急通知" in card.inner_text()
    receipt_id = int(card.get_attribute("data-receipt"))
    phone.wait_for_selector("body[data-sw=ready]")
    phone.reload()  # now through the service worker, which keeps the page for offline use
    phone.wait_for_selector("#receipts li[data-receipt]")
    screenshot(phone, "fieldwork_m_group_notice")

    phone.context.set_offline(True)
    phone.reload()  # the service worker serves the page it has seen
    phone.click(f"li[data-receipt='{receipt_id}'] button[value=relayed]")
    queued = phone.wait_for_selector("#outbox-list li[data-state=queued]")
    client_id = queued.get_attribute("data-client-id")
    assert BroadcastReceipt.objects.get(pk=receipt_id).relayed_at is None
    screenshot(phone, "fieldwork_m_group_queued")
    phone.context.set_offline(False)
    phone.wait_for_selector(f"#outbox-list li[data-client-id='{client_id}'][data-state=done]")
    receipt = BroadcastReceipt.objects.get(pk=receipt_id)
    assert receipt.relayed_at is not None and receipt.read_at is not None
    assert receipt.confirmed_count == group.households.count()

    desk.goto(url(desk, "/fieldwork/groups/broadcasts/"))
    row = desk.wait_for_selector("table.broadcasts tbody tr")
    assert row.query_selector("td.relayed").inner_text().strip() == "1"
    screenshot(desk, "fieldwork_broadcasts_relayed")
