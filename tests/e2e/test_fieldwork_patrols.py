"""A grid worker's patrol on the phone: started with signal, the GPS moves a few times, the
signal goes, the patrol survives a reload, a check-in at a market finds a problem (a case to
raise, a photo taken), the patrol stops and waits in the outbox; back online it is sent
exactly once (one patrol, one case, one photo), and the workbench draws it on the map and
shows the check-in's photo."""

from __future__ import annotations

from datetime import time

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from fengqiao.cases.models import Case
from fengqiao.core import clock
from fengqiao.fieldwork import patrols
from fengqiao.fieldwork.models import CheckInPhoto, Patrol
from fengqiao.registry.located import place_create

from .conftest import login, screenshot, url
from .test_case_flow import phone_tab
from .test_fieldwork_phone import tiny_png

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _points_at_least(tab, n: int, timeout: float = 15000) -> None:
    tab.wait_for_function(  # a function, not an expression: the page's CSP forbids eval
        "n => Number(document.getElementById('patrol-points').textContent) >= n",
        arg=n,
        timeout=timeout,
    )


def _walk(tab, lat: float, lng: float, *, points: int) -> None:
    """Move the phone and wait for the patrol to take the point. The browser's emulated GPS
    can drop an update when the machine is busy: the move is then made again, a hair further
    (a real phone reports its position again on its own)."""
    for nudge in range(3):
        tab.context.set_geolocation({"latitude": lat + nudge * 1e-5, "longitude": lng})
        try:
            _points_at_least(tab, points, timeout=5000)
            return
        except PlaywrightTimeout:
            continue
    _points_at_least(tab, points)


def test_patrol_walked_offline_is_queued_and_sent_once(new_page, users):
    worker = users["grid_worker"]
    micro = worker.bindings.get().grid
    lat, lng = micro.centroid_lat, micro.centroid_lng
    market = place_create(
        actor=worker, name="巡查测试农贸市场", kind="market", lat=lat + 0.0006, lng=lng
    )
    centre = users["village_centre"]
    team = patrols.team_save(
        actor=centre, name="红袖标夜巡队", region_code=centre.bindings.get().code
    )
    shift = patrols.shift_save(
        actor=centre, team_id=team.pk, on=clock.localdate(), starts_at=time(0), ends_at=time(23)
    )
    tab = phone_tab(new_page, "patrol", {"latitude": lat, "longitude": lng})
    login(tab, "grid_worker")
    tab.goto(url(tab, "/m/visits/"))
    tab.wait_for_selector("body[data-sw=ready]")
    tab.click(".fw-subnav a[href$='/patrol/']")  # through the service worker: kept offline
    tab.wait_for_selector("#patrol[data-state=idle]")
    tab.select_option("#patrol-shift", str(shift.pk))  # the patrol walks the team's shift
    tab.click("#patrol-start")
    tab.wait_for_selector("#patrol[data-state=running]")
    _points_at_least(tab, 1)  # the first fix, before the walk (else the two may merge)
    for step in range(1, 4):  # walk north towards the market
        _walk(tab, lat + step * 0.0002, lng, points=step + 1)
    assert tab.inner_text("#patrol-distance") != "0 m"

    tab.context.set_offline(True)
    tab.reload()  # the service worker serves the page; the patrol lives in localStorage
    tab.wait_for_selector("#patrol[data-state=running]")
    assert int(tab.inner_text("#patrol-points")) >= 4
    tab.click("#patrol-checkin-open")
    first = tab.wait_for_selector("#checkin-targets input[name=where]")
    assert first.get_attribute("value") == f"place:{market.pk}"  # nearest first
    assert "巡查测试农贸市场" in tab.inner_text("#checkin-targets")
    tab.check("input[name=result][value=problem]")
    tab.fill("#checkin-note", "市场消防通道被货物堵塞")
    tab.select_option("#id_category", "garbage")
    tab.fill("#checkin-case-title", "农贸市场消防通道堵塞")
    tab.set_input_files(
        "#checkin-photos",
        files=[{"name": "通道.png", "mimeType": "image/png", "buffer": tiny_png()}],
    )
    screenshot(tab, "fieldwork_m_patrol_checkin")
    tab.click("#checkin-save")
    tab.wait_for_selector("#patrol-checkins li.problem")
    screenshot(tab, "fieldwork_m_patrol_running")
    tab.click("#patrol-stop")
    queued = tab.wait_for_selector("#outbox-list li[data-state=queued]")
    client_id = queued.get_attribute("data-client-id")
    tab.wait_for_selector("#patrol[data-state=idle]")
    assert not Patrol.objects.exists()
    screenshot(tab, "fieldwork_m_patrol_queued")

    tab.context.set_offline(False)
    tab.wait_for_selector(f"#outbox-list li[data-client-id='{client_id}'][data-state=done]")
    code = tab.inner_text(f"li[data-client-id='{client_id}'] .case-code").strip()
    result = tab.evaluate("id => window.fqOutbox.resend(id)", client_id)
    assert result == {"before": code}
    tab.wait_for_selector(f"#outbox-list li[data-client-id='{client_id}'][data-state=done]")
    patrol = Patrol.objects.get()
    assert patrol.client_id == client_id and patrol.point_count >= 4 and patrol.distance_m > 0
    assert patrol.shift == shift
    check_in = patrol.check_ins.get()
    assert check_in.place == market and check_in.result == "problem"
    assert Case.objects.filter(title="农贸市场消防通道堵塞").count() == 1
    assert check_in.case.code == code
    photo = CheckInPhoto.objects.get()  # sent once, scaled down to a JPEG on the phone
    assert photo.check_in == check_in and photo.content_type == "image/jpeg"

    desk = new_page("desk")
    login(desk, "village_centre")
    desk.goto(url(desk, "/fieldwork/patrols/"))
    desk.click(f"tr[data-patrol='{patrol.pk}'] a")
    desk.wait_for_selector("#patrol-map[data-drawn]")
    assert "巡查测试农贸市场" in desk.inner_text("table.check-ins")
    assert code in desk.inner_text("table.check-ins")
    thumb = desk.wait_for_selector(".check-in-photos img")
    desk.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=thumb)
    screenshot(desk, "fieldwork_patrol_desk")


def test_centre_keeps_a_volunteer_team_and_its_roster(new_page, users):
    desk = new_page("teams", viewport={"width": 1366, "height": 900})
    login(desk, "village_centre")
    desk.goto(url(desk, "/fieldwork/teams/"))
    desk.click("details.card summary")
    desk.fill("#team-form input[name=name]", "红袖标巡逻一队")
    desk.fill("#team-form input[name=leader_name]", "王秀英")
    with desk.expect_navigation():
        desk.click("#team-form button")
    team = desk.wait_for_selector("section.team")
    for name, phone in (("王秀英", "13912345678"), ("李桂兰", "13787654321")):
        desk.click("section.team details:nth-of-type(1) summary")
        desk.fill("section.team .member-form input[name=name]", name)
        desk.fill("section.team .member-form input[name=phone]", phone)
        with desk.expect_navigation():
            desk.click("section.team .member-form button")
    members = desk.inner_text("section.team table.members")
    assert "139****5678" in members and "13912345678" not in members
    desk.click("section.team details:nth-of-type(2) summary")
    desk.fill(
        "section.team .shift-form input[name=date]",
        clock.localdate().isoformat(),
    )
    desk.fill("section.team .shift-form input[name=note]", "村口—集贸市场—学校")
    desk.check("section.team .shift-form input[name=members] >> nth=0")
    with desk.expect_navigation():
        desk.click("section.team .shift-form button")
    assert "村口—集贸市场—学校" in desk.inner_text("table.roster")
    assert team is not None
    screenshot(desk, "fieldwork_teams")
