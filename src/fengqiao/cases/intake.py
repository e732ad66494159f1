"""Taking in a report from any channel: placed, checked against the reporter's jurisdiction,
sealed, numbered gap-free per day, logged as the case's first event; a resubmitted client id
returns the first case.
"""

import uuid
from datetime import datetime

from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext_lazy as _

from fengqiao.cases import duplicates, notify
from fengqiao.cases.models import (
    Case,
    Category,
    Channel,
    Kind,
    Priority,
    Status,
)
from fengqiao.cases.transitions import append_event, set_clock
from fengqiao.core import clock, crypto
from fengqiao.core.errors import Conflict, NotAllowed, ValidationFailed
from fengqiao.core.roles import Role
from fengqiao.core.scoping import code_within
from fengqiao.registry import sealing
from fengqiao.registry.services import place_at

_NEXT_SERIAL_SQL = (
    "INSERT INTO cases_casedaysequence (day, last) VALUES (%s, 1) "
    "ON CONFLICT (day) DO UPDATE SET last = cases_casedaysequence.last + 1 RETURNING last"
)
_SET_CODE_SQL = "UPDATE cases_case SET code = %s WHERE id = %s"


def _provisional_code() -> str:
    """A unique stand-in for the case number until _number_case gives the real one."""
    return "~" + uuid.uuid4().hex[:19]


def _number_case(case: Case, now: datetime) -> None:
    """Give the case its number: SJ + date + 4-digit serial from the day's counter row.

    The upsert locks that row until commit, so no two cases share a number and a rolled-back
    case leaves no gap; every report of the day queues on that lock, so it is taken in the
    transaction's last two statements. (PostgreSQL does the same at commit, migration 0004.)"""
    day = clock.localdate(now)
    with connection.cursor() as cursor:
        cursor.execute(_NEXT_SERIAL_SQL, [day])
        (serial,) = cursor.fetchone()
        case.code = f"SJ{day:%Y%m%d}{serial:04d}"
        cursor.execute(_SET_CODE_SQL, [case.code, case.pk])


def case_report(
    *,
    actor,
    category: Category,
    title: str,
    description: str = "",
    channel: str = Channel.GRID_APP,
    lat: float | None = None,
    lng: float | None = None,
    address: str = "",
    village=None,
    reporter_name: str = "",
    callback_phone: str = "",
    is_anonymous: bool = False,
    priority: str = Priority.NORMAL,
    client_id: str | None = None,
    people=(),
    dwellings=(),
    kind: str = Kind.GENERAL,
    at: datetime | None = None,
) -> Case:
    """Take in a report from any channel; the same client_id twice returns the first case.

    The case made now carries `is_new = True` and its first event as `report_event`; a
    resubmission returns the stored case with `is_new = False`. The inbox rows for the centre
    are written in the same transaction (notify.notify_reported). A kind's own record (a
    dispute file, a petition) is written by its app in the same transaction as this call."""
    if actor is None or not actor.is_active:
        raise NotAllowed(_("Sign in to report."))
    title = (title or "").strip()
    if not title:
        raise ValidationFailed(_("A report needs a title."), field="title")
    if channel not in Channel.values:
        raise ValidationFailed(_("Unknown channel."), field="channel")
    if priority not in Priority.values:
        raise ValidationFailed(_("Unknown priority."), field="priority")
    if not category.is_active or category.parent_id is None:
        raise ValidationFailed(_("Choose a category (not a group)."), field="category")
    placement = place_at(lat=lat, lng=lng, village=village)
    # Residents report wherever they see something; staff (administrators bound to an area
    # included) only inside their jurisdiction. A superuser's jurisdiction is everything.
    staff_outside = actor.role != Role.RESIDENT and not code_within(actor, placement.region_code)
    if staff_outside and channel != Channel.OPEN311:
        raise NotAllowed(
            _("This place lies outside your jurisdiction."), code="outside_jurisdiction"
        )
    phone = sealing.normalize_phone(callback_phone) if callback_phone else ""
    at = at or clock.now()
    case = Case(
        channel=channel,
        category=category,
        title=title[:120],
        description=description,
        lat=lat,
        lng=lng,
        address=address,
        village=placement.village,
        grid=placement.grid,
        region_code=placement.region_code,
        reporter=actor,
        reporter_name=reporter_name or ("" if is_anonymous else actor.label),
        is_anonymous=is_anonymous,
        priority=priority,
        client_id=client_id or None,
        kind=kind,
        status=Status.REPORTED,
        level=category.start_level,
        reported_at=at,
        stage_started_at=at,
    )
    if phone:
        from fengqiao.core.idnumbers import mask_phone

        case.callback_phone_sealed = crypto.encrypt(phone)
        case.callback_phone_masked = mask_phone(phone)
    # Everything that reads first: the day's number row is locked from the moment a number
    # is taken until commit, so that stretch must stay short.
    set_clock(case, at)
    case.duplicate_candidates = duplicates.candidates_for(case)
    centre = notify.recipients(case)
    # A resubmitted client id is found by its unique index (the insert below fails and the
    # savepoint takes the day's number back), not by a look-up on every report.
    # On PostgreSQL a report in a transaction of its own (API intake) is numbered at commit by
    # a deferred trigger (migration 0004), so reports never queue behind one another's work;
    # inside a caller's transaction the number is taken here, in the last statements.
    numbered_at_commit = connection.vendor == "postgresql" and not connection.in_atomic_block
    try:
        with transaction.atomic():
            case.code = _provisional_code()
            case.save(force_insert=True)
            if phone:
                crypto.bind_row(case)  # the sealed phone opens only in this row from now on
            if people:
                case.people.set(people)
            if dwellings:
                case.dwellings.set(dwellings)
            case.report_event = append_event(
                case,
                actor=actor,
                action="report",
                at=at,
                data={"channel": channel, "candidates": case.duplicate_candidates},
                is_first=True,
            )
            notify.notify_reported(case, centre)
            if not numbered_at_commit:
                _number_case(case, at)
    except IntegrityError as exc:
        existing = client_id and Case.objects.filter(client_id=client_id).first()
        if existing:
            return _resubmitted(existing, actor)  # a concurrent resubmission won
        raise Conflict() from exc
    if numbered_at_commit:
        case.code = Case.objects.filter(pk=case.pk).values_list("code", flat=True).get()
    case.is_new = True
    return case


def _resubmitted(case: Case, actor) -> Case:
    if case.reporter_id != actor.pk:
        raise Conflict(_("This client id belongs to another report."), field="client_id")
    case.is_new = False
    return case
