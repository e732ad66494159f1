"""Village notices in a real browser: centre staff write and publish a notice on the
workbench, the resident finds it on the portal home and in the notice list on a phone, and it
is gone from both as soon as it is withdrawn."""

from __future__ import annotations

import pytest

from fengqiao.participation.models import Notice, Status
from fengqiao.participation.selectors import resident_village_code

from .conftest import login, screenshot, url

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
TITLE = "关于春季道路维修的通知"
BODY = "本月十五日起维修村东主干道。\n施工期间请绕行，注意安全。"


def _overflow(page) -> int:
    return page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


def test_staff_publishes_a_notice_and_the_resident_reads_it_on_the_phone(new_page, users):
    village = resident_village_code(users["resident"])
    staff = new_page("county_centre")
    login(staff, "county_centre")
    staff.goto(url(staff, "/participation/notices/"))
    with staff.expect_navigation():
        staff.click("#new-notice")
    staff.select_option("#id_region_code", village)
    staff.select_option("#id_category", "village")
    staff.fill("#id_title", TITLE)
    staff.fill("#id_body", BODY)
    staff.check("#id_is_pinned")
    with staff.expect_navigation():
        staff.click("#save")
    notice = Notice.objects.get(title=TITLE)
    assert staff.url == url(staff, f"/participation/notices/{notice.pk}/")
    assert notice.status == Status.DRAFT
    with staff.expect_navigation():
        staff.click("#publish")
    assert staff.locator("#notice-status").inner_text() == "已发布"
    screenshot(staff, "notice_staff_published")

    phone = new_page("resident", viewport=PHONE)
    login(phone, "resident")
    phone.goto(url(phone, "/h5/"))
    latest = phone.locator(f"#latest-notices li[data-notice='{notice.pk}']")
    assert latest.count() == 1 and "置顶" in latest.inner_text()
    assert _overflow(phone) == 0
    screenshot(phone, "notice_h5_home")
    with phone.expect_navigation():
        latest.locator("a").click()
    assert phone.url == url(phone, f"/h5/notices/{notice.pk}/")
    body = phone.locator(".notice-body")
    assert "施工期间请绕行" in body.inner_text() and body.locator("br").count() == 1
    assert _overflow(phone) == 0
    screenshot(phone, "notice_h5_detail")
    phone.goto(url(phone, "/h5/notices/"))
    assert phone.locator(f"#notice-list li[data-notice='{notice.pk}']").count() == 1
    screenshot(phone, "notice_h5_list")

    staff.fill("input[name=reason]", "施工延期")
    with staff.expect_navigation():
        staff.click("#withdraw")
    assert staff.locator("#notice-status").inner_text() == "撤回"
    phone.goto(url(phone, "/h5/notices/"))
    assert phone.locator(f"#notice-list li[data-notice='{notice.pk}']").count() == 0
    phone.goto(url(phone, "/h5/"))
    assert phone.locator(f"#latest-notices li[data-notice='{notice.pk}']").count() == 0
