"""People search is no oracle: a full-number search is a logged, rate-limited reveal."""

import pytest
from django.core.cache import cache
from django.test import Client

from fengqiao.core import crypto
from fengqiao.core.models import AccessLog
from fengqiao.registry.models import Person
from fengqiao.registry.search import classify

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_limits():
    cache.clear()
    yield
    cache.clear()


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _search_logs(user) -> list[AccessLog]:
    return list(AccessLog.objects.filter(actor=user, action="reveal", detail="search"))


def test_a_leader_searching_twenty_valid_ids_gets_nothing(users):
    leader = _client(users["leader"])
    people = list(Person.objects.order_by("pk")[:20])
    assert len(people) == 20
    for person in people:
        number = crypto.decrypt(person.id_number_sealed)
        response = leader.get("/api/v1/people", {"q": number})
        assert response.status_code == 403
        assert response.json()["code"] == "needs_reveal"
        assert person.name not in response.content.decode()
        page = leader.get("/registry/people/", {"q": number})
        assert page.status_code == 200
        text = page.content.decode()
        assert "按完整身份证号或手机号搜索需要查看明文的权限" in text  # the pages speak zh-Hans
        assert f"/registry/people/{person.pk}/" not in text
        export = leader.get("/api/v1/people/export.xlsx", {"q": number})
        assert export.status_code == 403
    # The same people are found by name, so the refusal is about the number only.
    by_name = leader.get("/api/v1/people", {"q": people[0].name}).json()
    assert people[0].pk in [p["id"] for p in by_name["items"]]
    assert _search_logs(users["leader"]) == []


def test_a_grid_workers_number_searches_are_logged(users):
    worker = users["grid_worker"]
    person = (
        Person.objects.filter(region_code__startswith=worker.bindings.get().code)
        .exclude(phone_sealed="")
        .first()
    )
    number = crypto.decrypt(person.id_number_sealed)
    body = _client(worker).get("/api/v1/people", {"q": number}).json()
    assert [p["id"] for p in body["items"]] == [person.pk]
    phone = crypto.decrypt(person.phone_sealed)
    page = _client(worker).get("/registry/people/", {"q": phone[:3] + " " + phone[3:]})
    assert f"/registry/people/{person.pk}/" in page.content.decode()
    logs = sorted(_search_logs(worker), key=lambda entry: entry.pk)
    assert [(entry.field, entry.object_id) for entry in logs] == [
        ("id_number", str(person.pk)),
        ("phone", str(person.pk)),
    ]
    assert all(entry.region_code == person.region_code for entry in logs)
    # A name search is no reveal.
    _client(worker).get("/api/v1/people", {"q": person.name})
    assert len(_search_logs(worker)) == 2


def test_the_hourly_limit_bites(users, settings):
    settings.FENGQIAO_NUMBER_SEARCHES_PER_HOUR = 5
    client = _client(users["village_centre"])
    person = Person.objects.filter(
        region_code__startswith=users["village_centre"].bindings.get().code
    ).first()
    number = crypto.decrypt(person.id_number_sealed)
    for _ in range(5):
        assert client.get("/api/v1/people", {"q": number}).json()["count"] == 1
    response = client.get("/api/v1/people", {"q": number})
    assert response.status_code == 429
    assert response.json()["code"] == "rate_limited"
    page = client.get("/registry/people/", {"q": number}).content.decode()
    assert "已达 5 次上限" in page and f"/registry/people/{person.pk}/" not in page
    assert len(_search_logs(users["village_centre"])) == 5
    # Another user's allowance is their own.
    other = _client(users["county_centre"]).get("/api/v1/people", {"q": number})
    assert other.json()["count"] == 1


@pytest.mark.parametrize(
    ("query", "kind"),
    [
        ("张三", "name"),
        ("439901199001011234", "id_number"),
        ("4399 0119 9001 0112 3x", "id_number"),
        ("138-1234-5678", "phone"),
        ("+8613812345678", "phone"),
        ("4399", "partial"),
        ("4399011990010112", "partial"),
        ("12X", "partial"),
    ],
)
def test_queries_are_classified_by_what_they_could_reveal(query, kind):
    assert classify(query)[0] == kind


def test_a_partial_number_matches_nobody_and_is_not_logged(users):
    client = _client(users["village_centre"])
    person = Person.objects.filter(
        region_code__startswith=users["village_centre"].bindings.get().code
    ).first()
    number = crypto.decrypt(person.id_number_sealed)
    for partial in (number[:16], number[:4], number[-4:], person.id_number_masked[:6]):
        assert client.get("/api/v1/people", {"q": partial}).json()["count"] == 0
    page = client.get("/registry/people/", {"q": number[:17]}).content.decode()
    assert "不支持按号码片段搜索" in page
    assert _search_logs(users["village_centre"]) == []
