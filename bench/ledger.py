"""Ledger: peak memory and speed of the ledger engine (core.ledger) from 10 k to 1 M rows, and
of the real case ledger (a scoped queryset through cases.ledgers) at two sizes.

Each measurement runs in a process of its own (`python -m bench.ledger MODE ROWS`) so its peak
RSS is its own: the synthetic path writes case-like rows (the case ledger's 18 columns, made in
Python, no database reads) through `ledger_export`; the queryset path first inserts N cases
(bulk, in a separate process) and exports them as the county's centre would.

References in the same run: the same process with no rows (the floor: Python, Django, openpyxl
loaded), the naive peer (a normal openpyxl workbook kept in memory, up to 100 k rows: its memory
grows with the rows) and `csv.writer` of the same rows (the speed limit of writing rows at all).
A flat ledger shows as a 1 M-row peak about equal to the 10 k-row peak (ratio ≈ 1).
"""

import csv
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import timedelta

from bench.figures import Figure
from bench.server import installation

SIZES = (10_000, 100_000)
NAIVE_LIMIT = 100_000
CASE_SIZES = (5_000, 50_000)


def run(*, database_url: str = "", ledger_rows: int = 1_000_000, **_options) -> list[Figure]:
    figures = []
    with installation(database_url=database_url, name="fq_bench_ledger") as env:
        floor = _child(env, "floor", 0)
        sizes = sorted({*SIZES, ledger_rows})
        synthetic = {n: _child(env, "ledger", n) for n in sizes}
        first = synthetic[sizes[0]]
        for n in sizes:
            figures.append(
                Figure(
                    f"ledger {n:,} rows: peak RSS",
                    round(synthetic[n]["peak_mb"], 1),
                    "MB",
                    round(first["peak_mb"], 1),
                    f"{sizes[0]:,} rows",
                )
            )
        figures.append(
            Figure("ledger floor (no rows): peak RSS", round(floor["peak_mb"], 1), "MB", None, "")
        )
        largest = synthetic[sizes[-1]]
        plain = _child(env, "csv", sizes[-1])
        figures.append(
            Figure(
                f"ledger {sizes[-1]:,} rows: throughput",
                round(largest["rows"] / largest["seconds"]),
                "rows/s",
                round(plain["rows"] / plain["seconds"]),
                "csv.writer",
            )
        )
        figures.append(
            Figure(
                f"ledger {sizes[-1]:,} rows: file size",
                round(largest["bytes"] / 1e6, 1),
                "MB",
                None,
                "",
            )
        )
        naive_size = min(NAIVE_LIMIT, sizes[-1])
        naive = _child(env, "naive", naive_size)
        ledger_at = synthetic.get(naive_size) or _child(env, "ledger", naive_size)
        figures.append(
            Figure(
                f"ledger {naive_size:,} rows: peak RSS vs in-memory workbook",
                round(ledger_at["peak_mb"], 1),
                "MB",
                round(naive["peak_mb"], 1),
                "openpyxl Workbook()",
            )
        )
        cases = {}
        made = 0
        for n in CASE_SIZES:
            _child(env, "insert", n - made)
            made = n
            cases[n] = _child(env, "cases", n)
            assert cases[n]["rows"] >= n, cases[n]  # every inserted case is in the ledger
        small, large = cases[CASE_SIZES[0]], cases[CASE_SIZES[-1]]
        figures.append(
            Figure(
                f"case ledger (queryset) {large['rows']:,} cases: peak RSS",
                round(large["peak_mb"], 1),
                "MB",
                round(small["peak_mb"], 1),
                f"{small['rows']:,} cases",
            )
        )
        figures.append(
            Figure(
                f"case ledger (queryset) {large['rows']:,} cases: throughput",
                round(large["rows"] / large["seconds"]),
                "rows/s",
                round(largest["rows"] / largest["seconds"]),
                "synthetic rows",
            )
        )
    return figures


def _child(env: dict, mode: str, rows: int) -> dict:
    done = subprocess.run(
        [sys.executable, "-m", "bench.ledger", mode, str(rows)],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- the child process ---------------------------------------------------------------------


def _rows(n: int):
    from django.utils import timezone

    start = timezone.now() - timedelta(days=365)
    for i in range(n):
        at = start + timedelta(seconds=i * 30)
        yield (
            f"SJ{20260000000000 + i}",
            ("=SUM(A1)" if i % 1000 == 0 else "") + f"路灯不亮第{i}号，居民反映夜间出行不便",
            "市政设施",
            "已派遣",
            "村（社区）",
            "12345热线",
            "一般",
            "锦绣社区",
            f"第{i % 12 + 1}网格",
            f"建设路{i % 500}号",
            "张三",
            "138****5678",
            "城管执法大队",
            at,
            at + timedelta(days=3),
            None,
            i % 5 + 1,
            "已修复，居民满意。",
        )


def _ledger():
    from fengqiao.cases.ledgers import CASE_LEDGER
    from fengqiao.core.ledger import Column, Ledger

    return Ledger(
        name="bench",
        title="事件台账",
        columns=[
            Column(c.header, lambda row, i=i: row[i], c.width)
            for i, c in enumerate(CASE_LEDGER.columns)
        ],
    )


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _main(mode: str, n: int) -> dict:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fengqiao.settings")
    import django

    django.setup()
    from openpyxl import Workbook

    from fengqiao.accounts.models import User
    from fengqiao.core.ledger import ledger_export

    admin = User.objects.get(username="admin")
    started = time.perf_counter()
    size = 0
    if mode == "ledger":
        written = ledger_export(actor=admin, ledger=_ledger(), rows=_rows(n), filters={})
        written.file.seek(0, os.SEEK_END)
        size = written.file.tell()
        written.file.close()
    elif mode == "naive":
        workbook = Workbook()
        sheet = workbook.active
        for row in _rows(n):
            sheet.append([v.replace(tzinfo=None) if hasattr(v, "tzinfo") else v for v in row])
        with tempfile.TemporaryFile() as out:
            workbook.save(out)
            size = out.tell()
    elif mode == "csv":
        with tempfile.TemporaryFile("w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out)
            writer.writerows(_rows(n))
            size = out.tell()
    elif mode == "insert":
        _insert_cases(n)
    elif mode == "cases":
        from fengqiao.cases.ledgers import case_ledger

        centre = User.objects.get(username="county_centre")
        written = case_ledger(actor=centre, data={})
        n = written.rows
        written.file.seek(0, os.SEEK_END)
        size = written.file.tell()
        written.file.close()
    seconds = time.perf_counter() - started
    return {"rows": n, "seconds": seconds, "peak_mb": _peak_mb(), "bytes": size}


def _insert_cases(n: int) -> None:
    """`n` copies of a demo case (new codes) in one bulk insert: what the ledger reads."""
    from fengqiao.cases.models import Case

    template = Case.objects.filter(kind="general").order_by("pk").first()
    base = Case.objects.count()
    batch = []
    for i in range(n):
        case = Case(
            **{
                f.attname: getattr(template, f.attname)
                for f in Case._meta.concrete_fields
                if not f.primary_key
            }
        )
        case.code, case.client_id = f"BX{base + i:012d}", None
        batch.append(case)
        if len(batch) == 5000:
            Case.objects.bulk_create(batch)
            batch = []
    Case.objects.bulk_create(batch)


if __name__ == "__main__":
    print(json.dumps(_main(sys.argv[1], int(sys.argv[2]))))
