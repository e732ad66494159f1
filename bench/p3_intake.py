"""P3: case intake over HTTP (auth, validation, locate, case + log row) under concurrent
clients on loopback, against `fengqiao serve --production`; every acknowledged case must be in
the database. Each client is a grid worker of its own micro-grid reporting at points inside it.
Reference: single-row INSERT transactions per second on the same database (pgbench on
PostgreSQL, sqlite3 on SQLite).
"""

import http.client
import json
import multiprocessing
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlparse

from bench.figures import Figure
from bench.server import cpu_seconds, installation, server_processes, serving


def available_cores() -> int:
    return len(os.sched_getaffinity(0)) or 1


# Load-generator processes; each runs its share of the clients as threads.
GENERATORS = 2


TITLES = [
    ("garbage", "路口垃圾堆放多日无人清运", "请尽快清理"),
    ("garbage", "小区垃圾桶满溢无人处理", "气味很大，影响居民"),
    ("garbage", "河道漂浮物需要清理", "靠近桥头一段"),
    ("garbage", "建筑垃圾乱倒在路边", "疑似夜间偷倒"),
    ("garbage", "农贸市场门口垃圾成堆", "早市后一直没人收"),
]
HEADERS = {"Content-Type": "application/json"}


def _connect(base: str) -> http.client.HTTPConnection:
    host = urlparse(base)
    return http.client.HTTPConnection(host.hostname, host.port, timeout=30)


def _client(base: str, worker: dict, deadline: float, seed: int) -> list:
    """One closed-loop client: report, wait for the answer, report again until the deadline.
    Returns (seconds, status, client_id if acknowledged) per request."""
    rng = random.Random(seed)
    headers = {**HEADERS, "Authorization": f"Bearer {worker['token']}"}
    conn = _connect(base)
    mine = []
    while time.monotonic() < deadline:
        client_id = str(uuid.UUID(int=rng.getrandbits(128)))
        category, title, description = rng.choice(TITLES)
        lat, lng = rng.choice(worker["points"])
        body = json.dumps(
            {
                "category": category,
                "title": title,
                "description": description,
                "channel": "grid_app",
                "client_id": client_id,
                "lat": lat,
                "lng": lng,
            }
        )
        started = time.perf_counter()
        try:
            conn.request("POST", "/api/v1/cases", body=body, headers=headers)
            response = conn.getresponse()
            reply = json.loads(response.read() or b"null")
            status = response.status
        except (OSError, http.client.HTTPException, ValueError):
            conn.close()
            conn = _connect(base)
            status, reply = 0, None
        elapsed = time.perf_counter() - started
        acked = status == 201 and isinstance(reply, dict) and reply.get("code")
        mine.append((elapsed, status, client_id if acked else None))
    conn.close()
    return mine


def _generator(base: str, workers: list, threads: int, seconds: float, seed: int, out) -> None:
    """One load-generator process: `threads` clients, each as a grid worker of its own."""
    deadline = time.monotonic() + seconds
    with ThreadPoolExecutor(threads) as pool:
        futures = [
            pool.submit(_client, base, workers[i % len(workers)], deadline, seed * 1000 + i)
            for i in range(threads)
        ]
        out.put([row for f in futures for row in f.result()])


def _load(
    base: str, workers: list, clients: int, seconds: float, *, round_: int = 0
) -> tuple[list, float]:
    """`clients` concurrent clients spread over GENERATORS processes (one Python process
    could not keep up with the server: it would measure its own GIL)."""
    context = multiprocessing.get_context("spawn")
    out = context.Queue()
    processes = []
    for n in range(GENERATORS):
        share = clients // GENERATORS + (1 if n < clients % GENERATORS else 0)
        mine = workers[n::GENERATORS] or workers
        processes.append(
            context.Process(
                target=_generator,
                # Seeds differ per round: a warm-up's client ids must not come back as resends.
                args=(base, mine, share, seconds, round_ * GENERATORS + n + 1, out),
            )
        )
    started = time.monotonic()
    for process in processes:
        process.start()
    results = [row for _ in processes for row in out.get()]
    wall = time.monotonic() - started
    for process in processes:
        process.join()
    return results, wall


def _accounts(env: dict) -> list:
    out = subprocess.run(
        [sys.executable, "-m", "bench.p3_accounts"],
        stdout=subprocess.PIPE,
        text=True,
        env={**env, "DJANGO_SETTINGS_MODULE": "fengqiao.settings", "LOG_LEVEL": "WARNING"},
        check=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    return json.loads(out.stdout)


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


def run(
    *,
    seconds: float,
    clients: int = 32,
    database_url: str = "",
    workers: int | None = None,
    **_options,
) -> list[Figure]:
    label = "postgresql" if database_url else "sqlite"
    with installation(database_url=database_url, name="fq_bench_p3", production=True) as env:
        reference, reference_name = _reference_tps(env, min(seconds, 10))
        grid_workers = _accounts(env)
        with serving(env, workers=workers) as base:
            _load(base, grid_workers, min(clients, 4), 2)  # warm every server process
            pids = server_processes(urlparse(base).port)
            cpu_before = cpu_seconds(pids)
            results, wall = _load(base, grid_workers, clients, seconds, round_=1)
            server_cpu = cpu_seconds(pids) - cpu_before
        acked = [cid for _e, _s, cid in results if cid]
        stored = _count_stored(env, acked)
        latencies = sorted(e for e, _s, cid in results if cid)
        errors = sum(1 for _e, _status, cid in results if not cid)

    def quantile(q: float) -> float:
        return latencies[min(len(latencies) - 1, int(len(latencies) * q))] * 1000

    has = bool(latencies)
    return [
        Figure(f"p3 {label} intake", len(acked) / wall, "cases/s", reference, reference_name),
        # CPU time is what a shared, loaded box changes least (other processes take cores
        # away, not CPU time from each request); "capacity" is what that time allows.
        Figure(f"p3 {label} server CPU", server_cpu * 1000 / max(len(results), 1), "ms/request"),
        Figure(
            f"p3 {label} capacity of {available_cores()} quiet cores (from CPU time)",
            available_cores() * len(results) / server_cpu if server_cpu else float("nan"),
            "cases/s",
        ),
        Figure(f"p3 {label} p99 latency", quantile(0.99) if has else float("nan"), "ms"),
        Figure(f"p3 {label} median latency", quantile(0.5) if has else float("nan"), "ms"),
        # Anything but 201 with a case number: errors, time-outs, a resend answered with 200.
        Figure(f"p3 {label} failed requests", errors, "requests"),
        Figure(f"p3 {label} acknowledged but not stored", len(acked) - stored, "cases"),
    ]
