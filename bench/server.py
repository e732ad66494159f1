"""A throwaway fengqiao installation for a benchmark: its own data folder and database."""

import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import zlib
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse, urlunparse

from fengqiao.core.keys import new_data_key

FENGQIAO = [sys.executable, "-m", "fengqiao.cli"]
REDIS_URL = os.environ.get("FENGQIAO_BENCH_REDIS", "redis://127.0.0.1:6379")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fresh_postgres(url: str, name: str) -> str:
    """Drop and create database `name` on the server of `url`; return its URL."""
    import psycopg

    parts = urlparse(url)
    admin = urlunparse(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return urlunparse(parts._replace(path=f"/{name}"))


def production_env(home: Path) -> dict:
    """Settings of a production start (fresh keys from the environment, collected static files,
    Redis as the shared cache when it answers), as deploy/env.example describes them."""
    env = {
        "FENGQIAO_PRODUCTION": "1",
        "FENGQIAO_SECRET_KEY": secrets.token_urlsafe(50),
        "FENGQIAO_DATA_KEY": new_data_key(),
        # The record chains' HMAC key and the digests' Ed25519 key (production needs both).
        "FENGQIAO_CHAIN_KEY": new_data_key(),
        "FENGQIAO_CHAIN_SIGNING_KEY": new_data_key(),
        "LOG_LEVEL": "WARNING",
    }
    number = zlib.crc32(str(home).encode()) % 15 + 1
    if redis_fresh_database(REDIS_URL, number):
        env["REDIS_URL"] = f"{REDIS_URL}/{number}"
    return env


def redis_fresh_database(url: str, number: int) -> bool:
    """Empty Redis database `number` (left from an earlier run); False if Redis is not there."""
    parts = urlparse(url)
    try:
        with socket.create_connection((parts.hostname, parts.port or 6379), timeout=1) as sock:
            sock.sendall(f"SELECT {number}\r\nFLUSHDB\r\n".encode())
            return sock.recv(64).startswith(b"+OK")
    except OSError:
        return False


@contextmanager
def installation(
    *,
    database_url: str = "",
    scale: str = "small",
    name: str = "fq_bench",
    production: bool = False,
):
    """Yield the environment of a migrated, seeded installation; remove it afterwards.
    `production` sets it up as `serve --production` needs it (see production_env)."""
    home = Path(tempfile.mkdtemp(prefix="fq-bench-"))
    env = {**os.environ, "FENGQIAO_HOME": str(home), "DATABASE_URL": ""}
    if production:
        env.update(production_env(home))
    if database_url:
        env["DATABASE_URL"] = fresh_postgres(database_url, name)
    try:
        subprocess.run([*FENGQIAO, "migrate", "-v", "0"], env=env, check=True)
        subprocess.run(
            [*FENGQIAO, "seed", "--scale", scale], env=env, check=True, stdout=subprocess.DEVNULL
        )
        if production:
            subprocess.run(
                [*FENGQIAO, "collectstatic", "--noinput", "-v", "0"], env=env, check=True
            )
        yield env
    finally:
        shutil.rmtree(home, ignore_errors=True)


@contextmanager
def serving(env: dict, *, threads: int | None = None, workers: int | None = None):
    """Serve the installation on a free loopback port: gunicorn (`serve --production`) when
    the installation was made with production=True, else waitress."""
    port = free_port()
    command = [*FENGQIAO, "serve", "--port", str(port)]
    if env.get("FENGQIAO_PRODUCTION"):
        command.append("--production")
        if workers:
            command += ["--workers", str(workers)]
    if threads:
        command += ["--threads", str(threads)]
    # FENGQIAO_BENCH_SERVER_LOG=FILE keeps what the server prints (errors, worker restarts).
    log_path = os.environ.get("FENGQIAO_BENCH_SERVER_LOG")
    log = open(log_path, "ab") if log_path else subprocess.DEVNULL  # noqa: SIM115
    proc = subprocess.Popen(command, env=env, stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1)  # noqa: S310 - loopback
                break
            except OSError:
                time.sleep(0.2)
        else:
            raise RuntimeError("the server did not start")
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        if log_path:
            log.close()


def server_processes(port: int) -> list[int]:
    """The gunicorn arbiter serving `port` and its forked workers (same command line)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if b"serve" in cmdline and str(port).encode() in cmdline:
                pids.append(int(entry.name))
    return pids


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of these processes (clock ticks from /proc/PID/stat)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")
