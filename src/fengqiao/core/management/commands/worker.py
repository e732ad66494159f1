"""`fengqiao worker`: the background process. It runs the idempotent sweeps listed in
FENGQIAO_SWEEPS (case warnings, escalation, closing; mediation follow-up and petition
reminders; rollups; digests…) every --interval seconds, and between passes the django-tasks
waiting in the database queue (core.taskqueue), looking for new ones every --task-interval
seconds."""

import logging
import signal
import threading
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connections

logger = logging.getLogger("fengqiao.worker")

# Tasks run between two looks at the clock: a long queue never holds back a due sweep pass.
TASK_BATCH = 100


class Command(BaseCommand):
    help = (
        "Run the background sweeps every --interval seconds (SLA warnings, escalation of "
        "overdue cases, closing unrated verified cases, …) and the queued background tasks "
        "as they come; --once runs one pass of both and exits. "
        "Safe to run twice or to restart at any time."
    )

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="run one pass and exit")
        parser.add_argument(
            "--interval", type=float, default=60.0, help="seconds between sweep passes (60)"
        )
        parser.add_argument(
            "--task-interval",
            type=float,
            default=1.0,
            help="seconds between looks at the task queue while it is empty (1)",
        )

    def handle(self, *args, once: bool, interval: float, task_interval: float, **options):
        from fengqiao.core.sweeping import run_all_sweeps
        from fengqiao.core.taskqueue import run_ready_tasks

        if not interval > 0 or not task_interval > 0:
            raise CommandError("--interval and --task-interval must be positive numbers.")
        if once:
            counts = run_all_sweeps()
            counts["tasks"] = run_ready_tasks()
            logger.info("sweep pass: %s", _summary(counts))
            if options["verbosity"] >= 1:
                self.stdout.write("sweeps: " + _summary(counts))
            return

        stop = threading.Event()
        previous = self._catch_signals(stop)
        logger.info("worker started: sweeps every %s s, tasks as they come", interval)
        next_pass = time.monotonic()
        try:
            while not stop.is_set():
                _drop_stale_connections()
                if time.monotonic() >= next_pass:
                    next_pass = time.monotonic() + interval
                    try:
                        logger.info("sweep pass: %s", _summary(run_all_sweeps()))
                    except Exception:
                        # One bad pass (a lost connection, a deadlock) must not stop the
                        # worker; every sweep is idempotent, so the next pass picks up.
                        logger.exception("sweep pass failed")
                ran = 0
                try:
                    ran = run_ready_tasks(max_tasks=TASK_BATCH, stop=stop)
                except Exception:  # the queue could not be read; a task's own error is kept
                    logger.exception("task queue pass failed")
                if ran < TASK_BATCH:  # the queue is empty: wait for new tasks or the next pass
                    stop.wait(max(0.0, min(task_interval, next_pass - time.monotonic())))
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
        logger.info("worker stopped")

    def _catch_signals(self, stop: threading.Event) -> dict:
        """SIGTERM/SIGINT end the loop after the sweep pass or task in progress (only the
        main thread may install handlers; elsewhere, as in tests, the caller stops it another
        way)."""
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
