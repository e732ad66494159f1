"""Every write to the registry: people, households, dwellings, groups, tags, reveals
(organisations, places and facilities: registry.located)."""

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from fengqiao.core import clock, crypto
from fengqiao.core.audit import audit_diff, audit_record, audit_snapshot
from fengqiao.core.errors import Conflict, NotAllowed, NotFound, ValidationFailed, clean_or_fail
from fengqiao.core.models import AccessLog
from fengqiao.core.roles import (
    REGISTRY_EDIT_ROLES,
    REVEAL_ROLES,
    SENSITIVE_TAG_ROLES,
    has_role,
)
from fengqiao.core.scoping import code_within, contains
from fengqiao.regions.gazetteer import gazetteer_mark_stale
from fengqiao.regions.locator import locate
from fengqiao.regions.models import Grid, Region
from fengqiao.registry import sealing
from fengqiao.registry.auditing import audit_registry_create, audit_tag
from fengqiao.registry.models import (
    Dwelling,
    Household,
    HouseholdGroup,
    Person,
    PersonTag,
    PersonTagging,
)


def require_edit(actor, region_code: str) -> None:
    """The actor may edit the registry and `region_code` lies in their jurisdiction."""
    if not has_role(actor, REGISTRY_EDIT_ROLES):
        raise NotAllowed(_("Your role may not change the registry."))
    if not code_within(actor, region_code):
        raise NotAllowed(_("This lies outside your jurisdiction."), code="outside_jurisdiction")


@dataclass(frozen=True)
class Placement:
    """Where something sits: its village, its grid (if any) and the code that scopes it."""

    village: Region
    grid: Grid | None
    region_code: str


def place_at(*, lat: float | None, lng: float | None, village: Region | None = None) -> Placement:
    """Locate a point; fall back to an explicit village when there is no point."""
    if lat is not None and lng is not None:
        loc = locate(lat, lng)
        if loc.grid_id is None:
            village = Region.objects.defer("boundary").get(pk=loc.village_id)
            return Placement(village, None, loc.region_code)
        # One query for both, without the polygons (a city's village outline is large JSON).
        grid = (
            Grid.objects.select_related("village")
            .defer("boundary", "village__boundary")
            .get(pk=loc.grid_id)
        )
        return Placement(grid.village, grid, loc.region_code)
    if village is None:
        raise ValidationFailed(_("Give a point (lat, lng) or a village."), field="lat")
    if village.level != Region.Level.VILLAGE:
        raise ValidationFailed(_("The region must be a village or community."), field="village")
    return Placement(village, None, village.code)


def locate_into(obj, *, lat, lng, village=None) -> None:
    placement = place_at(lat=lat, lng=lng, village=village)
    obj.village, obj.grid, obj.region_code = (
        placement.village,
        placement.grid,
        placement.region_code,
    )
    obj.lat, obj.lng = lat, lng


def dwelling_create(
    *,
    actor,
    code: str,
    address: str,
    lat: float | None = None,
    lng: float | None = None,
    village: Region | None = None,
    use: str = Dwelling.Use.OWNER,
    building_type: str = Dwelling.BuildingType.HOUSE,
    floor_area=None,
    owner_name: str = "",
) -> Dwelling:
    dwelling = Dwelling(
        code=code.strip(),
        address=address.strip(),
        use=use,
        building_type=building_type,
        floor_area=floor_area,
        owner_name=owner_name,
    )
    locate_into(dwelling, lat=lat, lng=lng, village=village)
    require_edit(actor, dwelling.region_code)
    if not dwelling.code:
        raise ValidationFailed(_("A dwelling needs a code."), field="code")
    if Dwelling.objects.filter(code=dwelling.code).exists():
        raise Conflict(_("A dwelling with this code already exists."), field="code")
    clean_or_fail(dwelling, exclude=["village", "grid"])
    with transaction.atomic():
        dwelling.save()
        audit_registry_create(actor, dwelling)
        gazetteer_mark_stale([dwelling.region_code])
    return dwelling


def person_build(
    *,
    name: str,
    id_number: str,
    phone: str = "",
    region_code: str,
    residence: str = Person.Residence.REGISTERED,
    ethnicity: str = "",
    household: Household | None = None,
    relation: str = "",
    dwelling: Dwelling | None = None,
) -> Person:
    """An unsaved, validated Person with sealed personal fields (for bulk paths too)."""
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(_("Name is required."), field="name")
    if len(name) > 50:
        raise ValidationFailed(_("Name is longer than 50 characters."), field="name")
    parsed = sealing.parse_id_or_fail(id_number)
    if residence not in Person.Residence.values:
        raise ValidationFailed(_("Unknown residence status."), field="residence")
    if relation and relation not in Person.Relation.values:
        raise ValidationFailed(_("Unknown relation to head of household."), field="relation")
    person = Person(
        name=name,
        residence=residence,
        ethnicity=ethnicity.strip(),
        household=household,
        relation=relation,
        dwelling=dwelling,
        region_code=region_code,
    )
    sealing.seal_id_number(person, parsed)
    sealing.seal_phone(person, phone)
    return person


def person_create(
    *,
    actor,
    name: str,
    id_number: str,
    phone: str = "",
    dwelling: Dwelling | None = None,
    village: Region | None = None,
    household: Household | None = None,
    relation: str = "",
    residence: str = Person.Residence.REGISTERED,
    ethnicity: str = "",
) -> Person:
    if dwelling is not None:
        region_code = dwelling.region_code
    elif household is not None:
        region_code = household.region_code
    elif village is not None:
        region_code = village.code
    else:
        raise ValidationFailed(_("Give a dwelling, a household or a village."), field="dwelling")
    require_edit(actor, region_code)
    person = person_build(
        name=name,
        id_number=id_number,
        phone=phone,
        region_code=region_code,
        residence=residence,
        ethnicity=ethnicity,
        household=household,
        relation=relation,
        dwelling=dwelling,
    )
    if Person.objects.filter(id_number_hash=person.id_number_hash).exists():
        raise Conflict(_("A person with this ID number is already registered."), field="id_number")
    try:
        with transaction.atomic():
            person.save()
            crypto.bind_row(person)  # its sealed values open only in this row from now on
            audit_registry_create(actor, person)
    except IntegrityError as exc:  # a concurrent insert of the same ID number
        raise Conflict(
            _("A person with this ID number is already registered."), field="id_number"
        ) from exc
    return person


def person_update_phone(*, actor, person: Person, phone: str) -> Person:
    require_edit(actor, person.region_code)
    before = audit_snapshot(person, ["phone_sealed"])
    sealing.seal_phone(person, phone)
    with transaction.atomic():
        person.save(update_fields=["phone_sealed", "phone_hash", "phone_masked", "updated_at"])
        audit_record(
            actor=actor,
            entity=person,
            action="update",
            changes=audit_diff(before, audit_snapshot(person, ["phone_sealed"])),
        )
    return person


REVEALABLE = {"id_number": "id_number_sealed", "phone": "phone_sealed"}


def person_reveal(*, actor, person: Person, field: str, ip: str | None = None) -> str:
    """Return the full ID or phone number and log who saw it."""
    if field not in REVEALABLE:
        raise ValidationFailed(_("This field cannot be revealed."), field="field")
    if not has_role(actor, REVEAL_ROLES):
        raise NotAllowed(_("Your role may not reveal personal data."))
    if not code_within(actor, person.region_code):
        raise NotFound()
    value = crypto.open_field(person, REVEALABLE[field])
    AccessLog.objects.create(
        actor=actor,
        action=AccessLog.Action.REVEAL,
        object_type="person",
        object_id=str(person.pk),
        field=field,
        region_code=person.region_code,
        ip=ip,
        at=clock.now(),
    )
    return value


def export_log(*, actor, object_type: str, detail: str, region_code: str, ip=None) -> None:
    AccessLog.objects.create(
        actor=actor,
        action=AccessLog.Action.EXPORT,
        object_type=object_type,
        detail=detail[:255],
        region_code=region_code,
        ip=ip,
        at=clock.now(),
    )


def person_tag(
    *, actor, person: Person, tag_code: str, since=None, note: str = ""
) -> PersonTagging:
    require_edit(actor, person.region_code)
    try:
        tag = PersonTag.objects.get(code=tag_code)
    except PersonTag.DoesNotExist as exc:
        raise ValidationFailed(_("Unknown tag."), field="tag") from exc
    if tag.is_sensitive and not has_role(actor, SENSITIVE_TAG_ROLES):
        raise NotAllowed(_("Your role may not assign sensitive tags."))
    fields = tagging_fields(
        tag, person_id=person.pk, region_code=person.region_code, since=since, note=note
    )
    with transaction.atomic():
        tagging, created = PersonTagging.objects.get_or_create(
            person=person, tag_hash=fields.pop("tag_hash"), defaults=fields
        )
        crypto.bind_row(tagging)
        if created:
            audit_tag(actor, person, tag, "tag_add")
    return tagging


def tagging_fields(
    tag: PersonTag, *, person_id: int, region_code: str, since=None, note: str = ""
) -> dict:
    """Column values for a tagging; a sensitive tag is stored sealed, never as a plain FK, and
    its hash is keyed per person so a dump does not group people by tag."""
    fields = {
        "region_code": region_code,
        "since": since,
        "note": note,
        "tag_hash": sealing.tag_hash(person_id, tag.code),
    }
    if tag.is_sensitive:
        fields.update(tag=None, tag_sealed=crypto.encrypt(tag.code))
    else:
        fields.update(tag=tag, tag_sealed="")
    return fields


def person_untag(*, actor, person: Person, tag_code: str) -> int:
    require_edit(actor, person.region_code)
    tag = PersonTag.objects.filter(code=tag_code).first()
    if tag and tag.is_sensitive and not has_role(actor, SENSITIVE_TAG_ROLES):
        raise NotAllowed(_("Your role may not remove sensitive tags."))
    with transaction.atomic():
        deleted, _detail = PersonTagging.objects.filter(
            person=person, tag_hash=sealing.tag_hash(person.pk, tag_code)
        ).delete()
        if deleted:
            audit_tag(actor, person, tag, "tag_remove")
    return deleted


def household_create(
    *, actor, number: str, dwelling: Dwelling, group: HouseholdGroup | None = None
) -> Household:
    require_edit(actor, dwelling.region_code)
    number = number.strip()
    if not number:
        raise ValidationFailed(_("A household needs a number."), field="number")
    if Household.objects.filter(number=number).exists():
        raise Conflict(_("A household with this number already exists."), field="number")
    with transaction.atomic():
        household = Household.objects.create(
            number=number, dwelling=dwelling, group=group, region_code=dwelling.region_code
        )
        audit_registry_create(actor, household)
    return household


def household_add_member(*, actor, household: Household, person: Person, relation: str) -> Person:
    require_edit(actor, household.region_code)
    if relation not in Person.Relation.values:
        raise ValidationFailed(_("Unknown relation to head of household."), field="relation")
    moved = ["household", "relation", "dwelling", "region_code"]
    before = audit_snapshot(person, moved)
    with transaction.atomic():
        if relation == Person.Relation.HEAD:
            if household.head_id and household.head_id != person.pk:
                raise Conflict(_("This household already has a head."), field="relation")
            head_before = audit_snapshot(household, ["head"])
            household.head = person
            household.save(update_fields=["head"])
            changes = audit_diff(head_before, audit_snapshot(household, ["head"]))
            if changes:
                audit_record(actor=actor, entity=household, action="update", changes=changes)
        person.household, person.relation = household, relation
        person.dwelling = household.dwelling
        person.region_code = household.region_code
        person.save(update_fields=[*moved, "updated_at"])
        audit_record(
            actor=actor,
            entity=person,
            action="move",
            changes=audit_diff(before, audit_snapshot(person, moved)),
        )
    return person


def household_group_create(
    *, actor, grid: Grid, name: str, code: str | None = None
) -> HouseholdGroup:
    require_edit(actor, grid.code)
    if code is None:
        count = HouseholdGroup.objects.filter(grid=grid).count()
        code = f"{grid.code}-{count + 1:03d}"
    with transaction.atomic():
        group = HouseholdGroup.objects.create(
            code=code, name=name.strip(), grid=grid, region_code=grid.code
        )
        audit_registry_create(actor, group)
    return group


def household_group_set_members(
    *,
    actor,
    group: HouseholdGroup,
    households: list[Household],
    head: Person | None = None,
    deputies: list[Person] | None = None,
) -> HouseholdGroup:
    """Replace a group's households (5–50, all in the group's grid) and its head and deputies."""
    require_edit(actor, group.region_code)
    ids = {h.pk for h in households}
    if not HouseholdGroup.MIN_HOUSEHOLDS <= len(ids) <= HouseholdGroup.MAX_HOUSEHOLDS:
        raise ValidationFailed(
            _("A household group has 5 to 50 households; got %(n)d.") % {"n": len(ids)},
            field="households",
        )
    outside = [h.number for h in households if not contains(group.region_code, h.region_code)]
    if outside:
        raise ValidationFailed(
            _("Households outside the group's grid: %(list)s") % {"list": ", ".join(outside[:5])},
            field="households",
        )
    leaders = [p for p in [head, *(deputies or [])] if p is not None]
    strangers = [p.name for p in leaders if p.household_id not in ids]
    if strangers:
        raise ValidationFailed(
            _("The head and deputies must live in the group: %(list)s")
            % {"list": ", ".join(strangers)},
            field="head",
        )
    membership = ["head", "deputies"]
    with transaction.atomic():
        before = audit_snapshot(group, membership)
        before["households"] = sorted(group.households.values_list("pk", flat=True))
        Household.objects.filter(group=group).exclude(pk__in=ids).update(group=None)
        Household.objects.filter(pk__in=ids).update(group=group)
        group.head = head
        group.save(update_fields=["head"])
        group.deputies.set(deputies or [])
        after = audit_snapshot(group, membership)
        after["households"] = sorted(ids)
        audit_record(
            actor=actor, entity=group, action="set_members", changes=audit_diff(before, after)
        )
    return group
