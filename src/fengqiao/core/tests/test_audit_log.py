"""The audit log's write helpers, and the database refusing to change the audit and access logs."""

import datetime as dt

import pytest
from django.db import DatabaseError, connection, transaction

from fengqiao.accounts.models import User
from fengqiao.core import clock
from fengqiao.core.audit import (
    SECRET,
    audit_created,
    audit_diff,
    audit_record,
    audit_snapshot,
    is_secret_field,
)
from fengqiao.core.models import AccessLog, AuditEntry, WorkdayOverride


@pytest.fixture
def someone(db):
    return User.objects.create(username="someone", display_name="某人", role="centre_staff")


def _entry(actor) -> AuditEntry:
    return audit_record(
        actor=actor,
        entity_type="core.workdayoverride",
        entity_id=1,
        action="update",
        changes={"note": ["a", "b"]},
        region_code="439901",
    )


def _access(actor) -> AccessLog:
    return AccessLog.objects.create(
        actor=actor, action="reveal", object_type="person", object_id="1", at=clock.now()
    )


def test_diff_lists_only_changed_fields_when_snapshots_differ(db):
    row = WorkdayOverride(date=dt.date(2030, 1, 1), is_workday=True, note="new year")
    before = audit_snapshot(row, ["date", "is_workday", "note"])
    row.is_workday, row.note = False, "holiday"
    after = audit_snapshot(row, ["date", "is_workday", "note"])
    assert audit_diff(before, after) == {
        "is_workday": [True, False],
        "note": ["new year", "holiday"],
    }


def test_secret_fields_are_written_as_stars_when_changed(someone):
    class Thing:
        phone_sealed = "v1:ciphertext-one"
        birth_date = dt.date(1980, 5, 6)
        name = "张三"

    thing = Thing()
    before = audit_snapshot(thing, ["phone_sealed", "birth_date", "name"])
    thing.phone_sealed, thing.name = "v1:ciphertext-two", "张四"
    changes = audit_diff(before, audit_snapshot(thing, ["phone_sealed", "birth_date", "name"]))
    assert changes == {"phone_sealed": [SECRET, SECRET], "name": ["张三", "张四"]}
    entry = audit_record(
        actor=someone, entity_type="x.thing", entity_id=1, action="update", changes=changes
    )
    entry.refresh_from_db()
    assert "ciphertext" not in str(entry.changes)
    assert entry.changes["phone_sealed"] == [SECRET, SECRET]


def test_hand_built_changes_are_masked_when_a_field_is_secret(someone):
    entry = audit_record(
        actor=someone,
        entity_type="registry.person",
        entity_id=5,
        action="update",
        changes={
            "phone": ["13800000000", "13900000000"],
            "password": [None, "hunter2"],
            "count": 3,
        },
    )
    assert entry.changes == {
        "phone": [SECRET, SECRET],
        "password": [None, SECRET],
        "count": [None, 3],
    }
    assert "13800000000" not in str(AuditEntry.objects.values_list("changes", flat=True)[0])


def test_created_changes_skip_empty_fields_when_new_row(db):
    row = WorkdayOverride(date=dt.date(2030, 1, 1), is_workday=False, note="")
    assert audit_created(row, ["date", "is_workday", "note"]) == {
        "date": [None, "2030-01-01"],
        "is_workday": [None, False],
    }


def test_secret_names_are_recognised_when_checked():
    secret = ["phone", "contact_phone", "id_number_sealed", "tag_hash", "birth_date", "password"]
    for name in secret:
        assert is_secret_field(name), name
    for name in ["name", "address", "role", "is_active"]:
        assert not is_secret_field(name), name


def test_record_takes_actor_label_and_time_when_written(someone):
    at = dt.datetime(2030, 3, 4, 5, 6, tzinfo=dt.UTC)
    clock.freeze(at)
    entry = _entry(someone)
    assert (entry.actor, entry.actor_label, entry.at) == (someone, "someone (某人)", at)
    system = audit_record(actor=None, entity_type="core.x", action="create")
    assert (system.actor, system.actor_label) == (None, "system")


@pytest.mark.parametrize("make", [_entry, _access], ids=["audit", "access"])
def test_database_refuses_update_when_row_written(someone, make):
    row = make(someone)
    model = type(row)
    with pytest.raises(DatabaseError), transaction.atomic():
        model.objects.filter(pk=row.pk).update(region_code="999999")
    with pytest.raises(DatabaseError), transaction.atomic():
        row.region_code = "999999"
        row.save()
    row.refresh_from_db()
    assert row.region_code != "999999"


@pytest.mark.parametrize("make", [_entry, _access], ids=["audit", "access"])
def test_database_refuses_delete_when_row_written(someone, make):
    row = make(someone)
    model = type(row)
    with pytest.raises(DatabaseError), transaction.atomic():
        model.objects.filter(pk=row.pk).delete()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {model._meta.db_table}")  # noqa: S608 - a fixed table name
    assert model.objects.filter(pk=row.pk).exists()


@pytest.mark.parametrize("table", ["core_auditentry", "core_accesslog"])
def test_database_refuses_truncate_when_postgresql(someone, table):
    _entry(someone)
    _access(someone)
    # SQLite has no TRUNCATE: its "DELETE FROM t" without WHERE (the truncate optimisation)
    # still fires the row triggers, tested above.
    verb = "TRUNCATE" if connection.vendor == "postgresql" else "DELETE FROM"
    statement = f"{verb} {table}"  # noqa: S608 - fixed table names
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement)
    assert AuditEntry.objects.count() == 1
    assert AccessLog.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_logs_written_by_a_transactional_test_are_emptied_when_it_ends():
    """The flush after this test (TRUNCATE on PostgreSQL, DELETE on SQLite) must succeed:
    conftest lets it through, and the next test starts with the guard on again."""
    actor = User.objects.create(username="flushed", role="centre_staff")
    _entry(actor)
    _access(actor)
    assert AuditEntry.objects.count() == 1


def test_guard_is_back_when_the_test_after_a_flush_starts(someone):
    _entry(someone)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW fengqiao.allow_truncate")
            assert cursor.fetchone()[0] == "off"
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.all().delete()
