"""`fengqiao serve`: waitress by default (demo, one machine); `--production` runs gunicorn."""

import copy
import os
import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

# Threads per gunicorn worker. Django's views are synchronous and mostly wait on PostgreSQL,
# so a few threads let one process overlap those waits (and hold nginx's keep-alive
# connections) without the GIL contention many threads would bring; processes give the
# parallelism. 2 cores → 5 workers × 4 threads = 20 requests in flight, 20 connections.
PRODUCTION_THREADS = 4
WAITRESS_THREADS = 8
# Longer than Django's default 30 s: a village's XLSX import or export runs in the request.
# nginx's proxy_read_timeout (deploy/nginx/fengqiao.conf) is set a little above it.
PRODUCTION_TIMEOUT = 60


class Command(BaseCommand):
    help = (
        "Serve fengqiao over HTTP: waitress by default (the demo); --production runs gunicorn "
        "with 2×cores+1 worker processes and needs FENGQIAO_PRODUCTION=1 settings."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument(
            "--threads",
            type=int,
            default=_int_env("THREADS"),
            help=f"threads per process (default {WAITRESS_THREADS}; "
            f"{PRODUCTION_THREADS} per gunicorn worker)",
        )
        parser.add_argument(
            "--production",
            action="store_true",
            help="run gunicorn (Linux) behind a proxy; refuses demo settings",
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=_int_env("WEB_CONCURRENCY"),
            help="gunicorn worker processes (default 2×cores+1)",
        )
        parser.add_argument(
            "--timeout",
            type=int,
            default=PRODUCTION_TIMEOUT,
            help=f"seconds before gunicorn restarts a stuck worker (default {PRODUCTION_TIMEOUT})",
        )

    def handle(self, *args, host, port, threads, production, workers, timeout, **options):
        if not production:
            self._serve_waitress(host=host, port=port, threads=threads or WAITRESS_THREADS)
            return
        problems = production_problems()
        if problems:
            raise CommandError(
                "Refusing to serve in production mode:\n" + "\n".join(f"- {p}" for p in problems)
            )
        config = gunicorn_options(
            host=host, port=port, workers=workers, threads=threads, timeout=timeout
        )
        self.stdout.write(
            f"fengqiao (gunicorn) serving on http://{config['bind']}/ with "
            f"{config['workers']} workers × {config['threads']} threads"
        )
        run_gunicorn(config)

    def _serve_waitress(self, *, host: str, port: int, threads: int) -> None:
        from django.core.servers.basehttp import get_internal_wsgi_application
        from waitress import serve

        application = get_internal_wsgi_application()  # settings.WSGI_APPLICATION
        self.stdout.write(f"fengqiao serving on http://{host}:{port}/")
        serve(application, host=host, port=port, threads=threads, ident="fengqiao")


def available_cores() -> int:
    """Cores this process may run on (its CPU affinity, e.g. a cpuset), not the machine's."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def default_workers(cores: int) -> int:
    """gunicorn's rule of thumb: while one process waits, another has a core to run on."""
    return 2 * cores + 1


def bind_address(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host and not host.startswith("[") else f"{host}:{port}"


def gunicorn_options(
    *,
    host: str,
    port: int,
    workers: int | None = None,
    threads: int | None = None,
    timeout: int = PRODUCTION_TIMEOUT,
    cores: int | None = None,
) -> dict:
    """The gunicorn settings `serve --production` runs with (names as in gunicorn's docs)."""
    workers = workers if workers is not None else default_workers(cores or available_cores())
    threads = threads if threads is not None else PRODUCTION_THREADS
    if workers < 1 or threads < 1 or timeout < 1:
        raise CommandError("--workers, --threads and --timeout must be at least 1.")
    return {
        "bind": bind_address(host, port),
        "workers": workers,
        "worker_class": "gthread",
        "threads": threads,
        "timeout": timeout,
        "graceful_timeout": 30,
        # nginx keeps upstream connections open (keepalive in deploy/nginx/fengqiao.conf).
        "keepalive": 5,
        # No recycling after N requests: each worker builds its own point → grid index, which
        # at city scale is costly to rebuild, and there is no known leak to contain.
        "max_requests": 0,
        # Workers import the code themselves, so `systemctl reload` (HUP) brings in new code.
        "preload_app": False,
        # The request log (core.middleware) has ids and durations and never the query string;
        # gunicorn's access log would repeat every request with its query string.
        "accesslog": None,
        "errorlog": "-",
        "logconfig_dict": gunicorn_logging(settings.LOGGING),
        "proc_name": "fengqiao",
        # systemd signals manage the process; no extra control socket in the data folder.
        "control_socket_disable": True,
    }


def gunicorn_logging(django_logging: dict) -> dict:
    """Django's LOGGING with gunicorn's own messages sent through the same handler and format
    (so FENGQIAO_LOG_FORMAT=json covers worker starts and timeouts too)."""
    config = copy.deepcopy(django_logging)
    config["loggers"] = {
        **config.get("loggers", {}),
        "gunicorn.error": {"level": "INFO", "handlers": [], "propagate": True},
        "gunicorn.access": {"level": "INFO", "handlers": [], "propagate": False},
    }
    return config


def production_problems() -> list[str]:
    """What stops a production start; empty when none. (The settings themselves already
    refuse to load in production mode without fresh FENGQIAO_SECRET_KEY/FENGQIAO_DATA_KEY.)"""
    problems = []
    if not sys.platform.startswith("linux"):
        problems.append("gunicorn runs on Linux; use `fengqiao serve` (waitress) elsewhere.")
    if not settings.PRODUCTION:
        problems.append(
            "FENGQIAO_PRODUCTION=1 is not set: production mode takes its keys from the "
            "environment and refuses the generated demo keys (see deploy/env.example)."
        )
    if settings.DEBUG:
        problems.append("DEBUG is on: it shows settings and data in error pages.")
    for name in ("FENGQIAO_CHAIN_KEY", "FENGQIAO_CHAIN_SIGNING_KEY"):
        if settings.PRODUCTION and not os.environ.get(name):
            problems.append(
                f"{name} is not set: the logs are sealed and the daily digests signed with "
                "keys kept outside the database (docs/security.md)."
            )
    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    if settings.PRODUCTION and not manifest.exists():
        problems.append(
            f"no {manifest}: run `fengqiao collectstatic --noinput` after each install or "
            "upgrade (pages cannot name their static files without it)."
        )
    return problems


def run_gunicorn(config: dict) -> None:
    """Run the gunicorn arbiter in this process until it is stopped (SIGTERM)."""
    from django.db import connections
    from gunicorn.app.base import BaseApplication

    class FengqiaoApplication(BaseApplication):
        def load_config(self):
            for key, value in config.items():
                self.cfg.set(key, value)

        def load(self):
            from django.core.servers.basehttp import get_internal_wsgi_application

            return get_internal_wsgi_application()  # settings.WSGI_APPLICATION

    # Workers are forked from this process: none may inherit a connection opened here.
    connections.close_all()
    FengqiaoApplication().run()


def _int_env(name: str) -> int | None:
    value = os.environ.get(name, "").strip()
    return int(value) if value else None
