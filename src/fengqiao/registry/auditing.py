"""What the registry's audit rows record: the fields per entity, and tags without their names."""

from fengqiao.core.audit import SECRET, audit_created, audit_record
from fengqiao.registry.models import (
    Dwelling,
    Facility,
    Household,
    HouseholdGroup,
    Organization,
    Person,
    PersonTag,
    Place,
)

_LOCATED = ["address", "village", "grid", "region_code", "lat", "lng"]
# Fields a create row records (personal ones, by their names, only as "***": core.audit).
AUDIT_FIELDS = {
    Dwelling: ["code", "use", "building_type", "floor_area", "owner_name", *_LOCATED],
    Person: [
        *["name", "id_number_sealed", "phone_sealed", "residence", "ethnicity"],
        *["household", "relation", "dwelling", "region_code"],
    ],
    Household: ["number", "dwelling", "group", "head", "region_code"],
    HouseholdGroup: ["code", "name", "grid", "head", "region_code"],
    Organization: [
        *["name", "kind", "credit_code", "contact_name", "contact_phone_sealed", "employees"],
        *_LOCATED,
    ],
    Place: ["name", "kind", "risk", "organization", *_LOCATED],
    Facility: ["code", "name", "kind", "status", *_LOCATED],
}


def audit_registry_create(actor, obj) -> None:
    """The create row of a registry entity, in the caller's transaction."""
    names = {f.name for f in obj._meta.get_fields()}
    fields = [n for n in AUDIT_FIELDS[type(obj)] if n in names]
    audit_record(actor=actor, entity=obj, action="create", changes=audit_created(obj, fields))


def audit_tag(actor, person: Person, tag: PersonTag | None, action: str) -> None:
    """A tag added or removed, on the person's audit trail; a sensitive tag (or one no longer
    known) is written as "***", never by its code or name."""
    shown = tag.code if tag is not None and not tag.is_sensitive else SECRET
    pair = [None, shown] if action == "tag_add" else [shown, None]
    audit_record(actor=actor, entity=person, action=action, changes={"tag": pair})
