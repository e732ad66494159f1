"""Real concurrency on PostgreSQL: threads released together by a barrier, one connection each."""

import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from fengqiao.accounts.services import user_create
from fengqiao.cases import services, sweeps
from fengqiao.cases.models import Case, CaseEvent, Notification, Status
from fengqiao.core import clock
from fengqiao.core.errors import Conflict

# SQLite serialises writers on one file lock, so these races cannot happen there; the
# condition is a string so it is read at run time, once the test database is chosen.
pytestmark = [
    pytest.mark.skipif(
        "connection.vendor != 'postgresql'",
        reason="needs concurrent transactions with row locks (runs in the PostgreSQL pass)",
    ),
    pytest.mark.django_db(transaction=True),
]


# Sweeps cover every case: run them before the demo's seeded history (the last year) begins.
BEFORE_HISTORY = datetime(2024, 10, 9, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def race(*calls, timeout: float = 30):
    """Run each call in its own thread, all released at once; return (results, errors)."""
    barrier = threading.Barrier(len(calls))
    results, errors = [None] * len(calls), [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(timeout)
            results[index] = call()
        except Exception as exc:
            errors[index] = exc
        finally:
            connection.close()  # this thread's connection, or the test database stays in use

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    return results, errors


def report(world, **extra):
    return services.case_report(
        actor=world["grid_worker"],
        category=world["garbage"],
        title="小区门口垃圾堆放无人清理",
        **world["point"],
        **extra,
    )


def dispatched(world):
    case = report(world)
    case = services.case_accept(actor=world["grid_chief"], case_id=case.pk)
    return services.case_dispatch(
        actor=world["grid_chief"], case_id=case.pk, unit_id=world["police"].pk
    )


def test_exactly_one_claim_wins_when_two_handlers_claim_at_once(world):
    colleague = user_create(
        username="handler_2",
        password="fengqiao-demo",
        role="handler",
        jurisdiction=[world["police"].region.code],
        check_password=False,
    )
    world["police"].members.add(colleague)
    case = dispatched(world)
    handlers = [world["handler"], colleague]

    results, errors = race(
        *[lambda who=who: services.case_claim(actor=who, case_id=case.pk) for who in handlers]
    )

    winners = [r for r in results if r is not None]
    assert len(winners) == 1
    [error] = [e for e in errors if e is not None]
    assert isinstance(error, Conflict) and error.code == "illegal_transition"
    case.refresh_from_db()
    assert case.status == Status.CLAIMED
    assert case.assignee == winners[0].assignee
    assert case.events.filter(action="claim").count() == 1
    assert services.verify_log(case) == []


def test_codes_are_distinct_and_sequential_when_twenty_reports_arrive_at_once(world):
    results, errors = race(*[lambda: report(world) for _ in range(20)])

    assert errors == [None] * 20
    codes = sorted(case.code for case in results)
    assert len(set(codes)) == 20
    serials = [int(code[-4:]) for code in codes]
    assert serials == list(range(serials[0], serials[0] + 20))
    assert len({code[:10] for code in codes}) == 1  # one day's counter


def test_one_case_is_made_when_the_same_client_id_is_sent_twice_at_once(world):
    results, errors = race(*[lambda: report(world, client_id="phone-1:0001") for _ in range(2)])

    assert errors == [None, None]
    assert results[0].pk == results[1].pk
    assert Case.objects.filter(client_id="phone-1:0001").count() == 1
    assert CaseEvent.objects.filter(case=results[0], action="report").count() == 1


def test_case_escalates_once_when_two_workers_sweep_at_once(world):
    clock.freeze(BEFORE_HISTORY)
    case = report(world)
    later = case.due_at + timedelta(minutes=5)

    results, errors = race(*[lambda: sweeps.sweep_escalations(later) for _ in range(2)])

    assert errors == [None, None]
    assert sorted(results) == [0, 1]
    case.refresh_from_db()
    assert case.events.filter(action="escalate").count() == 1
    assert services.verify_log(case) == []


def test_warning_is_sent_once_when_two_workers_sweep_at_once(world):
    clock.freeze(BEFORE_HISTORY)
    case = report(world)
    clock.freeze(case.warn_at + timedelta(minutes=1))

    results, errors = race(*[lambda: sweeps.sweep_warnings() for _ in range(2)])

    assert errors == [None, None]
    assert sorted(results) == [0, 1]
    assert Notification.objects.filter(case=case, kind="warning").count() == 1
