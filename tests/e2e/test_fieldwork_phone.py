"""A grid worker's visit on the phone: the visits due list shows the empty-nest elder, the
visit is recorded without signal (a finding raising a case, a photo taken), queued on the
phone with its photo, and sent exactly once when the phone is back online (the photo too);
the workbench then lists the visit and shows its photo."""

from __future__ import annotations

import struct
import zlib

import pytest
from django.db.models import Count

from fengqiao.cases.models import Case
from fengqiao.fieldwork.defaults import ensure_default_plans
from fengqiao.fieldwork.models import Visit, VisitPhoto
from fengqiao.registry.models import Household, Person
from fengqiao.registry.services import person_tag

from .conftest import login, screenshot, url
from .test_case_flow import grid_point, phone_tab

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def tiny_png(size: int = 48) -> bytes:
    """A small PNG made here (a roof-tile red square with a blue band), to upload as a photo."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(
        b"\x00" + (b"\x2a\x6f\xb5" if size // 3 <= y < size // 2 else b"\xb5\x3a\x2a") * size
        for y in range(size)
    )
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


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
    photo = tiny_png()
    tab.set_input_files(
        "#id_photos", files=[{"name": "屋顶.png", "mimeType": "image/png", "buffer": photo}]
    )
    tab.wait_for_selector("#photo-preview img")
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
    stored = VisitPhoto.objects.get()  # sent once, though the visit was sent twice
    assert stored.visit == visit and stored.file.read() == photo

    desk = new_page("desk")
    login(desk, "village_centre")
    desk.goto(url(desk, "/fieldwork/"))
    row = desk.wait_for_selector(f"tr[data-visit='{visit.pk}']")
    assert code in row.inner_text()
    with desk.expect_navigation():
        row.query_selector("a").click()
    thumb = desk.wait_for_selector("#visit-photos img")
    desk.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=thumb)
    assert thumb.evaluate("img => img.naturalWidth") == 48
    assert "屋顶漏雨" in desk.inner_text("#visit-facts")
    screenshot(desk, "fieldwork_visit_desk_photo")
    with desk.context.expect_page() as opened:
        thumb.click()
    shown = opened.value
    shown.wait_for_load_state()
    assert f"/fieldwork/visits/{visit.pk}/photos/{stored.pk}/" in shown.url


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
