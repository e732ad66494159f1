"""The demo case history: made by the real services, so every log verifies and every step
was a legal transition; spread over channels, categories and levels; with the odd cases
(escalated, reopened, merged, rejected, overdue) a demo needs. The disputes and petitions
made beside it (tests in test_mediation_history) share its timeline and its case numbers."""

from collections import Counter, defaultdict
from datetime import datetime, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from fengqiao.accounts.models import User
from fengqiao.cases import services, workflow
from fengqiao.cases.models import (
    LEVEL_ORDER,
    OPEN_STATUSES,
    Case,
    CaseEvent,
    Channel,
    HandlingUnit,
    Kind,
    Level,
    Status,
)
from fengqiao.core import clock
from fengqiao.core.roles import Role
from fengqiao.demo.cases import history as case_history
from fengqiao.demo.cases.setup import HISTORY_CASES
from fengqiao.demo.seed import seed
from fengqiao.regions.locator import grids_changed

pytestmark = pytest.mark.django_db

FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]
HISTORY_NOW = datetime(2026, 12, 2, 6, 50, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(scope="module")
def history(django_db_setup, django_db_blocker):
    """seed("small") once for the module (rolled back at the end); the history's summary."""
    results = []
    real = case_history.generate_case_history

    def spy(**kwargs):
        results.append(real(**kwargs))
        return results[-1]

    with (
        django_db_blocker.unblock(),
        override_settings(
            PASSWORD_HASHERS=FAST_HASHER,
            FENGQIAO_DEMO_CASE_HISTORY=True,
            FENGQIAO_DEMO_FIELDWORK=False,  # its patrols and campaigns raise cases too
        ),
        mock.patch("fengqiao.demo.cases.setup.generate_case_history", spy),
        transaction.atomic(),
    ):
        # A fixed "now": which cases climb to the county depends on where the year's working
        # days and office hours fall, so a history ending at the real time varied by the hour.
        clock.freeze(HISTORY_NOW)
        try:
            seed("small")
        finally:
            clock.freeze(None)
        yield results[0]
        transaction.set_rollback(True)
    grids_changed()


def _events_by_case():
    by_case = defaultdict(list)
    for event in CaseEvent.objects.order_by("case_id", "seq"):
        by_case[event.case_id].append(event)
    return by_case


def _general():
    return Case.objects.filter(kind=Kind.GENERAL)


def test_small_seed_makes_the_history_without_refusals(history):
    assert history["cases"] == HISTORY_CASES["small"] == _general().count()
    assert history["failures"] == []
    events = CaseEvent.objects.filter(case__kind=Kind.GENERAL).count()
    assert history["events"] == events > 5 * history["cases"]
    assert history["elapsed_seconds"] < 30  # ~3 s on an idle laptop


def test_cases_spread_over_channels_categories_levels_and_the_year(history):
    cases = _general()
    channels = Counter(cases.values_list("channel", flat=True))
    assert len(channels) >= 6
    assert channels.most_common(1)[0][0] == Channel.GRID_APP
    assert {Channel.HOTLINE, Channel.PORTAL} <= set(channels)
    assert cases.values("category").distinct().count() >= 10
    assert cases.values("village").distinct().count() == 4  # every village of the small county
    assert {Level.VILLAGE, Level.TOWNSHIP, Level.COUNTY} <= set(
        cases.values_list("level", flat=True)
    )
    now = HISTORY_NOW
    first = cases.order_by("reported_at").first().reported_at
    assert now - timedelta(days=366) < first < now - timedelta(days=60)
    assert cases.filter(reported_at__gte=now - timedelta(days=3)).exists()
    assert not cases.filter(reported_at__gt=now).exists()
    assert cases.filter(reporter__role=Role.RESIDENT).exists()
    assert cases.filter(reporter__role=Role.GRID_CHIEF).exists()
    titles = set(cases.values_list("title", flat=True))
    assert len(titles) > 30 and all(titles)


def test_every_log_verifies(history):
    for case in Case.objects.all():
        assert services.verify_log(case) == [], case.code


def test_every_status_change_is_a_legal_transition(history):
    """For every case of every kind (disputes and petitions have their own steps)."""
    cases = {c.pk: c for c in Case.objects.all()}
    for case_id, events in _events_by_case().items():
        case = cases[case_id]
        table = workflow.table_for(case.kind)
        report, *steps = events
        assert (report.action, report.from_status, report.to_status) == ("report", "", "reported")
        assert report.at == case.reported_at
        status, level, at = Status.REPORTED, report.to_level, report.at
        for event in steps:
            step = table.get((status, event.action))
            assert step is not None, f"{case.code}: {event.action} from {status}"
            assert event.from_status == status and event.from_level == level
            if event.action == "rate":  # a satisfied rating closes the case
                rating = event.data["rating"]
                expected = Status.CLOSED if rating >= workflow.SATISFIED_FROM else status
            else:
                expected = step.to or status
            assert event.to_status == expected, f"{case.code}: {event.action}"
            if event.action == "escalate":
                assert event.to_level == workflow.next_level(level)
            else:
                assert event.to_level == level
            if event.actor_id is None:
                assert step.system and event.actor_label == "system"
            assert event.at >= at, f"{case.code}: #{event.seq} goes back in time"
            status, level, at = event.to_status, event.to_level, event.at
        assert (case.status, case.level) == (status, level)


def test_the_history_has_the_cases_a_demo_needs(history):
    escalations = CaseEvent.objects.filter(action="escalate")
    by_sweep = escalations.filter(actor__isnull=True)
    assert by_sweep.exists() and escalations.filter(actor__isnull=False).exists()
    assert by_sweep.values("case").distinct().count() == history["escalated_by_sweep"]
    assert CaseEvent.objects.filter(action="reopen").exists()
    assert CaseEvent.objects.filter(action="return").exists()
    assert CaseEvent.objects.filter(action="transfer").exists()
    assert CaseEvent.objects.filter(action="approve_extension").exists()
    assert _general().filter(status=Status.REJECTED).exists()
    merged = Case.objects.filter(status=Status.MERGED)
    assert merged.exists()
    for case in merged:
        assert case.master is not None and case.master.category_id == case.category_id
        assert case.master.events.filter(action="note", data__merged=case.code).exists()
        # Reported while its master was open, near it and in the same words: flagged.
        report = case.events.get(seq=1)
        assert case.master.code in [c["code"] for c in report.data["candidates"]]
    rated = _general().filter(rating__isnull=False)
    assert rated.exists()
    assert rated.filter(rating__gte=4).count() > rated.count() // 2
    # An unhappy rating (1-2) reopens the case, or the centre closes it with a reason.
    assert CaseEvent.objects.filter(action="rate", data__rating__lte=2).exists()
    for case in rated.filter(rating__lte=2):
        assert case.status in (Status.VERIFIED, Status.CLOSED)
    assert _general().filter(status=Status.CLOSED).count() > _general().count() // 2
    open_cases = _general().filter(status__in=OPEN_STATUSES)
    assert open_cases.count() >= 2
    overdue = open_cases.filter(due_at__lt=HISTORY_NOW)
    assert overdue.exists() and overdue.count() == history["overdue_open"]
    # What nobody acted on climbed to the county by itself and waits there.
    assert overdue.filter(level=Level.COUNTY).exists()


def test_case_numbers_run_in_report_order_within_each_day(history):
    """Across kinds too: disputes and petitions are made on the same timeline."""
    assert Case.objects.exclude(kind=Kind.GENERAL).exists()
    by_day = defaultdict(list)
    for code, reported_at in Case.objects.values_list("code", "reported_at"):
        assert code.startswith("SJ") and len(code) == 14
        day = code[2:10]
        assert day == f"{timezone.localtime(reported_at).date():%Y%m%d}"
        by_day[day].append((int(code[10:]), reported_at))
    for day, numbers in by_day.items():
        numbers.sort()
        assert [n for n, _at in numbers] == list(range(1, len(numbers) + 1)), day
        times = [at for _n, at in numbers]
        assert times == sorted(times), day


def test_generated_staff_act_within_their_jurisdiction(history):
    generated = User.objects.filter(username__startswith="gen_")
    assert generated.count() == history["accounts_created"] > 0
    for user in generated:
        assert not user.has_usable_password()
        if user.role == Role.RESIDENT:
            assert user.person_id is not None and not user.bindings.exists()
        else:
            assert user.bindings.count() == 1
    for unit in HandlingUnit.objects.filter(cases__isnull=False).distinct():
        assert unit.members.exists()
    # The demo accounts take part, so the demo workbench has something to show.
    actors = set(CaseEvent.objects.values_list("actor__username", flat=True))
    assert {"village_centre", "grid_chief", "town_centre", "county_centre"} & actors
    residents = User.objects.filter(role=Role.RESIDENT, reported_cases__isnull=False)
    assert 0 < residents.distinct().count() <= 2 * 4


def test_levels_only_go_up(history):
    order = {level: i for i, level in enumerate(LEVEL_ORDER)}
    for case in Case.objects.all():
        assert order[case.level] >= order[case.category.start_level]


def test_same_seed_same_history_and_the_clock_is_restored(history):
    """Twice the same generation (each rolled back): the same cases; a frozen clock stays."""
    now = timezone.now().replace(microsecond=0)
    frozen = now - timedelta(days=1)

    def run():
        with transaction.atomic():
            result = case_history.generate_case_history(count=6, seed=7, now=now)
            rows = list(
                Case.objects.filter(pk__gt=last)
                .order_by("code")
                .values_list("code", "title", "channel", "status", "level")
            )
            transaction.set_rollback(True)
        return result, rows

    last = Case.objects.order_by("-pk").values_list("pk", flat=True).first()
    clock.freeze(frozen)
    try:
        first, rows = run()
        assert clock.now() == frozen
        second, again = run()
    finally:
        clock.freeze(None)
    assert first["cases"] == 6 and first["failures"] == []
    assert rows == again and len(rows) == 6
