"""Tell the people who must act next, and the residents who follow a case when it moves (in-app
inbox; more senders, such as text messages (notify_sms.py), plug in and run as background
tasks)."""

from django.conf import settings
from django.utils.module_loading import import_string

from fengqiao.accounts.models import User
from fengqiao.cases import tasks
from fengqiao.cases.models import Case, CaseEvent, Notification, Status
from fengqiao.core import clock
from fengqiao.core.divisions import prefix_at
from fengqiao.core.roles import Role
from fengqiao.core.taskqueue import enqueue_on_commit

NOTIFY_FIELDS = (
    "code",
    "title",
    "status",
    "level",
    "region_code",
    "version",
    "kind",
    "unit_id",
    "assignee_id",
    "reporter_id",
)


def grid_prefixes(region_code: str) -> list[str]:
    """The codes of the grid and every grid above it that contain `region_code`."""
    return [region_code[:n] for n in range(15, len(region_code) + 1, 2)]


def _centre_for(case: Case) -> list[User]:
    """Centre staff (or, at grid level, the grid chiefs) who own the case's current level."""
    if case.level == "grid":
        codes, roles = grid_prefixes(case.region_code), [Role.GRID_CHIEF]
    else:
        codes, roles = [prefix_at(case.region_code, case.level)], [Role.CENTRE_STAFF]
    found = list(User.objects.filter(is_active=True, role__in=roles, bindings__code__in=codes))
    if not found and case.level == "grid":
        # A grid without a chief on record: its village centre takes the report.
        return list(
            User.objects.filter(
                is_active=True,
                role=Role.CENTRE_STAFF,
                bindings__code=prefix_at(case.region_code, "village"),
            )
        )
    return found


def recipients(case: Case) -> list[User]:
    if case.status in (Status.REPORTED, Status.ACCEPTED):
        return _centre_for(case)
    if case.status == Status.DISPATCHED:
        if case.assignee is not None:
            return [case.assignee]
        return list(case.unit.members.filter(is_active=True)) if case.unit is not None else []
    if case.status == Status.CLAIMED:
        return [case.assignee] if case.assignee is not None else []
    if case.status == Status.RESOLVED:
        return list(
            User.objects.filter(
                is_active=True,
                role__in=[Role.GRID_WORKER, Role.GRID_CHIEF],
                bindings__code__in=grid_prefixes(case.region_code),
            )
        ) or _centre_for(case)
    if case.status == Status.VERIFIED and case.reporter is not None:
        return [case.reporter]
    return []


def handlers(case: Case) -> list[User]:
    """Who handles the case now: the person it is with, else its unit's members, else the
    centre that owns its level (a leader's supervision and instructions go to them)."""
    if case.assignee is not None:
        return [case.assignee]
    if case.unit is not None:
        members = list(case.unit.members.filter(is_active=True))
        if members:
            return members
    return _centre_for(case)


class InboxSender:
    """Writes one Notification per recipient and case version (so a rerun adds nothing)."""

    def send(self, case: Case, users: list[User], *, kind: str, message: str) -> int:
        rows = [
            Notification(
                recipient=user,
                case=case,
                kind=kind,
                message=message[:200],
                created_at=clock.now(),
                dedup_key=f"{case.pk}:{case.version}:{kind}:{user.pk}",
            )
            for user in users
        ]
        return len(Notification.objects.bulk_create(rows, ignore_conflicts=True))


def sender_paths() -> list[str]:
    return getattr(settings, "FENGQIAO_NOTIFICATION_SENDERS", None) or [
        "fengqiao.cases.notify.InboxSender"
    ]


def notify(case: Case, users: list[User], *, kind: str, message: str) -> None:
    """Tell `users` about `case`: the inbox rows now, in the caller's transaction (they commit
    or roll back with the change); every other sender (SMS, push), whose sending the
    database cannot take back, as a background task queued once the transaction commits."""
    if not users:
        return
    for path in sender_paths():
        sender = import_string(path)
        if issubclass(sender, InboxSender):
            sender().send(case, users, kind=kind, message=message)
        elif kind in getattr(sender, "kinds", (kind,)):  # a sender may take only some kinds
            enqueue_on_commit(
                tasks.notification_send,
                sender=path,
                case_id=case.pk,
                user_ids=[user.pk for user in users],
                kind=kind,
                message=str(message),
            )


def notify_reported(case: Case, users: list[User]) -> None:
    """Tell `users` (recipients(case), looked up before the transaction) that the case was
    reported, inside the reporting transaction."""
    # No case number in the text: it is given at commit (services.case_report); the inbox
    # shows it from the case.
    notify(case, users, kind=case.status, message=f"{case.get_status_display()}: {case.title}")


FOLLOWER_KIND = "update"  # a step of a case the resident reported or supports
SUPPORT_ACTION = "support"  # a resident's "me too" on a case (the log holds who)


def followers(case: Case) -> list[User]:
    """Residents who follow the case: its reporter and those who said "me too"."""
    ids = set(
        CaseEvent.objects.filter(case_id=case.pk, action=SUPPORT_ACTION)
        .exclude(actor_id=None)
        .values_list("actor_id", flat=True)
    )
    if case.reporter_id is not None:
        ids.add(case.reporter_id)
    return list(User.objects.filter(pk__in=ids, is_active=True, role=Role.RESIDENT))


def notify_next(case_id: int, *, status_changed: bool = True) -> None:
    # The columns `recipients` and the message read; the rest of the row (and the joined
    # unit, assignee and reporter) loads only when a rule needs it.
    case = Case.objects.only(*NOTIFY_FIELDS).filter(pk=case_id).first()
    if case is None:
        return
    users = recipients(case)
    if users:
        notify(
            case,
            users,
            kind=case.status,
            message=f"{case.code} {case.get_status_display()}: {case.title}",
        )
    if status_changed:
        told = {user.pk for user in users}
        following = [user for user in followers(case) if user.pk not in told]
        notify(
            case,
            following,
            kind=FOLLOWER_KIND,
            message=f"{case.code} {case.get_status_display()}: {case.title}",
        )
