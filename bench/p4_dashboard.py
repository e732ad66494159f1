"""P4: the jurisdiction dashboard over many cases (10 M over 3 years by default; `--cases` for
fewer). Cases and their resolution steps go straight into a fresh bench database (drawn by
PostgreSQL itself with generate_series; numpy and executemany on SQLite) — the bench measures
reads, not intake. The rollups are built by the worker's own set-based first build
(`insight.rebuild.rollup_rebuild_all_system`), then `dashboard_get` is called for
random periods (7–365 days ending anywhere in the 3 years) at county and city level; the
reference is the same figures by a plain GROUP BY over the case table (`figures_from_cases`),
timed in the same run on the same periods, and every reference call is checked equal.

The area: one city (4312), 12 counties × 10 townships × 25 villages = 3,000 villages.
"""

import os
import random
import shutil
import tempfile
import time
from datetime import UTC, datetime, timedelta

import numpy as np

from bench.figures import Figure

SEED = 20_240_604
CITY = "4312"
COUNTIES = [f"{CITY}{c:02d}" for c in range(2, 26, 2)]  # 12 counties
TOWNSHIPS, VILLAGES = 10, 25
YEARS_DAYS = 3 * 365
END = datetime(2025, 6, 30, 16, 0, tzinfo=UTC)  # 2025-07-01 00:00 in Asia/Shanghai
ROLLUP_CALLS, REFERENCE_CALLS = 200, 8
STATUSES = ["reported", "accepted", "dispatched", "claimed", "resolved", "verified", "closed"]
STATUSES += ["rejected", "merged"]
OLD_STATUS_P = [0.005, 0.005, 0.01, 0.02, 0.02, 0.03, 0.82, 0.06, 0.03]
NEW_STATUS_P = [0.08, 0.08, 0.12, 0.2, 0.12, 0.1, 0.24, 0.04, 0.02]
LEVELS, LEVEL_P = ["grid", "village", "township", "county"], [0.45, 0.3, 0.18, 0.07]


def _setup(database_url: str, home: str) -> str:
    os.environ["FENGQIAO_HOME"] = home
    if database_url:
        from bench.server import fresh_postgres

        os.environ["DATABASE_URL"] = fresh_postgres(database_url, "fq_bench_p4")
    else:
        os.environ["DATABASE_URL"] = ""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fengqiao.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    return "postgresql" if database_url else "sqlite"


def _regions() -> list[tuple[int, str]]:
    """(village id, code) of the 3,000 villages, made under the city."""
    from fengqiao.regions.models import Region

    province = Region.objects.create(
        code="430000000000", name="省", level="province", kind="province"
    )
    city = Region.objects.create(
        code=f"{CITY}00000000", name="市", level="city", kind="city", parent=province
    )
    villages = []
    for county_code in COUNTIES:
        county = Region.objects.create(
            code=f"{county_code}000000",
            name=county_code,
            level="county",
            kind="county",
            parent=city,
        )
        for t in range(TOWNSHIPS):
            town = Region.objects.create(
                code=f"{county_code}{100 + t:03d}000",
                name=f"镇{t}",
                level="township",
                kind="town",
                parent=county,
            )
            villages += [
                Region(
                    code=f"{county_code}{100 + t:03d}{200 + v:03d}",
                    name=f"村{v}",
                    level="village",
                    kind="village",
                    parent=town,
                )
                for v in range(VILLAGES)
            ]
    Region.objects.bulk_create(villages, batch_size=1000)
    return list(Region.objects.filter(level="village").values_list("pk", "code"))


def _stamp(seconds: np.ndarray) -> list[str]:
    """Times as Django stores them on SQLite: naive UTC, a space between date and time."""
    base = END.timestamp()
    return [
        datetime.fromtimestamp(base + s, UTC).replace(tzinfo=None).isoformat(" ")
        for s in seconds.tolist()
    ]


# Columns every bench case has alike (the varying ones are drawn per case).
CASE_CONSTANTS = {
    "client_id": None,
    "channel": "grid_app",
    "kind": "general",
    "title": "bench",
    "description": "",
    "lat": None,
    "lng": None,
    "address": "",
    "grid_id": None,
    "reporter_id": None,
    "reporter_name": "",
    "callback_phone_sealed": "",
    "callback_phone_masked": "",
    "is_anonymous": False,
    "priority": "normal",
    "unit_id": None,
    "assignee_id": None,
    "master_id": None,
    "duplicate_candidates": "[]",
    "due_at": None,
    "warn_at": None,
    "warned_for": "",
    "rating": None,
    "rating_comment": "",
    "result": "",
    "version": 1,
}
EVENT_CONSTANTS = {
    "seq": 1,
    "action": "resolve",
    "actor_id": None,
    "actor_label": "bench",
    "from_status": "claimed",
    "to_status": "resolved",
    "note": "",
    "data": "{}",
    "changes": "{}",
    "case_code": "",
    "prev_hash": "",
    "hash": "",
}
LOADERS = {"postgresql": "generate_series", "sqlite": "numpy, executemany"}
RESOLVED = ("resolved", "verified", "closed")
ENDED = ("closed", "rejected", "merged")


def _generate(count: int, villages, categories: list[int], vendor: str) -> None:
    if vendor == "postgresql":
        _generate_in_postgres(count, villages, categories)
    else:
        _generate_in_python(count, villages, categories)


def _pick(u: str, values: list[str], weights: list[float]) -> str:
    """SQL CASE drawing one of `values` with `weights` from the uniform number `u`."""
    limits = np.cumsum(weights)[:-1]
    pairs = zip(limits, values[:-1], strict=True)
    whens = " ".join(f"WHEN {u} < {lim:.6f} THEN '{v}'" for lim, v in pairs)
    return f"CASE {whens} ELSE '{values[-1]}' END"


def _generate_in_postgres(count: int, villages, categories: list[int], chunk: int = 1_000_000):
    """The same distributions drawn by PostgreSQL itself (generate_series, seeded random()):
    no row crosses the wire. Secondary indexes are dropped for the load and built after, and
    the foreign keys are not checked."""
    from django.db import connection, transaction

    from fengqiao.cases.models import Case, CaseEvent

    case_table, event_table = Case._meta.db_table, CaseEvent._meta.db_table
    varying = {
        "code": "'B' || lpad((i - 1)::text, 9, '0')",
        "category_id": "(%(categories)s::bigint[])[c]",
        "village_id": "(%(village_ids)s::bigint[])[v]",
        "region_code": "(%(codes)s::text[])[v]",
        "status": "status",
        "level": "level",
        "reported_at": "reported",
        "stage_started_at": "reported",
        "resolve_due_at": "due",
        "closed_at": "closed_at",
    }
    case_columns = [f.column for f in Case._meta.concrete_fields if not f.primary_key]
    case_values = [varying.get(c) or f"%(case_{c})s" for c in case_columns]
    event_varying = {
        "case_id": "i",
        "at": "resolved_at",
        "from_level": "level",
        "to_level": "level",
        "region_code": "(%(codes)s::text[])[v]",
    }
    event_columns = [f.column for f in CaseEvent._meta.concrete_fields if not f.primary_key]
    event_values = [event_varying.get(c) or f"%(event_{c})s" for c in event_columns]
    end = "%(end)s::timestamptz"
    days = "make_interval(secs => {} * 86400)"
    sql = f"""
        WITH g AS (
            SELECT i, {end} - {days.format("%(span_days)s * (1 - (i - random()) / %(count)s)")}
                AS reported,
                random() AS u_status, random() AS u_level, random() AS u_close,
                1 + floor(random() * %(villages)s)::int AS v,
                1 + floor(random() * %(ncategories)s)::int AS c
            FROM generate_series(%(low)s, %(high)s) AS i
        ), d AS (
            SELECT g.*,
                CASE WHEN reported < {end} - interval '30 days'
                    THEN {_pick("u_status", STATUSES, OLD_STATUS_P)}
                    ELSE {_pick("u_status", STATUSES, NEW_STATUS_P)} END AS status,
                {_pick("u_level", LEVELS, LEVEL_P)} AS level,
                reported + {days.format("(3 + 12 * random())")} AS due,
                least(reported + {days.format("(-6 * ln(1 - random()))")},
                      {end} - interval '60 seconds') AS resolved_at
            FROM g
        ), e AS (
            SELECT d.*,
                CASE WHEN status = 'closed'
                        THEN least(resolved_at + {days.format("(1 + 7 * u_close)")},
                                   {end} - interval '1 second')
                    WHEN status IN ('rejected', 'merged')
                        THEN reported + make_interval(secs => (1 + 47 * u_close) * 3600)
                END AS closed_at
            FROM d
        ), cases AS (
            INSERT INTO {case_table} (id, {", ".join(case_columns)})
            SELECT i, {", ".join(case_values)} FROM e
        )
        INSERT INTO {event_table} ({", ".join(event_columns)})
        SELECT {", ".join(event_values)} FROM e WHERE status IN {RESOLVED}
    """  # noqa: S608 — table and column names come from the models
    params = {f"case_{k}": v for k, v in CASE_CONSTANTS.items()}
    params |= {f"event_{k}": v for k, v in EVENT_CONSTANTS.items()}
    params |= {
        "categories": categories,
        "village_ids": [pk for pk, _code in villages],
        "codes": [code for _pk, code in villages],
        "villages": len(villages),
        "ncategories": len(categories),
        "end": END,
        "span_days": YEARS_DAYS,
        "count": count,
    }
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(%s)", [SEED % 1000 / 1000])
        cursor.execute("SET maintenance_work_mem = '512MB'")
        # The rows are valid by construction: skip the deferred foreign-key checks, which
        # otherwise cost as much as the load itself at commit.
        cursor.execute("SET session_replication_role = replica")
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes i WHERE tablename IN (%s, %s) "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
            [case_table, event_table],
        )
        indexes = cursor.fetchall()
        for name, _definition in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        for low in range(1, count + 1, chunk):
            with transaction.atomic():
                cursor.execute(sql, params | {"low": low, "high": min(count, low + chunk - 1)})
        for _name, definition in indexes:
            cursor.execute(definition)
        cursor.execute("SET session_replication_role = DEFAULT")
        cursor.execute(f"SELECT setval(pg_get_serial_sequence('{case_table}', 'id'), {count})")


def _generate_in_python(count: int, villages, categories: list[int], chunk: int = 200_000):
    """SQLite: write `count` cases (oldest first) and a step into `resolved` for each resolved
    one, drawn by numpy."""
    from django.db import connection, transaction

    from fengqiao.cases.models import Case, CaseEvent

    case_columns = [f.column for f in Case._meta.concrete_fields if not f.primary_key]
    event_columns = [f.column for f in CaseEvent._meta.concrete_fields if not f.primary_key]
    rng = np.random.default_rng(SEED)
    span = YEARS_DAYS * 86_400
    offsets = np.sort(rng.uniform(-span, 0, size=count))
    next_id = 1
    for start in range(0, count, chunk):
        reported = offsets[start : start + chunk]
        n = len(reported)
        age_days = -reported / 86_400
        old = age_days > 30
        status = np.where(
            old,
            rng.choice(len(STATUSES), size=n, p=OLD_STATUS_P),
            rng.choice(len(STATUSES), size=n, p=NEW_STATUS_P),
        )
        level = rng.choice(4, size=n, p=LEVEL_P)
        village = rng.integers(0, len(villages), size=n)
        category = rng.integers(0, len(categories), size=n)
        due = reported + rng.uniform(3, 15, size=n) * 86_400
        resolved_at = np.minimum(reported + rng.exponential(6, size=n) * 86_400, -60)
        closed_at = np.minimum(resolved_at + rng.uniform(1, 8, size=n) * 86_400, -1)
        closed_at = np.where(status >= 7, reported + rng.uniform(1, 48, size=n) * 3600, closed_at)
        reported_s, due_s = _stamp(reported), _stamp(due)
        resolved_s, closed_s = _stamp(resolved_at), _stamp(closed_at)
        cases, events = [], []
        for i in range(n):
            st = STATUSES[status[i]]
            vid, vcode = villages[village[i]]
            lv = LEVELS[level[i]]
            values = CASE_CONSTANTS | {
                "code": f"B{start + i:09d}",
                "category_id": categories[category[i]],
                "village_id": vid,
                "region_code": vcode,
                "status": st,
                "level": lv,
                "reported_at": reported_s[i],
                "stage_started_at": reported_s[i],
                "resolve_due_at": due_s[i],
                "closed_at": closed_s[i] if st in ENDED else None,
            }
            cases.append(tuple(values[c] for c in case_columns))
            if st in RESOLVED:
                event = EVENT_CONSTANTS | {
                    "case_id": next_id + i,
                    "case_code": values["code"],
                    "at": resolved_s[i],
                    "from_level": lv,
                    "to_level": lv,
                    "region_code": vcode,
                }
                events.append(tuple(event[c] for c in event_columns))
        with transaction.atomic():
            _write(connection, Case._meta.db_table, case_columns, cases, next_id)
            _write(connection, CaseEvent._meta.db_table, event_columns, events)
        next_id += n


def _write(connection, table, columns, rows, first_id=None):
    if first_id is not None:
        columns, rows = ["id", *columns], [(first_id + i, *r) for i, r in enumerate(rows)]
    marks = ", ".join(["%s"] * len(columns))
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[max(0, int(np.ceil(len(ordered) * 0.95)) - 1)] * 1000


def _periods(rng: random.Random, calls: int):
    last = END.date()
    for _ in range(calls):
        days = rng.randint(7, 365)
        end = last - timedelta(days=rng.randint(0, YEARS_DAYS - days))
        yield days, end


def run(*, database_url: str = "", cases: int = 10_000_000, **_options) -> list[Figure]:
    home = tempfile.mkdtemp(prefix="fq-bench-p4-")
    try:
        return _run(database_url, home, cases)
    finally:
        shutil.rmtree(home, ignore_errors=True)


def _run(database_url: str, home: str, count: int) -> list[Figure]:
    label = _setup(database_url, home)
    from django.db import connection

    from fengqiao.accounts.models import User
    from fengqiao.cases.defaults import ensure_default_categories
    from fengqiao.cases.models import Category
    from fengqiao.insight.rebuild import rollup_rebuild_all_system
    from fengqiao.insight.selectors import dashboard_get, figures_from_cases, figures_from_rollups

    ensure_default_categories()
    categories = list(Category.objects.filter(parent__isnull=False).values_list("pk", flat=True))
    villages = _regions()
    started = time.perf_counter()
    _generate(count, villages, categories, connection.vendor)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    generated = time.perf_counter() - started
    started = time.perf_counter()
    rollup_rebuild_all_system()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    built = time.perf_counter() - started
    admin = User.objects.create(
        username="bench_admin", role="admin", is_superuser=True, is_staff=True
    )
    figures = [
        Figure(f"p4 {label} cases generated", count, "cases"),
        Figure(f"p4 {label} generate ({LOADERS[label]})", count / generated, "cases/s"),
        Figure(f"p4 {label} rollup build (set-based, worker code)", count / built, "cases/s"),
    ]
    rng = random.Random(SEED)
    for level, scopes in (("county", COUNTIES), ("city", [CITY])):
        fast, slow, mismatches = [], [], 0
        periods = list(_periods(rng, ROLLUP_CALLS))
        for days, end in periods:
            scope = rng.choice(scopes)
            t0 = time.perf_counter()
            dashboard_get(actor=admin, scope=scope, days=days, end=end)
            fast.append(time.perf_counter() - t0)
        for days, end in periods[:REFERENCE_CALLS]:
            scope = rng.choice(scopes)
            start = end - timedelta(days=days - 1)
            t0 = time.perf_counter()
            reference = figures_from_cases([scope], start, end)
            slow.append(time.perf_counter() - t0)
            if reference.comparable() != figures_from_rollups([scope], start, end).comparable():
                mismatches += 1
        reference_p95 = _p95(slow)
        figures += [
            Figure(
                f"p4 {label} {level} dashboard p95",
                _p95(fast),
                "ms",
                reference_p95,
                "GROUP BY over cases p95 ms",
            ),
            Figure(f"p4 {label} {level} dashboard median", float(np.median(fast)) * 1000, "ms"),
            Figure(f"p4 {label} {level} figures differing from GROUP BY", mismatches, "calls"),
        ]
    return figures


if __name__ == "__main__":
    for figure in run(database_url=os.environ.get("DATABASE_URL", ""), cases=20_000):
        print(figure.line())
