"""Recording patrols (巡查), and the volunteer patrol teams (红袖标) with their members and roster.

The phone uploads a whole patrol once, when it stops: a resend with the same client id returns
the patrol already recorded. A patrol may reach us up to 30 days late, lasts at most 24 hours
and holds at most 20,000 points, each on Earth and inside the patrol's time; the distance is
summed here over the legs between points measured to 100 m or better. A check-in is made at a
place or facility the patroller may see (or at a free point); one with a problem raises a case
in the same transaction. Teams are kept by centre staff, administrators and grid chiefs inside
their jurisdiction; members' phones are sealed. Every write leaves one audit row."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import pairwise

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from fengqiao.accounts.models import User
from fengqiao.campaigns.targets import CLOCK_SKEW, LATE_SYNC, RaiseCase, aware
from fengqiao.cases.duplicates import distance_m
from fengqiao.cases.intake import case_report
from fengqiao.cases.models import Category, Channel
from fengqiao.core import clock, crypto
from fengqiao.core.audit import audit_record
from fengqiao.core.errors import NotAllowed, NotFound, ValidationFailed
from fengqiao.core.roles import Role, has_role
from fengqiao.core.scoping import code_within
from fengqiao.fieldwork.models import Patrol, PatrolCheckIn, PatrolTeam, TeamMember, TeamShift
from fengqiao.fieldwork.services import VISITOR_ROLES, check_point
from fengqiao.regions.locator import locate_many
from fengqiao.regions.models import Grid
from fengqiao.registry import sealing
from fengqiao.registry.models import Facility, Person, Place

PATROL_ROLES = VISITOR_ROLES
TEAM_ROLES = frozenset({Role.CENTRE_STAFF, Role.ADMIN, Role.GRID_CHIEF})
MAX_DURATION = timedelta(hours=24)
MAX_POINTS = 20_000
MAX_CHECK_INS = 200
MAX_ACCURACY_M = 100  # points measured worse than this do not count towards the distance
MAX_NOTE = 4000
MAX_SHIFT_MEMBERS = 50
CHECK_IN_TARGETS = {"place": Place, "facility": Facility}


@dataclass(frozen=True)
class CheckIn:
    """A stop on the way: at a place or facility (`target` + `target_id`) or a free point."""

    at: datetime
    result: str = PatrolCheckIn.Result.OK
    target: str = ""
    target_id: int | None = None
    lat: float | None = None
    lng: float | None = None
    note: str = ""
    raise_case: RaiseCase | None = None


# --- patrols --------------------------------------------------------------------------------


def _check_window(started_at: datetime, ended_at: datetime) -> int:
    now = clock.now()
    if ended_at > now + CLOCK_SKEW:
        raise ValidationFailed(_("A patrol cannot end in the future."), field="ended_at")
    if started_at < now - LATE_SYNC:
        raise ValidationFailed(
            _("A patrol older than 30 days cannot be recorded here."), field="started_at"
        )
    if ended_at < started_at:
        raise ValidationFailed(_("A patrol ends after it starts."), field="ended_at")
    if ended_at - started_at > MAX_DURATION:
        raise ValidationFailed(_("A patrol lasts at most 24 hours."), field="ended_at")
    return int((ended_at - started_at).total_seconds())


def _track(points, duration_s: int) -> list[list]:
    """The points as [lat, lng, seconds, accuracy] in time order, each checked."""
    if len(points) > MAX_POINTS:
        raise ValidationFailed(
            _("At most %(n)d points per patrol.") % {"n": MAX_POINTS}, field="points"
        )
    track = []
    for point in points:
        if not isinstance(point, list | tuple) or len(point) not in (3, 4):
            raise ValidationFailed(
                _("Each point is [latitude, longitude, seconds, accuracy]."), field="points"
            )
        try:
            lat, lng, seconds = (float(v) for v in point[:3])
            accuracy = float(point[3]) if len(point) == 4 and point[3] is not None else None
        except (TypeError, ValueError):
            raise ValidationFailed(_("A point holds numbers only."), field="points") from None
        if not (-90 <= lat <= 90 and -180 <= lng <= 180):
            raise ValidationFailed(_("The GPS point is not on Earth."), field="points")
        if not 0 <= seconds <= duration_s + CLOCK_SKEW.total_seconds():
            raise ValidationFailed(
                _("Every point must lie within the patrol's time."), field="points"
            )
        if accuracy is not None and not 0 <= accuracy <= 100_000:
            raise ValidationFailed(_("The accuracy of a point is not valid."), field="points")
        track.append(
            [
                round(lat, 6),
                round(lng, 6),
                round(seconds, 1),
                None if accuracy is None else round(accuracy),
            ]
        )
    track.sort(key=lambda p: p[2])
    return track


def track_distance_m(track) -> int:
    """Metres walked: the legs between consecutive points measured to 100 m or better."""
    good = [p for p in track if p[3] is None or p[3] <= MAX_ACCURACY_M]
    return round(sum(distance_m(a[0], a[1], b[0], b[1]) for a, b in pairwise(good)))


def _check_in_rows(actor, check_ins, started_at: datetime, ended_at: datetime) -> list[tuple]:
    """(CheckIn, target row or None, Category or None) for each check-in, all checked."""
    if len(check_ins) > MAX_CHECK_INS:
        raise ValidationFailed(
            _("At most %(n)d check-ins per patrol.") % {"n": MAX_CHECK_INS}, field="check_ins"
        )
    rows = []
    for item in check_ins:
        if item.result not in PatrolCheckIn.Result.values:
            raise ValidationFailed(_("Choose all right or a problem."), field="check_ins")
        if not started_at - CLOCK_SKEW <= aware(item.at) <= ended_at + CLOCK_SKEW:
            raise ValidationFailed(
                _("Every check-in must lie within the patrol's time."), field="check_ins"
            )
        if len(item.note or "") > 1000:
            raise ValidationFailed(_("A check-in note is too long."), field="check_ins")
        check_point(item.lat, item.lng)
        row = None
        if item.target:
            model = CHECK_IN_TARGETS.get(item.target)
            if model is None:
                raise ValidationFailed(_("Check in at a place or a facility."), field="check_ins")
            row = model.objects.visible_to(actor).filter(pk=item.target_id or 0).first()
            if row is None:
                raise NotFound(_("No such place or facility in your area."), field="check_ins")
        elif item.lat is None:
            raise ValidationFailed(
                _("A check-in is at a place, a facility or a GPS point."), field="check_ins"
            )
        category = None
        if item.raise_case is not None:
            if item.result != PatrolCheckIn.Result.PROBLEM:
                raise ValidationFailed(_("Only a problem raises a case."), field="check_ins")
            category = Category.objects.filter(
                code=item.raise_case.category, is_active=True, parent__isnull=False
            ).first()
            if category is None:
                raise ValidationFailed(_("Choose a category for the case."), field="case_category")
            if not item.raise_case.title.strip():
                raise ValidationFailed(_("Give the case a title."), field="case_title")
        rows.append((item, row, category))
    return rows


def _area(actor, track) -> tuple[str, object]:
    """The grid where the patrol started when it is in the patroller's reach, else the
    patroller's own grid (or area)."""
    if track:
        found = locate_many([(track[0][0], track[0][1])])[0]
        if found is not None and code_within(actor, found.region_code):
            grid = Grid.objects.filter(pk=found.grid_id).first() if found.grid_id else None
            return found.region_code, grid
    binding = actor.bindings.select_related("grid").order_by("code").first()
    if binding is None:
        return "", None
    return binding.code, binding.grid


def _shift(actor, shift_id: int | None):
    if shift_id is None:
        return None
    shift = TeamShift.objects.visible_to(actor).filter(pk=shift_id).first()
    if shift is None:
        raise NotFound(_("No such shift in your area."), field="shift_id")
    return shift


def _earlier(actor, client_id):
    earlier = Patrol.objects.filter(patroller=actor, client_id=client_id).first()
    if earlier is not None:
        earlier.is_new = False
    return earlier


def patrol_record(
    *,
    actor,
    started_at: datetime,
    ended_at: datetime,
    points=(),
    check_ins=(),
    note: str = "",
    shift_id: int | None = None,
    client_id: str | None = None,
) -> Patrol:
    """Record a whole patrol; the same `client_id` from the same patroller returns the first
    (`is_new = False`), so a phone may send it again safely."""
    if not has_role(actor, PATROL_ROLES):
        raise NotAllowed(_("Your role does not record patrols."))
    client_id = (client_id or "").strip() or None
    if client_id and (earlier := _earlier(actor, client_id)) is not None:
        return earlier
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise ValidationFailed(_("The note is too long."), field="note")
    started_at, ended_at = aware(started_at), aware(ended_at)
    duration_s = _check_window(started_at, ended_at)
    track = _track(points, duration_s)
    checked = _check_in_rows(actor, check_ins, started_at, ended_at)
    shift = _shift(actor, shift_id)
    region_code, grid = _area(actor, track)
    try:
        with transaction.atomic():
            patrol = Patrol.objects.create(
                region_code=region_code,
                grid=grid,
                patroller=actor,
                shift=shift,
                started_at=started_at,
                ended_at=ended_at,
                duration_s=duration_s,
                distance_m=track_distance_m(track),
                track=track,
                point_count=len(track),
                note=note,
                client_id=client_id,
                created_at=clock.now(),
            )
            cases = [_check_in_create(actor, patrol, *entry) for entry in checked]
            audit_record(
                actor=actor,
                entity=patrol,
                action="create",
                changes={
                    "started_at": [None, started_at.isoformat()],
                    "duration_s": [None, duration_s],
                    "distance_m": [None, patrol.distance_m],
                    "points": [None, len(track)],
                    "check_ins": [None, len(checked)],
                    "cases": [None, [c for c in cases if c]],
                },
            )
    except IntegrityError:  # the same client id, sent twice at once
        earlier = _earlier(actor, client_id) if client_id else None
        if earlier is None:
            raise
        return earlier
    patrol.is_new = True
    return patrol


def _check_in_create(actor, patrol, item: CheckIn, row, category) -> str | None:
    lat = item.lat if item.lat is not None else getattr(row, "lat", None)
    lng = item.lng if item.lng is not None else getattr(row, "lng", None)
    check_in = PatrolCheckIn(
        patrol=patrol,
        label=(row.name if row is not None else "")[:200],
        at=aware(item.at),
        lat=lat,
        lng=lng,
        result=item.result,
        note=(item.note or "").strip(),
        **({item.target: row} if row is not None else {}),
    )
    if category is not None:
        check_in.case = case_report(
            actor=actor,
            category=category,
            title=item.raise_case.title.strip()[:120],
            description=check_in.note,
            channel=Channel.GRID_APP,
            lat=lat,
            lng=lng,
            address=getattr(row, "address", "") or "",
            at=aware(item.at),
        )
    check_in.save()
    return check_in.case.code if check_in.case else None


# --- teams ----------------------------------------------------------------------------------


def _team_keeper(actor) -> None:
    if not has_role(actor, TEAM_ROLES):
        raise NotAllowed(_("Only centre staff and grid chiefs keep patrol teams."))


def _text(value, field: str, limit: int, *, required: bool = False) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationFailed(_("This field is required."), field=field)
    if len(value) > limit:
        raise ValidationFailed(_("This is too long."), field=field)
    return value


def team_get_for_edit(actor, team_id: int) -> PatrolTeam:
    _team_keeper(actor)
    team = PatrolTeam.objects.visible_to(actor).filter(pk=team_id).first()
    if team is None or not code_within(actor, team.region_code):
        raise NotFound(_("No such team in your area."), field="team_id")
    return team


def team_save(
    *,
    actor,
    team_id: int | None = None,
    name: str,
    region_code: str,
    leader_name: str = "",
    is_active: bool = True,
) -> PatrolTeam:
    """Create a team (team_id None) or change one, inside the actor's jurisdiction."""
    _team_keeper(actor)
    name = _text(name, "name", 100, required=True)
    leader_name = _text(leader_name, "leader_name", 50)
    region_code = (region_code or "").strip()
    if not region_code.isdigit() or not code_within(actor, region_code):
        raise NotFound(_("No such area in your jurisdiction."), field="region_code")
    team = team_get_for_edit(actor, team_id) if team_id is not None else None
    before = (
        {"name": team.name, "region_code": team.region_code, "leader": team.leader_name}
        if team
        else {}
    )
    if (
        PatrolTeam.objects.filter(region_code=region_code, name=name)
        .exclude(pk=team.pk if team else None)
        .exists()
    ):
        raise ValidationFailed(_("A team of that name exists in this area."), field="name")
    with transaction.atomic():
        team = team or PatrolTeam(created_at=clock.now())
        team.name, team.region_code, team.leader_name = name, region_code, leader_name
        team.is_active = bool(is_active)
        team.save()
        after = {"name": name, "region_code": region_code, "leader": leader_name}
        audit_record(
            actor=actor,
            entity=team,
            action="update" if before else "create",
            changes={k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}
            | {"is_active": [None, team.is_active]},
        )
    return team


def _member_links(actor, person_id: int | None, user_id: int | None):
    person = user = None
    if person_id is not None:
        person = Person.objects.visible_to(actor).filter(pk=person_id).first()
        if person is None:
            raise NotFound(_("No such person in your area."), field="person_id")
    if user_id is not None:
        user = User.objects.filter(pk=user_id, is_active=True).first()
        codes = list(user.bindings.values_list("code", flat=True)) if user else []
        if user is None or (codes and not any(code_within(actor, c) for c in codes)):
            raise NotFound(_("No such account in your area."), field="user_id")
    return person, user


def member_save(
    *,
    actor,
    team_id: int,
    member_id: int | None = None,
    name: str,
    phone: str | None = None,
    person_id: int | None = None,
    user_id: int | None = None,
    joined_on: date | None = None,
    left_on: date | None = None,
) -> TeamMember:
    """Add a member to a team (member_id None) or change one; `phone` None keeps the phone
    on record, "" clears it."""
    team = team_get_for_edit(actor, team_id)
    name = _text(name, "name", 50, required=True)
    person, user = _member_links(actor, person_id, user_id)
    joined_on = joined_on or clock.localdate()
    if left_on is not None and left_on < joined_on:
        raise ValidationFailed(_("A member leaves after joining."), field="left_on")
    member = None
    if member_id is not None:
        member = TeamMember.objects.filter(team=team, pk=member_id).first()
        if member is None:
            raise NotFound(_("No such member in this team."), field="member_id")
    with transaction.atomic():
        is_new = member is None
        member = member or TeamMember(team=team)
        before = {"name": member.name, "phone": member.phone_masked, "left_on": member.left_on}
        member.name, member.person, member.user = name, person, user
        member.joined_on, member.left_on = joined_on, left_on
        if phone is not None:
            sealing.seal_phone(member, phone)
        member.save()
        if is_new:
            crypto.bind_row(member)
        after = {"name": name, "phone": member.phone_masked, "left_on": left_on}
        audit_record(
            actor=actor,
            entity=member,
            action="create" if is_new else "update",
            changes={
                k: [str(before[k]) if before[k] else None, str(v) if v else None]
                for k, v in after.items()
                if before[k] != v
            },
        )
    return member


def _shift_members(team, member_ids) -> list[TeamMember]:
    ids = sorted({int(pk) for pk in member_ids})
    if len(ids) > MAX_SHIFT_MEMBERS:
        raise ValidationFailed(_("Too many members for one shift."), field="members")
    found = list(TeamMember.objects.filter(team=team, pk__in=ids, left_on__isnull=True))
    if len(found) != len(ids):
        raise ValidationFailed(_("Every member on a shift must be in the team."), field="members")
    return found


def shift_save(
    *,
    actor,
    team_id: int,
    shift_id: int | None = None,
    on: date,
    starts_at: time,
    ends_at: time,
    members=(),
    note: str = "",
) -> TeamShift:
    """Put a shift on the team's roster (shift_id None) or change one."""
    team = team_get_for_edit(actor, team_id)
    note = _text(note, "note", 200)
    if starts_at == ends_at:
        raise ValidationFailed(_("A shift ends after it starts."), field="ends_at")
    today = clock.localdate()
    if not today - timedelta(days=366) <= on <= today + timedelta(days=366):
        raise ValidationFailed(_("Give a date within a year from today."), field="date")
    chosen = _shift_members(team, members)
    shift = None
    if shift_id is not None:
        shift = TeamShift.objects.filter(team=team, pk=shift_id).first()
        if shift is None:
            raise NotFound(_("No such shift for this team."), field="shift_id")
    with transaction.atomic():
        is_new = shift is None
        shift = shift or TeamShift(team=team)
        shift.date, shift.starts_at, shift.ends_at, shift.note = on, starts_at, ends_at, note
        shift.save()
        shift.members.set(chosen)
        audit_record(
            actor=actor,
            entity=shift,
            action="create" if is_new else "update",
            changes={
                "date": [None, on.isoformat()],
                "time": [None, f"{starts_at:%H:%M}-{ends_at:%H:%M}"],
                "members": [None, [m.pk for m in chosen]],
            },
        )
    return shift


def shift_delete(*, actor, team_id: int, shift_id: int) -> None:
    team = team_get_for_edit(actor, team_id)
    shift = TeamShift.objects.filter(team=team, pk=shift_id).first()
    if shift is None:
        raise NotFound(_("No such shift for this team."), field="shift_id")
    with transaction.atomic():
        audit_record(
            actor=actor,
            entity=shift,
            action="delete",
            changes={"date": [shift.date.isoformat(), None]},
        )
        shift.delete()
