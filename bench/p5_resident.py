"""P5: resident pages (portal home, notice list) under 100 concurrent signed-in residents on
loopback, served as in production (`serve --production`: gunicorn, Redis cache). Reference in
the same run: /healthz on the same server, the ceiling of the server stack.

Load comes from wrk (Debian's `wrk`) with a Lua script that gives each request the session
cookie of the next resident, or, without wrk, from an asyncio keep-alive client in this process.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

from bench.figures import Figure
from bench.server import cpu_seconds, installation, server_processes, serving

RESIDENTS = 40  # distinct accounts, spread over the villages; clients take their sessions in turn
PAGES = (("portal home", "/h5/"), ("notice list", "/h5/notices/"))

# Runs in the installation's environment: resident accounts and signed-in sessions (what
# django.contrib.auth.login stores), so the benchmark spends no time on password hashing.
_SETUP = r"""
import json, sys, django
django.setup()
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from importlib import import_module
from fengqiao.accounts.models import User
from fengqiao.cases.models import Category, Channel
from fengqiao.cases.services import case_report
from fengqiao.participation import caching
from fengqiao.regions.models import Region
from fengqiao.registry.models import Person

residents, sessions = int(sys.argv[1]), int(sys.argv[2])
villages = list(Region.objects.filter(level="village").order_by("code"))
people = []
for i in range(residents):
    village = villages[i % len(villages)]
    people.append(
        Person.objects.filter(region_code__startswith=village.code, account__isnull=True)
        .exclude(pk__in=[p.pk for p in people]).order_by("pk").first()
    )
category = Category.objects.get(code="garbage")
users = []
for i, person in enumerate(people):
    user = User(username=f"bench_resident_{i}", role="resident", person=person,
                display_name=person.name)
    user.set_unusable_password()
    user.save()
    users.append(user)
    # Each has a report of their own, shown on their portal home (the personal part).
    case_report(actor=user, category=category, title=f"{person.name}家门口路灯不亮",
                channel=Channel.PORTAL, village=person.dwelling.village)
cookies = []
for i in range(sessions):
    user = users[i % len(users)]
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    cookies.append({"cookie": f"{settings.SESSION_COOKIE_NAME}={store.session_key}",
                    "name": user.display_name})
caching.notices_changed()
print(json.dumps(cookies))
"""

_WRK_SCRIPT = """
local cookies = {%(cookies)s}
local threads = {}
-- Globals, not locals: done() reads each thread's `bad` with thread:get.
counter = 0
bad = 0
function setup(thread)
  thread:set("offset", #threads * 7)
  table.insert(threads, thread)
end
function init(args)
  counter = offset or 0
end
function request()
  counter = counter + 1
  return wrk.format("GET", nil, {["Cookie"] = cookies[(counter %% #cookies) + 1]})
end
function response(status, headers, body)
  if status ~= 200 then bad = bad + 1 end
end
function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do total = total + thread:get("bad") end
  io.write(string.format("BAD %%d\\n", total))
  io.write(string.format("P99 %%f\\n", latency:percentile(99) / 1000.0))
  io.write(string.format("P50 %%f\\n", latency:percentile(50) / 1000.0))
end
"""


def _measured(load, base, path, cookies, clients, seconds) -> dict:
    """One load run, with the server's CPU time per request (what a loaded, shared box
    changes least: other processes take cores away, not CPU time from each request)."""
    pids = server_processes(urlparse(base).port)
    before = cpu_seconds(pids)
    result = load(base, path, cookies, clients, seconds)
    used = cpu_seconds(pids) - before
    result["cpu_ms"] = used * 1000 / result["requests"] if result["requests"] else float("nan")
    return result


def _sessions(env: dict, residents: int, sessions: int) -> list[dict]:
    out = subprocess.run(
        [sys.executable, "-c", _SETUP, str(residents), str(sessions)],
        env={**env, "DJANGO_SETTINGS_MODULE": "fengqiao.settings"},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _check(base: str, path: str, session: dict) -> None:
    """The page answers 200 to this resident and greets them by name (not a login redirect)."""
    request = urllib.request.Request(  # noqa: S310 - loopback
        base + path, headers={"Cookie": session["cookie"]}
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback
        body = response.read().decode()
        assert response.status == 200 and response.url.endswith(path), response.url
    if path == "/h5/":
        assert session["name"] in body, "the portal home does not show the resident's name"


def _wrk(base: str, path: str, cookies: list[str], clients: int, seconds: float) -> dict:
    script = Path(tempfile.mkdtemp()) / "p5.lua"
    script.write_text(_WRK_SCRIPT % {"cookies": ", ".join(json.dumps(c) for c in cookies)})
    out = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{clients}",
            f"-d{max(1, int(seconds))}s",
            "--timeout",
            "10s",
            "-s",
            str(script),
            base + path,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p99_ms": float(re.search(r"^P99 ([\d.]+)", out, re.M).group(1)),
        "p50_ms": float(re.search(r"^P50 ([\d.]+)", out, re.M).group(1)),
        "failed": int(re.search(r"^BAD (\d+)", out, re.M).group(1))
        + (sum(int(n) for n in errors.groups()) if errors else 0),
        "requests": requests,
    }


async def _one_client(host, port, path, cookies, start, deadline, latencies, failures):
    reader, writer = await asyncio.open_connection(host, port)
    turn = start
    try:
        while time.monotonic() < deadline:
            cookie = cookies[turn % len(cookies)]
            turn += 1
            began = time.perf_counter()
            writer.write(
                f"GET {path} HTTP/1.1\r\nHost: {host}\r\nCookie: {cookie}\r\n\r\n".encode()
            )
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            length = re.search(rb"(?i)\r\ncontent-length: *(\d+)", head)
            if length:
                await reader.readexactly(int(length.group(1)))
            else:  # chunked
                while True:
                    size = int((await reader.readuntil(b"\r\n")).strip(), 16)
                    await reader.readexactly(size + 2)
                    if size == 0:
                        break
            latencies.append(time.perf_counter() - began)
            if status != 200:
                failures.append(status)
    finally:
        writer.close()


def _asyncio_load(base, path, cookies, clients, seconds) -> dict:
    parts = urlparse(base)
    latencies: list[float] = []
    failures: list[int] = []

    async def main():
        deadline = time.monotonic() + seconds
        await asyncio.gather(
            *(
                _one_client(
                    parts.hostname, parts.port, path, cookies, i, deadline, latencies, failures
                )
                for i in range(clients)
            )
        )

    started = time.monotonic()
    asyncio.run(main())
    wall = time.monotonic() - started
    latencies.sort()
    return {
        "rps": len(latencies) / wall,
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000,
        "p50_ms": latencies[len(latencies) // 2] * 1000,
        "failed": len(failures),
        "requests": len(latencies),
    }


def run(
    *,
    seconds: float,
    clients: int = 100,
    database_url: str = "",
    workers: int | None = None,
    **_options,
) -> list[Figure]:
    label = "postgresql" if database_url else "sqlite"
    load = _wrk if shutil.which("wrk") else _asyncio_load
    tool = "wrk" if load is _wrk else "asyncio client"
    with installation(database_url=database_url, name="fq_bench_p5", production=True) as env:
        sessions = _sessions(env, RESIDENTS, max(clients, RESIDENTS))
        cookies = [s["cookie"] for s in sessions]
        server_pids = []
        try:
            with serving(env, workers=workers) as base:
                server_pids = server_processes(urlparse(base).port)
                for session in sessions:  # every session signed in; warms each worker a little
                    for _name, path in PAGES:
                        _check(base, path, session)
                reference = _measured(load, base, "/healthz", cookies, clients, seconds)
                results = {
                    name: _measured(load, base, path, cookies, clients, seconds)
                    for name, path in PAGES
                }
        except subprocess.TimeoutExpired:
            # gunicorn's graceful stop can outlast serving()'s wait on a loaded box; the
            # figures are in, so stop the processes this benchmark started.
            for pid in server_pids:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
    mixed_rps = sum(r["requests"] for r in results.values()) / (2 * seconds)
    ref = reference["rps"]
    cores = len(os.sched_getaffinity(0))
    figures = []
    for name, result in results.items():
        figures += [
            Figure(f"p5 {label} {name}", result["rps"], "req/s", ref, "/healthz"),
            Figure(f"p5 {label} {name} p99", result["p99_ms"], "ms"),
            Figure(
                f"p5 {label} {name} server CPU",
                result["cpu_ms"],
                "ms/request",
                reference["cpu_ms"],
                "/healthz",
            ),
            Figure(
                f"p5 {label} {name} capacity of {cores} quiet cores (from CPU time)",
                cores * 1000 / result["cpu_ms"],
                "req/s",
            ),
            Figure(f"p5 {label} {name} failed", result["failed"], "requests"),
        ]
    return [
        *figures,
        Figure(f"p5 {label} both pages, mean", mixed_rps, "req/s", ref, "/healthz"),
        Figure(f"p5 {label} reference /healthz ({tool}, {clients} clients)", ref, "req/s"),
        Figure(f"p5 {label} reference /healthz p99", reference["p99_ms"], "ms"),
        Figure(f"p5 {label} reference /healthz server CPU", reference["cpu_ms"], "ms/request"),
    ]
