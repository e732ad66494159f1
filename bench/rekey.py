"""Key rotation: `fengqiao rekey rotate` over N imported people (every sealed column re-sealed
under a new key, bound to its row), against a plain UPDATE of the same columns (the floor).

Checks afterwards that every person's ID number still opens and equals what was imported."""

import os
import shutil
import subprocess
import tempfile
import time
from datetime import date
from pathlib import Path

from bench.figures import Figure
from bench.p1_import import _import, _people, _setup_database, _write_csv
from bench.server import FENGQIAO, fresh_postgres


def run(*, database_url: str = "", rows: int = 100_000, **_options) -> list[Figure]:
    home = Path(tempfile.mkdtemp(prefix="fq-bench-rekey-"))
    env = {**os.environ, "FENGQIAO_HOME": str(home), "DATABASE_URL": ""}
    if database_url:
        env["DATABASE_URL"] = fresh_postgres(database_url, "fq_bench_rekey")
    os.environ.update(
        FENGQIAO_HOME=env["FENGQIAO_HOME"],
        DATABASE_URL=env["DATABASE_URL"],
        DJANGO_SETTINGS_MODULE="fengqiao.settings",
    )
    try:
        return _measure(env, home, rows=rows)
    finally:
        shutil.rmtree(home, ignore_errors=True)


def _measure(env: dict, home: Path, *, rows: int) -> list[Figure]:
    dwellings = _setup_database(env, rows)
    csv_path = home / "people.csv"
    people = list(_people(rows, date(1950, 1, 1), "C", dwellings))
    _write_csv(csv_path, iter(people))
    _import(env, csv_path)
    db = "PostgreSQL" if env["DATABASE_URL"] else "SQLite"

    started = time.perf_counter()
    subprocess.run([*FENGQIAO, "rekey", "rotate"], env=env, check=True, capture_output=True)
    rekey_seconds = time.perf_counter() - started

    from django.db import connection, transaction

    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE registry_person SET id_number_sealed = id_number_sealed || '',"
            " phone_sealed = phone_sealed || ''"
        )
    update_seconds = time.perf_counter() - started

    _check(env, people)
    return [
        Figure(
            f"rekey {db} {rows:,} people",
            rows / rekey_seconds,
            "rows/s",
            reference=rows / update_seconds,
            reference_name="one UPDATE of the same columns",
        )
    ]


def _check(env: dict, people: list) -> None:
    """Every imported ID number opens under the new ring (a fresh process reads the new key)."""
    script = (
        "from fengqiao.core import crypto;"
        "from fengqiao.registry.models import Person;"
        "print('\\n'.join(crypto.open_field(p, 'id_number_sealed') for p in Person.objects.all()))"
    )
    out = subprocess.run(
        [*FENGQIAO, "shell", "-c", script], env=env, check=True, capture_output=True, text=True
    ).stdout
    opened = {word for word in out.split() if len(word) == 18}  # not the system-check lines
    expected = {row[1] for row in people}
    if opened != expected:
        raise RuntimeError(
            f"after the rotation {len(expected - opened)} imported ID numbers do not open, e.g. "
            f"{sorted(expected - opened)[:2]} (opened {len(opened)}, e.g. {sorted(opened)[:2]})"
        )
