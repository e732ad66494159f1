"""Idempotent background work for mediation: remind mediators of follow-up visits that are
due, and warn about petitions close to (or past) their statutory limits."""

import logging
from datetime import datetime, timedelta

from django.db.models import Q

from fengqiao.cases import notify
from fengqiao.core import clock
from fengqiao.mediation.models import FollowUp, Petition

logger = logging.getLogger(__name__)

ACKNOWLEDGE_WARN = timedelta(days=3)
REPLY_WARN = timedelta(days=7)


def sweep_follow_up_reminders(now: datetime | None = None) -> int:
    """Tell the mediator (or their committee) once when a follow-up visit falls due."""
    now = now or clock.now()
    due = FollowUp.objects.filter(
        done_at__isnull=True, reminded_at__isnull=True, due_on__lte=clock.localdate(now)
    ).select_related("dispute__case", "dispute__mediator__user", "dispute__committee__unit")
    sent = 0
    for follow_up in due.iterator(chunk_size=500):
        # Conditional update: two workers never remind twice.
        if not FollowUp.objects.filter(pk=follow_up.pk, reminded_at__isnull=True).update(
            reminded_at=now
        ):
            continue
        dispute = follow_up.dispute
        if dispute.mediator is not None and dispute.mediator.user.is_active:
            users = [dispute.mediator.user]
        elif dispute.committee is not None:
            users = list(dispute.committee.unit.members.filter(is_active=True))
        else:
            users = []
        if users:
            notify.notify(
                dispute.case,
                users,
                kind="follow_up_due",
                message=f"{dispute.case.code} 回访到期 {follow_up.due_on:%Y-%m-%d}: "
                f"{dispute.case.title}",
            )
        sent += 1
    return sent


def _limit(petition: Petition, now: datetime) -> str:
    """Which limit is near or past, as a key: "" when none."""
    if petition.acknowledged_at is None:
        if now >= petition.acknowledge_due_at:
            return "ack_overdue"
        return "ack_soon" if now >= petition.acknowledge_due_at - ACKNOWLEDGE_WARN else ""
    if petition.is_accepted and petition.replied_at is None and petition.reply_due_at:
        if now >= petition.reply_due_at:
            return "reply_overdue"
        return "reply_soon" if now >= petition.reply_due_at - REPLY_WARN else ""
    return ""


def sweep_petition_warnings(now: datetime | None = None) -> int:
    """Warn whoever holds a petition when a limit is three (acknowledge) or seven (reply)
    days away, and again when it has passed; each warning once."""
    now = now or clock.now()
    near = Petition.objects.filter(
        Q(acknowledged_at__isnull=True, acknowledge_due_at__lte=now + ACKNOWLEDGE_WARN)
        | Q(is_accepted=True, replied_at__isnull=True, reply_due_at__lte=now + REPLY_WARN)
    ).select_related("case", "case__unit", "case__assignee", "case__grid", "case__village")
    sent = 0
    for petition in near.iterator(chunk_size=500):
        key = _limit(petition, now)
        if not key or petition.warned_for == key:
            continue
        if (
            not Petition.objects.filter(pk=petition.pk)
            .exclude(warned_for=key)
            .update(warned_for=key)
        ):
            continue
        users = notify.recipients(petition.case)
        if users:
            notify.notify(
                petition.case,
                users,
                kind=f"petition_{key}",
                message=f"{petition.case.code} 信访时限提醒: {petition.case.title}",
            )
        sent += 1
    return sent


def run_all(now: datetime | None = None) -> dict[str, int]:
    now = now or clock.now()
    return {
        "follow_up_reminders": sweep_follow_up_reminders(now),
        "petition_warnings": sweep_petition_warnings(now),
    }
