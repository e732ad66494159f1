"""P3: case intake over HTTP (auth, validation, locate, case + log row) under concurrent
clients on loopback; every acknowledged case must be in the database. Reference: single-row
INSERT transactions per second on the same database (pgbench on PostgreSQL, sqlite3 on SQLite).
"""

import http.client
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlparse

from bench.figures import Figure
from bench.server import installation, serving


def _request(conn, method, path, body=None, token=None):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
    response = conn.getresponse()
    return response.status, json.loads(response.read() or b"null")


def _prepare(base: str) -> tuple[str, dict]:
    host = urlparse(base)
    conn = http.client.HTTPConnection(host.hostname, host.port, timeout=30)
    status, body = _request(
        conn, "POST", "/api/v1/auth/token", {"username": "grid_worker", "password": "fengqiao-demo"}
    )
    assert status == 200, body
    token = body["token"]
    _status, me = _request(conn, "GET", "/api/v1/me", token=token)
    code = me["jurisdictions"][0]["code"]
    _status, grid = _request(conn, "GET", f"/api/v1/grids/{code}", token=token)
    return token, {"lat": grid["centroid_lat"], "lng": grid["centroid_lng"]}


def _client(base, token, point, deadline, results, lock):
    host = urlparse(base)
    conn = http.client.HTTPConnection(host.hostname, host.port, timeout=30)
    mine = []
    while time.monotonic() < deadline:
        client_id = str(uuid.uuid4())
        body = {
            "category": "garbage",
            "title": "路口垃圾堆放多日无人清运",
            "description": "请尽快清理",
            "channel": "grid_app",
            "client_id": client_id,
            **point,
        }
        started = time.perf_counter()
        try:
            status, reply = _request(conn, "POST", "/api/v1/cases", body, token)
        except (OSError, http.client.HTTPException):
            conn.close()
            conn = http.client.HTTPConnection(host.hostname, host.port, timeout=30)
            status, reply = 0, None
        elapsed = time.perf_counter() - started
        acked = status in (200, 201) and reply and reply.get("code")
        mine.append((elapsed, status, client_id if acked else None))
    with lock:
        results.extend(mine)


def _count_stored(env: dict, client_ids: list[str]) -> int:
    script = (
        "import sys, django; django.setup(); from fengqiao.cases.models import Case; "
        "ids = sys.stdin.read().split(); "
        "print(sum(Case.objects.filter(client_id__in=ids[i:i+500]).count() "
        "for i in range(0, len(ids), 500)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", script],
        input="\n".join(client_ids),
        capture_output=True,
        text=True,
        env={**env, "DJANGO_SETTINGS_MODULE": "fengqiao.settings"},
        check=True,
    )
    return int(out.stdout.strip())


def _reference_tps(env: dict, seconds: float) -> tuple[float, str]:
    url = env.get("DATABASE_URL")
    if url and shutil.which("pgbench"):
        parts = urlparse(url)
        script = Path(tempfile.mkdtemp()) / "insert.sql"
        script.write_text("INSERT INTO bench_ref (note) VALUES ('x');\n")
        pg_env = {
            **os.environ,
            "PGHOST": parts.hostname or "127.0.0.1",
            "PGPORT": str(parts.port or 5432),
            "PGUSER": parts.username or "postgres",
            "PGDATABASE": parts.path.lstrip("/"),
        }
        subprocess.run(
            [
                "psql",
                "-qc",
                "CREATE TABLE IF NOT EXISTS bench_ref (id bigserial primary key, note text)",
            ],
            env=pg_env,
            check=True,
        )
        out = subprocess.run(
            ["pgbench", "-n", "-c", "8", "-j", "2", "-T", str(int(seconds)), "-f", str(script)],
            env=pg_env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        tps = float(
            next(line for line in out.splitlines() if line.startswith("tps"))
            .split("=")[1]
            .split()[0]
        )
        return tps, "pgbench single-row INSERT"
    path = Path(env["FENGQIAO_HOME"]) / "ref.sqlite3"
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("CREATE TABLE ref (id INTEGER PRIMARY KEY, note TEXT)")
    n, deadline = 0, time.monotonic() + seconds
    started = time.monotonic()
    while time.monotonic() < deadline:
        db.execute("BEGIN IMMEDIATE")
        db.execute("INSERT INTO ref (note) VALUES ('x')")
        db.execute("COMMIT")
        n += 1
    return n / (time.monotonic() - started), "sqlite3 single-row INSERT"


def run(*, seconds: float, clients: int, database_url: str = "", **_options) -> list[Figure]:
    label = "postgresql" if database_url else "sqlite"
    with installation(database_url=database_url, name="fq_bench_p3") as env:
        reference, reference_name = _reference_tps(env, min(seconds, 10))
        with serving(env) as base:
            token, point = _prepare(base)
            results, lock = [], threading.Lock()
            deadline = time.monotonic() + seconds
            threads = [
                threading.Thread(target=_client, args=(base, token, point, deadline, results, lock))
                for _ in range(clients)
            ]
            started = time.monotonic()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            wall = time.monotonic() - started
        acked = [cid for _e, _s, cid in results if cid]
        stored = _count_stored(env, acked)
        latencies = sorted(e for e, _s, cid in results if cid)
        p99 = latencies[int(len(latencies) * 0.99) - 1] * 1000 if latencies else float("nan")
        errors = sum(1 for _e, status, cid in results if not cid)
    return [
        Figure(f"p3 {label} intake", len(acked) / wall, "cases/s", reference, reference_name),
        Figure(f"p3 {label} p99 latency", p99, "ms"),
        Figure(
            f"p3 {label} median latency",
            statistics.median(latencies) * 1000 if latencies else float("nan"),
            "ms",
        ),
        Figure(f"p3 {label} failed requests", errors, "requests"),
        Figure(f"p3 {label} acknowledged but not stored", len(acked) - stored, "cases"),
    ]
