"""A throwaway fengqiao installation for a benchmark: its own data folder and database."""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse, urlunparse

FENGQIAO = [sys.executable, "-m", "fengqiao.cli"]


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


@contextmanager
def installation(*, database_url: str = "", scale: str = "small", name: str = "fq_bench"):
    """Yield (env, db_url) for a migrated, seeded installation; remove it afterwards."""
    home = Path(tempfile.mkdtemp(prefix="fq-bench-"))
    env = {**os.environ, "FENGQIAO_HOME": str(home), "DATABASE_URL": ""}
    if database_url:
        env["DATABASE_URL"] = fresh_postgres(database_url, name)
    try:
        subprocess.run([*FENGQIAO, "migrate", "-v", "0"], env=env, check=True)
        subprocess.run(
            [*FENGQIAO, "seed", "--scale", scale], env=env, check=True, stdout=subprocess.DEVNULL
        )
        yield env
    finally:
        shutil.rmtree(home, ignore_errors=True)


@contextmanager
def serving(env: dict, *, threads: int = 16):
    port = free_port()
    proc = subprocess.Popen(
        [*FENGQIAO, "serve", "--port", str(port), "--threads", str(threads)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
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
