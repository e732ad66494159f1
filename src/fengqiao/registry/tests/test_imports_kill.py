"""A real crash: `fengqiao import` is killed with SIGKILL part-way and run again."""

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

ROWS = 12_000
BATCH = 500

SETUP = """
import sys, django
django.setup()
from django.core.management import call_command
call_command("migrate", "registry", verbosity=0)
call_command("migrate", "regions", verbosity=0)  # the gazetteer's stale marks each batch writes
call_command("migrate", "accounts", verbosity=0)
call_command("migrate", "core", verbosity=0)  # the audit log each batch writes to
from fengqiao.accounts.models import JurisdictionBinding, User
from fengqiao.core.idnumbers import make_id_number
from fengqiao.regions.models import Region
from fengqiao.registry.models import Dwelling
from datetime import date, timedelta
county = Region.objects.create(code="431202000000", name="县", level="county", kind="county")
town = Region.objects.create(code="431202100000", name="镇", level="township", kind="town",
                             parent=county)
village = Region.objects.create(code="431202100200", name="村", level="village", kind="village",
                                parent=town)
Dwelling.objects.bulk_create(
    Dwelling(code=f"D{i:05d}", village=village, region_code=village.code) for i in range(500)
)
user = User.objects.create_user(username="clerk", password="not-used-1234", role="centre_staff")
JurisdictionBinding.objects.create(user=user, region=village, code=village.code)
rows, n, day = [], 0, date(1950, 1, 1)
with open(sys.argv[1], "w", encoding="utf-8") as fh:
    fh.write("姓名,身份证号,户号,与户主关系,房屋编号\\n")
    while n < int(sys.argv[2]):
        for seq in range(0, 1000, 2):
            if n >= int(sys.argv[2]):
                break
            head = n % 4 == 0
            fh.write(f"人{n},{make_id_number('431202', day, seq)},H{n // 4},"
                     f"{'户主' if head else '子女'},D{(n // 4) % 500:05d}\\n")
            n += 1
        day += timedelta(days=1)
"""


def children(pid: int) -> list[int]:
    """Processes whose parent is `pid` (Linux /proc)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as fh:
                    fields = fh.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry))
    return found


def alive(pid: int) -> bool:
    """True while `pid` exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.kill9
def test_import_is_exact_when_killed_with_sigkill_and_rerun(tmp_path):
    env = {**os.environ, "FENGQIAO_HOME": str(tmp_path), "DATABASE_URL": ""}
    env["DJANGO_SETTINGS_MODULE"] = "fengqiao.settings"
    data = tmp_path / "people.csv"
    subprocess.run(
        [sys.executable, "-c", SETUP, str(data), str(ROWS)], env=env, check=True, timeout=120
    )
    command = [
        *(sys.executable, "-m", "fengqiao.cli", "import", "people", str(data)),
        *("--user", "clerk", "--batch", str(BATCH), "--workers", "2", "--no-progress"),
    ]
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    db = sqlite3.connect(tmp_path / "fengqiao.sqlite3", timeout=20)
    deadline = time.monotonic() + 60
    committed = 0
    while time.monotonic() < deadline and proc.poll() is None:
        row = db.execute("SELECT last_row FROM registry_importjob").fetchone()
        committed = row[0] if row else 0
        if committed > BATCH:  # the second batch is in: the sealing workers are forked
            break
        time.sleep(0.02)
    assert committed > 0, proc.stderr.read() if proc.poll() is not None else "no checkpoint"
    time.sleep(random.uniform(0.0, 0.5))
    workers = children(proc.pid)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    killed_at = db.execute("SELECT last_row, state FROM registry_importjob").fetchone()
    if proc.returncode == -signal.SIGKILL and killed_at[0] - 1 < ROWS:
        assert len(workers) == 2  # rows were left: the sealing workers were running
    gone_by = time.monotonic() + 5
    while workers and time.monotonic() < gone_by:
        workers = [pid for pid in workers if alive(pid)]
        time.sleep(0.05)
    assert not workers, "sealing workers outlived the killed import"
    people_then = db.execute("SELECT count(*) FROM registry_person").fetchone()[0]
    # Whole batches only: every committed row is a person (no errors in this file).
    assert people_then == killed_at[0] - 1
    # The kill landed before the job was marked done: part-way through, or after the last
    # batch committed but before the job's final state was written (all rows are then in,
    # and the rerun below only finishes the job).
    assert killed_at[1] in ("running", "done"), killed_at

    rerun = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert rerun.returncode == 0, rerun.stderr
    jobs = db.execute(
        "SELECT state, rows_done, created, error_rows FROM registry_importjob ORDER BY id"
    ).fetchall()
    if killed_at[1] == "done":
        # The import finished before the kill landed: the rerun is a job of its own that
        # finds every person already there and adds nothing.
        assert len(jobs) == 2 and jobs[0] == ("done", ROWS, ROWS, 0), jobs
        assert jobs[1][0] == "done" and jobs[1][2] == 0, jobs
    else:
        assert jobs == [("done", ROWS, ROWS, 0)]  # resumed where the kill left it
    assert db.execute("SELECT count(*) FROM registry_person").fetchone()[0] == ROWS
    assert (
        db.execute("SELECT count(DISTINCT id_number_hash) FROM registry_person").fetchone()[0]
        == ROWS
    )
    assert db.execute("SELECT count(*) FROM registry_household").fetchone()[0] == ROWS // 4
    assert (
        db.execute("SELECT count(*) FROM registry_household WHERE head_id IS NULL").fetchone()[0]
        == 0
    )
    db.close()
