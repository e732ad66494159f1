"""Care records (一本记): opening a household's record, raising needs, recording the help given
and its cost, moving a need along, closing the record; and the villages' service lists.

Every write checks the actor's reach (the household, through `Household.objects.visible_to`),
leaves one audit row in its transaction, and the phone's needs and help carry a client id so
a resend returns the first row. A visit may raise a need in its own transaction
(`need_from_visit`, called by services.visit_record)."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from fengqiao.core import clock, crypto
from fengqiao.core.audit import audit_record
from fengqiao.core.errors import NotAllowed, NotFound, ValidationFailed
from fengqiao.core.roles import Role, has_role
from fengqiao.core.scoping import code_within
from fengqiao.fieldwork.models import (
    CareHelp,
    CareNeed,
    CareRecord,
    NeedKind,
    NeedStatus,
    RecordStatus,
    ServiceOffer,
)
from fengqiao.regions.models import Region
from fengqiao.registry import sealing
from fengqiao.registry.models import Household

CARE_ROLES = frozenset(
    {Role.GRID_WORKER, Role.GRID_CHIEF, Role.CENTRE_STAFF, Role.UNIT_HEAD, Role.ADMIN}
)
OFFER_ROLES = frozenset({Role.CENTRE_STAFF, Role.ADMIN})
MAX_DETAIL = 2000
MAX_COST = Decimal("1000000")
HELP_BACK = timedelta(days=366)  # help given up to a year ago may still be recorded
# Where a need may go next: help moves an open need to "helping"; a closed need stays closed.
TRANSITIONS = {
    NeedStatus.OPEN: {NeedStatus.HELPING, NeedStatus.MET, NeedStatus.CLOSED},
    NeedStatus.HELPING: {NeedStatus.MET, NeedStatus.CLOSED},
    NeedStatus.MET: {NeedStatus.HELPING, NeedStatus.CLOSED},
    NeedStatus.CLOSED: set(),
}
ACTIVE_NEEDS = (NeedStatus.OPEN, NeedStatus.HELPING)


@dataclass(frozen=True)
class RaiseNeed:
    """A need found on a visit: its kind and what is needed."""

    kind: str
    detail: str


def _check_actor(actor) -> None:
    if not has_role(actor, CARE_ROLES):
        raise NotAllowed(_("Your role does not keep care records."))


def _clean_need(kind: str, detail: str, prefix: str = "") -> str:
    if kind not in NeedKind.values:
        raise ValidationFailed(_("Choose the kind of need."), field=f"{prefix}kind")
    detail = (detail or "").strip()
    if not detail:
        raise ValidationFailed(_("Say what is needed."), field=f"{prefix}detail")
    if len(detail) > MAX_DETAIL:
        raise ValidationFailed(_("The detail is too long."), field=f"{prefix}detail")
    return detail


def _record_for_write(actor, record_id: int) -> CareRecord:
    _check_actor(actor)
    record = CareRecord.objects.visible_to(actor).filter(pk=record_id).first()
    if record is None:
        raise NotFound(_("No such care record in your area."))
    return record


def _need_for_write(actor, need_id: int) -> CareNeed:
    _check_actor(actor)
    need = CareNeed.objects.visible_to(actor).select_related("record").filter(pk=need_id).first()
    if need is None:
        raise NotFound(_("No such need in your area."))
    return need


def _household_label(household) -> str:
    address = household.dwelling.address if household.dwelling_id else ""
    if household.head_id:
        return f"{household.head.name}户 {address}".strip()
    return address or household.number


def _open(actor, household) -> CareRecord:
    """The household's open record, opened now if there is none (inside a transaction)."""
    record = (
        CareRecord.objects.select_for_update()
        .filter(household=household, status=RecordStatus.OPEN)
        .first()
    )
    if record is not None:
        return record
    record = CareRecord.objects.create(
        household=household,
        region_code=household.region_code,
        grid=household.dwelling.grid if household.dwelling_id else None,
        label=_household_label(household)[:200],
        opened_by=actor,
        opened_at=clock.now(),
    )
    record.is_new = True
    audit_record(
        actor=actor, entity=record, action="create", changes={"household": [None, household.pk]}
    )
    return record


def record_open(*, actor, household_id: int, summary: str = "") -> CareRecord:
    """Open the household's care record; if one is open already it is returned
    (`is_new = False`)."""
    _check_actor(actor)
    household = (
        Household.objects.visible_to(actor)
        .select_related("head", "dwelling__grid")
        .filter(pk=household_id)
        .first()
    )
    if household is None:
        raise NotFound(_("No such household in your area."), field="household_id")
    summary = (summary or "").strip()
    if len(summary) > MAX_DETAIL:
        raise ValidationFailed(_("The summary is too long."), field="summary")
    try:
        with transaction.atomic():
            record = _open(actor, household)
            if getattr(record, "is_new", False) and summary:
                record.summary = summary
                record.save(update_fields=["summary"])
    except IntegrityError:  # opened by someone else at the same moment
        record = CareRecord.objects.get(household=household, status=RecordStatus.OPEN)
    record.is_new = getattr(record, "is_new", False)
    return record


def _add_need(actor, record, kind, detail, *, visit=None, client_id=None) -> CareNeed:
    need = CareNeed.objects.create(
        record=record,
        kind=kind,
        detail=detail,
        raised_at=clock.now(),
        raised_by=actor,
        visit=visit,
        client_id=client_id,
    )
    audit_record(
        actor=actor,
        entity=need,
        action="create",
        region_code=record.region_code,
        changes={"kind": [None, kind], "visit": [None, visit.pk if visit else None]},
    )
    return need


def need_raise(
    *, actor, record_id: int, kind: str, detail: str, client_id: str | None = None
) -> CareNeed:
    """Add a need to an open record; the same client id from the same person returns the
    first need (`is_new = False`)."""
    _check_actor(actor)
    client_id = (client_id or "").strip()[:64] or None
    if client_id:
        earlier = CareNeed.objects.filter(raised_by=actor, client_id=client_id).first()
        if earlier is not None:
            earlier.is_new = False
            return earlier
    record = _record_for_write(actor, record_id)
    detail = _clean_need(kind, detail)
    if record.status != RecordStatus.OPEN:
        raise ValidationFailed(_("The care record is closed."), field="record")
    try:
        with transaction.atomic():
            need = _add_need(actor, record, kind, detail, client_id=client_id)
    except IntegrityError:
        earlier = CareNeed.objects.filter(raised_by=actor, client_id=client_id).first()
        if earlier is None:
            raise
        earlier.is_new = False
        return earlier
    need.is_new = True
    return need


def check_raise_need(raise_need: RaiseNeed | None, target: str) -> str:
    """The cleaned detail of a need a visit raises (checked before the visit is written)."""
    if raise_need is None:
        return ""
    if target != "household":
        raise ValidationFailed(_("A care need is raised on a household visit."), field="need_kind")
    return _clean_need(raise_need.kind, raise_need.detail, prefix="need_")


def need_from_visit(*, actor, visit, household, kind: str, detail: str) -> CareNeed:
    """Inside the visit's transaction: the household's open record (opened if none) gets
    the need, linked to the visit."""
    record = _open(actor, household)
    return _add_need(actor, record, kind, detail, visit=visit)


def _money(raw) -> Decimal:
    try:
        cost = Decimal(str(raw if raw not in (None, "") else 0)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise ValidationFailed(_("Give the cost in yuan."), field="cost") from None
    if not cost.is_finite() or not Decimal(0) <= cost <= MAX_COST:
        raise ValidationFailed(_("The cost is 0 to 1,000,000 yuan."), field="cost")
    return cost


def _check_given_on(given_on: date | None) -> date:
    today = clock.localdate()
    given_on = given_on or today
    if given_on > today:
        raise ValidationFailed(_("Help cannot be given in the future."), field="given_on")
    if given_on < today - HELP_BACK:
        raise ValidationFailed(
            _("Help given more than a year ago cannot be recorded."), field="given_on"
        )
    return given_on


def help_record(
    *,
    actor,
    need_id: int,
    what: str,
    given_by_name: str = "",
    unit_name: str = "",
    given_on: date | None = None,
    cost=0,
    client_id: str | None = None,
) -> CareHelp:
    """Record help given for a need (an open need moves to "helping"). The same client id
    from the same person returns the first row (`is_new = False`)."""
    _check_actor(actor)
    client_id = (client_id or "").strip()[:64] or None
    if client_id:
        earlier = CareHelp.objects.filter(created_by=actor, client_id=client_id).first()
        if earlier is not None:
            earlier.is_new = False
            return earlier
    need = _need_for_write(actor, need_id)
    what = (what or "").strip()
    if not what or len(what) > 500:
        raise ValidationFailed(_("Say what help was given (up to 500 characters)."), field="what")
    given_by_name = (given_by_name or "").strip() or actor.label
    unit_name = (unit_name or "").strip()
    if len(given_by_name) > 100 or len(unit_name) > 100:
        raise ValidationFailed(_("The name is too long."), field="given_by_name")
    cost = _money(cost)
    given_on = _check_given_on(given_on)
    if need.status == NeedStatus.CLOSED:
        raise ValidationFailed(_("The need is closed."), field="need")
    try:
        with transaction.atomic():
            row = CareHelp.objects.create(
                need=need,
                given_by_name=given_by_name,
                given_by=actor if given_by_name == actor.label else None,
                unit_name=unit_name,
                what=what,
                given_on=given_on,
                cost=cost,
                created_by=actor,
                created_at=clock.now(),
                client_id=client_id,
            )
            if need.status == NeedStatus.OPEN:
                need.status = NeedStatus.HELPING
                need.save(update_fields=["status"])
            audit_record(
                actor=actor,
                entity=row,
                action="create",
                region_code=need.record.region_code,
                changes={"need": [None, need.pk], "cost": [None, str(cost)]},
            )
    except IntegrityError:
        earlier = CareHelp.objects.filter(created_by=actor, client_id=client_id).first()
        if earlier is None:
            raise
        earlier.is_new = False
        return earlier
    row.is_new = True
    return row


def need_set_status(*, actor, need_id: int, status: str) -> CareNeed:
    need = _need_for_write(actor, need_id)
    if status not in NeedStatus.values:
        raise ValidationFailed(_("Unknown status."), field="status")
    if status == need.status:
        return need
    if status not in TRANSITIONS[NeedStatus(need.status)]:
        raise ValidationFailed(
            _("A need cannot go from %(a)s to %(b)s.")
            % {"a": need.get_status_display(), "b": NeedStatus(status).label},
            field="status",
        )
    with transaction.atomic():
        before = need.status
        need.status = status
        need.save(update_fields=["status"])
        audit_record(
            actor=actor,
            entity=need,
            action="update",
            region_code=need.record.region_code,
            changes={"status": [before, status]},
        )
    return need


def record_close(*, actor, record_id: int, summary: str = "") -> CareRecord:
    """Close a record whose needs are all met or closed."""
    record = _record_for_write(actor, record_id)
    if record.status == RecordStatus.CLOSED:
        return record
    if record.needs.filter(status__in=ACTIVE_NEEDS).exists():
        raise ValidationFailed(
            _("Needs are still open or being helped; settle them first."), field="status"
        )
    summary = (summary or "").strip()
    if len(summary) > MAX_DETAIL:
        raise ValidationFailed(_("The summary is too long."), field="summary")
    with transaction.atomic():
        record.status = RecordStatus.CLOSED
        record.closed_at = clock.now()
        if summary:
            record.summary = summary
        record.save(update_fields=["status", "closed_at", "summary"])
        audit_record(
            actor=actor, entity=record, action="update", changes={"status": ["open", "closed"]}
        )
    return record


def _offer_village(actor, region_code: str) -> str:
    if not has_role(actor, OFFER_ROLES):
        raise NotAllowed(_("Only centre staff keep the service lists."))
    region_code = (region_code or "").strip()
    if (
        not region_code.isdigit()
        or not code_within(actor, region_code)
        or not Region.objects.filter(code=region_code, level=Region.Level.VILLAGE).exists()
    ):
        raise NotFound(_("No such village in your jurisdiction."), field="region_code")
    return region_code


def offer_save(
    *,
    actor,
    region_code: str,
    name: str,
    kind: str,
    provider: str,
    contact_phone: str = "",
    schedule: str = "",
    offer_id: int | None = None,
) -> ServiceOffer:
    """Add a line to a village's service list, or (with `offer_id`) change one."""
    if offer_id is not None:
        if not has_role(actor, OFFER_ROLES):
            raise NotAllowed(_("Only centre staff keep the service lists."))
        offer = ServiceOffer.objects.visible_to(actor).filter(pk=offer_id).first()
        if offer is None:
            raise NotFound()
    else:
        offer = ServiceOffer()
    region_code = _offer_village(actor, region_code)
    name, provider, schedule = (
        (name or "").strip(),
        (provider or "").strip(),
        (schedule or "").strip(),
    )
    if not name or len(name) > 100:
        raise ValidationFailed(_("Name the service (up to 100 characters)."), field="name")
    if kind not in NeedKind.values:
        raise ValidationFailed(_("Choose the kind of need."), field="kind")
    if not provider or len(provider) > 100:
        raise ValidationFailed(_("Name who provides it (up to 100 characters)."), field="provider")
    if len(schedule) > 200:
        raise ValidationFailed(_("The schedule is too long."), field="schedule")
    phone = sealing.normalize_phone(contact_phone)
    before = (
        {"name": offer.name, "kind": offer.kind, "provider": offer.provider} if offer.pk else {}
    )
    with transaction.atomic():
        offer.region_code, offer.name, offer.kind = region_code, name, kind
        offer.provider, offer.schedule = provider, schedule
        offer.is_active = True
        offer.updated_at = clock.now()
        sealing.seal_phone(offer, phone, prefix="contact_phone")
        offer.save()
        crypto.bind_row(offer)  # a new row's phone is sealed to the row once it has an id
        audit_record(
            actor=actor,
            entity=offer,
            action="update" if before else "create",
            changes={
                "name": [before.get("name"), name],
                "kind": [before.get("kind"), kind],
                "provider": [before.get("provider"), provider],
            },
        )
    return offer


def offer_deactivate(*, actor, offer_id: int) -> ServiceOffer:
    if not has_role(actor, OFFER_ROLES):
        raise NotAllowed(_("Only centre staff keep the service lists."))
    offer = ServiceOffer.objects.visible_to(actor).filter(pk=offer_id).first()
    if offer is None:
        raise NotFound()
    if offer.is_active:
        with transaction.atomic():
            offer.is_active = False
            offer.updated_at = clock.now()
            offer.save(update_fields=["is_active", "updated_at"])
            audit_record(
                actor=actor, entity=offer, action="update", changes={"is_active": [True, False]}
            )
    return offer
