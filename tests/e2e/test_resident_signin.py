"""A resident on a phone (390×844): reports first and confirms the mobile number with an SMS
code read from the demo's console backend, gets a "me too" suggestion for a case near the
point and adds it, follows that case under 我的, and binds the account to the registry."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.cache import cache

from fengqiao.accounts import sms
from fengqiao.accounts.models import User
from fengqiao.cases import services
from fengqiao.cases.models import Case, CaseEvent, Category
from fengqiao.core import crypto
from fengqiao.core.idnumbers import make_id_number
from fengqiao.regions.models import Grid
from fengqiao.registry.services import person_build

from .conftest import screenshot, url

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE_VIEW = {"width": 390, "height": 844}
MOBILE = "13912345678"


def _point(grid: Grid) -> dict:
    return {"latitude": grid.centroid_lat, "longitude": grid.centroid_lng}


def _code() -> str:
    return sms.outbox(MOBILE)[-1]["params"]["code"]


def test_resident_reports_confirms_by_sms_and_says_me_too(new_page, users, settings):
    settings.FENGQIAO_SMS_BACKEND = "fengqiao.accounts.sms.ConsoleBackend"
    cache.delete(sms.ConsoleBackend.OUTBOX_KEY)
    here = users["grid_worker"].bindings.get().grid
    elsewhere = (
        Grid.objects.filter(parent__isnull=False).exclude(code__startswith=here.code[:12]).first()
    )
    existing = services.case_report(
        actor=users["grid_worker"],
        category=Category.objects.get(code="garbage"),
        title="桥头垃圾堆了三天",
        lat=here.centroid_lat + 0.0003,
        lng=here.centroid_lng,
    )
    number = make_id_number("439901", date(1988, 8, 8), 37)
    person = person_build(name="赵晓梅", id_number=number, region_code=here.code)
    person.save()
    crypto.bind_row(person)

    tab = new_page("resident", viewport=PHONE_VIEW)
    tab.context.grant_permissions(["geolocation"])
    tab.context.set_geolocation(_point(elsewhere))

    # 1. Report first, without an account: the plain-language groups, a point, a photo-less note.
    tab.goto(url(tab, "/h5/"))  # the portal asks for the phone, and offers reporting first
    assert tab.url.startswith(url(tab, "/h5/signin/"))
    screenshot(tab, "resident_signin")
    with tab.expect_navigation():
        tab.click("a[href='/h5/report/']")
    assert tab.locator(".group-tile").count() >= 8
    tab.click(".group-tile[data-group=roads]")
    tab.check("input[name=category][value=road_damage]")
    tab.click("#gps-button")
    tab.wait_for_selector("#gps-state[data-state=found]")
    tab.wait_for_selector("#nearby-none")  # nothing of the kind near that point
    tab.fill("#id_title", "村道塌了一个大坑")
    screenshot(tab, "resident_report_anonymous")
    with tab.expect_navigation():
        tab.click("#submit-report")
    assert tab.url == url(tab, "/h5/report/confirm/")
    assert not Case.objects.filter(title="村道塌了一个大坑").exists()

    # 2. Confirm the mobile number with the code printed on the server console.
    tab.fill("#id_phone", MOBILE)
    tab.click("#send-code")
    notice = tab.wait_for_selector("#console-notice")
    assert notice.inner_text() == "演示环境：验证码已打印在服务器控制台"
    screenshot(tab, "resident_confirm_code")
    assert not Case.objects.filter(title="村道塌了一个大坑").exists()
    tab.fill("#id_code", _code())
    with tab.expect_navigation():
        tab.click("#verify-code")
    filed = Case.objects.get(title="村道塌了一个大坑")
    resident = User.objects.get(phone_masked="139****5678")
    assert filed.reporter == resident and tab.url == url(tab, f"/h5/cases/{filed.code}/")
    screenshot(tab, "resident_report_filed")

    # 3. A second report near an open case of the same kind: "me too" instead of a duplicate.
    tab.context.set_geolocation(_point(here))
    tab.goto(url(tab, "/h5/report/"))
    tab.click("#gps-button")
    tab.wait_for_selector("#gps-state[data-state=found]")
    tab.click(".group-tile[data-group=environment]")
    card = tab.wait_for_selector(f".nearby-case[data-code='{existing.code}']")
    assert "桥头垃圾堆了三天" in card.inner_text() and "米" in card.inner_text()
    screenshot(tab, "resident_me_too_suggestion")
    with tab.expect_navigation():
        tab.click(f".nearby-case[data-code='{existing.code}'] button.metoo")
    assert tab.url == url(tab, f"/h5/following/{existing.code}/")
    assert "1人也遇到" in tab.inner_text("#supporters")
    (event,) = CaseEvent.objects.filter(case=existing, action="support")
    assert event.actor == resident
    assert Case.objects.get(pk=existing.pk).status == existing.status
    screenshot(tab, "resident_following")

    # 4. The followed case is under 我的, beside the resident's own report.
    tab.goto(url(tab, "/h5/"))
    assert existing.code in tab.inner_text("#followed-cases")
    assert filed.code in tab.inner_text("#my-cases")
    screenshot(tab, "resident_home_following")

    # 5. Bind the account to the registry person by name and ID number.
    tab.goto(url(tab, "/h5/signin/bind/?next=/h5/"))
    tab.fill("#id_name", "赵晓梅")
    tab.fill("#id_id_number", number)
    screenshot(tab, "resident_bind")
    with tab.expect_navigation():
        tab.click("#bind-submit")
    assert User.objects.get(pk=resident.pk).person_id == person.pk
    assert tab.url == url(tab, "/h5/")
