"""Background tasks (django-tasks): the one way code queues work for after its transaction
commits, and the side of `fengqiao worker` that runs what waits in the database queue.

A task is a module-level function decorated with `django_tasks.task` in its app's
`tasks.py`, taking JSON values (ids, never rows). Code queues it with `enqueue_on_commit`:
nothing is queued if the transaction rolls back. The backend is the database
(`django_tasks_db`, settings.TASKS); `fengqiao worker` runs the queue with that package's own
worker logic (`run_ready_tasks`). Tests run every task at once when it is queued
(ImmediateBackend, conftest.py); the worker's own tests switch to the database backend.

A task runs at most once: one that fails, or whose worker is killed under it, stays in the
table as FAILED or RUNNING (admin: "Tasks Database Backend") and is not retried.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.db import transaction
from django.utils.crypto import get_random_string
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends
from django_tasks.base import Task, TaskResultStatus
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from fengqiao.core import clock

# What the worker hands a task it claims (the database keeps it in `worker_ids`).
WORKER_ID = get_random_string(32)
# Finished tasks are kept this long for a person to look at, then swept away.
KEEP_SUCCESSFUL = timedelta(days=7)
KEEP_FAILED = timedelta(days=30)
# Seconds to wait when the database is locked (SQLite) before asking again.
LOCKED_WAIT = 0.5


def enqueue_on_commit(task: Task, *args: Any, **kwargs: Any) -> None:
    """Queue `task(*args, **kwargs)` once the current transaction commits (at once outside
    one). A queue that cannot be written to is logged, never raised: the change committed."""
    transaction.on_commit(partial(task.enqueue, *args, **kwargs), robust=True)


class _Worker(Worker):
    """django_tasks_db's worker, counting what it ran and stopping between tasks on request."""

    def __init__(self, *, stop: threading.Event | None, **options: Any):
        super().__init__(**options)
        self.stop = stop
        self.ran = 0

    def run_task(self, db_task_result: DBTaskResult) -> None:
        super().run_task(db_task_result)
        self.ran += 1
        if self.stop is not None and self.stop.is_set():
            self.running = False  # the loop ends after this task


def run_ready_tasks(*, max_tasks: int | None = None, stop: threading.Event | None = None) -> int:
    """Run the tasks waiting in the database queue until none is left (or `max_tasks` ran, or
    `stop` is set); returns how many ran. Nothing waits when tasks run at once (tests)."""
    if not isinstance(task_backends[DEFAULT_TASK_BACKEND_ALIAS], DatabaseBackend):
        return 0
    worker = _Worker(
        stop=stop,
        queue_names=["*"],
        excluded_queue_names=[],
        interval=LOCKED_WAIT,
        batch=True,
        backend_name=DEFAULT_TASK_BACKEND_ALIAS,
        startup_delay=False,
        max_tasks=max_tasks,
        worker_id=WORKER_ID,
    )
    worker.run()
    return worker.ran


def sweep(now: datetime | None = None) -> dict[str, int]:
    """Forget finished tasks once they are old (a sweep in FENGQIAO_SWEEPS)."""
    now = now or clock.now()
    finished = DBTaskResult.objects.filter(
        status=TaskResultStatus.SUCCESSFUL, finished_at__lt=now - KEEP_SUCCESSFUL
    ) | DBTaskResult.objects.filter(
        status=TaskResultStatus.FAILED, finished_at__lt=now - KEEP_FAILED
    )
    deleted, _by_model = finished.delete()
    return {"tasks_pruned": deleted}
