"""The resident portal's notice pages and home panel, and the shared cache behind them: no
resident ever sees another's name or cases, a withdrawn notice is gone at once."""

import pytest
from django.test import Client

from fengqiao.cases.defaults import ensure_default_categories
from fengqiao.cases.models import Category, Channel
from fengqiao.cases.services import case_report
from fengqiao.participation import services

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def reports(residents):
    """One case each, reported through the portal's service, with a title that names them."""
    from fengqiao.regions.models import Region

    ensure_default_categories()
    made = {}
    for name, resident in residents.items():
        village = Region.objects.get(code=resident.person.region_code[:12])
        made[name] = case_report(
            actor=resident,
            category=Category.objects.get(code="garbage"),
            title=f"{name}家门口垃圾",
            channel=Channel.PORTAL,
            village=village,
        )
    return made


def _page(user, path="/h5/") -> str:
    response = _client(user).get(path)
    assert response.status_code == 200, path
    return response.content.decode()


def test_home_shows_village_notices_and_own_cases(residents, reports, village_a, make_notice):
    make_notice(village_a, title="甲村修路通知")
    body = _page(residents["alice"])
    assert "甲村修路通知" in body
    assert reports["alice"].code in body and residents["alice"].person.name in body


@pytest.mark.parametrize("path", ["/h5/", "/h5/notices/"])
def test_cache_never_shows_one_resident_another_residents_data(
    residents, reports, village_a, village_b, make_notice, path
):
    make_notice(village_a, title="甲村通知")
    make_notice(village_b, title="乙村通知")
    alice, bob, carol = residents["alice"], residents["bob"], residents["carol"]
    first = _page(alice, path)  # fills the cache for village A
    assert "甲村通知" in first
    same_village = _page(bob, path)  # same village: the cached fragment, nothing of alice
    assert "甲村通知" in same_village
    other_village = _page(carol, path)
    assert "乙村通知" in other_village and "甲村通知" not in other_village
    for page in (same_village, other_village):
        assert alice.person.name not in page
        assert reports["alice"].code not in page and "alice家门口垃圾" not in page
    if path == "/h5/":
        assert bob.person.name in same_village and reports["bob"].code in same_village
        assert carol.person.name in other_village and reports["carol"].code in other_village
    # And back: alice's page after carol's holds nothing of carol's.
    again = _page(alice, path)
    assert "乙村通知" not in again and carol.person.name not in again


def test_withdrawn_notice_disappears_at_once(
    residents, users, village_a, make_notice, django_capture_on_commit_callbacks
):
    notice = make_notice(village_a, title="将撤回的通知")
    alice = residents["alice"]
    assert "将撤回的通知" in _page(alice, "/h5/notices/")
    assert "将撤回的通知" in _page(alice)
    with django_capture_on_commit_callbacks(execute=True):
        services.notice_withdraw(actor=users["village_centre"], notice_id=notice.pk)
    assert "将撤回的通知" not in _page(alice, "/h5/notices/")
    assert "将撤回的通知" not in _page(alice)
    assert _client(alice).get(f"/h5/notices/{notice.pk}/").status_code == 404


def test_edit_and_publish_show_at_once(
    residents, users, village_a, make_notice, django_capture_on_commit_callbacks
):
    notice = make_notice(village_a, title="旧标题")
    alice = residents["alice"]
    assert "旧标题" in _page(alice, "/h5/notices/")
    with django_capture_on_commit_callbacks(execute=True):
        services.notice_update(actor=users["village_centre"], notice_id=notice.pk, title="新标题")
    assert "新标题" in _page(alice, "/h5/notices/")
    make_notice(village_a, title="新发布")
    assert "新发布" in _page(alice, "/h5/notices/") and "新发布" in _page(alice)


def test_notice_list_is_paginated(residents, village_a, make_notice):
    for n in range(23):
        make_notice(village_a, title=f"第{n:02d}号通知")
    first, second = (
        _page(residents["alice"], "/h5/notices/"),
        _page(residents["alice"], "/h5/notices/?page=2"),
    )
    assert "第22号通知" in first and "第02号通知" not in first
    assert "第02号通知" in second and "第22号通知" not in second
    assert "?page=2" in first


def test_notice_page_renders_body_escaped_with_line_breaks(residents, village_a, make_notice):
    notice = make_notice(village_a, title="正文", body="第一行\n<script>alert(1)</script>")
    body = _page(residents["alice"], f"/h5/notices/{notice.pk}/")
    assert "第一行<br>" in body
    assert "<script>alert(1)</script>" not in body and "&lt;script&gt;" in body


def test_notice_page_is_404_when_notice_is_of_another_village_or_a_draft(
    residents, village_b, village_a, make_notice
):
    other = make_notice(village_b, title="乙村")
    draft = make_notice(village_a, title="草稿", publish=False)
    for notice in (other, draft):
        assert _client(residents["alice"]).get(f"/h5/notices/{notice.pk}/").status_code == 404


def test_home_and_list_show_no_notice_when_user_has_no_village(users, village_a, make_notice):
    make_notice(village_a, title="甲村通知")
    centre = _client(users["village_centre"])
    assert "甲村通知" not in centre.get("/h5/notices/").content.decode()
    assert "甲村通知" not in centre.get("/h5/").content.decode()


def test_english_page_is_cached_apart_from_chinese(residents, village_a, make_notice):
    from django.core.management import call_command

    call_command("compiletranslations")
    make_notice(village_a, title="通知", category="finance")
    client = _client(residents["alice"])
    chinese = client.get("/h5/notices/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    english = client.get("/h5/notices/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Finances" in english and "Finances" not in chinese and "财务" in chinese


def test_ids_and_phones_are_starred_when_residents_read_a_notice(residents, village_a, make_notice):
    body = "低保公示：张三，身份证430102199001011234，电话138-1234-5678，补助1200元（2024年）"
    notice = make_notice(village_a, title="公示 联系13912345678", body=body)
    for path in ("/h5/", "/h5/notices/", f"/h5/notices/{notice.pk}/"):
        page = _page(residents["alice"], path)
        for secret in ("1234", "5678", "13912345678"):
            assert secret not in page, (path, secret)
        assert "公示 联系***********" in page
    detail = _page(residents["alice"], f"/h5/notices/{notice.pk}/")
    assert "身份证******************，电话***-****-****，补助1200元（2024年）" in detail
