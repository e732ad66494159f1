"""Signed daily digests of the chain heads: sealed by the worker, exported, and checked by
verify-log so that a day rewritten even with the chain key shows."""

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from fengqiao.cases import hashchain, services
from fengqiao.cases.tests.test_hashchain import allow_tampering, handled_case, raw
from fengqiao.core import chain, clock, digest
from fengqiao.core.models import ChainDigest
from fengqiao.core.sweeping import run_all_sweeps


def verify_log(*args: str) -> str:
    out = StringIO()
    call_command("verify-log", *args, stdout=out)
    return out.getvalue()


def verify_log_fails(*args: str) -> str:
    out = StringIO()
    with pytest.raises(CommandError, match="digest problems"):
        call_command("verify-log", *args, stdout=out)
    return out.getvalue()


def tomorrow():
    return clock.now() + timedelta(days=1)


def rewrite_with_the_key(case, seq: int, note: str) -> None:
    """What someone holding the chain key could do: change an event and re-seal the chain."""
    allow_tampering()
    prev = chain.GENESIS
    for event in case.events.order_by("seq"):
        if event.seq == seq:
            event.note = note
        event.prev_hash, event.hash = prev, hashchain.event_hash(event, prev)
        raw(
            "UPDATE cases_caseevent SET note = %s, prev_hash = %s, hash = %s WHERE id = %s",
            [event.note, event.prev_hash, event.hash, event.pk],
        )
        prev = event.hash


def test_worker_seals_each_past_day_once_and_the_digests_verify(world):
    case = handled_case(world)
    counts = run_all_sweeps(tomorrow())
    today = clock.localdate()
    assert counts["digests"] >= 1
    assert ChainDigest.objects.order_by("-day").first().day == today
    sealed = ChainDigest.objects.get(day=today)
    assert [case.pk, case.code, 6, case.events.get(seq=6).hash] in sealed.heads["case"]
    assert chain.signature_holds(chain.public_key_text(), sealed.hash.encode(), sealed.signature)
    assert run_all_sweeps(tomorrow())["digests"] == 0  # idempotent
    assert verify_log().strip().endswith("all chains intact")


def test_verify_log_reports_swapped_numbers_of_cases_with_only_a_report(world):
    first = services.case_report(
        actor=world["grid_worker"], category=world["garbage"], title="甲", **world["point"]
    )
    second = services.case_report(
        actor=world["grid_worker"], category=world["garbage"], title="乙", **world["point"]
    )
    digest.seal_days(tomorrow())
    raw("UPDATE cases_case SET code = %s WHERE id = %s", ["~swap", first.pk])
    raw("UPDATE cases_case SET code = %s WHERE id = %s", [first.code, second.pk])
    raw("UPDATE cases_case SET code = %s WHERE id = %s", [second.code, first.pk])
    out = verify_log_fails()
    assert f"case id {first.pk} was sealed as {first.code} but is now {second.code}" in out


def test_verify_log_reports_a_day_rewritten_with_the_chain_key(world):
    case = handled_case(world)
    digest.seal_days(tomorrow())
    rewrite_with_the_key(case, 5, "未处理")
    assert services.verify_log(case) == []  # the chain alone holds: the key was used
    out = verify_log_fails()
    assert f"{case.code}: event #6 is not the one sealed" in out


def test_exported_digests_catch_a_day_sealed_again_in_the_database(world, tmp_path):
    case = handled_case(world)
    digest.seal_days(tomorrow())
    exported = tmp_path / "digests.json"
    call_command("chain-digest", "export", str(exported), stdout=StringIO())
    document = json.loads(exported.read_text())
    assert document["public_key"] == chain.public_key_text()
    assert len(document["digests"]) == ChainDigest.objects.count()
    assert verify_log("--digests", str(exported)).strip().endswith("all chains intact")

    # Someone with both keys rewrites the day and seals the digests again.
    rewrite_with_the_key(case, 5, "未处理")
    ChainDigest.objects.all().delete()
    digest.seal_days(tomorrow())
    assert verify_log().strip().endswith("all chains intact")
    out = verify_log_fails("--digests", str(exported))
    day = clock.localdate().isoformat()
    assert f"exported digest {day}: {case.code}: event #6 is not the one sealed" in out
    assert f"exported digest {day}: the database holds another digest for this day" in out


def test_verify_log_reports_a_changed_or_missing_digest(world):
    services.case_report(
        actor=world["grid_worker"],
        category=world["garbage"],
        title="昨天的事",
        at=clock.now() - timedelta(days=1),
        **world["point"],
    )
    handled_case(world)
    digest.seal_days(tomorrow())
    today = ChainDigest.objects.get(day=clock.localdate())
    ChainDigest.objects.filter(pk=today.pk).update(heads={"case": []})
    assert f"digest {today.day}: was changed after it was sealed" in verify_log_fails()
    earlier = ChainDigest.objects.filter(day__lt=today.day).order_by("-day").first()
    ChainDigest.objects.filter(pk=today.pk).update(heads=today.heads)
    ChainDigest.objects.filter(pk=earlier.pk).delete()
    assert f"digest {today.day}: does not follow the digest before it" in verify_log_fails()


def test_public_key_command_prints_the_verifying_key(world):
    out = StringIO()
    call_command("chain-digest", "public-key", stdout=out)
    assert out.getvalue().strip() == chain.public_key_text()
