"""The notice log is a keyed chain binding the notice: verify-log sees edits behind its back."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from fengqiao.core import clock, digest
from fengqiao.participation import chainlog, services
from fengqiao.participation.models import Notice

pytestmark = pytest.mark.django_db


def _walked(actor, region) -> Notice:
    notice = services.notice_create(
        actor=actor, region_code=region.code, category="finance", title="财务公开", body="收入"
    )
    services.notice_update(actor=actor, notice_id=notice.pk, title="第一季度财务公开")
    services.notice_publish(actor=actor, notice_id=notice.pk)
    return Notice.objects.get(pk=notice.pk)


def _problems(notice) -> list[str]:
    return chainlog.verify_notice(notice, list(notice.events.order_by("seq")))


def _verify_log_fails() -> str:
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("verify-log", stdout=out)
    return out.getvalue()


def test_each_notice_event_records_before_and_after_and_the_chain_holds(users, village_a):
    notice = _walked(users["village_centre"], village_a)
    create, update, publish = notice.events.order_by("seq")
    assert create.changes["title"] == [None, "财务公开"]
    assert update.changes == {"title": ["财务公开", "第一季度财务公开"]}
    assert publish.changes["status"] == ["draft", "published"]
    assert publish.prev_hash == update.hash
    assert _problems(notice) == []
    assert call_command("verify-log", stdout=StringIO()) is None


def test_verify_log_reports_a_notice_edited_in_the_database(users, village_a):
    notice = _walked(users["village_centre"], village_a)
    Notice.objects.filter(pk=notice.pk).update(body="收入（已改）")
    assert _problems(Notice.objects.get(pk=notice.pk))[0].startswith("body is ")
    assert f"notice {notice.pk}:\n  body is " in _verify_log_fails()


def test_database_refuses_changing_or_removing_notice_events(users, village_a):
    notice = _walked(users["village_centre"], village_a)
    event = notice.events.get(seq=2)
    statements = [
        ("UPDATE participation_noticeevent SET note = 'x' WHERE id = %s", [event.pk]),
        ("DELETE FROM participation_noticeevent WHERE id = %s", [event.pk]),
    ]
    if connection.vendor == "postgresql":  # SQLite has no TRUNCATE
        statements.append(("TRUNCATE participation_noticeevent CASCADE", []))
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    for sql, params in statements:
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, params)
    assert _problems(notice) == []


def test_daily_digest_seals_notice_heads(users, village_a):
    notice = _walked(users["village_centre"], village_a)
    digest.seal_days(clock.now() + timedelta(days=1))
    heads = digest.stored()[-1]["heads"]["notice"]
    last = notice.events.order_by("-seq").first()
    assert [notice.pk, "", last.seq, last.hash] in heads
    assert digest.check(digest.stored(), where="digest") == []
