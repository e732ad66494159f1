"""The pages in a real browser: sign-in, home per role, regions map, registry, import, i18n."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from fengqiao.accounts import menus
from fengqiao.accounts.selectors import jurisdictions_of
from fengqiao.core.idnumbers import make_id_number
from fengqiao.demo import COUNTY_CODE
from fengqiao.registry import selectors as registry
from fengqiao.registry.models import Dwelling, Household, Person

from .conftest import login, screenshot, url

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DEMO_ACCOUNTS = (
    "admin",
    "county_centre",
    "town_centre",
    "village_centre",
    "grid_chief",
    "grid_worker",
    "handler",
    "mediator",
    "leader",
    "resident",
)
ID_18 = re.compile(r"^[0-9]{17}[0-9X]$")
PHONE = {"width": 390, "height": 844}


def zh_catalogue() -> bool:
    """True once the zh-Hans catalogue is compiled (`fengqiao compiletranslations`)."""
    return any(
        (Path(p) / "zh_Hans" / "LC_MESSAGES" / "django.mo").exists() for p in settings.LOCALE_PATHS
    )


def html_lang(page) -> str:
    return page.get_attribute("html", "lang")


def result_rows(page):
    return page.locator("#results table.list tbody tr")


def village_code(user) -> str:
    return user.bindings.get().code


def wait_for_map(page) -> int:
    """Wait until map.js has drawn the GeoJSON; return how many SVG shapes Leaflet made."""
    page.wait_for_selector("#map[data-loaded]", state="attached")
    assert page.get_attribute("#map", "data-error") is None
    return page.locator("#map .leaflet-interactive").count()


# 1 -------------------------------------------------------------------------------------------


def test_sign_in_shows_error_then_lands_home_when_password_wrong_then_right(page, users):
    page.goto(url(page, "/accounts/login/"))
    assert html_lang(page) == "zh-CN"
    heading = page.inner_text("main h1").strip()
    assert heading in ({"登录"} if zh_catalogue() else {"登录", "Sign in"})
    screenshot(page, "test_sign_in_form")

    page.fill("#id_username", "village_centre")
    page.fill("#id_password", "not-the-password")
    page.click("main form button[type=submit]")
    page.wait_for_selector(".errorbox[role=alert]")
    assert "/accounts/login/" in page.url
    assert page.input_value("#id_username") == "village_centre"
    assert page.input_value("#id_password") == ""
    screenshot(page, "test_sign_in_wrong_password")

    page.fill("#id_password", "fengqiao-demo")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert page.url == url(page, "/")
    jurisdiction = jurisdictions_of(user=users["village_centre"])[0]["name"]
    assert page.locator("#jurisdiction a", has_text=jurisdiction).count() == 1
    assert users["village_centre"].label in page.inner_text("main h1")


# 2 -------------------------------------------------------------------------------------------


def test_each_demo_account_lands_on_its_work_with_its_menu(page, users):
    for username in DEMO_ACCOUNTS:
        user = users[username]
        login(page, username)
        landing = menus.landing_for(user)
        expected = reverse(landing) if landing else "/"
        assert page.url == url(page, expected), username
        if landing == "admin:index":  # Django's own admin: its header, its lang attribute
            assert html_lang(page).startswith("zh"), username
        else:
            assert html_lang(page) == "zh-CN"
        if landing in ("admin:index", "mobile:home", "h5:home"):
            # The admin and the phone apps have headers of their own: read the menu on a
            # workbench page.
            screenshot(page, f"test_landing_{username}")
            page.goto(url(page, "/accounts/password/"))
        # The header draws the role's menu, nothing more.
        drawn = page.eval_on_selector_all(
            "nav.mainnav a", "links => links.map(a => a.dataset.menu)"
        )
        assert tuple(drawn) == menus.menu_keys(user), username
        if expected == "/":
            # The home page: the role's panels, then its jurisdiction and the registry counts.
            assert user.label in page.inner_text("main h1"), username
            card = page.inner_text("#jurisdiction")
            for j in jurisdictions_of(user=user):
                assert j["name"] in card, username
        screenshot(page, f"test_home_{username}")
        if username == "resident":
            break
        with page.expect_navigation():
            page.click("form[action$='/accounts/logout/'] button")
        assert "/accounts/login/" in page.url

    # The resident (last) has no staff navigation.
    assert page.locator("a[href='/regions/']").count() == 0
    assert page.locator("a[href='/registry/people/']").count() == 0
    nav = page.locator("nav.mainnav").inner_text()
    for label in ("People", "Regions and grids", "人员", "人口", "行政区划"):
        assert label not in nav


# 3 -------------------------------------------------------------------------------------------


def test_map_and_tables_lead_down_to_micro_grid_when_county_centre_browses(page, users):
    login(page, "county_centre")
    page.goto(url(page, "/regions/"))
    assert page.url == url(page, f"/regions/{COUNTY_CODE}/")
    assert wait_for_map(page) >= 2
    screenshot(page, "test_regions_county")

    steps = [
        ("township", "/regions/"),
        ("village", "/regions/"),
        ("grid", "/regions/grid/"),
        ("micro-grid", "/regions/grid/"),
    ]
    for level, prefix in steps:
        link = page.locator("main table.list tbody a").first
        code = link.inner_text().strip()
        with page.expect_navigation():
            link.click()
        assert page.url == url(page, f"{prefix}{code}/"), level
        assert code in page.inner_text("main h1"), level
        shapes = wait_for_map(page)
        # An outline plus its children; a micro-grid has only its outline.
        assert shapes >= (1 if level == "micro-grid" else 2), level
        screenshot(page, f"test_regions_{level}")
    assert page.locator("main .breadcrumb a").count() >= 4


# 4 -------------------------------------------------------------------------------------------


def test_search_filter_and_reveal_work_when_village_centre_uses_people_list(page, new_page, users):
    actor = users["village_centre"]
    everyone = registry.person_list(actor=actor)
    login(page, "village_centre")
    page.goto(url(page, "/registry/people/"))
    assert result_rows(page).count() == min(everyone.count(), 50)
    page.evaluate("window.__noReload = true")

    # Search by name: HTMX swaps #results in place.
    target = everyone.order_by("pk")[5]
    with page.expect_response(
        lambda r: "/registry/people/" in r.url and r.request.headers.get("hx-request") == "true"
    ):
        page.fill("input[name=q]", target.name)
    page.wait_for_function(
        "n => [...document.querySelectorAll('#results tbody tr')]"
        ".every(tr => tr.textContent.includes(n))",
        arg=target.name,
    )
    expected = registry.person_list(actor=actor, q=target.name).count()
    assert result_rows(page).count() == expected >= 1
    assert page.evaluate("window.__noReload") is True
    assert "q=" in page.url
    screenshot(page, "test_people_search")

    # Filter by a tag somebody in the village carries.
    tag = next(r["tag"] for r in registry.tag_count_rows(actor=actor) if r["count"] > 0)
    tagged = registry.person_list(actor=actor, tag=tag.code)
    page.fill("input[name=q]", "")
    with page.expect_response(lambda r: f"tag={tag.code}" in r.url and "q=&" in r.url + "&"):
        page.select_option("select[name=tag]", tag.code)
    page.wait_for_function(
        "n => document.querySelectorAll('#results tbody tr').length === n", arg=tagged.count()
    )
    first_tagged = tagged.first()
    assert first_tagged.name in page.inner_text("#results tbody")
    assert page.evaluate("window.__noReload") is True
    screenshot(page, "test_people_tag_filter")

    # Person detail: masked, then revealed in place.
    link = page.locator("#results tbody a").first
    with page.expect_navigation():
        link.click()
    person_path = page.url.removeprefix(page.base_url)
    masked = page.inner_text("#id-number .mono").strip()
    assert "**********" in masked
    reveal = page.locator("button[hx-post*='/reveal/id_number/']")
    assert reveal.count() == 1 and reveal.inner_text().strip()  # "Reveal" / 显示
    reveal.click()
    page.wait_for_selector("#id-number .revealed")
    full = page.inner_text("#id-number").strip()
    # The button goes with the masked number: one click, one access-log entry.
    assert page.locator("button[hx-post*='/reveal/id_number/']").count() == 0
    assert ID_18.match(full), full
    assert full[:6] == masked[:6] and full[-1] == masked[-1]
    screenshot(page, "test_people_revealed")

    # The leader may read the record but not reveal numbers.
    leader = new_page("leader")
    login(leader, "leader")
    response = leader.goto(url(leader, person_path))
    assert response.status == 200
    assert "**********" in leader.inner_text("#id-number")
    assert leader.locator("button[hx-post*='/reveal/']").count() == 0


# 5 -------------------------------------------------------------------------------------------


def test_lists_and_details_show_data_when_village_centre_opens_households_and_dwellings(
    page, users
):
    actor = users["village_centre"]
    login(page, "village_centre")

    page.goto(url(page, "/registry/households/"))
    assert result_rows(page).count() == min(registry.household_list(actor=actor).count(), 50) > 0
    first = page.locator("#results tbody a").first
    number = first.inner_text().strip()
    with page.expect_navigation():
        first.click()
    household = Household.objects.get(number=number)
    assert number in page.inner_text("main h1")
    members = page.locator("main table.list tbody tr")
    assert members.count() == household.members.count() > 0
    if household.head:
        assert household.head.name in page.inner_text("main .card")
    screenshot(page, "test_household_detail")

    page.goto(url(page, "/registry/dwellings/"))
    assert result_rows(page).count() == min(registry.dwelling_list(actor=actor).count(), 50) > 0
    screenshot(page, "test_dwellings_list")
    first = page.locator("#results tbody a").first
    code = first.inner_text().strip()
    with page.expect_navigation():
        first.click()
    dwelling = Dwelling.objects.get(code=code)
    assert page.inner_text("main h1").strip() == dwelling.address
    assert code in page.inner_text("main .card")
    for person in dwelling.residents.all():
        assert person.name in page.inner_text("main")


# 6 -------------------------------------------------------------------------------------------


def test_not_found_page_shown_when_other_village_staff_open_person(page, users):
    person = (
        Person.objects.filter(region_code__startswith=village_code(users["village_centre"]))
        .order_by("pk")
        .first()
    )
    assert person is not None
    assert not person.region_code.startswith(village_code(users["village_centre_b"]))
    login(page, "village_centre_b")
    response = page.goto(url(page, f"/registry/people/{person.pk}/"))
    assert response.status == 404
    assert person.name not in page.content()
    assert person.id_number_masked not in page.content()


# 7 -------------------------------------------------------------------------------------------


def test_interface_switches_language_when_language_button_clicked(page, users):
    login(page, "village_centre")
    assert html_lang(page) == "zh-CN"
    chinese_sign_out = page.inner_text("form[action$='/accounts/logout/'] button").strip()

    with page.expect_navigation():
        page.click(".langswitch button[value=en]")
    assert page.url == url(page, "/")
    assert html_lang(page) == "en"
    assert page.inner_text("form[action$='/accounts/logout/'] button").strip() == "Sign out"
    assert page.locator("nav.mainnav a", has_text="People").count() == 1
    screenshot(page, "test_language_english")

    with page.expect_navigation():
        page.click(".langswitch button[value=zh-hans]")
    assert html_lang(page) == "zh-CN"
    assert page.locator(".langswitch button[value=en]").count() == 1
    sign_out = page.inner_text("form[action$='/accounts/logout/'] button").strip()
    assert sign_out == chinese_sign_out
    if zh_catalogue():
        assert sign_out != "Sign out"
        assert page.locator("nav.mainnav a", has_text="People").count() == 0


# 8 -------------------------------------------------------------------------------------------


def _people_csv(path: Path, rows: list[tuple[str, ...]]) -> Path:
    lines = ["姓名,身份证号,手机号,户号,与户主关系,房屋编号"] + [",".join(r) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _upload(page, path: Path) -> str:
    page.goto(url(page, "/registry/import/"))
    page.select_option("select[name=kind]", "people")
    page.set_input_files("input[name=file]", str(path))
    assert page.is_checked("input[name=mode][value=all_or_nothing]")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    page.wait_for_selector("#import-result")
    return page.inner_text("#import-result")


def test_import_reports_bad_row_then_creates_people_when_csv_uploaded(page, users, tmp_path):
    dwelling = (
        Dwelling.objects.filter(region_code__startswith=village_code(users["village_centre"]))
        .order_by("code")
        .first()
    )
    head_id = make_id_number("439901", date(1979, 3, 14), 131)
    spouse_id = make_id_number("439901", date(1981, 7, 2), 242)
    wrong_check = spouse_id[:17] + ("0" if spouse_id[17] != "0" else "1")
    number = "E2E-IMPORT-01"
    names = ("测试户主", "测试配偶")
    login(page, "village_centre")

    bad = _people_csv(
        tmp_path / "bad.csv",
        [
            (names[0], head_id, "13800138000", number, "户主", dwelling.code),
            (names[1], wrong_check, "13900139000", number, "配偶", dwelling.code),
        ],
    )
    text = _upload(page, bad)
    errors = page.locator("#import-result table.list tbody tr")
    assert errors.count() == 1
    cells = errors.first.locator("td").all_inner_texts()
    assert cells[0].strip() == "3"
    assert "身份证号" in cells[1]
    assert page.locator("#import-result strong").count() == 1  # "Nothing was saved."
    if not zh_catalogue():
        assert "Nothing was saved." in text
    assert not Person.objects.filter(name__in=names).exists()
    screenshot(page, "test_import_rejected")

    good = _people_csv(
        tmp_path / "good.csv",
        [
            (names[0], head_id, "13800138000", number, "户主", dwelling.code),
            (names[1], spouse_id, "13900139000", number, "配偶", dwelling.code),
        ],
    )
    text = _upload(page, good)
    assert page.locator("#import-result table.list").count() == 0
    assert page.locator("#import-result strong").count() == 0
    assert re.search(r"2\D+2", text), text
    if not zh_catalogue():
        assert "2 rows: 2 created" in text
    household = Household.objects.get(number=number)
    assert sorted(household.members.values_list("name", flat=True)) == sorted(names)
    assert household.head.name == names[0]


# 9 -------------------------------------------------------------------------------------------


def _horizontal_overflow(page) -> int:
    return page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth")


def test_no_horizontal_overflow_when_phone_opens_home_and_people(new_page, users):
    phone = new_page(viewport=PHONE)  # screenshot: <test-name>.png (the people list)
    login(phone, "village_centre")
    home_overflow = _horizontal_overflow(phone)
    screenshot(phone, "test_phone_home")
    phone.goto(url(phone, "/registry/people/"))
    people_overflow = _horizontal_overflow(phone)
    assert home_overflow <= 1, f"home page is {home_overflow}px wider than the phone"
    assert people_overflow <= 1, f"people list is {people_overflow}px wider than the phone"
