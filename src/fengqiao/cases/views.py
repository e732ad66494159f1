"""Centre workbench pages: queues with filters, the case page with timeline, map and actions,
hotline and walk-in intake, the inbox; plus the action endpoint the phone apps share."""

from __future__ import annotations

from itertools import groupby

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from fengqiao.cases import bulk, oversight, routing, selectors, services, steps, workflow
from fengqiao.cases.attachments import case_attach
from fengqiao.cases.changes import change_rows
from fengqiao.cases.models import Case, Channel, Kind, Level, Priority, Status
from fengqiao.cases.reveal import may_reveal_callback_phone
from fengqiao.core import clock
from fengqiao.core.downloads import inline_file
from fengqiao.core.errors import DomainError, NotFound, ValidationFailed
from fengqiao.core.listing import page_of
from fengqiao.core.roles import Role, has_role
from fengqiao.core.sorting import parse_sort, sort_links, sorted_by
from fengqiao.regions import selectors as region_selectors

PAGE_SIZE = 50


# Field names of each general step's form, for the kind pages that still draw their own
# forms (mediation); read from the table's forms, never written by hand.
ACTION_FIELDS = {
    action: ["unit" if name == "unit_id" else name for name in steps.form_class(found).model_fields]
    for (_status, action), found in workflow.TRANSITIONS.items()
    if found.service
}
CAUTION_ACTIONS = frozenset(
    action for (_status, action), found in workflow.TRANSITIONS.items() if found.caution
)

ACTION_LABELS = {
    "report": gettext_lazy("Report"),
    "relocate": gettext_lazy("Moved to the redrawn grid"),
    **{action: step.label for (_status, action), step in workflow.TRANSITIONS.items()},
}

# Steps that send a case to a unit: the page warns when the unit does not handle its category.
SEND_ACTIONS = frozenset({"dispatch", "transfer", "accept_dispatch"})

# Roles that take in hotline and walk-in reports on the workbench.
INTAKE_ROLES = frozenset({Role.ADMIN, Role.CENTRE_STAFF, Role.GRID_CHIEF, Role.GRID_WORKER})
INTAKE_CHANNELS = [
    Channel.HOTLINE,
    Channel.WALK_IN,
    Channel.VIDEO,
    Channel.POLICE,
    Channel.CAMPAIGN,
    Channel.OTHER,
]


# --- shared helpers (the phone apps use these too) -------------------------------------------


def is_staff_user(user) -> bool:
    return user.is_authenticated and (user.is_superuser or user.role != Role.RESIDENT)


def staff_required(view):
    """Signed-in staff only; a resident is sent to the resident portal."""

    @login_required
    def wrapped(request, *args, **kwargs):
        if not is_staff_user(request.user):
            if request.method == "GET":
                return redirect("h5:home")
            raise PermissionDenied
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def case_or_404(actor, code: str) -> Case:
    try:
        return selectors.case_get(actor=actor, code=code)
    except NotFound as exc:
        raise Http404(str(exc.message)) from exc


def grouped_categories() -> list[tuple]:
    """[(group, [category, …]), …] for <optgroup> selects."""
    # Choices are categories, never groups: each has a parent.
    categories = sorted(
        selectors.category_choices(), key=lambda c: (c.parent.code if c.parent else "", c.code)
    )
    return [(group, list(items)) for group, items in groupby(categories, key=lambda c: c.parent)]


def safe_next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, {request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def deadline_state(case: Case, now=None) -> str:
    """'overdue', 'due_soon' or '' for an open case's current deadline."""
    if not case.is_open or case.due_at is None:
        return ""
    now = now or clock.now()
    if case.is_overdue(now):
        return "overdue"
    if case.warn_at is not None and case.warn_at <= now:
        return "due_soon"
    return ""


def _label(choices, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def actor_display(event) -> str:
    """Who took a step, in the reader's language (the stored label is in the writer's)."""
    if event.actor_id:
        return f"{event.actor.label} ({event.actor.get_role_display()})"
    return str(gettext_lazy("System")) if event.actor_label == "system" else event.actor_label


def timeline_rows(case: Case) -> list[dict]:
    rows = []
    events = list(selectors.case_timeline(case=case))
    changes = change_rows(events)
    for event in events:
        rows.append(
            {
                "event": event,
                "actor": actor_display(event),
                "label": str(
                    ACTION_LABELS.get(event.action) or workflow.action_label(event.action)
                ),
                "from_status": _label(Status, event.from_status) if event.from_status else "",
                "to_status": _label(Status, event.to_status) if event.to_status else "",
                "from_level": _label(Level, event.from_level) if event.from_level else "",
                "to_level": _label(Level, event.to_level) if event.to_level else "",
                "status_changed": event.from_status and event.from_status != event.to_status,
                "level_changed": event.from_level and event.from_level != event.to_level,
                "changes": changes.get(event.pk, []),
            }
        )
    return rows


def _text(data, name: str) -> str:
    return (data.get(name) or "").strip()


def run_action(*, actor, case: Case, action: str, data) -> Case:
    """Take one step from a page form (the phone apps and kind pages share it)."""
    return steps.perform(actor=actor, case=case, action=action, data=data)


def action_forms(
    actor, case: Case, *, error: DomainError | None = None, failed: str = "", data=None
):
    """One form per step the actor may take now (drawn by cases/_step_form.html), with the
    error beside its own form and field."""
    return [
        steps.page_form(
            actor=actor,
            case=case,
            action=action,
            label=label,
            error=error,
            failed=failed,
            data=data,
        )
        for action, label in selectors.case_actions(actor=actor, case=case)
        if steps.takes_form(case, action)
    ]


# --- pages ------------------------------------------------------------------------------------


@staff_required
def queue(request):
    """The queues as tabs with counts; filters narrow the list through an HTMX partial; the
    columns sort on the server (?sort=key or -key); selected rows take a bulk step."""
    name = request.GET.get("queue", "")
    if name and name not in selectors.QUEUES:
        raise Http404
    filters = {
        key: request.GET.get(key, "").strip()
        for key in ("q", "status", "category", "level", "channel")
    }
    sort = parse_sort(request.GET.get("sort"), selectors.CASE_SORTS)
    cases = selectors.case_list(actor=request.user, queue=name, **filters)
    if name in ("overdue", "due_soon"):
        cases = cases.order_by("due_at")
    cases = sorted_by(cases, sort, selectors.CASE_SORTS)
    page, query = page_of(request, cases, PAGE_SIZE)
    may_bulk = has_role(request.user, workflow.CENTRE)
    context = {
        "page": page,
        "query": query,
        "queue": name,
        "now": clock.now(),
        "sort": sort,
        "sorts": sort_links(query, sort, selectors.CASE_SORTS),
        "may_bulk": may_bulk,
    }
    if request.htmx and request.htmx.target == "results":
        return render(request, "cases/_case_rows.html", context)
    counts = selectors.queue_counts(actor=request.user)
    tab_query = query.copy()
    tab_query.pop("queue", None)
    context.update(
        tabs=[(key, selectors.QUEUE_LABELS[key], counts[key]) for key in selectors.QUEUES],
        tab_query=tab_query.urlencode(),
        groups=grouped_categories(),
        statuses=Status.choices,
        levels=Level.choices,
        channels=Channel.choices,
        filters=filters,
        may_report=has_role(request.user, INTAKE_ROLES),
        bulk_actions=[(a, bulk.BULK_ACTIONS[a]) for a in bulk.CASE_QUEUE_ACTIONS]
        if may_bulk
        else [],
        bulk_units=selectors.bulk_unit_choices(actor=request.user, cases=page) if may_bulk else [],
    )
    return render(request, "cases/queue.html", context)


@staff_required
@require_POST
def bulk_act(request):
    """One step on the selected rows of the queue; a page of per-row results (ok or refused
    with the reason). Nothing selected or an unknown step is a 400 naming the field."""
    back = safe_next(request, reverse("cases:queue"))
    try:
        results = bulk.bulk_perform(
            actor=request.user, action=request.POST.get("action", ""), data=request.POST
        )
    except DomainError as exc:
        context = {"error": exc, "results": [], "back": back}
        return render(request, "cases/bulk_results.html", context, status=exc.status)
    context = {
        "results": results,
        "action": bulk.BULK_ACTIONS[request.POST["action"]],
        "done": sum(r["ok"] for r in results),
        "refused": sum(not r["ok"] for r in results),
        "back": back,
    }
    return render(request, "cases/bulk_results.html", context)


def _detail_context(request, case: Case, **form_state) -> dict:
    actor = request.user
    forms = action_forms(actor, case, **form_state)
    candidates = []
    for candidate in case.duplicate_candidates or []:
        try:
            other = selectors.case_get(actor=actor, case_id=candidate.get("id"))
        except NotFound:
            continue
        candidates.append({**candidate, "case": other})
    return {
        "case": case,
        "may_reveal_phone": may_reveal_callback_phone(actor, case),
        "now": clock.now(),
        "deadline": deadline_state(case),
        "timeline": timeline_rows(case),
        "oversight": oversight.case_oversight(case),
        "forms": forms,
        "failed_step": form_state.get("failed", ""),
        "may_merge": any(f["action"] == "merge" for f in forms),
        "candidates": candidates,
        "duplicates": case.duplicates.all() if case.pk else [],
        "attachments": case.attachments.all(),
        "outline": case.grid.boundary if case.grid is not None else None,
        "kind_url": reverse(workflow.KIND_PAGES[case.kind], args=[case.code])
        if case.kind in workflow.KIND_PAGES
        else "",
        "upgrade_url": _upgrade_url(actor, case),
    }


def _upgrade_url(actor, case: Case) -> str:
    """Where an open general case of, e.g., the disputes group becomes a dispute."""
    parent = case.category.parent
    group = parent.code if parent is not None else ""
    name = workflow.UPGRADE_PAGES.get(group)
    if not name or case.kind != Kind.GENERAL or not case.is_open or not is_staff_user(actor):
        return ""
    return f"{reverse(name)}?origin={case.code}"


@staff_required
def detail(request, code: str):
    case = case_or_404(request.user, code)
    return render(request, "cases/detail.html", _detail_context(request, case))


@staff_required
@require_POST
def act(request, code: str, action: str):
    """Take one action on a case, then go back (`next`) — or show the error beside its form."""
    case = case_or_404(request.user, code)
    default = reverse("cases:detail", args=[case.code])
    next_url = safe_next(request, default)
    try:
        case = run_action(actor=request.user, case=case, action=action, data=request.POST)
    except DomainError as exc:
        case.refresh_from_db()
        if next_url.startswith(reverse("mobile:home")):
            from fengqiao.cases import mobile_views

            return mobile_views.task_page(
                request, case, error=exc, failed=action, data=request.POST, status=exc.status
            )
        context = _detail_context(request, case, error=exc, failed=action, data=request.POST)
        return render(request, "cases/detail.html", context, status=exc.status)
    messages.success(
        request,
        _("%(action)s: done for %(code)s.")
        % {"action": ACTION_LABELS.get(action, action), "code": case.code},
    )
    for warning in routing.case_warnings(case) if action in SEND_ACTIONS else []:
        messages.warning(request, warning["message"])
    photos = request.FILES.getlist("photo")
    if photos:
        try:
            case_attach(actor=request.user, case_id=case.pk, files=photos)
        except DomainError as exc:
            messages.error(
                request, _("The photos were not attached: %(why)s") % {"why": exc.message}
            )
    return redirect(next_url)


@login_required
def attachment(request, code: str, attachment_id: int):
    """A photo or file of a case the user may see (residents: their own cases only)."""
    case = case_or_404(request.user, code)
    found = case.attachments.filter(pk=attachment_id).first()
    if found is None:
        raise Http404
    return inline_file(found, content_type=found.content_type)


def _intake_villages(actor):
    villages = list(region_selectors.region_list(actor=actor, level="village"))
    for binding in actor.bindings.select_related("grid__village"):
        if binding.grid is not None and binding.grid.village not in villages:
            villages.append(binding.grid.village)
    return villages


def float_or_none(raw: str, field: str) -> float | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        return float(raw)
    except ValueError as exc:
        raise ValidationFailed(_("Give a number."), field=field) from exc


def report_from_form(*, actor, data, channel: str, villages=(), client_id: str | None = None):
    """case_report from a posted form (workbench intake, phone fallbacks)."""
    code = _text(data, "category")
    category = next((c for c in selectors.category_choices() if c.code == code), None)
    if category is None:
        raise ValidationFailed(_("Choose a category."), field="category")
    lat = float_or_none(data.get("lat"), "lat")
    lng = float_or_none(data.get("lng"), "lng")
    if (lat is None) != (lng is None):
        raise ValidationFailed(_("Give both latitude and longitude."), field="lat")
    village = None
    village_code = _text(data, "village")
    if lat is None and village_code:
        village = next((v for v in villages if v.code == village_code), None)
        if village is None:
            raise ValidationFailed(_("Choose a village in your jurisdiction."), field="village")
    is_anonymous = data.get("anonymous") in ("1", "on", "true")
    priority = _text(data, "priority") or Priority.NORMAL
    return services.case_report(
        actor=actor,
        category=category,
        title=_text(data, "title") or category.name,
        description=_text(data, "description"),
        channel=channel,
        lat=lat,
        lng=lng,
        address=_text(data, "address"),
        village=village,
        reporter_name="" if is_anonymous else _text(data, "reporter_name"),
        callback_phone=_text(data, "callback_phone"),
        is_anonymous=is_anonymous,
        priority=priority,
        client_id=client_id,
    )


@staff_required
def new(request):
    """Hotline (12345) and walk-in intake: the centre types what the caller says."""
    if not has_role(request.user, INTAKE_ROLES):
        raise PermissionDenied
    villages = _intake_villages(request.user)
    error, status, data = None, 200, {"channel": Channel.HOTLINE, "priority": Priority.NORMAL}
    if request.method == "POST":
        data = request.POST
        channel = _text(data, "channel")
        try:
            if channel not in INTAKE_CHANNELS:
                raise ValidationFailed(_("Choose a channel."), field="channel")
            case = report_from_form(
                actor=request.user, data=data, channel=channel, villages=villages
            )
        except DomainError as exc:
            error, status = exc, exc.status
        else:
            messages.success(request, _("Case %(code)s recorded.") % {"code": case.code})
            return redirect("cases:detail", case.code)
    context = {
        "groups": grouped_categories(),
        "channels": [(c.value, c.label) for c in INTAKE_CHANNELS],
        "priorities": Priority.choices,
        "villages": villages,
        "area": region_selectors.map_area(request.user),
        "error": error,
        "data": data,
    }
    return render(request, "cases/new.html", context, status=status)


@staff_required
def inbox(request):
    notes = selectors.inbox(actor=request.user)
    page, query = page_of(request, notes, PAGE_SIZE)
    unread = selectors.inbox(actor=request.user, unread_only=True).count()
    # A department lands here (accounts.menus): its own cases are one click away.
    mine = selectors.queue_counts(actor=request.user, names=("mine",))["mine"]
    context = {"page": page, "query": query, "unread": unread, "mine": mine}
    return render(request, "cases/inbox.html", context)
