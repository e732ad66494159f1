"""P1: registry import of people through the real path (`fengqiao import people FILE`, the
streaming, checkpointed importer) from a generated CSV (1 M rows by default) and XLSX (100 k:
openpyxl parses about 30-50 k cells/s per core, so a 1 M-row workbook would take minutes
before the importer sees a row). Reported: end-to-end rows/s, peak RSS of the import process
and of its largest sealing worker, and the same import with sealing in-process (--workers 0).

References in the same run: raw `COPY` of the very rows the import wrote (PostgreSQL: dumped
with COPY TO, loaded with COPY FROM into a twin table with the same indexes; the limit), and
Django `bulk_create` of `person_build` objects (the naive peer) on a sample.
"""

import csv
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from bench.figures import Figure
from bench.server import FENGQIAO, fresh_postgres

VILLAGE = "431202100200"
PEOPLE_PER_HOUSEHOLD = 4
HOUSEHOLDS_PER_DWELLING = 2
NAIVE_SAMPLE = 50_000
XLSX_ROWS = 100_000
HEADER = [
    "姓名",
    "身份证号",
    "手机号",
    "户号",
    "与户主关系",
    "房屋编号",
    "居住类型",
    "民族",
    "标签",
]


def _ids(count: int, first_day: date):
    """Distinct valid ID numbers: 1,000 sequences per birth day, days counting up."""
    from fengqiao.core.idnumbers import check_character

    day, made = first_day, 0
    while made < count:
        stamp = f"431202{day:%Y%m%d}"
        for seq in range(min(1000, count - made)):
            first17 = f"{stamp}{seq:03d}"
            yield first17 + check_character(first17)
        made += min(1000, count - made)
        day += timedelta(days=1)


def _people(count: int, first_day: date, prefix: str, dwellings: int):
    for n, number in enumerate(_ids(count, first_day)):
        household = n // PEOPLE_PER_HOUSEHOLD
        yield [
            f"居民{prefix}{n}",
            number,
            f"138{n % 10**8:08d}",
            f"{prefix}H{household}",
            "户主" if n % PEOPLE_PER_HOUSEHOLD == 0 else "子女",
            f"D{(household // HOUSEHOLDS_PER_DWELLING) % dwellings:07d}",
            "户籍" if n % 7 else "流动",
            "汉族",
            "空巢老人" if n % 50 == 0 else "",
        ]


def _write_csv(path: Path, rows) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        writer.writerows(rows)


def _write_xlsx(path: Path, rows) -> None:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    workbook.save(path)


def _setup_database(env: dict, rows: int) -> int:
    """Migrate; a county, township and village, the dwellings, a tag and the importing clerk."""
    subprocess.run([*FENGQIAO, "migrate", "-v", "0"], env=env, check=True)
    import django

    django.setup()
    from fengqiao.accounts.models import JurisdictionBinding, User
    from fengqiao.regions.models import Region
    from fengqiao.registry.models import Dwelling, PersonTag

    county = Region.objects.create(
        code="431202000000", name="鹤城区", level="county", kind="county"
    )
    town = Region.objects.create(
        code="431202100000", name="城北镇", level="township", kind="town", parent=county
    )
    village = Region.objects.create(
        code=VILLAGE, name="甲村", level="village", kind="village", parent=town
    )
    dwellings = max(rows // (PEOPLE_PER_HOUSEHOLD * HOUSEHOLDS_PER_DWELLING), 10)
    Dwelling.objects.bulk_create(
        (
            Dwelling(code=f"D{i:07d}", village=village, region_code=VILLAGE)
            for i in range(dwellings)
        ),
        batch_size=5000,
    )
    PersonTag.objects.create(code="elderly_alone", name="空巢老人", name_en="Elderly living alone")
    user = User.objects.create_user(username="clerk", password="not-used-1234", role="centre_staff")  # noqa: S106
    JurisdictionBinding.objects.create(user=user, region=village, code=VILLAGE)
    return dwellings


def _import(env: dict, path: Path, *options: str) -> tuple[float, float, float, float, str]:
    """Run `fengqiao import people`; (import seconds, wall seconds, peak RSS MiB of the command
    and of its largest sealing worker, output)."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        [*FENGQIAO, "import", "people", str(path), "--user", "clerk", "--no-progress", *options],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    out, err = proc.communicate()
    wall = time.perf_counter() - started
    if proc.returncode:
        raise RuntimeError(f"import failed: {err}")
    seconds = float(re.search(r"\(([\d.]+) s", out).group(1))
    peak = float(re.search(r"peak RSS ([\d.]+) MiB", out).group(1))
    worker = float(re.search(r"largest worker ([\d.]+) MiB", out).group(1))
    return seconds, wall, peak, worker, out.strip()


def _raw_copy_rate() -> float:
    """COPY the rows the import wrote out to a file, then time COPY FROM into a twin table."""
    from django.db import connection

    spool = Path(tempfile.mkstemp(prefix="fq-p1-copy-")[1])
    columns = (
        "name, id_number_sealed, id_number_hash, id_number_masked, sex, birth_year, "
        "birth_date_sealed, ethnicity, "
        "phone_sealed, phone_hash, phone_masked, residence, household_id, relation, "
        "dwelling_id, region_code, created_at, updated_at"
    )
    try:
        with connection.cursor() as cursor:
            raw = cursor.cursor
            with (
                spool.open("wb") as fh,
                raw.copy(f"COPY registry_person ({columns}) TO STDOUT") as cp,
            ):
                for chunk in cp:
                    fh.write(chunk)
            raw.execute("DROP TABLE IF EXISTS p1_ref")
            raw.execute("CREATE TABLE p1_ref (LIKE registry_person INCLUDING ALL)")
            connection.commit() if not connection.get_autocommit() else None
            count = 0
            started = time.perf_counter()
            with spool.open("rb") as fh, raw.copy(f"COPY p1_ref ({columns}) FROM STDIN") as cp:
                while chunk := fh.read(1 << 20):
                    cp.write(chunk)
            seconds = time.perf_counter() - started
            raw.execute("SELECT count(*) FROM p1_ref")
            count = raw.fetchone()[0]
            raw.execute("DROP TABLE p1_ref")
        return count / seconds
    finally:
        spool.unlink(missing_ok=True)


def _bulk_create_rate(dwellings: int, rows: int) -> float:
    """The naive peer: csv rows → person_build (validate + seal) → bulk_create in 1,000s."""
    from django.db import transaction

    from fengqiao.registry.models import Dwelling, Person
    from fengqiao.registry.services import person_build

    sample = list(_people(rows, date(2005, 1, 1), "N", dwellings))
    by_code = {d.code: d for d in Dwelling.objects.all()}
    started = time.perf_counter()
    with transaction.atomic():
        batch = []
        for name, number, phone, _h, _rel, code, _res, ethnicity, _tags in sample:
            dwelling = by_code[code]
            batch.append(
                person_build(
                    name=name,
                    id_number=number,
                    phone=phone,
                    region_code=dwelling.region_code,
                    ethnicity=ethnicity,
                    dwelling=dwelling,
                )
            )
            if len(batch) == 1000:
                Person.objects.bulk_create(batch)
                batch = []
        Person.objects.bulk_create(batch)
    return len(sample) / (time.perf_counter() - started)


def run(*, database_url: str = "", rows: int = 1_000_000, xlsx_rows: int = XLSX_ROWS, **_o):
    home = Path(tempfile.mkdtemp(prefix="fq-bench-p1-"))
    env = {**os.environ, "FENGQIAO_HOME": str(home), "DATABASE_URL": ""}
    if database_url:
        env["DATABASE_URL"] = fresh_postgres(database_url, "fq_bench_p1")
    os.environ.update(
        FENGQIAO_HOME=env["FENGQIAO_HOME"],
        DATABASE_URL=env["DATABASE_URL"],
        DJANGO_SETTINGS_MODULE="fengqiao.settings",
    )
    try:
        return _measure(env, home, rows=rows, xlsx_rows=min(xlsx_rows, rows))
    finally:
        shutil.rmtree(home, ignore_errors=True)


def _measure(env: dict, home: Path, *, rows: int, xlsx_rows: int) -> list[Figure]:
    dwellings = _setup_database(env, rows)
    from fengqiao.registry.imports.batch_sealing import default_workers

    db = "PostgreSQL" if env["DATABASE_URL"] else "SQLite"
    csv_path, xlsx_path = home / "people.csv", home / "people.xlsx"
    _write_csv(csv_path, _people(rows, date(1950, 1, 1), "C", dwellings))
    _write_xlsx(xlsx_path, _people(xlsx_rows, date(1990, 1, 1), "X", dwellings))
    size = csv_path.stat().st_size / 2**20

    seconds, wall, rss, worker_rss, _out = _import(env, csv_path)
    rate = rows / seconds
    # The same rows again under other ID numbers, sealed in the importing process itself.
    in_process_path = home / "people-in-process.csv"
    after_csv = date(1950, 1, 1) + timedelta(days=rows // 1000 + 1)  # _ids: 1,000 a day
    _write_csv(in_process_path, _people(rows, after_csv, "P", dwellings))
    in_process = rows / _import(env, in_process_path, "--workers", "0")[0]
    in_process_path.unlink()
    x_seconds, _x_wall, x_rss, _x_worker_rss, _x_out = _import(env, xlsx_path)
    x_rate = xlsx_rows / x_seconds

    from django.db import connection

    copy_rate = _raw_copy_rate() if connection.vendor == "postgresql" else None
    naive = _bulk_create_rate(dwellings, min(NAIVE_SAMPLE, rows))
    figures = []
    name = f"p1 import {rows:,} people from CSV ({size:,.0f} MiB) on {db}"
    if copy_rate:
        figures.append(Figure(name, rate, "rows/s", reference=copy_rate, reference_name="raw COPY"))
        name = "p1 same import"
    figures += [
        Figure(name, rate, "rows/s", reference=naive, reference_name="bulk_create"),
        Figure("p1 same import incl. process start", rows / wall, "rows/s"),
        Figure(
            f"p1 same import, sealing in-process (--workers 0; default {default_workers()})",
            in_process,
            "rows/s",
            reference=rate,
            reference_name="with workers",
        ),
        Figure("p1 peak RSS of the CSV import process", rss, "MiB"),
        Figure(
            "p1 peak RSS of its largest sealing worker (forked: shared pages too)",
            worker_rss,
            "MiB",
        ),
        Figure(
            f"p1 import {xlsx_rows:,} people from XLSX on {db}",
            x_rate,
            "rows/s",
            reference=rate,
            reference_name="CSV import",
        ),
        Figure("p1 peak RSS of the XLSX import process", x_rss, "MiB"),
    ]
    if copy_rate:
        figures.append(Figure("p1 reference: raw COPY of the imported rows", copy_rate, "rows/s"))
    figures.append(
        Figure(
            f"p1 reference: person_build + bulk_create, {min(NAIVE_SAMPLE, rows):,} rows",
            naive,
            "rows/s",
        )
    )
    return figures


if __name__ == "__main__":
    for figure in run(database_url=os.environ.get("P1_DATABASE_URL", "")):
        print(figure.line())
    sys.exit(0)
