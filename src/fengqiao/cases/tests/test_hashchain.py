"""The case log is append-only and chained with a key: every path that could change it is shut or
seen."""

from datetime import datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from fengqiao.cases import hashchain, services
from fengqiao.cases.models import Case, CaseEvent
from fengqiao.core import clock

SH = ZoneInfo("Asia/Shanghai")


def handled_case(world):
    """A garbage case taken to verified: six events."""
    case = services.case_report(
        actor=world["grid_worker"],
        category=world["garbage"],
        title="小区门口垃圾堆放无人清理",
        **world["point"],
    )
    case = services.case_accept(actor=world["grid_chief"], case_id=case.pk)
    case = services.case_dispatch(
        actor=world["grid_chief"], case_id=case.pk, unit_id=world["police"].pk
    )
    case = services.case_claim(actor=world["handler"], case_id=case.pk)
    case = services.case_resolve(actor=world["handler"], case_id=case.pk, result="已清运")
    return services.case_verify(actor=world["grid_worker"], case_id=case.pk, note="现场已干净")


def allow_tampering(*, delete: bool = False) -> None:
    """Take the database's own guard away, as someone with the DBA password could. The test
    transaction rolls it back (DDL is transactional on SQLite and PostgreSQL)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("DROP TRIGGER case_event_no_update")
            if delete:
                cursor.execute("DROP TRIGGER case_event_no_delete")
        else:
            # ALTER TABLE waits for no deferred foreign-key check: run them now.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE cases_caseevent DISABLE TRIGGER case_event_no_change")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def raw(sql: str, params) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def verify_log_command(*codes: str) -> str:
    out = StringIO()
    call_command("verify-log", *codes, stdout=out)
    return out.getvalue()


def test_log_verifies_when_nobody_touched_it(world):
    case = handled_case(world)
    assert case.events.count() == 6
    assert services.verify_log(case) == []
    first, second = case.events.order_by("seq")[:2]
    assert first.prev_hash == hashchain.GENESIS
    assert second.prev_hash == first.hash


def test_log_verifies_when_the_event_time_was_given_in_local_time(world):
    # The database gives times back in UTC: what was hashed must be the same instant in UTC.
    clock.freeze(datetime(2024, 10, 9, 10, 0, 0, 123456, tzinfo=SH))
    case = handled_case(world)
    case = services.case_reopen(actor=world["grid_chief"], case_id=case.pk, reason="复查")
    case = services.case_escalate(
        actor=world["village_centre"],
        case_id=case.pk,
        reason="协调",
        at=datetime(2024, 10, 9, 11, 0, tzinfo=SH),
    )
    assert case.events.count() == 8
    assert services.verify_log(case) == []


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE cases_caseevent SET note = 'nothing happened' WHERE id = %s",
        "DELETE FROM cases_caseevent WHERE id = %s",
    ],
)
def test_database_refuses_the_change_when_sql_updates_or_deletes_an_event(world, sql):
    case = handled_case(world)
    event = case.events.get(seq=3)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        raw(sql, [event.pk])
    assert services.verify_log(case) == []


def test_orm_refuses_the_change_when_code_updates_or_deletes_events(world):
    case = handled_case(world)
    event = case.events.get(seq=2)
    with pytest.raises(PermissionError):
        CaseEvent.objects.filter(pk=event.pk).update(note="nothing happened")
    with pytest.raises(PermissionError):
        case.events.all().update(note="nothing happened")
    with pytest.raises(PermissionError):
        CaseEvent.objects.filter(case=case).delete()
    event.note = "nothing happened"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    assert services.verify_log(case) == []


def test_changed_note_is_reported_when_the_trigger_is_bypassed(world):
    case = handled_case(world)
    allow_tampering()
    raw(
        "UPDATE cases_caseevent SET note = %s WHERE case_id = %s AND seq = 5",
        ["处理不力，未清运", case.pk],
    )
    assert services.verify_log(case) == ["event #5 was changed after it was written"]


def test_rewritten_hash_is_reported_when_the_tamperer_recomputes_one_event(world):
    case = handled_case(world)
    allow_tampering()
    event = case.events.get(seq=4)
    event.note = "改写"
    raw(
        "UPDATE cases_caseevent SET note = %s, hash = %s WHERE id = %s",
        [event.note, hashchain.event_hash(event, event.prev_hash), event.pk],
    )
    assert services.verify_log(case) == ["event #5 does not follow the event before it"]


def test_missing_event_is_reported_when_a_middle_event_is_deleted(world):
    case = handled_case(world)
    allow_tampering(delete=True)
    raw("DELETE FROM cases_caseevent WHERE case_id = %s AND seq = 3", [case.pk])
    problems = services.verify_log(case)
    assert "event #3 is missing (found #4)" in problems
    assert "event #4 does not follow the event before it" in problems


def test_command_prints_intact_when_every_chain_holds(world):
    first = handled_case(world)
    second = handled_case(world)
    assert verify_log_command(first.code).strip() == "1 cases, all chains intact"
    assert verify_log_command(first.code, second.code).strip() == "2 cases, all chains intact"
    # every case, including the demo history the seed made through the same services
    everything = Case.objects.count()
    assert verify_log_command().strip() == f"{everything} cases, all chains intact"


def test_command_fails_and_names_the_case_when_an_event_was_changed(world):
    intact = handled_case(world)
    tampered = handled_case(world)
    allow_tampering()
    raw(
        "UPDATE cases_caseevent SET actor_label = %s WHERE case_id = %s AND seq = 2",
        ["某人", tampered.pk],
    )
    out = StringIO()
    with pytest.raises(CommandError, match="1 with a broken log"):
        call_command("verify-log", stdout=out)
    assert f"{tampered.code}:\n  event #2 was changed after it was written" in out.getvalue()
    assert intact.code not in out.getvalue()
    with pytest.raises(CommandError):
        call_command("verify-log", tampered.code, stdout=StringIO())
    assert verify_log_command(intact.code).strip() == "1 cases, all chains intact"


def test_command_fails_when_the_last_events_are_deleted(world):
    case = handled_case(world)
    allow_tampering(delete=True)
    raw("DELETE FROM cases_caseevent WHERE case_id = %s AND seq >= 5", [case.pk])
    assert hashchain.verify_events(case.events.order_by("seq")) == []  # a chain ends anywhere
    assert "status is 'verified' in the record but 'claimed' by its log" in services.verify_log(
        case
    )
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("verify-log", case.code, stdout=out)
    assert "the last events are missing" in out.getvalue()


def test_command_fails_when_a_case_number_is_unknown(world):
    case = handled_case(world)
    out = StringIO()
    with pytest.raises(CommandError, match="1 not found"):
        call_command("verify-log", case.code, "SJ000000000000", stdout=out)
    assert "SJ000000000000: no such case" in out.getvalue()


def test_command_reads_in_chunks_when_there_are_many_cases(world, monkeypatch):
    import importlib

    command = importlib.import_module("fengqiao.cases.management.commands.verify-log")
    monkeypatch.setattr(command, "CHUNK", 2)
    for _ in range(5):
        services.case_report(
            actor=world["grid_worker"], category=world["garbage"], title="垃圾", **world["point"]
        )
    everything = Case.objects.count()
    assert everything >= 5
    assert verify_log_command().strip() == f"{everything} cases, all chains intact"


def test_database_refuses_to_empty_the_event_table(world):
    case = handled_case(world)
    # PostgreSQL empties a table with TRUNCATE (no row trigger fires); SQLite has no TRUNCATE
    # and empties it with an unqualified DELETE.
    sql = (
        "TRUNCATE cases_caseevent CASCADE"
        if connection.vendor == "postgresql"
        else "DELETE FROM cases_caseevent"
    )
    if connection.vendor == "postgresql":
        raw("SET CONSTRAINTS ALL IMMEDIATE", [])  # TRUNCATE waits for no deferred check
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        raw(sql, [])
    assert case.events.count() == 6
    assert services.verify_log(case) == []
