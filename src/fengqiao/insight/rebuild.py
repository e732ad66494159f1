"""The first build (or a repair) of the case rollups, set-based: a few INSERT … SELECT … GROUP BY
statements over the case table and its log instead of the per-case refresh the sweep runs.

The entries are written from the case table (what each case counts for, by the definitions in
`insight.metrics`, in their database form); the village rows are summed from the entries, the
county rows from the village rows and the city rows from the county rows (a coarser area is
the sum of the finer ones). The whole build is one transaction holding the watermark lock, so
readers see the old rollups until it commits and no sweep runs beside it.
"""

from django.db import connection, transaction
from django.db.models import Max

from fengqiao.cases.models import Case, CaseEvent
from fengqiao.insight import metrics
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
from fengqiao.insight.rollup import SCALE_DIGITS

ENTRY_COLUMNS = [
    "case_id",
    "version",
    "day",
    "region_code",
    "group_id",
    "level",
    "status",
    "is_on_time",
    "closed_day",
]
# Each scale is summed from the next finer one (the village rows from the entries).
FINER = {Scale.COUNTY: Scale.VILLAGE, Scale.CITY: Scale.COUNTY}


def _entries_select() -> tuple[str, tuple]:
    """SELECT of one entry row per case (the definitions of `insight.metrics`, in SQL)."""
    rows = (
        metrics.with_resolution(Case.objects.order_by())
        .annotate(
            e_day=metrics.reported_day_expression(),
            e_group=metrics.category_group_expression(),
            e_on_time=metrics.on_time_expression(),
            e_closed=metrics.closed_day_expression(),
        )
        .values_list(
            "pk",
            "version",
            "e_day",
            "region_code",
            "e_group",
            "level",
            "status",
            "e_on_time",
            "e_closed",
        )  # fmt: skip
    )
    return rows.query.sql_with_params()


def _one_if(condition: str) -> str:
    return f"CASE WHEN {condition} THEN 1 ELSE 0 END"


def _case_counters(area: str) -> str:
    """One row per counted (area, day) of a case: what the case adds on the day it was
    reported, and, when closed, the 1 it adds to `closed` on the day it was closed."""
    resolved = metrics.resolved_sql("status")
    parts = {"reported": "1", "closed": "0", "resolved": _one_if(resolved)}
    parts["on_time"] = _one_if("is_on_time")
    parts |= {column: _one_if(f"status = '{s}'") for s, column in STATUS_COLUMNS.items()}
    parts |= {column: _one_if(f"level = '{lv}'") for lv, column in LEVEL_COLUMNS.items()}
    parts |= {
        column: _one_if(f"level = '{lv}' AND {resolved}") for lv, column in RESOLVED_COLUMNS.items()
    }
    q = connection.ops.quote_name
    entry = q(CaseRollupEntry._meta.db_table)
    reported = ", ".join(f"{parts[c]} AS {q(c)}" for c in COUNTER_COLUMNS)
    closed = ", ".join("1" if c == "closed" else "0" for c in COUNTER_COLUMNS)
    return (
        f"SELECT {area} AS area, day, {reported} FROM {entry} "  # noqa: S608
        f"UNION ALL SELECT {area}, closed_day, {closed} FROM {entry} "
        "WHERE closed_day IS NOT NULL"
    )


def _build_statements() -> list[tuple[str, list]]:
    q = connection.ops.quote_name
    entry, daily = q(CaseRollupEntry._meta.db_table), q(CaseDailyRollup._meta.db_table)
    category = q(CaseCategoryRollup._meta.db_table)
    select, params = _entries_select()
    statements = [
        (f"INSERT INTO {entry} ({', '.join(map(q, ENTRY_COLUMNS))}) {select}", list(params))
    ]
    area = f"substr(region_code, 1, {SCALE_DIGITS[Scale.VILLAGE]})"
    counters = ", ".join(q(c) for c in COUNTER_COLUMNS)
    summed = ", ".join(f"SUM({q(c)})" for c in COUNTER_COLUMNS)
    statements += [
        (
            f"INSERT INTO {daily} (scale, region_code, day, {counters}) "  # noqa: S608
            f"SELECT %s, area, day, {summed} FROM ({_case_counters(area)}) AS counted "
            "GROUP BY area, day",
            [Scale.VILLAGE.value],
        ),
        (
            f"INSERT INTO {category} (scale, region_code, day, group_id, reported) "  # noqa: S608
            f"SELECT %s, {area}, day, group_id, COUNT(*) FROM {entry} "
            f"GROUP BY {area}, day, group_id",
            [Scale.VILLAGE.value],
        ),
    ]
    for scale, finer in FINER.items():
        area = f"substr(region_code, 1, {SCALE_DIGITS[scale]})"
        statements += [
            (
                f"INSERT INTO {daily} (scale, region_code, day, {counters}) "  # noqa: S608
                f"SELECT %s, {area}, day, {summed} FROM {daily} "
                f"WHERE scale = %s GROUP BY {area}, day",
                [scale.value, finer.value],
            ),
            (
                f"INSERT INTO {category} (scale, region_code, day, group_id, reported) "  # noqa: S608
                f"SELECT %s, {area}, day, group_id, SUM(reported) FROM {category} "
                f"WHERE scale = %s GROUP BY {area}, day, group_id",
                [scale.value, finer.value],
            ),
        ]
    return statements


def rollup_rebuild_all_system() -> int:
    """Replace the entries and rollups by ones built from the case table in a few set-based
    statements; returns how many cases they count. Crosses every jurisdiction: worker and
    bench only."""
    from fengqiao.insight.sweeps import watermark_row

    with transaction.atomic():
        mark = watermark_row(lock=True)  # never beside a running sweep
        # Read before the cases: an event committed after this is swept again (harmless).
        top_event = CaseEvent.objects.aggregate(top=Max("pk"))["top"] or 0
        CaseRollupEntry.objects.all().delete()
        CaseDailyRollup.objects.all().delete()
        CaseCategoryRollup.objects.all().delete()
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # Millions of (area, day) groups: hash them in memory, not in temp files.
                cursor.execute("SET LOCAL work_mem = '256MB'")
            for sql, params in _build_statements():
                cursor.execute(sql, params)
        if mark.last_event_id < top_event:
            mark.last_event_id = top_event
            mark.save(update_fields=["last_event_id"])
        return CaseRollupEntry.objects.count()
