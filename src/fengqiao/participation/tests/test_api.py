"""The notices API: staff write within their jurisdiction, residents read their village's."""

import pytest
from django.test import Client

from fengqiao.participation.models import Notice, Status

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _new(client, region, **fields):
    body = {"region_code": region.code, "category": "village", "title": "修路", "body": "正文"}
    return client.post("/api/v1/notices", {**body, **fields}, content_type="application/json")


def test_staff_creates_edits_publishes_and_withdraws_through_the_api(users, village_a):
    client = _client(users["village_centre"])
    created = _new(client, village_a)
    assert created.status_code == 201, created.content
    notice_id = created.json()["id"]
    assert created.json()["status"] == "draft" and created.json()["author"]
    edited = client.post(
        f"/api/v1/notices/{notice_id}", {"title": "修路通知"}, content_type="application/json"
    )
    assert edited.json()["title"] == "修路通知" and edited.json()["body"] == "正文"
    assert client.post(f"/api/v1/notices/{notice_id}/publish").json()["status"] == "published"
    withdrawn = client.post(
        f"/api/v1/notices/{notice_id}/withdraw", {"reason": "过期"}, content_type="application/json"
    )
    assert withdrawn.json()["status"] == "withdrawn"
    assert Notice.objects.get(pk=notice_id).events.count() == 4


def test_api_refuses_when_caller_may_not_write(users, village_a):
    assert _new(_client(users["grid_chief"]), village_a).status_code == 403
    assert _new(_client(users["village_centre_b"]), village_a).status_code == 403
    bad = _new(_client(users["village_centre"]), village_a, category="x")
    assert bad.status_code == 400 and bad.json()["field"] == "category"
    assert not Notice.objects.exists()


def test_api_is_404_when_notice_is_of_another_village(users, village_a, make_notice):
    notice = make_notice(village_a, publish=False)
    other = _client(users["village_centre_b"])
    assert other.get(f"/api/v1/notices/{notice.pk}").status_code == 404
    assert other.post(f"/api/v1/notices/{notice.pk}/publish").status_code == 404
    assert other.get("/api/v1/notices").json()["count"] == 0
    notice.refresh_from_db()
    assert notice.status == Status.DRAFT


def test_resident_reads_published_notices_of_own_village(
    residents, village_a, village_b, make_notice
):
    mine = make_notice(village_a, title="甲村")
    make_notice(village_a, title="草稿", publish=False)
    theirs = make_notice(village_b, title="乙村")
    alice = _client(residents["alice"])
    assert [n["title"] for n in alice.get("/api/v1/notices").json()["items"]] == ["甲村"]
    assert alice.get(f"/api/v1/notices/{mine.pk}").status_code == 200
    assert alice.get(f"/api/v1/notices/{theirs.pk}").status_code == 404
    assert (
        alice.post(
            f"/api/v1/notices/{mine.pk}/withdraw", {}, content_type="application/json"
        ).status_code
        == 403
    )


def test_ids_and_phones_are_starred_for_residents_but_not_for_staff(
    users, residents, village_a, make_notice
):
    notice = make_notice(village_a, title="联系13912345678", body="身份证430102199001011234")
    alice = _client(residents["alice"])
    shown = alice.get(f"/api/v1/notices/{notice.pk}").json()
    assert (shown["title"], shown["body"]) == ("联系***********", "身份证******************")
    [listed] = alice.get("/api/v1/notices").json()["items"]
    assert listed["body"] == "身份证******************"
    staff = _client(users["village_centre"]).get(f"/api/v1/notices/{notice.pk}").json()
    assert (staff["title"], staff["body"]) == ("联系13912345678", "身份证430102199001011234")
