"""The worker's sweeps: warnings, escalation on breach and auto close, each exactly once."""

import os
import signal
import threading
from datetime import datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from fengqiao.cases import services, sweeps
from fengqiao.cases.models import Case, Level, Notification, SlaRule, Status
from fengqiao.core import clock
from fengqiao.core.configcache import config_changed

SH = ZoneInfo("Asia/Shanghai")
REPORTED_AT = datetime(2024, 10, 9, 10, 0, tzinfo=SH)  # a Wednesday
ACCEPT_DUE = datetime(2024, 10, 10, 10, 0, tzinfo=SH)  # grid level: 1 working day
ACCEPT_WARN = datetime(2024, 10, 9, 16, 45, tzinfo=SH)  # 5.25 office hours in


def report(world, when=REPORTED_AT):
    clock.freeze(when)
    return services.case_report(
        actor=world["resident"],
        category=world["garbage"],
        title="小区门口垃圾堆放无人清理",
        channel="portal",
        **world["point"],
    )


def verified(world, when=REPORTED_AT):
    case = report(world, when)
    case = services.case_accept(actor=world["grid_chief"], case_id=case.pk)
    case = services.case_dispatch(
        actor=world["grid_chief"], case_id=case.pk, unit_id=world["police"].pk
    )
    case = services.case_claim(actor=world["handler"], case_id=case.pk)
    case = services.case_resolve(actor=world["handler"], case_id=case.pk, result="已清运")
    return services.case_verify(actor=world["grid_worker"], case_id=case.pk)


def warnings_for(case):
    return Notification.objects.filter(case=case, kind="warning")


# -- escalation ---------------------------------------------------------------------------


def test_case_escalates_by_itself_when_left_untouched_past_its_deadline(
    world, django_capture_on_commit_callbacks
):
    case = report(world)
    assert case.due_at == ACCEPT_DUE
    later = ACCEPT_DUE + timedelta(hours=1)
    clock.freeze(later)

    with django_capture_on_commit_callbacks(execute=True):
        assert sweeps.sweep_escalations() == 1

    case.refresh_from_db()
    assert (case.status, case.level) == (Status.ACCEPTED, Level.VILLAGE)
    event = case.events.order_by("-seq").first()
    assert (event.action, event.actor, event.actor_label) == ("escalate", None, "system")
    assert (event.from_level, event.to_level, event.at) == (Level.GRID, Level.VILLAGE, later)
    assert event.note == sweeps.ESCALATION_REASON
    assert case.due_at > later  # the village's own deadline, counted from the escalation
    assert services.verify_log(case) == []
    told = Notification.objects.filter(case=case, kind=Status.ACCEPTED)
    assert world["village_centre"] in [n.recipient for n in told]


def test_escalation_happens_once_when_the_sweep_runs_twice(world):
    case = report(world)
    clock.freeze(ACCEPT_DUE + timedelta(minutes=5))
    assert sweeps.sweep_escalations() == 1
    assert sweeps.sweep_escalations() == 0
    # a "restart": a new pass at a later instant, still before the village deadline
    assert sweeps.run_all(ACCEPT_DUE + timedelta(minutes=30))["escalations"] == 0
    case.refresh_from_db()
    assert case.level == Level.VILLAGE
    assert case.events.filter(action="escalate").count() == 1


def test_case_escalates_again_when_the_new_level_deadline_passes_too(world):
    case = report(world)
    clock.freeze(ACCEPT_DUE + timedelta(minutes=5))
    sweeps.sweep_escalations()
    case.refresh_from_db()
    clock.freeze(case.due_at + timedelta(minutes=5))
    assert sweeps.sweep_escalations() == 1
    case.refresh_from_db()
    assert case.level == Level.TOWNSHIP
    assert list(case.events.values_list("action", flat=True)) == ["report", "escalate", "escalate"]


def test_nothing_escalates_when_the_deadline_has_not_passed(world):
    case = report(world)
    clock.freeze(ACCEPT_DUE - timedelta(minutes=1))
    assert sweeps.sweep_escalations() == 0
    clock.freeze(ACCEPT_DUE)  # due_at itself is not yet overdue
    assert sweeps.sweep_escalations() == 0
    case.refresh_from_db()
    assert case.level == Level.GRID


def test_overdue_case_stays_at_county_when_there_is_no_level_above(world):
    case = report(world)
    for _ in range(3):
        case = services.case_escalate(actor=world["county_centre"], case_id=case.pk, reason="协调")
    assert case.level == Level.COUNTY
    clock.freeze(case.due_at + timedelta(days=1))

    assert sweeps.sweep_escalations() == 0

    case.refresh_from_db()
    assert case.level == Level.COUNTY and case.status == Status.ACCEPTED
    from fengqiao.cases.selectors import case_list

    assert case in case_list(actor=world["county_centre"], queue="overdue")


def test_overdue_case_is_left_when_its_rule_does_not_escalate(world):
    SlaRule.objects.filter(category=None, level=Level.GRID).update(escalate_on_breach=False)
    config_changed()  # QuerySet.update() sends no signal
    case = report(world)
    clock.freeze(ACCEPT_DUE + timedelta(hours=1))
    assert sweeps.sweep_escalations() == 0
    case.refresh_from_db()
    assert case.level == Level.GRID


def test_claimed_case_escalates_and_leaves_its_unit_when_resolving_is_overdue(world):
    case = report(world)
    case = services.case_accept(actor=world["grid_chief"], case_id=case.pk)
    case = services.case_dispatch(
        actor=world["grid_chief"], case_id=case.pk, unit_id=world["police"].pk
    )
    case = services.case_claim(actor=world["handler"], case_id=case.pk)
    clock.freeze(case.due_at + timedelta(seconds=1))
    assert sweeps.sweep_escalations() == 1
    case.refresh_from_db()
    assert (case.status, case.level, case.unit, case.assignee) == (
        Status.ACCEPTED,
        Level.VILLAGE,
        None,
        None,
    )


# -- warnings -----------------------------------------------------------------------------


def test_warning_is_sent_once_when_a_case_is_due_soon(world, django_capture_on_commit_callbacks):
    case = report(world)
    assert case.warn_at == ACCEPT_WARN
    clock.freeze(ACCEPT_WARN - timedelta(minutes=1))
    assert sweeps.sweep_warnings() == 0

    clock.freeze(ACCEPT_WARN + timedelta(minutes=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert sweeps.sweep_warnings() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert sweeps.sweep_warnings() == 0
        assert sweeps.run_all()["warnings"] == 0  # after a "restart"

    sent = list(warnings_for(case))
    assert [n.recipient for n in sent] == [world["grid_chief"]]
    assert case.code in sent[0].message
    case.refresh_from_db()
    assert case.warned_for == sweeps.warning_key(case)


def test_warning_is_sent_again_when_the_case_reaches_a_new_stage(
    world, django_capture_on_commit_callbacks
):
    case = report(world)
    clock.freeze(ACCEPT_WARN + timedelta(minutes=1))
    with django_capture_on_commit_callbacks(execute=True):
        sweeps.sweep_warnings()
        case = services.case_accept(actor=world["grid_chief"], case_id=case.pk)
        case = services.case_dispatch(
            actor=world["grid_chief"], case_id=case.pk, unit_id=world["police"].pk
        )
    assert case.warned_for == ""
    clock.freeze(case.warn_at + timedelta(minutes=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert sweeps.sweep_warnings() == 1
        assert sweeps.sweep_warnings() == 0
    assert [n.recipient for n in warnings_for(case).order_by("created_at")] == [
        world["grid_chief"],
        world["handler"],
    ]


def test_no_warning_is_sent_when_the_case_is_already_overdue(world):
    report(world)
    clock.freeze(ACCEPT_DUE + timedelta(minutes=1))
    assert sweeps.sweep_warnings() == 0


def test_warning_is_not_claimed_when_another_worker_got_there_first(world):
    case = report(world)
    Case.objects.filter(pk=case.pk).update(warned_for=sweeps.warning_key(case))
    clock.freeze(ACCEPT_WARN + timedelta(minutes=1))
    assert sweeps.sweep_warnings() == 0
    assert not warnings_for(case).exists()


def test_warning_key_fits_the_column_when_due_at_has_microseconds(world):
    case = report(world, REPORTED_AT.replace(microsecond=123456))
    key = sweeps.warning_key(case)
    assert len(key) <= Case._meta.get_field("warned_for").max_length
    assert key == sweeps.warning_key(Case.objects.get(pk=case.pk))  # Python and DB agree


# -- auto close -----------------------------------------------------------------------------


def test_verified_case_is_closed_by_the_system_when_nobody_rates_it_within_seven_days(world):
    case = verified(world)
    verified_at = case.stage_started_at
    assert sweeps.sweep_auto_close(verified_at + timedelta(days=6, hours=23)) == 0

    clock.freeze(verified_at + timedelta(days=7, minutes=1))
    assert sweeps.sweep_auto_close() == 1
    assert sweeps.sweep_auto_close() == 0

    case.refresh_from_db()
    assert case.status == Status.CLOSED and case.closed_at is not None
    event = case.events.order_by("-seq").first()
    assert (event.action, event.actor, event.actor_label) == ("close", None, "system")
    assert event.note == sweeps.AUTO_CLOSE_REASON


def test_unhappy_rating_is_left_for_the_centre_when_seven_days_pass(world):
    case = verified(world)
    case = services.case_rate(actor=world["resident"], case_id=case.pk, rating=2, comment="没扫")
    clock.freeze(case.stage_started_at + timedelta(days=30))
    assert sweeps.sweep_auto_close() == 0
    case.refresh_from_db()
    assert case.status == Status.VERIFIED


# -- one pass of everything, and the worker command ---------------------------------------------


def test_run_all_repeats_nothing_when_run_again_after_a_restart(world):
    due_soon = report(world)
    clock.freeze(REPORTED_AT - timedelta(days=3))
    overdue = report(world, REPORTED_AT - timedelta(days=3))
    old = verified(world, REPORTED_AT - timedelta(days=10))
    now = ACCEPT_WARN + timedelta(minutes=1)
    clock.freeze(now)

    assert sweeps.run_all() == {"warnings": 1, "escalations": 1, "closed": 1, "digests": 0}
    assert sweeps.run_all() == {"warnings": 0, "escalations": 0, "closed": 0, "digests": 0}

    for case in (due_soon, overdue, old):
        case.refresh_from_db()
        assert services.verify_log(case) == []
    assert (overdue.level, old.status, due_soon.warned_for != "") == (
        Level.VILLAGE,
        Status.CLOSED,
        True,
    )


def test_worker_runs_one_pass_when_asked_once(world):
    report(world)
    clock.freeze(ACCEPT_DUE + timedelta(hours=1))
    out = StringIO()
    call_command("worker", "--once", stdout=out)
    # The case sweeps come first; other apps' sweeps (FENGQIAO_SWEEPS) follow.
    assert out.getvalue().strip().startswith("sweeps: warnings 0, escalations 1, closed 0, ")
    call_command("worker", "--once", stdout=out)
    assert (
        out.getvalue().splitlines()[-1].startswith("sweeps: warnings 0, escalations 0, closed 0, ")
    )


def test_worker_stops_after_the_pass_when_it_gets_sigterm(world, caplog):
    case = report(world)
    clock.freeze(ACCEPT_DUE + timedelta(hours=1))
    timer = threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGTERM))
    timer.start()
    before = signal.getsignal(signal.SIGTERM)
    try:
        with caplog.at_level("INFO", logger="fengqiao.worker"):
            call_command("worker", "--interval", "0.05")
    finally:
        timer.cancel()
    assert signal.getsignal(signal.SIGTERM) == before  # handlers restored
    messages = [r.getMessage() for r in caplog.records]
    assert any(m.startswith("sweep pass: warnings 0, escalations 1, closed 0, ") for m in messages)
    assert messages[-1] == "worker stopped"
    case.refresh_from_db()
    assert case.events.filter(action="escalate").count() == 1


def test_worker_refuses_when_the_interval_is_not_positive(db):
    with pytest.raises(CommandError):
        call_command("worker", "--interval", "0")
