"""Work-first home pages and role menus: each role lands on its work, counts come from the
scoped selectors, and the menu table gives each role only the pages it uses."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from fengqiao.accounts import menus
from fengqiao.cases.intake import case_report
from fengqiao.cases.models import (
    OPEN_STATUSES,
    Case,
    Category,
    Channel,
    Status,
    case_overdue_q,
)
from fengqiao.cases.services import case_accept, case_escalate
from fengqiao.core import clock
from fengqiao.core.roles import Role
from fengqiao.mediation import home as mediation_home
from fengqiao.mediation.models import FollowUp, MediationSession


def signed_in(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    ("username", "target"),
    [
        ("grid_worker", "/m/"),
        ("resident", "/h5/"),
        ("leader", "/insight/"),
        ("handler", "/cases/inbox/"),
        ("court", "/cases/inbox/"),
        ("admin", "/admin/"),
    ],
)
def test_home_redirects_to_the_roles_work_when_it_lives_elsewhere(users, username, target):
    response = signed_in(users[username]).get("/")
    assert response.status_code == 302
    assert response["Location"] == target
    assert signed_in(users[username]).get(target).status_code == 200


@pytest.mark.parametrize("username", ["village_centre", "town_centre", "county_centre", "mediator"])
def test_home_renders_when_role_works_from_it(users, username):
    response = signed_in(users[username]).get("/")
    assert response.status_code == 200
    assert users[username].label in response.content.decode()


def _report(users, village, title: str) -> Case:
    return case_report(
        actor=users["county_centre"],
        category=Category.objects.get(code="garbage"),
        title=title,
        channel=Channel.HOTLINE,
        village=village,
    )


@pytest.fixture
def queue_world(users):
    """Cases in village A (two new, one accepted, one escalated) and one new in village B."""
    village_a = users["village_centre"].bindings.get().region
    village_b = users["village_centre_b"].bindings.get().region
    _report(users, village_a, "楼道堆放垃圾")
    accepted = _report(users, village_a, "路灯不亮")
    case_accept(actor=users["village_centre"], case_id=accepted.pk)
    escalated = _report(users, village_a, "河道漂浮物")
    case_escalate(actor=users["village_centre"], case_id=escalated.pk, reason="本村处理不了")
    _report(users, village_b, "乙村占道经营")
    return users


def _expected_centre_counts(actor) -> dict[str, int]:
    """The queues counted again straight from the case rule and statuses (not the selector)."""
    now = clock.now()
    seen = Case.objects.visible_to(actor)
    return {
        "new": seen.filter(status=Status.REPORTED).count(),
        "to_dispatch": seen.filter(status=Status.ACCEPTED).count(),
        "overdue": seen.filter(case_overdue_q(now)).count(),
        "due_soon": seen.filter(
            status__in=OPEN_STATUSES, warn_at__lte=now, due_at__gte=now
        ).count(),
        "escalated": seen.filter(events__action="escalate", status__in=OPEN_STATUSES)
        .distinct()
        .count(),
    }


def _drawn_counts(html: str) -> dict[str, int]:
    import re

    found = re.findall(r'data-queue="([a-z_]+)"><b>(\d+)</b>', html)
    return {key: int(count) for key, count in found}


@pytest.mark.parametrize("days_later", [0, 30])
def test_centre_home_counts_todays_queues_in_its_jurisdiction(queue_world, days_later):
    users = queue_world
    clock.freeze(clock.now() + timedelta(days=days_later))  # a month on, the open ones are late
    county = _drawn_counts(signed_in(users["county_centre"]).get("/").content.decode())
    village = _drawn_counts(signed_in(users["village_centre"]).get("/").content.decode())
    other = _drawn_counts(signed_in(users["village_centre_b"]).get("/").content.decode())
    assert list(county) == ["new", "to_dispatch", "overdue", "due_soon", "escalated"]
    assert county == _expected_centre_counts(users["county_centre"])
    assert village == _expected_centre_counts(users["village_centre"])
    assert other == _expected_centre_counts(users["village_centre_b"])
    # A village sees part of the county's work, and none of another village's.
    assert village["new"] >= 1 and village["to_dispatch"] >= 1
    assert county["new"] >= village["new"] + other["new"]
    assert other["new"] >= 1 and other["to_dispatch"] == 0
    if days_later:
        assert village["overdue"] >= 3 and other["overdue"] >= 1


def test_centre_home_links_each_count_to_its_filtered_queue(users):
    html = signed_in(users["village_centre"]).get("/").content.decode()
    for key in ("new", "to_dispatch", "overdue", "due_soon", "escalated"):
        assert f'href="/cases/?queue={key}" data-queue="{key}"' in html


def test_mediator_home_shows_their_disputes_sessions_and_follow_ups(users):
    mediator = users["mediator"]
    panel = mediation_home.mediator_panel(user=mediator)
    start, end = mediation_home.week_bounds(clock.localdate())
    mine = Case.objects.visible_to(mediator).filter(
        kind="dispute", assignee=mediator, status__in=[Status.DISPATCHED, Status.CLAIMED]
    )
    sessions = MediationSession.objects.filter(
        mediator__user=mediator, starts_at__gte=start, starts_at__lt=end
    )
    due = FollowUp.objects.filter(
        dispute__mediator__user=mediator,
        done_at__isnull=True,
        due_on__lte=clock.localdate() + timedelta(days=7),
    )
    assert panel["dispute_count"] == mine.count()
    assert panel["session_count"] == sessions.count()
    assert panel["follow_up_count"] == due.count()
    html = signed_in(mediator).get("/").content.decode()
    assert 'id="home-mediator"' in html
    for dispute in panel["disputes"]:
        assert reverse("mediation:dispute", args=[dispute.case.code]) in html


def test_mediator_panel_counts_only_their_own_when_another_mediator_asks(users):
    """A centre account of the same township sees the disputes but has no mediator's week."""
    panel = mediation_home.mediator_panel(user=users["town_centre"])
    assert panel["session_count"] == 0 and panel["follow_up_count"] == 0
    assert 'id="home-mediator"' not in signed_in(users["town_centre"]).get("/").content.decode()


def test_home_sends_an_anonymous_visitor_to_sign_in(db):
    response = Client().get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


# --- menus ----------------------------------------------------------------------------------


def test_every_role_has_a_menu_of_known_pages():
    assert set(menus.MENUS) == set(Role.values)
    for role, keys in menus.MENUS.items():
        assert keys, role
        assert set(keys) <= set(menus.ITEMS), role
        assert len(set(keys)) == len(keys), role
        for key in keys:
            reverse(menus.ITEMS[key][0])  # every item names a page that exists


def test_menus_give_each_role_only_what_it_uses():
    assert menus.MENUS[Role.RESIDENT] == ("my_reports", "my_data")
    assert "configuration" not in menus.MENUS[Role.CENTRE_STAFF]
    assert "audit" in menus.MENUS[Role.ADMIN]
    assert "people" not in menus.MENUS[Role.LEADER]
    assert menus.MENUS[Role.HANDLER][0] == "inbox"
    assert menus.MENUS[Role.GRID_WORKER][0] == "grid_app"
    assert "mediation" in menus.MENUS[Role.MEDIATOR]
    assert "cases" not in menus.MENUS[Role.MEDIATOR]


@pytest.mark.parametrize(
    "username", ["admin", "village_centre", "leader", "handler", "mediator", "grid_chief"]
)
def test_header_draws_exactly_the_roles_menu(users, username):
    user = users[username]
    client = signed_in(user)
    page = client.get(reverse("regions:browse"), follow=True).content.decode()
    import re

    nav = re.search(r'<nav class="mainnav"[^>]*>(.*?)</nav>', page, re.S).group(1)
    drawn = re.findall(r'data-menu="([a-z_]+)"', nav)
    assert tuple(drawn) == menus.menu_keys(user)


def test_resident_header_shows_only_their_own_pages(users):
    html = signed_in(users["resident"]).get("/h5/").content.decode()
    import re

    nav = re.search(r'<nav class="mainnav"[^>]*>(.*?)</nav>', html, re.S)
    drawn = re.findall(r'data-menu="([a-z_]+)"', nav.group(1)) if nav else []
    assert "cases" not in drawn and "people" not in drawn


def test_configuration_is_left_out_when_account_may_not_open_admin(users):
    leader = users["leader"]
    assert leader.is_staff is False
    assert "configuration" not in menus.menu_keys(leader)
    assert menus.landing_for(leader) == "insight:dashboard"
