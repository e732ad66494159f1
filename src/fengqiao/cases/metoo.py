"""“Me too” (我也遇到): before filing, a resident sees open public cases of the same kind near
the point and may support one instead of reporting it again.

A support is a write to the case: `case_support` locks the case and appends a "support" event
to its keyed log (status and level unchanged). Everything else is read back from the log: the
count shown on a case, whether a resident already supported it (once each), and the cases a
resident follows (their own reports aside). Only cases the public may read about are offered:
general cases of the groups Open311 shows in public (open311.PUBLIC_DETAIL_GROUPS), never a
dispute, a petition or a private matter between people, with the title redacted.
"""

import math
from datetime import timedelta

from django.db import transaction
from django.db.models import Count, F, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from fengqiao.cases import hashchain
from fengqiao.cases.duplicates import EARTH_RADIUS_M, distance_m
from fengqiao.cases.models import OPEN_STATUSES, Case, CaseEvent, Kind
from fengqiao.cases.notify import SUPPORT_ACTION
from fengqiao.cases.open311 import PUBLIC_DETAIL_GROUPS
from fengqiao.cases.transitions import append_event
from fengqiao.core import clock
from fengqiao.core.errors import Conflict, NotAllowed, NotFound
from fengqiao.core.redact import redact
from fengqiao.core.roles import Role

ACTION = SUPPORT_ACTION  # the event a "me too" leaves (notify.followers reads it too)
RADIUS_M = 200.0
WINDOW = timedelta(days=30)
MAX_SHOWN = 5
MAX_READ = 200  # the newest cases in the box around the point that are measured


def _public() -> Q:
    """Cases whose place and title the public may read (as Open311 shows them)."""
    return Q(kind=Kind.GENERAL, category__parent__code__in=PUBLIC_DETAIL_GROUPS)


def _supports() -> QuerySet[CaseEvent]:
    return CaseEvent.objects.filter(action=ACTION)


def support_count(case: Case) -> int:
    """How many residents said "me too", counted from the case log."""
    return _supports().filter(case=case).count()


def has_supported(*, actor, case: Case) -> bool:
    return bool(actor.pk) and _supports().filter(case=case, actor=actor).exists()


def public_cases_near(
    *, lat: float, lng: float, category_codes: list[str], actor=None, now=None
) -> list[dict]:
    """Open public cases of these categories within RADIUS_M of the point, reported in the
    last WINDOW, nearest first (at most MAX_SHOWN), read by anyone: each as the public may see
    it, with its "me too" count and whether `actor` already supported it. A resident's own
    reports are left out (they follow them already)."""
    if not category_codes:
        return []
    now = now or clock.now()
    dlat = math.degrees(RADIUS_M / EARTH_RADIUS_M) * 1.01
    dlng = dlat / max(math.cos(math.radians(lat)), 0.01)
    cases = (
        Case.objects.filter(
            _public(),
            status__in=OPEN_STATUSES,
            category__code__in=category_codes,
            reported_at__gte=now - WINDOW,
            lat__range=(lat - dlat, lat + dlat),
            lng__range=(lng - dlng, lng + dlng),
        )
        .select_related("category", "village")
        .annotate(supporters=Count("events", filter=Q(events__action=ACTION)))
        .order_by("-reported_at")
    )
    signed_in = actor is not None and getattr(actor, "is_authenticated", False)
    if signed_in:
        cases = cases.exclude(reporter=actor)
    found = []
    for case in cases[:MAX_READ]:
        if case.lat is None or case.lng is None:  # the box filter leaves none; typing does not know
            continue
        meters = distance_m(lat, lng, case.lat, case.lng)
        if meters <= RADIUS_M:
            found.append((meters, case))
    found.sort(key=lambda pair: pair[0])
    shown = found[:MAX_SHOWN]
    mine = (
        set(
            _supports()
            .filter(actor=actor, case__in=[c for _m, c in shown])
            .values_list("case_id", flat=True)
        )
        if signed_in
        else set()
    )
    return [
        {
            "code": case.code,
            "title": redact(case.title),
            "category": case.category,
            "village": case.village.name,
            "status": case.get_status_display(),
            "reported_at": case.reported_at,
            "distance_m": int(round(meters / 10.0) * 10),
            "supporters": case.supporters,
            "supported": case.pk in mine,
        }
        for meters, case in shown
    ]


def public_case_id(code: str) -> int:
    """The id of the case with this number (0 when none); `case_support` decides the rest."""
    return Case.objects.filter(code=str(code)[:20]).values_list("pk", flat=True).first() or 0


def case_support(*, actor, case_id: int) -> Case:
    """The resident says "me too" on an open public case: one "support" event in its log,
    once per resident; they follow the case from then on. Status and level do not change."""
    if actor is None or not actor.is_active or actor.role != Role.RESIDENT:
        raise NotAllowed(_("Only residents can say “me too” on a case."))
    now = clock.now()
    with transaction.atomic():
        case = (
            Case.objects.select_for_update(of=("self",))
            .select_related("category")
            .filter(_public(), pk=case_id)
            .first()
        )
        if case is None:
            raise NotFound()
        if not case.is_open:
            raise Conflict(
                _("This case is closed. If the problem is back, report it again."),
                code="case_closed",
            )
        if case.reporter_id == actor.pk:
            raise Conflict(
                _("You reported this case yourself, so you follow it already."), code="own_case"
            )
        if _supports().filter(case=case, actor=actor).exists():
            raise Conflict(
                _("You have already said “me too” on this case; you are following it."),
                code="already_supported",
            )
        before = hashchain.snapshot(case)
        # Every step of a case bumps its version and writes one event (hashchain.verify_case).
        Case.objects.filter(pk=case.pk).update(version=F("version") + 1)
        case.version += 1
        append_event(
            case,
            actor=actor,
            action=ACTION,
            at=now,
            from_status=case.status,
            from_level=case.level,
            before=before,
        )
    return case


def followed_cases(*, actor) -> QuerySet[Case]:
    """The cases a resident supported (their followed cases), newest first."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return Case.objects.none()
    ids = _supports().filter(actor=actor).values("case_id")
    return Case.objects.filter(pk__in=ids).order_by("-reported_at")


def followed_case(*, actor, code: str) -> Case:
    """One case the resident follows, or NotFound."""
    case = (
        followed_cases(actor=actor)
        .select_related("category", "village", "unit")
        .filter(code=code)
        .first()
    )
    if case is None:
        raise NotFound()
    return case
