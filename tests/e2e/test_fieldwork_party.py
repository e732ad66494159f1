"""A party member's contact households on the phone: without signal the member records a
contact with one of their households (queued in the outbox), and back online it is sent
once; the page then shows the day of that household's latest contact."""

from __future__ import annotations

import pytest
from django.utils import timezone

from fengqiao.fieldwork.models import PartyContactVisit
from fengqiao.fieldwork.party_contacts import contact_set
from fengqiao.registry.models import Household

from .conftest import login, screenshot, url
from .test_case_flow import grid_point, phone_tab
from .test_fieldwork_groups import _new_head

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_party_member_records_a_contact_offline_sent_once(new_page, users):
    _group, person, village = _new_head(users)
    homes = Household.objects.filter(region_code__startswith=village).order_by("pk")
    homes = list(homes.values_list("pk", flat=True)[:10])
    contact = contact_set(actor=users["village_centre"], member_id=person.pk, household_ids=homes)
    assert contact.user is not None

    phone = phone_tab(new_page, "party", grid_point(users))
    login(phone, "group_head")
    phone.goto(url(phone, "/m/visits/party/"))
    phone.wait_for_selector("body[data-sw=ready]")
    phone.reload()  # through the service worker, which keeps the page for offline use
    assert phone.locator("li[data-household]").count() == 10
    phone.context.set_offline(True)
    phone.reload()
    card = phone.locator(f"li[data-household='{homes[0]}']")
    card.locator("summary").click()
    card.locator("textarea[name=note]").fill("了解家中老人身体情况")
    card.locator("button.btn").click()
    queued = phone.wait_for_selector("#outbox-list li[data-state=queued]")
    client_id = queued.get_attribute("data-client-id")
    assert not PartyContactVisit.objects.exists()
    screenshot(phone, "fieldwork_m_party_queued")

    phone.context.set_offline(False)
    phone.wait_for_selector(f"#outbox-list li[data-client-id='{client_id}'][data-state=done]")
    visit = PartyContactVisit.objects.get()
    assert (visit.household_id, visit.note) == (homes[0], "了解家中老人身体情况")
    phone.goto(url(phone, "/m/visits/party/"))
    last = phone.locator(f"li[data-household='{homes[0]}'] .last-contact").inner_text()
    assert timezone.localtime(visit.at).strftime("%Y-%m-%d") in last
    screenshot(phone, "fieldwork_m_party_sent")
    assert PartyContactVisit.objects.count() == 1
