"""Notifications to senders outside the database are background tasks: queued when the change
commits (never when it rolls back), run once by `fengqiao worker` from the database queue;
the inbox rows commit with the change itself."""

import os
import signal
import threading
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from fengqiao.accounts.models import User
from fengqiao.cases import notify, services
from fengqiao.cases.defaults import ensure_default_categories
from fengqiao.cases.models import Case, Category, Notification
from fengqiao.core import clock, taskqueue
from fengqiao.regions.models import Region

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.backend.DatabaseBackend"}}
INBOX = "fengqiao.cases.notify.InboxSender"


class RecordingSender:
    """A sender outside the database (as an SMS gateway would be): records what it sent."""

    sent: list[tuple[str, list[str], str]] = []

    def send(self, case, users, *, kind, message):
        self.sent.append((case.code, [user.username for user in users], kind))
        return len(users)


@pytest.fixture
def outside_sender(settings):
    settings.FENGQIAO_NOTIFICATION_SENDERS = [INBOX, f"{__name__}.RecordingSender"]
    RecordingSender.sent = []
    return RecordingSender.sent


def _report(world):
    return services.case_report(
        actor=world["grid_worker"], category=world["garbage"], title="路灯不亮", **world["point"]
    )


def test_outside_sender_runs_at_commit_when_tasks_run_at_once(
    world, outside_sender, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        case = _report(world)
    assert Notification.objects.filter(case=case).exists()  # the inbox: with the change
    assert outside_sender == []  # the outside sender: not before commit
    for callback in callbacks:
        callback()
    assert [(code, kind) for code, _users, kind in outside_sender] == [(case.code, "reported")]


def test_outside_sender_is_queued_once_the_change_commits(
    world, outside_sender, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = DATABASE_TASKS
    with django_capture_on_commit_callbacks(execute=True):
        case = _report(world)
    queued = DBTaskResult.objects.get()
    assert queued.task_path == "fengqiao.cases.tasks.notification_send"
    assert queued.args_kwargs["kwargs"]["case_id"] == case.pk
    assert queued.status == "READY" and outside_sender == []


def test_nothing_is_queued_when_the_change_rolls_back(world, outside_sender, settings):
    settings.TASKS = DATABASE_TASKS
    with pytest.raises(RuntimeError), transaction.atomic():
        _report(world)
        raise RuntimeError("rolled back")
    assert not DBTaskResult.objects.exists()
    assert outside_sender == []


@pytest.fixture
def queued(transactional_db, settings, outside_sender):
    """One notification for a sender outside the database, waiting in the database queue."""
    settings.TASKS = DATABASE_TASKS
    ensure_default_categories()
    village = Region.objects.create(
        code="431202100201", name="甲村", level="village", kind="village"
    )
    case = Case.objects.create(
        code="T000000001",
        channel="grid_app",
        title="t",
        village=village,
        region_code=village.code,
        level="village",
        category=Category.objects.first(),
        reported_at=clock.now(),
        stage_started_at=clock.now(),
    )
    user = User.objects.create(username="chen", role="grid_worker")
    notify.notify(case, [user], kind="warning", message="到期提醒")  # no transaction: queued now
    assert DBTaskResult.objects.ready().count() == 1
    return case


def test_worker_sends_a_queued_notification_once_when_run_once(queued, outside_sender):
    out = StringIO()
    call_command("worker", "--once", stdout=out)
    assert out.getvalue().strip().endswith("tasks 1")
    assert outside_sender == [(queued.code, ["chen"], "warning")]
    call_command("worker", "--once", stdout=out)
    assert out.getvalue().strip().endswith("tasks 0")
    assert len(outside_sender) == 1
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"


def test_running_worker_takes_queued_tasks_between_sweep_passes(queued, outside_sender):
    timer = threading.Timer(1.0, os.kill, (os.getpid(), signal.SIGTERM))
    timer.start()
    try:
        call_command("worker", "--interval", "60", "--task-interval", "0.05")
    finally:
        timer.cancel()
    assert outside_sender == [(queued.code, ["chen"], "warning")]


def test_failed_task_is_kept_and_not_retried_when_the_sender_fails(queued):
    row = DBTaskResult.objects.get()
    row.args_kwargs["kwargs"]["sender"] = "fengqiao.no.such.Sender"
    row.save()
    assert taskqueue.run_ready_tasks() == 1
    assert DBTaskResult.objects.get().status == "FAILED"
    assert taskqueue.run_ready_tasks() == 0
