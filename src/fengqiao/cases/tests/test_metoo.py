"""“Me too”: which nearby cases a resident is offered (privacy), the support written to the
case log once per resident, the count read back from the log, and following the case."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.test import Client, override_settings

from fengqiao.cases import metoo, notify, resident_groups, services
from fengqiao.cases.hashchain import ROW_VALUES, verify_case
from fengqiao.cases.models import Case, CaseEvent, Category
from fengqiao.core import clock
from fengqiao.core.errors import Conflict, NotAllowed, NotFound

FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]
METRES_PER_DEGREE = 111_195.0


@pytest.fixture(scope="module")
def county(django_db_setup, django_db_blocker):
    """The demo county seeded once, two residents (anna, ben) of the registry, and cases of
    every sort around one point of village A."""
    from fengqiao.accounts.models import User
    from fengqiao.accounts.services import user_create
    from fengqiao.demo.seed import seed
    from fengqiao.registry.models import Person

    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=FAST_HASHER),
        transaction.atomic(),
    ):
        seed("small")
        found = {u.username: u for u in User.objects.all()}
        free = list(Person.objects.filter(account__isnull=True)[:2])
        for name, person in zip(("anna", "ben"), free, strict=True):
            found[name] = user_create(
                username=name, password="x", role="resident", person=person, check_password=False
            )
        micro = found["grid_worker"].bindings.get().grid
        point = {"lat": micro.centroid_lat, "lng": micro.centroid_lng}
        chief = found["grid_worker"]

        def report(code, title, *, north_m=0.0, days_ago=0, actor=chief):
            return services.case_report(
                actor=actor,
                category=Category.objects.get(code=code),
                title=title,
                lat=point["lat"] + north_m / METRES_PER_DEGREE,
                lng=point["lng"],
                at=clock.now() - timedelta(days=days_ago),
            )

        cases = {
            "garbage": report("garbage", "路口垃圾堆放 13800138000", north_m=50),
            "sanitation": report("sanitation", "公厕脏乱", north_m=120),
            "far": report("garbage", "远处垃圾", north_m=400),
            "old": report("garbage", "上个月的垃圾", days_ago=31),
            "dispute": report("neighbour_dispute", "邻居漏水吵架"),
            "noise": report("noise", "广场舞噪音"),
            "mine": report("garbage", "我自己报的垃圾", actor=found["anna"]),
            "rejected": report("garbage", "已驳回的垃圾"),
        }
        services.case_reject(actor=found["admin"], case_id=cases["rejected"].pk, reason="重复")
        yield {**found, "point": point, "cases": cases}
        transaction.set_rollback(True)


@pytest.fixture
def c(county, db):
    return county


def _near(c, group="environment", actor=None):
    return metoo.public_cases_near(
        **c["point"], category_codes=resident_groups.group_codes(group), actor=actor
    )


def test_nearby_offers_open_public_cases_nearest_first_when_group_matches(c):
    shown = _near(c)
    assert [row["code"] for row in shown] == [
        c["cases"]["mine"].code,
        c["cases"]["garbage"].code,
        c["cases"]["sanitation"].code,
    ]
    assert shown[1]["distance_m"] == 50 and shown[1]["supporters"] == 0
    assert "13800138000" not in shown[1]["title"]  # free text leaves redacted


def test_nearby_leaves_out_far_old_closed_and_own_cases_when_listing(c):
    codes = {row["code"] for row in _near(c, actor=c["anna"])}
    for name in ("far", "old", "rejected", "mine"):
        assert c["cases"][name].code not in codes, name


def test_nearby_never_offers_disputes_or_private_matters_when_group_is_theirs(c):
    assert _near(c, "neighbours") == []
    assert _near(c, "noise") == []  # noise is a matter between people: not public (Open311)
    assert _near(c, "unknown-group") == []


def test_support_is_logged_once_and_counted_from_the_log_when_resident_says_me_too(c):
    case = c["cases"]["garbage"]
    before = Case.objects.get(pk=case.pk)
    metoo.case_support(actor=c["anna"], case_id=case.pk)
    metoo.case_support(actor=c["ben"], case_id=case.pk)
    with pytest.raises(Conflict) as caught:
        metoo.case_support(actor=c["anna"], case_id=case.pk)
    assert caught.value.code == "already_supported"
    events = CaseEvent.objects.filter(case=case, action="support")
    assert sorted(e.actor.username for e in events) == ["anna", "ben"]
    assert all(e.changes == {} and e.to_status == before.status for e in events)
    after = Case.objects.get(pk=case.pk)
    assert (after.status, after.level) == (before.status, before.level)
    assert metoo.support_count(after) == 2
    shown = {row["code"]: row for row in _near(c, actor=c["anna"])}
    assert shown[case.code]["supporters"] == 2 and shown[case.code]["supported"]
    values = Case.objects.filter(pk=case.pk).values(*ROW_VALUES).get()
    assert verify_case(values, list(case.events.order_by("seq"))) == []


def test_support_is_refused_when_not_a_resident_or_not_public_or_own(c):
    cases = c["cases"]
    with pytest.raises(NotAllowed):
        metoo.case_support(actor=c["village_centre"], case_id=cases["garbage"].pk)
    for name in ("dispute", "noise"):
        with pytest.raises(NotFound):
            metoo.case_support(actor=c["anna"], case_id=cases[name].pk)
    with pytest.raises(Conflict) as caught:
        metoo.case_support(actor=c["anna"], case_id=cases["mine"].pk)
    assert caught.value.code == "own_case"
    with pytest.raises(Conflict) as caught:
        metoo.case_support(actor=c["anna"], case_id=cases["rejected"].pk)
    assert caught.value.code == "case_closed"
    assert not CaseEvent.objects.filter(action="support").exists()


def test_supporter_follows_the_case_but_does_not_see_the_staff_page_when_supported(c):
    case = c["cases"]["sanitation"]
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(c["ben"])
    assert client.get(f"/h5/following/{case.code}/").status_code == 404
    response = client.post(f"/h5/cases/{case.code}/support/")
    assert response.status_code == 302 and response.url == f"/h5/following/{case.code}/"
    page = client.get(response.url)
    assert page.status_code == 200 and "公厕脏乱" in page.content.decode()
    assert case.code in client.get("/h5/").content.decode()
    assert notify.followers(case) == [c["ben"]]  # told of its steps (the reporter is staff)
    assert client.get(f"/h5/cases/{case.code}/").status_code == 404  # the reporter's page
    assert client.get(f"/api/v1/cases/{case.code}").status_code == 404
    again = client.post(f"/h5/cases/{case.code}/support/", follow=True)
    assert "already" in again.content.decode()


def test_api_support_counts_once_when_resident_posts(c):
    case = c["cases"]["garbage"]
    client = Client()
    client.force_login(c["anna"])
    first = client.post(f"/api/v1/cases/{case.code}/support")
    assert first.status_code == 200
    assert first.json() == {"code": case.code, "supporters": 1, "following": True}
    second = client.post(f"/api/v1/cases/{case.code}/support")
    assert second.status_code == 409 and second.json()["code"] == "already_supported"
    assert client.post("/api/v1/cases/SJ000/support").status_code == 404
    staff = Client()
    staff.force_login(c["village_centre"])
    assert staff.post(f"/api/v1/cases/{case.code}/support").status_code == 403


def test_nearby_fragment_offers_me_too_when_group_and_point_are_set(c):
    client = Client()
    response = client.get(
        "/h5/nearby/", {"group": "environment", **c["point"]}, HTTP_ACCEPT_LANGUAGE="en"
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert c["cases"]["garbage"].code in body and "Me too" in body
    assert c["cases"]["dispute"].code not in body
    bad = client.get("/h5/nearby/", {"group": "environment", "lat": "x", "lng": "1"})
    assert bad.status_code == 200 and "Me too" not in bad.content.decode()


def test_every_category_is_offered_in_some_group_when_resident_picks(c):
    offered = {cat.code for g in resident_groups.resident_groups() for cat in g["categories"]}
    active = set(
        Category.objects.filter(is_active=True, parent__isnull=False).values_list("code", flat=True)
    )
    assert offered == active
    assert [g["key"] for g in resident_groups.resident_groups()][-1] == resident_groups.OTHER
