"""API: cases (report, list, page, actions, attachments), queues, categories, units, inbox."""

from typing import Any

from django.http import FileResponse
from django.utils.translation import gettext_lazy as _
from ninja import Body, File, Form, Query, Router, Status
from ninja.files import UploadedFile
from ninja.pagination import PageNumberPagination, paginate

from fengqiao.cases import (
    notify_prefs,
    oversight,
    routing,
    selectors,
    services,
    steps,
    workflow,
)
from fengqiao.cases.attachments import case_attach
from fengqiao.cases.models import Case, Channel, HandlingUnit
from fengqiao.cases.reveal import case_reveal_callback_phone
from fengqiao.cases.schemas import (
    AttachmentOut,
    CaseDetailOut,
    CaseFilter,
    CaseIn,
    CaseOut,
    CategoryGroupOut,
    NotificationOut,
    PhoneRevealOut,
    PreferencesIn,
    PreferencesOut,
    QueueOut,
    UnitOut,
)
from fengqiao.core import clock
from fengqiao.core.errors import NotFound, ValidationFailed
from fengqiao.core.http import client_ip
from fengqiao.core.roles import Role
from fengqiao.core.scoping import actor_prefixes, around_q
from fengqiao.regions.models import Region
from fengqiao.registry import selectors as registry_selectors

router = Router(tags=["cases"])


# --- lookups the handlers share --------------------------------------------------------------


def _case(request, code: str) -> Case:
    return selectors.case_get(actor=request.auth, code=code)


def _category(code: str):
    category = selectors.category_by_code(code)
    if category is None:
        raise ValidationFailed(_("Choose a category (not a group)."), field="category")
    return category


def _detail(actor, case: Case) -> Case:
    """Attach what the case page shows besides the row itself (it depends on who asks).
    A case this request made (report intake is a hot path) has one event and no attachments."""
    is_new = getattr(case, "is_new", False)
    case.api_timeline = [case.report_event] if is_new else list(selectors.case_timeline(case=case))
    case.api_actions = selectors.case_actions(actor=actor, case=case)
    listed = case.duplicate_candidates or []
    visible = {}
    if listed:
        visible = {
            other.pk: other
            for other in selectors.case_list(actor=actor).filter(pk__in=[c["id"] for c in listed])
        }
    case.api_candidates = [
        {
            "code": visible[c["id"]].code,
            "title": visible[c["id"]].title,
            "status": visible[c["id"]].status,
            "similarity": c["similarity"],
            "distance_m": c.get("distance_m"),
        }
        for c in listed
        if c["id"] in visible
    ]
    case.api_attachments = [] if is_new else list(_attachments(case))
    case.api_warnings = routing.case_warnings(case)
    case.api_supervision = None if is_new else oversight.case_oversight(case)["supervision"]
    return case


def _attachments(case: Case):
    return case.attachments.select_related("case", "event").order_by("pk")


def _channel(actor, value: str) -> str:
    """Residents report through the portal; staff choose; Open311 has its own endpoint."""
    if actor.role == Role.RESIDENT and not actor.is_superuser:
        if value not in ("", Channel.PORTAL):
            raise ValidationFailed(_("Residents report through the portal."), field="channel")
        return Channel.PORTAL
    if value == Channel.OPEN311:
        raise ValidationFailed(_("Open311 reports come in at /open311/v2/."), field="channel")
    return value or Channel.GRID_APP


def _listed(selector, actor, ids: list[int], field: str) -> list:
    """The rows of `ids` that `selector` lets the actor see; NotFound if any is missing."""
    if not ids:
        return []
    found = list(selector(actor=actor).filter(pk__in=ids))
    if len(found) != len(set(ids)):
        raise NotFound(field=field)
    return found


# --- cases -----------------------------------------------------------------------------------


@router.get("/cases", response=list[CaseOut])
@paginate(PageNumberPagination, page_size=50)
def case_list(request, filters: Query[CaseFilter]):
    """Cases the caller may see, newest first; `queue` is one of GET /cases/queues."""
    return selectors.case_list(
        actor=request.auth,
        queue=filters.queue,
        q=filters.q.strip(),
        status=filters.status,
        category=filters.category,
        level=filters.level,
        channel=filters.channel,
    )


@router.post("/cases", response={200: CaseDetailOut, 201: CaseDetailOut})
def case_report(request, payload: CaseIn):
    """Report a case. Sending the same `client_id` again (an offline phone catching up) returns
    the case already made, with status 200."""
    actor = request.auth
    village = None
    if payload.village:
        village = Region.objects.filter(code=payload.village).first()
        if village is None:
            raise NotFound(_("Unknown village."), field="village")
    case = services.case_report(
        actor=actor,
        category=_category(payload.category),
        title=payload.title,
        description=payload.description,
        channel=_channel(actor, payload.channel),
        lat=payload.lat,
        lng=payload.lng,
        address=payload.address,
        village=village,
        reporter_name=payload.reporter_name,
        callback_phone=payload.callback_phone,
        is_anonymous=payload.is_anonymous,
        priority=payload.priority,
        client_id=payload.client_id or None,
        people=_listed(registry_selectors.person_list, actor, payload.person_ids, "person_ids"),
        dwellings=_listed(
            registry_selectors.dwelling_list, actor, payload.dwelling_ids, "dwelling_ids"
        ),
    )
    return Status(201 if case.is_new else 200, _detail(actor, case))


@router.get("/cases/queues", response=list[QueueOut])
def queue_counts(request):
    """How many cases wait in each queue for the caller."""
    counts = selectors.queue_counts(actor=request.auth)
    return [
        {"queue": name, "description": description, "count": counts[name]}
        for name, description in selectors.QUEUES.items()
    ]


@router.get("/cases/{code}", response=CaseDetailOut)
def case_detail(request, code: str):
    """The case page: the row, its timeline, what the caller may do, duplicates, attachments."""
    return _detail(request.auth, _case(request, code))


@router.post("/cases/{code}/reveal-phone", response=PhoneRevealOut)
def case_reveal_phone(request, code: str):
    """The full callback phone: for centre staff of the case's jurisdiction, its assignee and
    its unit's members; every call is logged."""
    case = _case(request, code)
    value = case_reveal_callback_phone(actor=request.auth, case=case, ip=client_ip(request))
    return {"field": "callback_phone", "value": value}


# --- actions: one endpoint for every step of every kind's table ------------------------------


@router.post(
    "/cases/{code}/actions/{action}",
    response=CaseDetailOut,
    openapi_extra=steps.action_openapi(
        "ActionIn", [workflow.TRANSITIONS, *workflow.KIND_STEPS.values()]
    ),
)
def case_action(request, code: str, action: str, payload: Body[dict[str, Any] | None] = None):
    """Take one step on a case (see `actions` on the case page for what the caller may do).
    Each step reads the fields of its own form from the body (docs/api.md lists them).

    Refusals: 403 `forbidden` (role or person), 409 `illegal_transition` (state), 404
    `unknown_action`, 400 naming the field at fault."""
    case = steps.perform(
        actor=request.auth, case=_case(request, code), action=action, data=payload or {}
    )
    return _detail(request.auth, case)


# --- attachments -----------------------------------------------------------------------------


@router.get("/cases/{code}/attachments", response=list[AttachmentOut])
def attachment_list(request, code: str):
    return list(_attachments(_case(request, code)))


@router.post("/cases/{code}/attachments", response={201: list[AttachmentOut]})
def attachment_upload(
    request, code: str, files: File[list[UploadedFile] | None] = None, note: Form[str] = ""
):
    """Upload photos (JPEG, PNG, GIF, WebP, HEIC) or PDFs, 10 MB each at most, as multipart
    `files`; they are logged as one note on the timeline."""
    # `files` is checked after the case is found, so outsiders learn nothing but 404.
    case = _case(request, code)
    stored = case_attach(actor=request.auth, case_id=case.pk, files=files, note=note)
    return Status(201, stored)


@router.get("/cases/{code}/attachments/{attachment_id}")
def attachment_download(request, code: str, attachment_id: int):
    attachment = _case(request, code).attachments.filter(pk=attachment_id).first()
    if attachment is None:
        raise NotFound()
    return FileResponse(
        attachment.file.open("rb"),
        content_type=attachment.content_type,
        as_attachment=attachment.content_type == "application/pdf",
        filename=attachment.name,
    )


# --- reference lists and the inbox -------------------------------------------------------------


@router.get("/categories", response=list[CategoryGroupOut])
def category_tree(request):
    """Active categories under their groups (two levels)."""
    groups: dict[int, dict] = {}
    for category in selectors.category_choices().order_by("parent__code", "code"):
        parent = category.parent
        if parent is None:  # a group, not a category: never a choice
            continue
        group = groups.setdefault(
            parent.pk,
            {"code": parent.code, "name": parent.name, "name_en": parent.name_en, "children": []},
        )
        group["children"].append(category)
    return list(groups.values())


@router.get("/units", response=list[UnitOut])
def unit_list(request, case: str = ""):
    """Units a case can be dispatched to, in the order a dispatch form offers them: the
    `suggested` one (routing rules, then the category's units), those that `handles` its
    category, the rest. Without `case`: the units of the caller's townships and counties and
    those inside them."""
    if not case:
        return list(_units_around(request.auth))
    suggested, units = routing.ranked_units(actor=request.auth, case=_case(request, case))
    for unit in units:
        unit.suggested = suggested is not None and unit.pk == suggested.pk
    return units


def _units_around(actor):
    prefixes = actor_prefixes(actor)
    if prefixes is None:
        return HandlingUnit.objects.all()
    return HandlingUnit.objects.filter(around_q(prefixes))


@router.get("/inbox", response=list[NotificationOut])
@paginate(PageNumberPagination, page_size=50)
def inbox(request, unread: bool = False):
    return selectors.inbox(actor=request.auth, unread_only=unread)


@router.get("/inbox/preferences", response=PreferencesOut)
def inbox_preferences(request):
    """How the caller hears besides the inbox: texts, and the daily digest."""
    return notify_prefs.preferences_of(request.auth)


@router.put("/inbox/preferences", response=PreferencesOut)
def inbox_preferences_set(request, payload: PreferencesIn):
    """Change the caller's own preferences (fields left out stay as they are)."""
    flags = {
        flag: value for flag in notify_prefs.FLAGS if (value := getattr(payload, flag)) is not None
    }
    return notify_prefs.preferences_set(
        actor=request.auth,
        user=request.auth,
        phone=payload.phone.strip() or None,
        clear_phone=payload.clear_phone,
        **flags,
    )


@router.post("/inbox/{notification_id}/read", response=NotificationOut)
def inbox_read(request, notification_id: int):
    """Mark one of the caller's notifications read (again is harmless)."""
    mine = selectors.inbox(actor=request.auth).filter(pk=notification_id)
    mine.filter(read_at__isnull=True).update(read_at=clock.now())
    notification = mine.first()
    if notification is None:
        raise NotFound()
    return notification
