"""Keeping the case rollups equal to the case table.

Each case counts once, by the local day it was reported, for its current status, level and
category group; a resolved case also counts for the level it was resolved at and, when on
time, for `on_time`; a closed case counts for `closed` on the day it was closed. What a case
counts for is kept in `CaseRollupEntry`, so when the case changes the sweep takes the old
contribution back and adds the new one (a delta, applied by an additive upsert). Applying
the same state twice changes nothing, so a rerun is harmless.

What each figure means (resolved, on time, the days) is defined once in `insight.metrics`.
"""

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date

from django.db import connection

from fengqiao.cases.models import Case
from fengqiao.insight.metrics import (
    RESOLVED_STATUSES,
    category_groups,
    closed_day,
    is_on_time,
    is_resolved,
    reported_day,
    resolution_times,
)
from fengqiao.insight.models import (
    COUNTER_COLUMNS,
    LEVEL_COLUMNS,
    RESOLVED_COLUMNS,
    STATUS_COLUMNS,
    CaseCategoryRollup,
    CaseDailyRollup,
    CaseRollupEntry,
    Scale,
)

# RESOLVED_STATUSES is named here too for older imports; it is defined in insight.metrics.
__all__ = ["RESOLVED_STATUSES", "SCALE_DIGITS", "refresh_cases"]

CHUNK = 2000
# The digits of a code that name the area a rollup row sums.
SCALE_DIGITS = {Scale.VILLAGE: 12, Scale.COUNTY: 6, Scale.CITY: 4}


@dataclass(frozen=True)
class Fact:
    """What one case counts for (everything but the version decides the counts)."""

    day: date
    region_code: str
    group_id: int
    level: str
    status: str
    is_on_time: bool
    closed_day: date | None

    @property
    def is_resolved(self) -> bool:
        return is_resolved(self.status)


def _contributions(fact: Fact) -> Iterator[tuple[str, tuple, str]]:
    """(table, key, column) for every counter the case adds one to."""
    for scale, digits in SCALE_DIGITS.items():
        area = fact.region_code[:digits]
        key = (scale, area, fact.day)
        yield "daily", key, "reported"
        yield "daily", key, STATUS_COLUMNS[fact.status]
        yield "daily", key, LEVEL_COLUMNS[fact.level]
        if fact.is_resolved:
            yield "daily", key, "resolved"
            yield "daily", key, RESOLVED_COLUMNS[fact.level]
        if fact.is_on_time:
            yield "daily", key, "on_time"
        if fact.closed_day is not None:
            yield "daily", (scale, area, fact.closed_day), "closed"
        yield "category", (scale, area, fact.day, fact.group_id), "reported"


def _entry_fact(entry: CaseRollupEntry) -> Fact:
    return Fact(
        entry.day,
        entry.region_code,
        entry.group_id,
        entry.level,
        entry.status,
        entry.is_on_time,
        entry.closed_day,
    )


def refresh_cases(case_ids: Iterable[int]) -> int:
    """Bring the entries and rollups of these cases up to date; returns how many changed.
    Run it inside a transaction that holds the watermark lock (sweeps never overlap)."""
    ids = sorted(set(case_ids))
    changed = 0
    groups = category_groups()
    for start in range(0, len(ids), CHUNK):
        changed += _refresh_chunk(ids[start : start + CHUNK], groups)
    return changed


def _refresh_chunk(ids: list[int], groups: dict[int, int]) -> int:
    rows = list(
        Case.objects.filter(pk__in=ids)
        .order_by()
        .values_list(
            "pk",
            "version",
            "reported_at",
            "region_code",
            "category_id",
            "level",
            "status",
            "resolve_due_at",
            "closed_at",
        )
    )
    times = resolution_times(row[0] for row in rows if is_resolved(row[6]))
    old = {entry.case_id: entry for entry in CaseRollupEntry.objects.filter(case_id__in=ids)}
    deltas: dict[str, dict[tuple, Counter]] = {"daily": defaultdict(Counter), "category": {}}
    deltas["category"] = defaultdict(Counter)
    writes: list[CaseRollupEntry] = []
    seen = set()
    for pk, version, reported_at, code, category_id, level, status, due_at, closed_at in rows:
        seen.add(pk)
        fact = Fact(
            reported_day(reported_at),
            code,
            groups.get(category_id, category_id),
            level,
            status,
            is_on_time(status, times.get(pk), due_at),
            closed_day(status, closed_at),
        )
        entry = old.get(pk)
        before = _entry_fact(entry) if entry else None
        if before == fact:
            continue
        if before is not None:
            for table, key, column in _contributions(before):
                deltas[table][key][column] -= 1
        for table, key, column in _contributions(fact):
            deltas[table][key][column] += 1
        writes.append(CaseRollupEntry(case_id=pk, version=version, **fact.__dict__))
    gone = [pk for pk in old if pk not in seen]  # deleted cases: take them back
    for pk in gone:
        for table, key, column in _contributions(_entry_fact(old[pk])):
            deltas[table][key][column] -= 1
    _upsert_daily(deltas["daily"])
    _upsert_category(deltas["category"])
    if writes:
        CaseRollupEntry.objects.bulk_create(
            writes,
            update_conflicts=True,
            unique_fields=["case_id"],
            update_fields=[
                "version",
                "day",
                "region_code",
                "group_id",
                "level",
                "status",
                "is_on_time",
                "closed_day",
            ],
        )
    if gone:
        CaseRollupEntry.objects.filter(case_id__in=gone).delete()
    return len(writes) + len(gone)


def _additive_upsert(table: str, keys: list[str], columns: list[str], rows: list[tuple]) -> None:
    """INSERT … ON CONFLICT DO UPDATE SET c = c + excluded.c (PostgreSQL and SQLite 3.24+),
    many rows a statement; the rows' keys are distinct (deltas are summed per key first)."""
    if not rows:
        return
    q = connection.ops.quote_name
    names = ", ".join(q(name) for name in [*keys, *columns])
    mark = "(" + ", ".join(["%s"] * (len(keys) + len(columns))) + ")"
    updates = ", ".join(f"{q(c)} = {q(table)}.{q(c)} + excluded.{q(c)}" for c in columns)
    conflict = f"ON CONFLICT ({', '.join(q(k) for k in keys)}) DO UPDATE SET {updates}"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One array a column: a few parameters however many rows.
            types = [_PG_TYPES.get(name, "integer") for name in [*keys, *columns]]
            arrays = ", ".join(f"%s::{kind}[]" for kind in types)
            # Table and column names come from the models, quoted; values are parameters.
            sql = f"INSERT INTO {q(table)} ({names}) SELECT * FROM unnest({arrays}) {conflict}"  # noqa: S608
            cursor.execute(sql, [list(column) for column in zip(*rows, strict=True)])
            return
        limit = connection.features.max_query_params or 999
        batch = max(1, min(500, limit // (len(keys) + len(columns))))
        for start in range(0, len(rows), batch):
            part = rows[start : start + batch]
            params = [value for row in part for value in row]
            values = ", ".join([mark] * len(part))
            sql = f"INSERT INTO {q(table)} ({names}) VALUES {values} "  # noqa: S608
            cursor.execute(sql + conflict, params)


_PG_TYPES = {"scale": "text", "region_code": "text", "day": "date", "group_id": "bigint"}


def _day(value: date):
    return connection.ops.adapt_datefield_value(value)


def _upsert_daily(deltas: dict[tuple, Counter]) -> None:
    rows = []
    for (scale, area, day), counter in sorted(deltas.items()):
        if any(counter.values()):
            rows.append((scale, area, _day(day), *(counter[c] for c in COUNTER_COLUMNS)))
    _additive_upsert(
        CaseDailyRollup._meta.db_table, ["scale", "region_code", "day"], COUNTER_COLUMNS, rows
    )


def _upsert_category(deltas: dict[tuple, Counter]) -> None:
    rows = [
        (scale, area, _day(day), group_id, counter["reported"])
        for (scale, area, day, group_id), counter in sorted(deltas.items())
        if counter["reported"]
    ]
    _additive_upsert(
        CaseCategoryRollup._meta.db_table,
        ["scale", "region_code", "day", "group_id"],
        ["reported"],
        rows,
    )
