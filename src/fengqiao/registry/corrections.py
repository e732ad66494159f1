"""What is held about a resident, who revealed or exported it, and requests to correct it."""

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from fengqiao.core import clock
from fengqiao.core.errors import NotAllowed, NotFound, ValidationFailed
from fengqiao.core.models import AccessLog
from fengqiao.core.roles import Role, has_role
from fengqiao.core.scoping import code_within
from fengqiao.registry.models import CorrectionRequest, Person, PersonTag
from fengqiao.registry.selectors import person_tags_visible

# Roles that handle correction requests inside their jurisdiction.
CORRECTION_ROLES = frozenset({Role.ADMIN, Role.CENTRE_STAFF})
MAX_OPEN_PER_PERSON = 10


@dataclass(frozen=True)
class AccessEntry:
    """One reveal or export that concerned the resident, as the resident may read it."""

    at: object
    action: str
    what: str
    by_role: str
    by_area: str


def own_person(actor) -> Person:
    """The signed-in resident's own record; NotFound for anyone without one."""
    person_id = getattr(actor, "person_id", None)
    if not person_id or not has_role(actor, {Role.RESIDENT}):
        raise NotFound(_("Your account is not linked to a person record."))
    return Person.objects.select_related("household", "dwelling").get(pk=person_id)


def own_tags(*, actor, person: Person) -> list[PersonTag]:
    """Tags the resident may see on themselves: never the sensitive ones."""
    return [t for t in person_tags_visible(actor=actor, person=person) if not t.is_sensitive]


def _prefixes(code: str) -> list[str]:
    return [code[:n] for n in range(len(code) + 1)]


def access_history(*, person: Person, limit: int = 100) -> list[AccessEntry]:
    """Reveals of the person's numbers (also by a number search) and exports of lists that
    covered the person's area, newest first; staff are shown by role and area, not by name."""
    pk = str(person.pk)
    own = Q(object_type="person", action=AccessLog.Action.REVEAL) & (
        Q(object_id=pk)
        | Q(object_id__startswith=f"{pk},")
        | Q(object_id__endswith=f",{pk}")
        | Q(object_id__contains=f",{pk},")
    )
    exports = Q(
        object_type="person",
        action=AccessLog.Action.EXPORT,
        region_code__in=_prefixes(person.region_code),
    )
    rows = (
        AccessLog.objects.filter(own | exports)
        .select_related("actor")
        .prefetch_related("actor__bindings__region", "actor__bindings__grid")
        .order_by("-at", "-pk")[:limit]
    )
    entries = []
    for row in rows:
        if row.action == AccessLog.Action.EXPORT:
            what = _("a list of people (export)")
        elif row.detail == "search":
            what = _("a search by your full number")
        elif row.field == "phone":
            what = _("your phone number")
        else:
            what = _("your ID number")
        entries.append(
            AccessEntry(
                at=row.at,
                action=row.get_action_display(),
                what=str(what),
                by_role=row.actor.get_role_display() if row.actor.role else "",
                by_area="、".join(_area_names(row.actor)) or "—",
            )
        )
    return entries


def _area_names(user) -> list[str]:
    names = []
    for binding in user.bindings.all():
        place = binding.grid or binding.region
        names.append(place.name if place else binding.code)
    return names


def correction_request_create(*, actor, field: str, requested_value: str) -> CorrectionRequest:
    """A resident asks for a field of their own record to be corrected."""
    person = own_person(actor)
    if field not in CorrectionRequest.Field.values:
        raise ValidationFailed(_("Choose which field is wrong."), field="field")
    value = " ".join((requested_value or "").split())
    if not value:
        raise ValidationFailed(_("Say what it should be."), field="requested_value")
    if len(value) > 200:
        raise ValidationFailed(_("Keep it under 200 characters."), field="requested_value")
    open_now = CorrectionRequest.objects.filter(
        person=person, status=CorrectionRequest.Status.OPEN
    ).count()
    if open_now >= MAX_OPEN_PER_PERSON:
        raise ValidationFailed(
            _("You have %(n)d open requests; wait until they are handled.") % {"n": open_now},
            field="field",
        )
    return CorrectionRequest.objects.create(
        person=person,
        field=field,
        requested_value=value,
        region_code=person.region_code,
        requested_by=actor,
        requested_at=clock.now(),
    )


def correction_list(*, actor, status: str = CorrectionRequest.Status.OPEN) -> QuerySet:
    """Requests of people in the actor's jurisdiction (centre staff and administrators)."""
    qs = CorrectionRequest.objects.select_related("person").visible_to(actor)
    return qs.filter(status=status) if status else qs


def correction_resolve(
    *, actor, request_id: int, status: str, reply: str = ""
) -> CorrectionRequest:
    """Mark an open request done (the record was corrected) or rejected (with a reason)."""
    if not has_role(actor, CORRECTION_ROLES):
        raise NotAllowed(_("Your role does not handle correction requests."))
    with transaction.atomic():
        # Whose request it is comes first: another area's id answers like an unknown one.
        request = CorrectionRequest.objects.select_for_update().filter(pk=request_id).first()
        if request is None or not code_within(actor, request.region_code):
            raise NotFound()
        if status not in (CorrectionRequest.Status.DONE, CorrectionRequest.Status.REJECTED):
            raise ValidationFailed(_("Mark the request done or rejected."), field="status")
        reply = " ".join((reply or "").split())[:200]
        if status == CorrectionRequest.Status.REJECTED and not reply:
            raise ValidationFailed(_("Say why the request is rejected."), field="reply")
        if request.status != CorrectionRequest.Status.OPEN:
            raise ValidationFailed(_("This request was already handled."), field="status")
        request.status, request.reply = status, reply
        request.handled_by, request.handled_at = actor, clock.now()
        request.save(update_fields=["status", "reply", "handled_by", "handled_at"])
    return request
