"""Re-seal the case logs written under the plain SHA-256 chain with the keyed chain (HMAC),
and close each one with a `baseline` event that states the case row as it stands, so that
verify-log can replay legacy logs too (their older events record no changes)."""

import hashlib
import json
from datetime import UTC

from django.db import migrations

from fengqiao.cases import hashchain
from fengqiao.core import chain

_LEGACY_FIELDS = (
    "seq",
    "action",
    "actor_id",
    "actor_label",
    "at",
    "from_status",
    "to_status",
    "from_level",
    "to_level",
    "note",
    "data",
    "region_code",
)


def _legacy_hash(event, prev_hash: str) -> str:
    """The hash the event was written with before the chain was keyed."""
    values = {name: chain.canonical(getattr(event, name)) for name in _LEGACY_FIELDS}
    values["case"] = event.case_id
    text = json.dumps(values, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256((prev_hash + text).encode()).hexdigest()


_SQLITE_TRIGGERS = {
    "case_event_no_update": "UPDATE",
    "case_event_no_delete": "DELETE",
}


def _guard(schema_editor, on: bool) -> None:
    """Lift or restore the append-only triggers. On SQLite they are created afresh when
    restored: adding the columns (0005) rebuilt the table, which drops its triggers."""
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        verb = "ENABLE" if on else "DISABLE"
        schema_editor.execute(f"ALTER TABLE cases_caseevent {verb} TRIGGER case_event_no_change")
    elif vendor == "sqlite":
        for name, statement in _SQLITE_TRIGGERS.items():
            if on:
                schema_editor.execute(
                    f"CREATE TRIGGER IF NOT EXISTS {name} BEFORE {statement} ON cases_caseevent "
                    "BEGIN SELECT RAISE(ABORT, 'case events are append-only'); END"
                )
            else:
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")


def reseal(apps, schema_editor):
    Case = apps.get_model("cases", "Case")
    CaseEvent = apps.get_model("cases", "CaseEvent")
    if not CaseEvent.objects.exists():
        _guard(schema_editor, on=True)
        return
    from fengqiao.core import clock

    now = clock.now().astimezone(UTC)
    _guard(schema_editor, on=False)
    heads: dict[int, tuple[int, str, bool]] = {}
    updates = []
    current = None
    for event in CaseEvent.objects.order_by("case_id", "seq").iterator(chunk_size=2000):
        if event.case_id != current:
            current, legacy_prev, new_prev, intact = (
                event.case_id,
                chain.GENESIS,
                chain.GENESIS,
                True,
            )
        intact = (
            intact
            and event.prev_hash == legacy_prev
            and _legacy_hash(event, event.prev_hash) == event.hash
        )
        legacy_prev = event.hash
        event.prev_hash = new_prev
        event.hash = hashchain.event_hash(event, new_prev)
        new_prev = event.hash
        updates.append((event.prev_hash, event.hash, event.pk))
        heads[event.case_id] = (event.seq, event.hash, intact)
    with schema_editor.connection.cursor() as cursor:
        cursor.executemany(
            "UPDATE cases_caseevent SET prev_hash = %s, hash = %s WHERE id = %s", updates
        )
    _guard(schema_editor, on=True)

    baselines = []
    for values in Case.objects.filter(pk__in=list(heads)).values(*hashchain.ROW_VALUES):
        seq, prev_hash, intact = heads[values["pk"]]
        event = CaseEvent(
            case_id=values["pk"],
            seq=seq + 1,
            action="baseline",
            actor=None,
            actor_label="system",
            at=now,
            from_status=values["status"],
            to_status=values["status"],
            from_level=values["level"],
            to_level=values["level"],
            note="",
            data={"legacy_chain_intact": intact},
            changes=chain.diff({}, hashchain.row_state(values)),
            case_code=values["code"],
            region_code=values["region_code"],
            prev_hash=prev_hash,
        )
        event.hash = hashchain.event_hash(event, prev_hash)
        baselines.append(event)
    CaseEvent.objects.bulk_create(baselines, batch_size=1000)
    if schema_editor.connection.vendor == "postgresql":
        # Check the new rows' foreign keys now, so that a later migration may alter the table.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


class Migration(migrations.Migration):
    dependencies = [("cases", "0005_event_changes")]

    operations = [migrations.RunPython(reseal, migrations.RunPython.noop)]
