"""Idempotent background work on cases: SLA warnings, escalation on breach, auto close."""

import logging
from datetime import UTC, datetime, timedelta
from functools import partial

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fengqiao.cases import notify, notify_sms, services, sla, workflow
from fengqiao.cases.models import OPEN_STATUSES, Case, Level, Status
from fengqiao.core import clock
from fengqiao.core.errors import DomainError

logger = logging.getLogger(__name__)

CHUNK = 500
ESCALATION_REASON = "超时自动升级 / overdue"
AUTO_CLOSE_REASON = "回访期满自动结案"

# These sweeps cross every jurisdiction on purpose: they run in the worker, never on a request.


def _in_chunks(qs):
    """Rows of `qs` in primary-key order, CHUNK at a time, holding no cursor across writes."""
    last = 0
    while True:
        batch = list(qs.filter(pk__gt=last).order_by("pk")[:CHUNK])
        yield from batch
        if len(batch) < CHUNK:
            return
        last = batch[-1].pk


def warning_key(case: Case) -> str:
    """What a warning was sent for: the stage (status) and its deadline.

    In UTC to the second, so it reads the same whether due_at came from the database (UTC)
    or from Python (Asia/Shanghai), and fits `Case.warned_for` (40 characters).
    """
    if case.due_at is None:
        raise ValueError(f"case {case.code} has no deadline to warn about")
    return f"{case.status}:{case.due_at.astimezone(UTC).isoformat(timespec='seconds')}"


def sweep_warnings(now: datetime | None = None) -> int:
    """Warn the people who must act on open cases past their warning time but not yet due.

    One warning per stage and deadline: a conditional UPDATE of `warned_for` claims the
    warning, so two workers (or a rerun after a restart) never send it twice. A new stage
    or a moved deadline (escalation, extension) makes a new key and so a new warning.
    """
    now = now or clock.now()
    due_soon = Case.objects.filter(
        status__in=OPEN_STATUSES, warn_at__lte=now, due_at__gt=now
    ).select_related("grid", "village", "unit", "assignee", "reporter")
    sent = 0
    for case in _in_chunks(due_soon):
        key = warning_key(case)
        if case.warned_for == key:
            continue
        with transaction.atomic():
            claimed = Case.objects.filter(
                pk=case.pk,
                status=case.status,
                due_at=case.due_at,
                warned_for=case.warned_for,
            ).update(warned_for=key)
            if claimed != 1:
                continue  # another worker warned, or the case moved on meanwhile
            users = notify.recipients(case)
            if users:
                message = _("%(code)s is due at %(due)s: %(title)s") % {
                    "code": case.code,
                    "due": timezone.localtime(case.due_at).strftime("%Y-%m-%d %H:%M"),
                    "title": case.title,
                }
                transaction.on_commit(
                    partial(notify.notify, case, users, kind="warning", message=message)
                )
        sent += 1
    return sent


def _escalates_on_breach(case: Case, cache: dict) -> bool:
    key = (case.category_id, case.level)
    if key not in cache:
        rule = sla.rule_for(case.category, case.level)
        cache[key] = rule is not None and rule.escalate_on_breach
    return cache[key]


def sweep_escalations(now: datetime | None = None) -> int:
    """Move overdue cases up one level when their SLA rule says so; county cases stay overdue.

    The case row is locked and the breach checked again before escalating, so two sweeps
    running at once escalate a case once; the escalation sets a deadline from the new
    level, so the case is not escalated again until that one passes too.
    """
    now = now or clock.now()
    overdue = (
        Case.objects.filter(status__in=workflow.ESCALATABLE, due_at__lt=now)
        .exclude(level=Level.COUNTY)
        .select_related("category")
    )
    rules: dict = {}
    escalated = 0
    for case in _in_chunks(overdue):
        if not _escalates_on_breach(case, rules):
            continue
        try:
            with transaction.atomic():
                still_overdue = (
                    Case.objects.select_for_update()
                    .filter(
                        pk=case.pk,
                        status__in=workflow.ESCALATABLE,
                        level=case.level,
                        due_at__lt=now,
                    )
                    .exists()
                )
                if not still_overdue:
                    continue  # escalated by another sweep, or someone acted meanwhile
                services.case_escalate(
                    actor=workflow.SYSTEM, case_id=case.pk, reason=ESCALATION_REASON, at=now
                )
        except DomainError as exc:
            logger.warning("case %s not escalated: %s", case.code, exc)
            continue
        escalated += 1
    return escalated


def sweep_auto_close(now: datetime | None = None, after_days: int = 7) -> int:
    """Close verified cases nobody rated within `after_days` days (回访期满).

    A case rated 1–2 is not waiting for a rating but for the centre to reopen or close it,
    so it is left alone.
    """
    now = now or clock.now()
    cutoff = now - timedelta(days=after_days)
    waiting = Case.objects.filter(
        status=Status.VERIFIED, rating__isnull=True, stage_started_at__lte=cutoff
    ).only("pk", "code")
    closed = 0
    for case in _in_chunks(waiting):
        case_id, code = case.pk, case.code
        try:
            with transaction.atomic():
                still_waiting = (
                    Case.objects.select_for_update()
                    .filter(
                        pk=case_id,
                        status=Status.VERIFIED,
                        rating__isnull=True,
                        stage_started_at__lte=cutoff,
                    )
                    .exists()
                )
                if not still_waiting:
                    continue
                services.case_close(
                    actor=workflow.SYSTEM, case_id=case_id, reason=AUTO_CLOSE_REASON, at=now
                )
        except DomainError as exc:
            logger.warning("case %s not closed: %s", code, exc)
            continue
        closed += 1
    return closed


def run_all(now: datetime | None = None) -> dict[str, int]:
    """One pass of every sweep, at one instant; returns how many cases each one touched."""
    now = now or clock.now()
    return {
        "warnings": sweep_warnings(now),
        "escalations": sweep_escalations(now),
        "closed": sweep_auto_close(now),
        "digests": notify_sms.sweep_digests(now),
    }
