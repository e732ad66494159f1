"""Fixtures for notices: residents in two villages (two in village A), a notice factory."""

import pytest
from django.core.cache import cache
from django.db import connection

from fengqiao.accounts.services import user_create
from fengqiao.regions.models import Region
from fengqiao.registry.models import Person

TABLE = "participation_noticeevent"


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _no_demo_notices(users):
    """The demo county comes with published notices; these tests make their own. Their log
    is append-only, so the guard is lifted for this (inside the test's transaction)."""
    from fengqiao.participation.models import Notice, NoticeEvent

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER notice_event_no_change")
        else:
            cursor.execute("DROP TRIGGER notice_event_no_delete")
        NoticeEvent.objects.all().delete()
        Notice.objects.all().delete()
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"ALTER TABLE {TABLE} ENABLE TRIGGER notice_event_no_change")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        else:
            cursor.execute(
                f"CREATE TRIGGER notice_event_no_delete BEFORE DELETE ON {TABLE} "
                "BEGIN SELECT RAISE(ABORT, 'notice events are append-only'); END"
            )


def _resident(username: str, person: Person):
    return user_create(
        username=username,
        password="fengqiao-demo",  # noqa: S106 - the public demo password
        role="resident",
        person=person,
        display_name=person.name,
        check_password=False,
    )


@pytest.fixture
def village_a(users) -> Region:
    return Region.objects.get(code=users["village_centre"].bindings.get().code)


@pytest.fixture
def village_b(users) -> Region:
    return Region.objects.get(code=users["village_centre_b"].bindings.get().code)


@pytest.fixture
def residents(users, village_a, village_b) -> dict:
    """alice and bob live in village A, carol in village B (people of the demo county)."""
    in_a = Person.objects.filter(region_code__startswith=village_a.code, account__isnull=True)
    in_b = Person.objects.filter(region_code__startswith=village_b.code, account__isnull=True)
    first_a, second_a = in_a.order_by("pk")[:2]
    return {
        "alice": _resident("alice", first_a),
        "bob": _resident("bob", second_a),
        "carol": _resident("carol", in_b.order_by("pk").first()),
    }


@pytest.fixture
def make_notice(users, django_capture_on_commit_callbacks):
    """make_notice(region, title=…, publish=True): a notice made through the services, the
    cache invalidation (on commit) run as in production."""
    from fengqiao.participation import services

    def make(region, *, title="通知", body="正文", category="village", publish=True, pinned=False):
        with django_capture_on_commit_callbacks(execute=True):
            notice = services.notice_create(
                actor=users["admin"],
                region_code=region.code,
                category=category,
                title=title,
                body=body,
                is_pinned=pinned,
            )
            if publish:
                notice = services.notice_publish(actor=users["admin"], notice_id=notice.pk)
        return notice

    return make
