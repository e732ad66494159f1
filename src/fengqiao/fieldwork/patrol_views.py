"""Workbench pages of patrols: the patrols of the jurisdiction, one patrol on the map, and the
volunteer patrol teams (红袖标) with their members (phones masked) and the week's roster;
centre staff, administrators and grid chiefs add and change them here."""

from datetime import date, time, timedelta

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from fengqiao.cases.views import staff_required
from fengqiao.core import clock
from fengqiao.core.downloads import inline_file
from fengqiao.core.errors import DomainError, NotFound, ValidationFailed
from fengqiao.core.listing import page_of
from fengqiao.core.roles import has_role
from fengqiao.fieldwork import patrol_selectors as selectors
from fengqiao.fieldwork import patrols as services

PAGE_SIZE = 50


def _date(raw: str, field: str) -> date | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ValidationFailed(_("Give a date as YYYY-MM-DD."), field=field) from None


def _time(raw: str, field: str) -> time:
    try:
        return time.fromisoformat((raw or "").strip())
    except ValueError:
        raise ValidationFailed(_("Give a time as HH:MM."), field=field) from None


def _id(raw: str, field: str) -> int | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 18:
        raise ValidationFailed(_("Not a valid choice."), field=field)
    return int(raw)


@staff_required
def patrols(request):
    filters = {key: request.GET.get(key, "").strip()[:150] for key in ("area", "patroller")}
    try:
        date_from = _date(request.GET.get("date_from", ""), "date_from")
        date_to = _date(request.GET.get("date_to", ""), "date_to")
        rows = selectors.patrol_list(
            actor=request.user, date_from=date_from, date_to=date_to, **filters
        )
    except (NotFound, ValidationFailed) as exc:
        raise Http404 from exc
    page, query = page_of(request, rows, PAGE_SIZE)
    return render(
        request,
        "fieldwork/patrols.html",
        {
            "page": page,
            "query": query,
            "filters": {**filters, "date_from": date_from, "date_to": date_to},
        },
    )


@staff_required
def patrol(request, patrol_id: int):
    try:
        row = selectors.patrol_get(actor=request.user, patrol_id=patrol_id)
    except NotFound as exc:
        raise Http404 from exc
    check_ins = list(row.check_ins.all())
    drawing = {
        "track": [[p[0], p[1]] for p in row.track],
        "check_ins": [
            {"lat": c.lat, "lng": c.lng, "label": c.label, "problem": c.result == "problem"}
            for c in check_ins
            if c.lat is not None
        ],
    }
    return render(
        request,
        "fieldwork/patrol.html",
        {"patrol": row, "check_ins": check_ins, "drawing": drawing},
    )


@staff_required
def check_in_photo(request, patrol_id: int, photo_id: int):
    """A check-in photo of a patrol the user may see."""
    try:
        photo = selectors.check_in_photo_get(
            actor=request.user, patrol_id=patrol_id, photo_id=photo_id
        )
    except NotFound as exc:
        raise Http404 from exc
    return inline_file(photo, content_type=photo.content_type)


def _team_post(request):
    """One of the team forms of the page, by its `form` field."""
    data, actor = request.POST, request.user
    kind = data.get("form", "")
    team_id = _id(data.get("team_id", ""), "team_id")
    if kind == "team":
        services.team_save(
            actor=actor,
            team_id=team_id,
            name=data.get("name", ""),
            region_code=data.get("region_code", ""),
            leader_name=data.get("leader_name", ""),
            is_active=data.get("is_active", "on") == "on",
        )
        return _("The team is saved.")
    if team_id is None:
        raise ValidationFailed(_("Choose a team."), field="team_id")
    if kind == "member":
        services.member_save(
            actor=actor,
            team_id=team_id,
            member_id=_id(data.get("member_id", ""), "member_id"),
            name=data.get("name", ""),
            phone=data.get("phone") or None,
            joined_on=_date(data.get("joined_on", ""), "joined_on"),
            left_on=_date(data.get("left_on", ""), "left_on"),
        )
        return _("The member is saved.")
    if kind == "shift":
        services.shift_save(
            actor=actor,
            team_id=team_id,
            on=_date(data.get("date", ""), "date") or clock.localdate(),
            starts_at=_time(data.get("starts_at", ""), "starts_at"),
            ends_at=_time(data.get("ends_at", ""), "ends_at"),
            members=[_id(pk, "members") for pk in data.getlist("members") if pk],
            note=data.get("note", ""),
        )
        return _("The shift is on the roster.")
    raise ValidationFailed(_("Not a valid choice."), field="form")


@staff_required
def teams(request):
    error, status = None, 200
    if request.method == "POST":
        try:
            text = _team_post(request)
        except DomainError as exc:
            error, status = exc.message, exc.status
        else:
            messages.success(request, text)
            return redirect(request.get_full_path())
    try:
        week_of = _date(request.GET.get("week", ""), "week") or clock.localdate()
    except ValidationFailed as exc:
        raise Http404 from exc
    monday = week_of - timedelta(days=week_of.weekday())
    shifts = list(selectors.roster_week(actor=request.user, week_of=monday))
    days = [
        (monday + timedelta(days=n), [s for s in shifts if s.date == monday + timedelta(days=n)])
        for n in range(7)
    ]
    return render(
        request,
        "fieldwork/teams.html",
        {
            "teams": list(selectors.team_list(actor=request.user)),
            "days": days,
            "shift_count": len(shifts),
            "monday": monday,
            "previous": monday - timedelta(days=7),
            "following": monday + timedelta(days=7),
            "may_edit": has_role(request.user, services.TEAM_ROLES),
            "scope_codes": request.user.scope_prefixes() or [],
            "error": error,
        },
        status=status,
    )
