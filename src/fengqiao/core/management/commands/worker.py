"""`fengqiao worker`: run the idempotent sweeps (case warnings, escalation, closing; mediation
follow-up and petition reminders) in a loop."""

import logging
import signal
import threading

from django.core.management.base import BaseCommand, CommandError
from django.db import connections

logger = logging.getLogger("fengqiao.worker")


class Command(BaseCommand):
    help = (
        "Run the background sweeps every --interval seconds (SLA warnings, escalation of "
        "overdue cases, closing unrated verified cases); --once runs a single pass. "
        "Safe to run twice or to restart at any time."
    )

    # django-tasks' database backend (django_tasks_db) is installed for background jobs to
    # come; its own worker (`db_worker`) is not started here while no task is enqueued.

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="run one pass and exit")
        parser.add_argument(
            "--interval", type=float, default=60.0, help="seconds between passes (default 60)"
        )

    def handle(self, *args, once: bool, interval: float, **options):
        from fengqiao.core.sweeping import run_all_sweeps

        if interval <= 0:
            raise CommandError("--interval must be a positive number of seconds.")
        if once:
            counts = run_all_sweeps()
            logger.info("sweep pass: %s", _summary(counts))
            if options["verbosity"] >= 1:
                self.stdout.write("sweeps: " + _summary(counts))
            return

        stop = threading.Event()
        previous = self._catch_signals(stop)
        logger.info("worker started: a pass every %s s", interval)
        try:
            while not stop.is_set():
                _drop_stale_connections()
                try:
                    logger.info("sweep pass: %s", _summary(run_all_sweeps()))
                except Exception:
                    # One bad pass (a lost connection, a deadlock) must not stop the worker;
                    # every sweep is idempotent, so the next pass picks up where this one failed.
                    logger.exception("sweep pass failed")
                stop.wait(interval)
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
        logger.info("worker stopped")

    def _catch_signals(self, stop: threading.Event) -> dict:
        """SIGTERM/SIGINT end the loop after the pass in progress (only the main thread may
        install handlers; elsewhere, as in tests, the caller stops it another way)."""
        if threading.current_thread() is not threading.main_thread():
            return {}

        def on_signal(signum, frame):
            logger.info("signal %s: stopping after this pass", signum)
            stop.set()

        previous = {}
        for signum in (signal.SIGTERM, signal.SIGINT):
            previous[signum] = signal.signal(signum, on_signal)
        return previous


def _summary(counts: dict[str, int]) -> str:
    return ", ".join(f"{name} {count}" for name, count in counts.items())


def _drop_stale_connections() -> None:
    """Close connections past CONN_MAX_AGE or broken, as a request would; never one inside a
    transaction (a test's)."""
    for connection in connections.all(initialized_only=True):
        if not connection.in_atomic_block:
            connection.close_if_unusable_or_obsolete()
