"""Writes of organisations, places and facilities: create, edit, a facility's status, and the
reveal of an organisation's contact phone.

Like a dwelling, each sits where its point falls (the locator gives the grid and the region
code), or in a village when there is no point; the actor must be allowed to edit the registry
there, before and after a move. Every write is audited with its before → after; the contact
phone is sealed and only ever audited as "***"."""

import math

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from fengqiao.core import clock, crypto
from fengqiao.core.audit import audit_diff, audit_record, audit_snapshot
from fengqiao.core.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from fengqiao.core.models import AccessLog
from fengqiao.core.roles import REVEAL_ROLES, has_role
from fengqiao.core.scoping import code_within
from fengqiao.regions.gazetteer import gazetteer_mark_stale
from fengqiao.regions.models import Region
from fengqiao.registry import sealing
from fengqiao.registry.auditing import AUDIT_FIELDS, audit_registry_create
from fengqiao.registry.models import Facility, Organization, Place
from fengqiao.registry.services import locate_into, require_edit

__all__ = [
    "facility_create",
    "facility_set_status",
    "facility_update",
    "organization_create",
    "organization_reveal_phone",
    "organization_update",
    "place_create",
    "place_update",
]

MAX_EMPLOYEES = 10_000_000
_UNSET = object()  # an edit leaves a field alone when it is not given


def _text(value, field: str, max_length: int, *, required: bool = False) -> str:
    value = str(value or "").strip()
    if required and not value:
        raise ValidationFailed(_("This field is required."), field=field)
    if len(value) > max_length:
        raise ValidationFailed(
            _("At most %(n)d characters.") % {"n": max_length}, field=field, code="too_long"
        )
    return value


def _choice(value, choices, field: str) -> str:
    if value not in choices.values:
        raise ValidationFailed(_("Choose one of the listed values."), field=field)
    return value


def _coordinate(value, field: str, limit: float) -> float | None:
    if value is None or value == "":
        return None
    try:
        number = float(value)
    except (TypeError, ValueError) as exc:
        raise ValidationFailed(_("Give a number."), field=field) from exc
    if not math.isfinite(number) or abs(number) > limit:
        raise ValidationFailed(_("Must lie between -%(n)s and %(n)s.") % {"n": limit}, field=field)
    return number


def _employees(value) -> int | None:
    if value is None or value == "":
        return None
    try:
        number = int(value)
    except (TypeError, ValueError) as exc:
        raise ValidationFailed(_("Give a whole number."), field="employees") from exc
    if not 0 <= number <= MAX_EMPLOYEES:
        raise ValidationFailed(_("Give a number of people."), field="employees")
    return number


def _locate(obj, *, actor, lat, lng, village: Region | None) -> None:
    lat, lng = _coordinate(lat, "lat", 90), _coordinate(lng, "lng", 180)
    if (lat is None) != (lng is None):
        raise ValidationFailed(
            _("Give both latitude and longitude."), field="lng" if lng is None else "lat"
        )
    locate_into(obj, lat=lat, lng=lng, village=village)
    require_edit(actor, obj.region_code)


def _save_created(actor, obj):
    try:
        with transaction.atomic():
            obj.save()
            crypto.bind_row(obj)  # its sealed values (a contact phone) open only in this row
            audit_registry_create(actor, obj)
            gazetteer_mark_stale([obj.region_code])
    except IntegrityError as exc:  # a facility code taken by a concurrent insert
        raise Conflict(_("A facility with this code already exists."), field="code") from exc
    return obj


def _update(actor, obj, changes: dict, *, lat, lng, village, seal=None):
    """Apply `changes` (field → value), move the row if a point or village is given, audit."""
    require_edit(actor, obj.region_code)
    fields = AUDIT_FIELDS[type(obj)]
    before = audit_snapshot(obj, fields)
    old_code = obj.region_code
    for name, value in changes.items():
        setattr(obj, name, value)
    if lat is not _UNSET or village is not None:
        _locate(
            obj,
            actor=actor,
            lat=None if lat is _UNSET else lat,
            lng=None if lng is _UNSET else lng,
            village=village,
        )
    if seal is not None:
        seal(obj)
    diff = audit_diff(before, audit_snapshot(obj, fields))
    if not diff:
        return obj
    try:
        with transaction.atomic():
            obj.save()
            audit_record(actor=actor, entity=obj, action="update", changes=diff)
            gazetteer_mark_stale(sorted({old_code, obj.region_code}))
    except IntegrityError as exc:  # a facility code taken by a concurrent write
        raise Conflict(_("A facility with this code already exists."), field="code") from exc
    return obj


# Organisations ------------------------------------------------------------------------------


def _organization_fields(
    *, name, kind, address, credit_code, contact_name, employees, partial: bool
) -> dict:
    given = {
        "name": name,
        "kind": kind,
        "address": address,
        "credit_code": credit_code,
        "contact_name": contact_name,
        "employees": employees,
    }
    cleaners = {
        "name": lambda v: _text(v, "name", 100, required=True),
        "kind": lambda v: _choice(v, Organization.Kind, "kind"),
        "address": lambda v: _text(v, "address", 200),
        "credit_code": lambda v: _text(v, "credit_code", 18).upper(),
        "contact_name": lambda v: _text(v, "contact_name", 50),
        "employees": _employees,
    }
    return {k: cleaners[k](v) for k, v in given.items() if not (partial and v is _UNSET)}


def _seal_contact_phone(org: Organization, phone: str) -> None:
    try:
        number = sealing.normalize_phone(phone)
    except ValidationFailed as exc:
        raise ValidationFailed(exc.message, field="contact_phone") from exc
    if org.pk and crypto.lookup_hash(number) == org.contact_phone_hash:
        return  # the same number: no new ciphertext, no audited change
    sealing.seal_phone(org, number, prefix="contact_phone")


def organization_create(
    *,
    actor,
    name: str,
    kind: str,
    address: str = "",
    lat=None,
    lng=None,
    village: Region | None = None,
    credit_code: str = "",
    contact_name: str = "",
    contact_phone: str = "",
    employees=None,
) -> Organization:
    """An organisation; its contact phone is stored sealed, like a person's."""
    org = Organization(
        **_organization_fields(
            name=name,
            kind=kind,
            address=address,
            credit_code=credit_code,
            contact_name=contact_name,
            employees=employees,
            partial=False,
        )
    )
    _locate(org, actor=actor, lat=lat, lng=lng, village=village)
    _seal_contact_phone(org, contact_phone)
    return _save_created(actor, org)


def organization_update(
    *,
    actor,
    organization: Organization,
    name=_UNSET,
    kind=_UNSET,
    address=_UNSET,
    credit_code=_UNSET,
    contact_name=_UNSET,
    contact_phone=_UNSET,
    employees=_UNSET,
    lat=_UNSET,
    lng=_UNSET,
    village: Region | None = None,
) -> Organization:
    """Change what is given; a contact phone given (even empty) replaces the sealed one."""
    changes = _organization_fields(
        name=name,
        kind=kind,
        address=address,
        credit_code=credit_code,
        contact_name=contact_name,
        employees=employees,
        partial=True,
    )
    seal = None if contact_phone is _UNSET else (lambda o: _seal_contact_phone(o, contact_phone))
    return _update(actor, organization, changes, lat=lat, lng=lng, village=village, seal=seal)


def organization_reveal_phone(*, actor, organization: Organization, ip: str | None = None) -> str:
    """The full contact phone, for the roles that may reveal personal data; logged."""
    if not has_role(actor, REVEAL_ROLES):
        raise NotAllowed(_("Your role may not reveal personal data."))
    if not code_within(actor, organization.region_code):
        raise NotFound()
    value = crypto.open_field(organization, "contact_phone_sealed")
    AccessLog.objects.create(
        actor=actor,
        action=AccessLog.Action.REVEAL,
        object_type="organization",
        object_id=str(organization.pk),
        field="contact_phone",
        region_code=organization.region_code,
        ip=ip,
        at=clock.now(),
    )
    return value


# Places -------------------------------------------------------------------------------------


def _place_fields(*, name, kind, risk, address, partial: bool) -> dict:
    given = {"name": name, "kind": kind, "risk": risk, "address": address}
    cleaners = {
        "name": lambda v: _text(v, "name", 100, required=True),
        "kind": lambda v: _choice(v, Place.Kind, "kind"),
        "risk": lambda v: _choice(v, Place.Risk, "risk"),
        "address": lambda v: _text(v, "address", 200),
    }
    return {k: cleaners[k](v) for k, v in given.items() if not (partial and v is _UNSET)}


def place_create(
    *,
    actor,
    name: str,
    kind: str,
    risk: str = Place.Risk.LOW,
    address: str = "",
    lat=None,
    lng=None,
    village: Region | None = None,
) -> Place:
    place = Place(**_place_fields(name=name, kind=kind, risk=risk, address=address, partial=False))
    _locate(place, actor=actor, lat=lat, lng=lng, village=village)
    return _save_created(actor, place)


def place_update(
    *,
    actor,
    place: Place,
    name=_UNSET,
    kind=_UNSET,
    risk=_UNSET,
    address=_UNSET,
    lat=_UNSET,
    lng=_UNSET,
    village: Region | None = None,
) -> Place:
    changes = _place_fields(name=name, kind=kind, risk=risk, address=address, partial=True)
    return _update(actor, place, changes, lat=lat, lng=lng, village=village)


# Facilities ---------------------------------------------------------------------------------


def _facility_fields(*, code, name, kind, status, address, partial: bool) -> dict:
    given = {"code": code, "name": name, "kind": kind, "status": status, "address": address}
    cleaners = {
        "code": lambda v: _text(v, "code", 40, required=True),
        "name": lambda v: _text(v, "name", 100, required=True),
        "kind": lambda v: _choice(v, Facility.Kind, "kind"),
        "status": lambda v: _choice(v, Facility.Status, "status"),
        "address": lambda v: _text(v, "address", 200),
    }
    return {k: cleaners[k](v) for k, v in given.items() if not (partial and v is _UNSET)}


def _unique_code(code: str, *, exclude: int | None = None) -> None:
    if Facility.objects.filter(code=code).exclude(pk=exclude).exists():
        raise Conflict(_("A facility with this code already exists."), field="code")


def facility_create(
    *,
    actor,
    code: str,
    name: str,
    kind: str,
    status: str = Facility.Status.WORKING,
    address: str = "",
    lat=None,
    lng=None,
    village: Region | None = None,
) -> Facility:
    facility = Facility(
        **_facility_fields(
            code=code, name=name, kind=kind, status=status, address=address, partial=False
        )
    )
    _locate(facility, actor=actor, lat=lat, lng=lng, village=village)
    _unique_code(facility.code)
    return _save_created(actor, facility)


def facility_update(
    *,
    actor,
    facility: Facility,
    code=_UNSET,
    name=_UNSET,
    kind=_UNSET,
    status=_UNSET,
    address=_UNSET,
    lat=_UNSET,
    lng=_UNSET,
    village: Region | None = None,
) -> Facility:
    changes = _facility_fields(
        code=code, name=name, kind=kind, status=status, address=address, partial=True
    )
    if "code" in changes:
        _unique_code(changes["code"], exclude=facility.pk)
    return _update(actor, facility, changes, lat=lat, lng=lng, village=village)


def facility_set_status(*, actor, facility: Facility, status: str) -> Facility:
    """Working, faulty or removed (set from the facility's page after a check)."""
    return facility_update(actor=actor, facility=facility, status=status)
