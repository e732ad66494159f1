"""Reads of patrols and patrol teams, always through the caller's jurisdiction: the patrols of
an area, one patrol with its track and check-ins, the teams and a week of their roster, the
places and facilities to check in at, and each person's patrol totals for a month."""

from datetime import date, datetime, time, timedelta

from django.db.models import Count, Prefetch, QuerySet, Sum
from django.utils import timezone

from fengqiao.core import clock
from fengqiao.core.errors import NotFound
from fengqiao.core.scoping import code_within, prefix_q
from fengqiao.fieldwork.models import (
    CheckInPhoto,
    Patrol,
    PatrolCheckIn,
    PatrolTeam,
    TeamMember,
    TeamShift,
)
from fengqiao.registry.models import Facility, Place

MAX_CHECK_IN_TARGETS = 300


def _area(qs: QuerySet, actor, area: str, field: str = "region_code") -> QuerySet:
    area = (area or "").strip()
    if not area:
        return qs
    if not area.isdigit() or not code_within(actor, area):
        raise NotFound(field="area")
    return qs.filter(prefix_q([area], field))


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def patrol_list(
    *,
    actor,
    area: str = "",
    patroller: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
) -> QuerySet[Patrol]:
    patrols = Patrol.objects.visible_to(actor).select_related("patroller", "grid")
    patrols = _area(patrols, actor, area).defer("track")
    if patroller:
        patrols = patrols.filter(patroller__username=patroller)
    if date_from:
        patrols = patrols.filter(started_at__gte=_day_start(date_from))
    if date_to:
        patrols = patrols.filter(started_at__lt=_day_start(date_to + timedelta(days=1)))
    return patrols.annotate(check_in_count=Count("check_ins")).order_by("-started_at", "-pk")


def patrol_get(*, actor, patrol_id: int) -> Patrol:
    check_ins = PatrolCheckIn.objects.select_related("case").prefetch_related("photos")
    patrol = (
        Patrol.objects.visible_to(actor)
        .select_related("patroller", "grid", "shift__team")
        .prefetch_related(Prefetch("check_ins", queryset=check_ins))
        .filter(pk=patrol_id)
        .first()
    )
    if patrol is None:
        raise NotFound()
    return patrol


def check_in_photo_get(*, actor, patrol_id: int, photo_id: int) -> CheckInPhoto:
    """One check-in photo of a patrol the actor may see; anything else is not found."""
    patrols = Patrol.objects.visible_to(actor).filter(pk=patrol_id)
    photo = (
        CheckInPhoto.objects.visible_to(actor)
        .filter(pk=photo_id, check_in__patrol__in=patrols)
        .first()
    )
    if photo is None:
        raise NotFound()
    return photo


def patrol_totals(actor, month: date) -> dict[int, tuple[int, int, int]]:
    """{user id: (patrols, seconds, metres)} for patrols started in the month of `month`
    (local time), inside the actor's jurisdiction."""
    first = month.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    rows = (
        Patrol.objects.visible_to(actor)
        .filter(started_at__gte=_day_start(first), started_at__lt=_day_start(following))
        .values("patroller_id")
        .annotate(n=Count("pk"), seconds=Sum("duration_s"), metres=Sum("distance_m"))
    )
    return {r["patroller_id"]: (r["n"], r["seconds"] or 0, r["metres"] or 0) for r in rows}


def shifts_today(actor) -> list[TeamShift]:
    """Today's shifts of the teams in the actor's reach, for the phone to tie a patrol to."""
    today = clock.localdate()
    return list(
        TeamShift.objects.visible_to(actor)
        .filter(date=today)
        .select_related("team")
        .order_by("starts_at", "pk")[:20]
    )


def check_in_targets(actor) -> list[dict]:
    """Places and facilities with a point in the actor's reach, for the phone's check-in list
    (the phone sorts them nearest first)."""
    places = Place.objects.visible_to(actor).exclude(lat=None).order_by("pk")
    facilities = Facility.objects.visible_to(actor).exclude(lat=None).exclude(status="removed")
    found = [
        {
            "target": "place",
            "id": p.pk,
            "name": p.name,
            "kind": p.get_kind_display(),
            "lat": p.lat,
            "lng": p.lng,
        }
        for p in places[:MAX_CHECK_IN_TARGETS]
    ]
    found += [
        {
            "target": "facility",
            "id": f.pk,
            "name": f.name,
            "kind": f.get_kind_display(),
            "lat": f.lat,
            "lng": f.lng,
        }
        for f in facilities.order_by("pk")[:MAX_CHECK_IN_TARGETS]
    ]
    return found


def team_list(*, actor, area: str = "") -> QuerySet[PatrolTeam]:
    members = TeamMember.objects.filter(left_on__isnull=True)
    teams = _area(PatrolTeam.objects.visible_to(actor), actor, area)
    return teams.prefetch_related(Prefetch("members", queryset=members, to_attr="current"))


def team_get(*, actor, team_id: int) -> PatrolTeam:
    team = PatrolTeam.objects.visible_to(actor).filter(pk=team_id).first()
    if team is None:
        raise NotFound()
    return team


def roster_week(*, actor, week_of: date, area: str = "", team_id: int | None = None):
    """The shifts of the week (Monday to Sunday) holding `week_of`, by date and time."""
    monday = week_of - timedelta(days=week_of.weekday())
    shifts = TeamShift.objects.visible_to(actor).select_related("team")
    shifts = _area(shifts, actor, area, "team__region_code")
    if team_id is not None:
        shifts = shifts.filter(team_id=team_id)
    return shifts.filter(date__gte=monday, date__lte=monday + timedelta(days=6)).prefetch_related(
        "members"
    )
