"""Work-first pages in a real browser at an office laptop's 1366×768: the centre lands on its
queues, opens one, sees ten rows and more without scrolling, sorts, dispatches in bulk with a
result per row, and takes a step through a case's "next step" menu. At 390×844 a resident lands
on /h5/ and a grid worker on /m/."""

from __future__ import annotations

import pytest

from fengqiao.cases import services
from fengqiao.cases.intake import case_report
from fengqiao.cases.models import Case, Category, Channel, HandlingUnit, Status

from .conftest import login, open_step, screenshot, url

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LAPTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
TITLES = [
    "楼道堆放垃圾",
    "路灯不亮",
    "井盖缺失",
    "占道经营",
    "噪音扰民",
    "违章搭建",
    "河道漂浮物",
    "绿化带毁坏",
    "小区积水",
    "共享单车乱停",
    "广告牌松动",
    "下水道堵塞",
    "垃圾桶满溢",
    "流浪犬伤人隐患",
]


@pytest.fixture
def village_work(users):
    """Fourteen hotline cases in the village centre's village: five accepted, the rest new."""
    village = users["village_centre"].bindings.get().region
    garbage = Category.objects.get(code="garbage")
    cases = []
    for n, title in enumerate(TITLES):
        case = case_report(
            actor=users["county_centre"],
            category=garbage,
            title=title,
            channel=Channel.HOTLINE,
            village=village,
            address=f"建设路{n + 1}号",
        )
        if n < 5:
            case = services.case_accept(actor=users["village_centre"], case_id=case.pk)
        cases.append(case)
    return cases


def rows_above_the_fold(page) -> int:
    return page.evaluate(
        """() => [...document.querySelectorAll('#results tbody tr[data-code]')]
            .filter(r => r.getBoundingClientRect().bottom <= window.innerHeight).length"""
    )


def table_overflow(page) -> int:
    return page.evaluate(
        """() => { const w = document.querySelector('#results .table-wrap');
                   return w.scrollWidth - w.clientWidth; }"""
    )


def test_centre_works_its_queue_on_an_office_laptop(new_page, users, village_work):
    page = new_page("village_centre", viewport=LAPTOP)
    login(page, "village_centre")
    assert page.url == url(page, "/")
    new_count = int(page.inner_text("#home-queues a[data-queue=new] b"))
    assert (
        new_count
        == Case.objects.visible_to(users["village_centre"]).filter(status=Status.REPORTED).count()
    )
    assert int(page.inner_text("#home-queues a[data-queue=to_dispatch] b")) == 5
    screenshot(page, "work_first_centre_home")

    # The whole list: ten rows and more above the fold, no sideways scrolling, names not codes.
    with page.expect_navigation():
        page.click("nav.mainnav a[data-menu=cases]")
    assert rows_above_the_fold(page) >= 10
    assert table_overflow(page) <= 0
    village = users["village_centre"].bindings.get().region
    assert village.name in page.inner_text("#results tbody")
    assert village.code not in page.inner_text("#results tbody")
    screenshot(page, "work_first_queue")

    # Sorted on the server by title, then the other way round.
    with page.expect_navigation():
        page.click("#results th a[data-sort=title]")
    assert "sort=title" in page.url
    titles = page.eval_on_selector_all(
        "#results tbody td.title", "cells => cells.map(c => c.innerText.trim())"
    )
    assert titles == sorted(titles)
    with page.expect_navigation():
        page.click("#results th a[data-sort=title]")
    assert "sort=-title" in page.url
    screenshot(page, "work_first_queue_sorted")

    # From the home page's count to the queue of new cases.
    page.goto(url(page, "/"))
    with page.expect_navigation():
        page.click("#home-queues a[data-queue=new]")
    assert "queue=new" in page.url
    assert page.locator("#results tbody tr[data-code]").count() == new_count

    # Bulk dispatch: two accepted cases go, a new one is refused with the reason.
    page.goto(url(page, "/cases/"))
    accepted = [c.code for c in village_work[:2]]
    fresh = village_work[-1].code
    for code in [*accepted, fresh]:
        page.check(f"#results tr[data-code='{code}'] input[name=codes]")
    assert page.inner_text("#bulk-count") == "3"
    police = HandlingUnit.objects.get(members=users["handler"])
    page.select_option("#bulk select[name=action]", "dispatch")
    page.select_option("#bulk select[name=unit_id]", str(police.pk))
    with page.expect_navigation():
        page.click("#bulk-submit")
    assert page.inner_text("#bulk-done") == "2" and page.inner_text("#bulk-refused") == "1"
    for code in accepted:
        assert page.get_attribute(f"#bulk-results tr[data-code='{code}']", "data-result") == "ok"
        assert Case.objects.get(code=code).status == Status.DISPATCHED
    assert page.get_attribute(f"#bulk-results tr[data-code='{fresh}']", "data-result") == "refused"
    assert Case.objects.get(code=fresh).status == Status.REPORTED
    screenshot(page, "work_first_bulk_results")

    # A case page: one "next step" menu; a step opens its one form.
    page.goto(url(page, f"/cases/{fresh}/"))
    assert page.locator("form.actform").first.is_visible() is False  # no wall of forms
    page.click("#next-step > summary")
    screenshot(page, "work_first_next_step_menu")
    open_step(page, "accept")
    form = page.locator("form.actform[data-action=accept]")
    assert form.is_visible()
    assert page.locator("form.actform:visible").count() == 1
    screenshot(page, "work_first_next_step_form")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert Case.objects.get(code=fresh).status == Status.ACCEPTED


@pytest.mark.parametrize(("username", "landing"), [("resident", "/h5/"), ("grid_worker", "/m/")])
def test_phone_users_land_on_their_app(new_page, users, username, landing):
    page = new_page(username, viewport=PHONE)
    login(page, username)
    assert page.url == url(page, landing)
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    screenshot(page, f"work_first_phone_{username}")
