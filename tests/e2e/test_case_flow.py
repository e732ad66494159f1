"""One case in a real browser: reported on the grid app, dispatched on the workbench, claimed and
resolved by the police station, verified on the phone; a resident's report rated on /h5/; and
a report made without signal, queued on the phone and sent exactly once when back online."""

from __future__ import annotations

import pytest

from fengqiao.cases import routing, services
from fengqiao.cases.models import Case, Category, HandlingUnit, Status

from .conftest import login, open_step, screenshot, url

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
# A 1×1 PNG: the grid app uploads it as the report's photo.
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00"
    b"\x00\x00IEND\xaeB`\x82"
)


def grid_point(users) -> dict:
    micro = users["grid_worker"].bindings.get().grid
    return {"latitude": micro.centroid_lat, "longitude": micro.centroid_lng}


def phone_tab(new_page, label: str, point: dict):
    tab = new_page(label, viewport=PHONE)
    tab.context.grant_permissions(["geolocation"])
    tab.context.set_geolocation(point)
    return tab


def act(page, action: str, **fields) -> None:
    """Fill and submit one action form on a case page, and wait for the page after it."""
    open_step(page, action)
    form = page.locator(f"form.actform[data-action='{action}']")
    for name, value in fields.items():
        field = form.locator(f"[name='{name}']")
        if field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)
    with page.expect_navigation():
        form.locator("button[type=submit]").click()


def timeline(page) -> list[dict]:
    return page.eval_on_selector_all(
        "#timeline tbody tr",
        """rows => rows.map(r => ({
            action: r.dataset.action,
            seq: r.cells[0].innerText.trim(),
            at: r.cells[1].innerText.trim(),
            who: r.cells[2].innerText.trim(),
        }))""",
    )


def test_case_walks_from_grid_app_through_workbench_to_verified(new_page, users):
    worker = phone_tab(new_page, "grid_worker", grid_point(users))
    login(worker, "grid_worker")
    worker.goto(url(worker, "/m/"))
    screenshot(worker, "case_flow_m_home")
    worker.goto(url(worker, "/m/report/"))
    worker.wait_for_selector("#gps-state[data-state=found]")
    worker.click(".catbtn[data-category=neighbour_dispute]")
    worker.fill("#id_title", "三楼深夜装修噪音")
    worker.fill("#id_description", "住户反映每晚十一点后仍在电钻施工")
    worker.set_input_files(
        "#id_photo", files=[{"name": "noise.png", "mimeType": "image/png", "buffer": PNG}]
    )
    worker.wait_for_selector("#photo-preview img")
    screenshot(worker, "case_flow_m_report_filled")
    worker.click("#submit-report")
    sent = worker.wait_for_selector("#outbox-list li[data-state=done]")
    code = sent.query_selector(".case-code").inner_text().strip()
    screenshot(worker, "case_flow_m_report_sent")
    case = Case.objects.get(code=code)
    assert case.channel == "grid_app" and case.reporter == users["grid_worker"]
    assert case.grid == users["grid_worker"].bindings.get().grid
    assert case.attachments.count() == 1

    # The grid chief owns grid-level cases: accepts and dispatches on the workbench.
    chief = new_page("grid_chief")
    login(chief, "grid_chief")
    chief.goto(url(chief, "/cases/?queue=new"))
    assert chief.locator(f"#results a:text('{code}')").count() == 1
    screenshot(chief, "case_flow_workbench_queue")
    with chief.expect_navigation():
        chief.click(f"#results a:text('{code}')")
    chief.wait_for_selector("#case-map[data-ready='1']")
    assert chief.locator(".photos img").count() == 1
    # The one-step form (accept and dispatch) starts with the suggested unit chosen.
    suggested = routing.suggested_unit(actor=users["grid_chief"], case=case)
    one_step = chief.locator("form.actform[data-action='accept_dispatch']")
    assert one_step.locator("select[name=unit_id]").input_value() == str(suggested.pk)
    screenshot(chief, "case_flow_workbench_case_new")
    act(chief, "accept", note="情况属实")
    police = HandlingUnit.objects.get(members=users["handler"])
    act(chief, "dispatch", unit_id=str(police.pk), note="请派出所上门调解")
    assert Case.objects.get(code=code).status == Status.DISPATCHED
    assert chief.locator("form.actform[data-action='claim']").count() == 0

    chief.goto(url(chief, "/cases/new/"))
    chief.wait_for_selector("#case-map[data-ready='1']")
    screenshot(chief, "case_flow_workbench_intake")

    # The police station claims and resolves.
    handler = new_page("handler")
    login(handler, "handler")
    handler.goto(url(handler, "/cases/?queue=mine"))
    with handler.expect_navigation():
        handler.click(f"#results a:text('{code}')")
    act(handler, "claim")
    act(handler, "resolve", result="已上门调解，住户承诺晚十点后停工")
    assert Case.objects.get(code=code).status == Status.RESOLVED

    # The grid worker checks on the spot and verifies from the phone.
    worker.goto(url(worker, f"/m/tasks/{code}/"))
    assert worker.locator("form.actform[data-action='verify']").count() == 1
    assert "已上门调解" in worker.inner_text("main")
    screenshot(worker, "case_flow_m_task")
    worker.goto(url(worker, "/m/tasks/"))
    card = worker.locator(f"#verify-list li[data-code='{code}']")
    assert card.count() == 1
    screenshot(worker, "case_flow_m_tasks")
    with worker.expect_navigation():
        card.locator("button[data-act=verify]").click()
    assert Case.objects.get(code=code).status == Status.VERIFIED
    assert worker.locator(f"#verify-list li[data-code='{code}']").count() == 0

    # The workbench timeline shows every step with who and when.
    chief.goto(url(chief, f"/cases/{code}/"))
    rows = timeline(chief)
    steps = [r["action"] for r in rows if r["action"] not in ("note", "attach")]
    assert steps == ["report", "accept", "dispatch", "claim", "resolve", "verify"]
    who = {r["action"]: r["who"] for r in rows}
    for action, username in [
        ("report", "grid_worker"),
        ("accept", "grid_chief"),
        ("dispatch", "grid_chief"),
        ("claim", "handler"),
        ("resolve", "handler"),
        ("verify", "grid_worker"),
    ]:
        assert users[username].label in who[action], action
    assert all(r["at"] and r["who"] for r in rows)
    screenshot(chief, "case_flow_workbench_timeline")


def test_resident_reports_on_portal_and_rating_closes_the_case(new_page, users):
    resident = users["resident"]
    dwelling = resident.person.dwelling
    point = (
        {"latitude": dwelling.lat, "longitude": dwelling.lng}
        if dwelling is not None and dwelling.lat is not None
        else grid_point(users)
    )
    tab = phone_tab(new_page, "resident", point)
    login(tab, "resident")
    tab.goto(url(tab, "/h5/"))
    screenshot(tab, "case_flow_h5_home_empty")
    tab.goto(url(tab, "/h5/report/"))
    tab.click(".group-tile[data-group=environment]")
    tab.check("input[name=category][value=garbage]")
    tab.fill("#id_description", "村口垃圾桶满了三天没人清运")
    tab.click("#gps-button")
    tab.wait_for_selector("#gps-state[data-state=found]")
    screenshot(tab, "case_flow_h5_report")
    with tab.expect_navigation():
        tab.click("#submit-report")
    case = Case.objects.filter(reporter=resident).latest("pk")
    assert tab.url == url(tab, f"/h5/cases/{case.code}/")
    assert case.channel == "portal"

    # Staff take it through to verified (the workbench part is walked in the test above).
    centre, handler = users["village_centre"], users["handler"]
    police = HandlingUnit.objects.get(members=handler)
    services.case_accept(actor=centre, case_id=case.pk)
    services.case_note(actor=centre, case_id=case.pk, note="内部备注：优先处理")
    services.case_dispatch(actor=centre, case_id=case.pk, unit_id=police.pk)
    services.case_claim(actor=handler, case_id=case.pk)
    services.case_resolve(actor=handler, case_id=case.pk, result="已清运并加派垃圾车")
    services.case_verify(actor=centre, case_id=case.pk)

    tab.reload()
    progress = tab.inner_text("#progress")
    assert "已清运并加派垃圾车" in progress and police.name in progress
    assert "内部备注" not in progress and handler.label not in tab.inner_text("main")
    assert tab.locator("#rating-form").count() == 1
    tab.click("label[for=star-5]")
    tab.fill("#rating-form textarea[name=comment]", "处理很及时")
    screenshot(tab, "case_flow_h5_rating")
    with tab.expect_navigation():
        tab.click("#rating-form button[type=submit]")
    case.refresh_from_db()
    assert case.status == Status.CLOSED and case.rating == 5
    assert tab.locator("#rating-form").count() == 0
    screenshot(tab, "case_flow_h5_closed")

    desk = new_page("village_centre")
    login(desk, "village_centre")
    desk.goto(url(desk, f"/cases/{case.code}/"))
    rows = timeline(desk)
    assert [r["action"] for r in rows] == [
        "report",
        "accept",
        "note",
        "dispatch",
        "claim",
        "resolve",
        "verify",
        "rate",
    ]
    assert resident.label in rows[0]["who"] and resident.label in rows[-1]["who"]
    assert all(r["at"] and r["who"] for r in rows)
    screenshot(desk, "case_flow_h5_case_on_workbench")


def test_report_made_offline_is_queued_then_sent_once(new_page, users):
    tab = phone_tab(new_page, "offline", grid_point(users))
    login(tab, "grid_worker")
    tab.goto(url(tab, "/m/report/"))
    tab.wait_for_selector("body[data-sw=ready]")
    tab.context.set_offline(True)
    # The service worker serves the page from its cache.
    tab.reload()
    tab.wait_for_selector("#report-form")
    tab.wait_for_selector("#gps-state[data-state=found]")
    assert tab.inner_text("#net-state").strip()
    tab.select_option("#id_category", "streetlight")
    tab.fill("#id_title", "小区东门路灯不亮")
    tab.click("#submit-report")
    queued = tab.wait_for_selector("#outbox-list li[data-state=queued]")
    client_id = queued.get_attribute("data-client-id")
    assert not Case.objects.filter(title="小区东门路灯不亮").exists()
    screenshot(tab, "case_flow_m_offline_queued")

    tab.context.set_offline(False)
    tab.wait_for_selector(f"#outbox-list li[data-client-id='{client_id}'][data-state=done]")
    code = tab.inner_text(f"li[data-client-id='{client_id}'] .case-code").strip()
    screenshot(tab, "case_flow_m_offline_sent")

    # Sending again — twice at once, and the same report resent as if its answer was lost —
    # still leaves one case: the server knows the client id.
    tab.click("#send-now")
    tab.click("#send-now")
    result = tab.evaluate("id => window.fqOutbox.resend(id)", client_id)
    assert result == {"before": code}
    tab.wait_for_selector(f"#outbox-list li[data-client-id='{client_id}'][data-state=done]")
    assert tab.inner_text(f"li[data-client-id='{client_id}'] .case-code").strip() == code
    cases = Case.objects.filter(title="小区东门路灯不亮")
    assert cases.count() == 1
    case = cases.get()
    assert case.code == code and case.client_id == client_id
    assert case.category == Category.objects.get(code="streetlight")
