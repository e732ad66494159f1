"""The case log binds the case row: each event records before → after, and verify-log replays
the log, so an edit of the row, a swap of numbers or a chain rewritten without the key shows."""

import hashlib
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from fengqiao.cases import services
from fengqiao.cases.models import Case, CaseEvent, Priority
from fengqiao.cases.tests.test_hashchain import allow_tampering, handled_case, raw
from fengqiao.core import chain


def reported(world):
    return services.case_report(
        actor=world["grid_worker"], category=world["garbage"], title="路灯不亮", **world["point"]
    )


def verify_log_fails(*codes: str) -> str:
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("verify-log", *codes, stdout=out)
    return out.getvalue()


def test_report_event_records_the_whole_starting_state(world):
    case = reported(world)
    changes = case.events.get(seq=1).changes
    assert changes["status"] == [None, "reported"]
    assert changes["category"] == [None, "garbage"]
    assert changes["grid"] == [None, case.grid_id]
    assert changes["lat"] == [None, world["point"]["lat"]]
    assert changes["due_at"][0] is None and changes["due_at"][1]
    assert services.verify_log(case) == []


def test_reclassification_on_accept_shows_old_and_new_in_the_log(world):
    case = reported(world)
    services.case_accept(
        actor=world["grid_chief"],
        case_id=case.pk,
        category=world["noise"],
        priority=Priority.URGENT,
    )
    changes = case.events.get(seq=2).changes
    assert changes["category"] == ["garbage", "neighbour_dispute"]
    assert changes["priority"] == ["normal", "urgent"]
    assert changes["status"] == ["reported", "accepted"]
    assert services.verify_log(case) == []


def test_dispatch_records_the_unit_and_the_event_binds_the_number(world):
    case = handled_case(world)
    dispatch = case.events.get(action="dispatch")
    assert dispatch.changes["unit"] == [None, world["police"].pk]
    assert dispatch.case_code == case.code


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"status": "closed"}, "status"),
        ({"category": "noise"}, "category"),
        ({"level": "county"}, "level"),
        ({"assignee": None}, "assignee"),
        ({"address": "别处"}, "address"),
    ],
)
def test_verify_log_reports_the_field_when_the_case_row_is_edited(world, change, field):
    case = handled_case(world)
    if change.get("category"):
        change = {"category": world[change["category"]]}
    Case.objects.filter(pk=case.pk).update(**change)
    problems = services.verify_log(case)
    assert any(problem.startswith(f"{field} is ") for problem in problems), problems
    assert f"{case.code}:\n  {field} is " in verify_log_fails()


def test_verify_log_reports_an_edit_that_a_later_step_carried_on(world):
    case = reported(world)
    Case.objects.filter(pk=case.pk).update(priority=Priority.URGENT)
    services.case_accept(actor=world["grid_chief"], case_id=case.pk, priority=Priority.HIGH)
    assert services.verify_log(case) == [
        "event #2 found priority = 'urgent', but the log before it gives 'normal'"
    ]


def test_verify_log_reports_two_swapped_case_numbers(world):
    first, second = handled_case(world), handled_case(world)
    raw("UPDATE cases_case SET code = %s WHERE id = %s", ["~swap", first.pk])
    raw("UPDATE cases_case SET code = %s WHERE id = %s", [first.code, second.pk])
    raw("UPDATE cases_case SET code = %s WHERE id = %s", [second.code, first.pk])
    out = verify_log_fails()
    assert f"was written for case {first.code}, but the case is numbered {second.code}" in out
    assert f"was written for case {second.code}, but the case is numbered {first.code}" in out


def _plain_sha256(event, prev_hash: str) -> str:
    from fengqiao.cases.hashchain import event_fields

    fields = {name: chain.canonical(value) for name, value in event_fields(event).items()}
    text = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256((prev_hash + text).encode()).hexdigest()


def test_verify_log_reports_a_whole_chain_rewritten_with_plain_sha256(world):
    case = handled_case(world)
    allow_tampering()
    prev = chain.GENESIS
    for event in case.events.order_by("seq"):
        if event.seq == 5:
            event.note = "未处理"
        event.prev_hash, event.hash = prev, _plain_sha256(event, prev)
        raw(
            "UPDATE cases_caseevent SET note = %s, prev_hash = %s, hash = %s WHERE id = %s",
            [event.note, event.prev_hash, event.hash, event.pk],
        )
        prev = event.hash
    problems = services.verify_log(case)
    assert "event #1 was changed after it was written" in problems
    assert "event #6 was changed after it was written" in problems
    assert "does not follow" not in " ".join(problems)  # the links agree; only the key tells


def test_verify_log_reports_a_deleted_event(world):
    case = handled_case(world)
    allow_tampering(delete=True)
    raw("DELETE FROM cases_caseevent WHERE case_id = %s AND seq = 2", [case.pk])
    assert "event #2 is missing (found #3)" in verify_log_fails(case.code)


def test_verify_log_reports_a_gap_in_the_day_numbers(world):
    case = handled_case(world)
    later = reported(world)
    assert later.code[:10] == case.code[:10]
    serial = int(later.code[10:])
    raw(
        "UPDATE cases_case SET code = %s WHERE id = %s",
        [f"{later.code[:10]}{serial + 5:04d}", later.pk],
    )
    out = verify_log_fails()
    assert f"{later.code[2:10]}: " in out
    assert f"missing {serial}" in out


def test_case_events_are_never_written_without_changes_by_a_step(world):
    case = handled_case(world)
    steps = list(CaseEvent.objects.filter(case=case).order_by("seq"))
    assert all(event.changes for event in steps)  # each of these steps moved the status
