"""Workbench pages of household groups (/fieldwork/groups/): the list, a group with its
households and elections (and forms to change, split, merge, dissolve it and to record an
election), and the form to create one."""

from datetime import date

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from fengqiao.cases.views import staff_required
from fengqiao.core.errors import DomainError, NotFound, ValidationFailed
from fengqiao.core.listing import page_of
from fengqiao.core.roles import has_role
from fengqiao.fieldwork import groups, groups_selectors
from fengqiao.fieldwork.models import ElectedAs
from fengqiao.regions.models import Grid
from fengqiao.registry.models import Household, HouseholdGroup

PAGE_SIZE = 50
CANDIDATE_ROWS = 5
BACKGROUNDS = ("party_member", "retired_cadre", "veteran", "clan_elder")


def _ids(values) -> list[int]:
    return [int(v) for v in values if v.isdigit() and len(v) < 19]


def _int(raw: str, field: str) -> int:
    raw = (raw or "").strip()
    if not raw.isdigit() or len(raw) > 9:
        raise ValidationFailed(_("Give a whole number."), field=field)
    return int(raw)


def _date(raw: str, field: str) -> date | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError as exc:
        raise ValidationFailed(_("Give a date."), field=field) from exc


def _grids(user):
    return Grid.objects.visible_to(user).filter(parent__isnull=True).order_by("code")


@staff_required
def group_list(request):
    grid = request.GET.get("grid", "").strip()
    try:
        rows = groups_selectors.group_list(actor=request.user, grid=grid)
    except NotFound as exc:
        raise Http404 from exc
    page, query = page_of(request, rows, PAGE_SIZE)
    return render(
        request,
        "fieldwork/groups.html",
        {
            "page": page,
            "query": query,
            "grid": grid,
            "grids": _grids(request.user),
            "may_edit": has_role(request.user, groups.GROUP_ROLES),
        },
    )


@staff_required
def group_new(request):
    grid_code = request.GET.get("grid", "") or request.POST.get("grid", "")
    grid = _grids(request.user).filter(code=grid_code).first() if grid_code else None
    error, status = None, 200
    if request.method == "POST":
        try:
            group = groups.group_create(
                actor=request.user,
                name=request.POST.get("name", ""),
                household_ids=_ids(request.POST.getlist("households")),
            )
        except DomainError as exc:
            error, status = exc, exc.status
        else:
            messages.success(request, _("Household group %(name)s created.") % {"name": group.name})
            return redirect("fieldwork:group", group.pk)
    free = []
    if grid is not None:
        free = (
            Household.objects.visible_to(request.user)
            .filter(region_code__startswith=grid.code, group__isnull=True)
            .select_related("head", "dwelling")
            .order_by("number")[:200]
        )
    return render(
        request,
        "fieldwork/group_new.html",
        {
            "grids": _grids(request.user),
            "grid": grid,
            "free": free,
            "error": error,
            "chosen": set(_ids(request.POST.getlist("households"))),
            "may_edit": has_role(request.user, groups.GROUP_ROLES),
        },
        status=status,
    )


def _candidates(post) -> list[groups.Candidate]:
    out = []
    for n in range(CANDIDATE_ROWS):
        person = post.get(f"c{n}-person", "")
        if not person:
            continue
        out.append(
            groups.Candidate(
                person_id=_int(person, "candidates"),
                votes=_int(post.get(f"c{n}-votes", ""), "votes"),
                elected_as=post.get(f"c{n}-elected", ElectedAs.NONE),
                other=post.get(f"c{n}-other", "")[:200],
                **{flag: post.get(f"c{n}-{flag}") == "on" for flag in BACKGROUNDS},
            )
        )
    return out


def _act(request, group: HouseholdGroup):
    """Do the step the posted form asks for; returns where to go next."""
    post, actor = request.POST, request.user
    action = post.get("action", "")
    if action == "change":
        groups.group_change(
            actor=actor,
            group_id=group.pk,
            add=_ids(post.getlist("add")),
            remove=_ids(post.getlist("remove")),
        )
        return _("The households of the group are changed."), group.pk
    if action == "split":
        new = groups.group_split(
            actor=actor,
            group_id=group.pk,
            household_ids=_ids(post.getlist("move")),
            name=post.get("name", ""),
        )
        return _("Group %(name)s split off.") % {"name": new.name}, new.pk
    if action == "merge":
        groups.group_merge(
            actor=actor, group_id=group.pk, other_id=_int(post.get("other", ""), "other")
        )
        return _("The groups are merged."), group.pk
    if action == "dissolve":
        groups.group_dissolve(actor=actor, group_id=group.pk)
        return _("The group is dissolved."), None
    if action == "election":
        held_on = _date(post.get("held_on", ""), "held_on")
        if held_on is None:
            raise ValidationFailed(_("Give a date."), field="held_on")
        groups.election_record(
            actor=actor,
            group_id=group.pk,
            held_on=held_on,
            term_ends=_date(post.get("term_ends", ""), "term_ends"),
            turnout=_int(post.get("turnout", ""), "turnout"),
            candidates=_candidates(post),
        )
        return _("The election is recorded; the group has its new head."), group.pk
    raise ValidationFailed(_("Unknown step."), field="action")


@staff_required
def group_detail(request, group_id: int):
    try:
        group = groups_selectors.group_detail(actor=request.user, group_id=group_id)
    except NotFound as exc:
        raise Http404 from exc
    error, status = None, 200
    if request.method == "POST":
        try:
            text, go_to = _act(request, group)
        except DomainError as exc:
            error, status = exc, exc.status
            if status == 404:
                raise Http404 from exc
        else:
            messages.success(request, text)
            if go_to is None:
                return redirect("fieldwork:groups")
            return redirect("fieldwork:group", go_to)
    free = (
        Household.objects.visible_to(request.user)
        .filter(region_code__startswith=group.grid.code, group__isnull=True)
        .select_related("head")
        .order_by("number")[:200]
    )
    neighbours = groups_selectors.group_list(actor=request.user).filter(grid=group.grid_id)
    return render(
        request,
        "fieldwork/group.html",
        {
            "group": group,
            "people": groups_selectors.group_people(group),
            "free": free,
            "neighbours": neighbours.exclude(pk=group.pk),
            "rows": range(CANDIDATE_ROWS),
            "elected_choices": ElectedAs.choices,
            "error": error,
            "action": request.POST.get("action", ""),
            "may_edit": has_role(request.user, groups.GROUP_ROLES),
        },
        status=status,
    )
