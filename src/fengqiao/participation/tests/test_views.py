"""Workbench notice pages: list, new, edit, publish and withdraw, within the jurisdiction."""

import pytest
from django.test import Client

from fengqiao.participation.models import Notice, Status

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_centre_writes_publishes_and_withdraws_a_notice_from_the_pages(users, village_a):
    client = _client(users["village_centre"])
    assert client.get("/participation/notices/new/").status_code == 200
    response = client.post(
        "/participation/notices/new/",
        {
            "region_code": village_a.code,
            "category": "finance",
            "title": "收支公开",
            "body": "一\n二",
        },
    )
    notice = Notice.objects.get()
    assert response.status_code == 302 and response.url == f"/participation/notices/{notice.pk}/"
    client.post(
        f"/participation/notices/{notice.pk}/",
        {"category": "finance", "title": "第一季度收支公开", "body": "一\n二", "is_pinned": "1"},
    )
    client.post(f"/participation/notices/{notice.pk}/act/", {"action": "publish"})
    notice.refresh_from_db()
    assert (
        notice.status == Status.PUBLISHED
        and notice.is_pinned
        and notice.title == "第一季度收支公开"
    )
    page = client.get(f"/participation/notices/{notice.pk}/").content.decode()
    assert 'id="withdraw"' in page and 'id="publish"' not in page
    client.post(
        f"/participation/notices/{notice.pk}/act/", {"action": "withdraw", "reason": "有误"}
    )
    notice.refresh_from_db()
    assert notice.status == Status.WITHDRAWN
    listing = client.get("/participation/notices/", {"status": "withdrawn"}).content.decode()
    assert "第一季度收支公开" in listing


def test_new_page_shows_the_error_next_to_the_field_when_title_is_missing(users, village_a):
    response = _client(users["village_centre"]).post(
        "/participation/notices/new/",
        {"region_code": village_a.code, "category": "finance", "title": "", "body": "x"},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert '<p class="field-error">公告需要填写标题。</p>' in body


def test_pages_are_404_or_403_when_notice_or_role_is_out_of_reach(users, village_a, make_notice):
    notice = make_notice(village_a, title="甲村公告")
    other = _client(users["village_centre_b"])
    assert other.get(f"/participation/notices/{notice.pk}/").status_code == 404
    assert (
        other.post(f"/participation/notices/{notice.pk}/act/", {"action": "withdraw"}).status_code
        == 404
    )
    assert "甲村公告" not in other.get("/participation/notices/").content.decode()
    assert _client(users["grid_worker"]).get("/participation/notices/new/").status_code == 403
    notice.refresh_from_db()
    assert notice.status == Status.PUBLISHED


def test_leader_reads_but_gets_no_form(users, village_a, make_notice):
    notice = make_notice(village_a, title="县里可见")
    leader = _client(users["leader"])
    assert "县里可见" in leader.get("/participation/notices/").content.decode()
    page = leader.get(f"/participation/notices/{notice.pk}/").content.decode()
    assert 'id="save"' not in page and 'id="withdraw"' not in page
