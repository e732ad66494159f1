"""Pages of help plans: the workbench list (due and overdue first, T+1 marked), the plan page
(responsible people, contacts, record a contact, close) and the form to make one; and the grid
app's list of the plans naming the worker, where a contact is queued offline like a visit."""

import uuid
from datetime import date

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from fengqiao.cases.views import staff_required
from fengqiao.core.errors import DomainError, NotFound, ValidationFailed
from fengqiao.core.roles import has_role
from fengqiao.fieldwork import helpplans, helpplans_selectors
from fengqiao.fieldwork.models import ContactMode, HelpKind
from fengqiao.registry import selectors as registry_selectors

MEMBER_ROWS = 4


def _int(raw: str, field: str) -> int:
    raw = (raw or "").strip()
    if not raw.isdigit() or len(raw) > 18:
        raise ValidationFailed(_("Give a number."), field=field)
    return int(raw)


def _day(raw: str, field: str) -> date | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError as exc:
        raise ValidationFailed(_("Give a date."), field=field) from exc


@staff_required
def help_plans(request):
    items = helpplans_selectors.helpplan_list(actor=request.user)
    return render(
        request,
        "fieldwork/help_plans.html",
        {
            "items": items,
            "may_create": has_role(request.user, helpplans.MANAGER_ROLES),
            "section": "help",
        },
    )


@staff_required
def help_plan_new(request):
    if not has_role(request.user, helpplans.MANAGER_ROLES):
        raise Http404
    error, status, data = None, 200, request.POST
    if request.method == "POST":
        try:
            members = [
                (_int(user_id, "members"), duty)
                for user_id, duty in zip(data.getlist("member"), data.getlist("duty"), strict=False)
                if user_id.strip()
            ]
            every = data.get("contact_every_days", "").strip()
            plan = helpplans.helpplan_create(
                actor=request.user,
                person_id=_int(data.get("person_id", ""), "person_id"),
                kind=data.get("kind", ""),
                members=members,
                starts_on=_day(data.get("starts_on", ""), "starts_on"),
                returned_on=_day(data.get("returned_on", ""), "returned_on"),
                contact_every_days=_int(every, "contact_every_days") if every else None,
                notes=data.get("notes", ""),
            )
        except DomainError as exc:
            error, status = exc, exc.status
        else:
            messages.success(request, _("The help plan is made."))
            return redirect("fieldwork:help_plan", plan_id=plan.pk)
    chosen = data.get("person_id") or request.GET.get("person", "")
    return render(
        request,
        "fieldwork/help_plan_new.html",
        {
            "kinds": HelpKind.choices,
            "candidates": helpplans_selectors.responsible_candidates(request.user),
            "rows": range(MEMBER_ROWS),
            "person_id": chosen,
            "people": _people_found(request, chosen),
            "person_q": request.GET.get("person_q", "")[:50],
            "data": data,
            "error": error,
            "section": "help",
        },
        status=status,
    )


def _people_found(request, chosen: str = "") -> list:
    """The people of the caller's reach whose name holds `?person_q=` (at most 20), and the
    person already chosen; the picker of the new-plan form lists them."""
    q = request.GET.get("person_q", "").strip()[:50]
    people = registry_selectors.person_list(actor=request.user, q=q) if q else None
    found = list(people.select_related("dwelling").order_by("name", "pk")[:20]) if q else []
    if chosen.isdigit() and len(chosen) <= 18 and all(str(p.pk) != chosen for p in found):
        found = [
            *registry_selectors.person_list(actor=request.user)
            .select_related("dwelling")
            .filter(pk=int(chosen)),
            *found,
        ]
    return found


@staff_required
def help_plan_people(request):
    """The picker's choices for the new-plan form (HTMX), searched by name."""
    if not has_role(request.user, helpplans.MANAGER_ROLES):
        raise Http404
    return render(
        request,
        "fieldwork/_person_choices.html",
        {"people": _people_found(request), "person_id": "", "searched": True},
    )


@staff_required
def help_plan(request, plan_id: int):
    error, status = None, 200
    if request.method == "POST":
        try:
            if request.POST.get("action") == "close":
                helpplans.helpplan_close(
                    actor=request.user, plan_id=plan_id, reason=request.POST.get("reason", "")
                )
                messages.success(request, _("The help plan is closed."))
            else:
                helpplans.contact_record(
                    actor=request.user,
                    plan_id=plan_id,
                    mode=request.POST.get("mode", ""),
                    note=request.POST.get("note", ""),
                    client_id=request.POST.get("client_id", ""),
                )
                messages.success(request, _("The contact is recorded."))
        except NotFound as exc:
            raise Http404 from exc
        except DomainError as exc:
            error, status = exc, exc.status
        else:
            return redirect("fieldwork:help_plan", plan_id=plan_id)
    try:
        item = helpplans_selectors.helpplan_get(actor=request.user, plan_id=plan_id)
    except NotFound as exc:
        raise Http404 from exc
    return render(
        request,
        "fieldwork/help_plan.html",
        {
            "item": item,
            "modes": ContactMode.choices,
            "client_id": uuid.uuid4().hex,
            "error": error,
            "section": "help",
        },
        status=status,
    )


@staff_required
def m_help(request):
    """The plans naming the worker, due first; a contact is queued on the phone and sent
    through the API, or without JavaScript posted here with the same client id."""
    error, status = None, 200
    if request.method == "POST":
        try:
            helpplans.contact_record(
                actor=request.user,
                plan_id=_int(request.POST.get("plan_id", ""), "plan_id"),
                mode=request.POST.get("mode", ""),
                note=request.POST.get("note", ""),
                client_id=request.POST.get("client_id", ""),
            )
        except DomainError as exc:
            error, status = exc, exc.status
        else:
            messages.success(request, _("The contact is recorded."))
            return redirect("fieldwork_m:help")
    items = helpplans_selectors.helpplan_list(actor=request.user, mine=True)
    for item in items:
        item.client_id = uuid.uuid4().hex
    return render(
        request,
        "fieldwork/m_help.html",
        {
            "items": items,
            "due": sum(1 for i in items if i.state in ("due", "overdue")),
            "modes": ContactMode.choices,
            "error": error,
            "tab": "visits",
        },
        status=status,
    )
