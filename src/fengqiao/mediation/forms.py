"""Parsing of the mediation pages' own posted forms (register, the desk lists, screening) into
service arguments; the services decide. The steps' forms are step_forms.py."""

from __future__ import annotations

from datetime import date

from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from fengqiao.core.errors import ValidationFailed
from fengqiao.mediation.models import DisputeParty
from fengqiao.mediation.services import PartyIn
from fengqiao.regions import selectors as region_selectors

# Party blocks on the register form: applicant, respondent, one more (third party or a
# second respondent).
PARTY_SLOTS = (
    DisputeParty.Side.APPLICANT,
    DisputeParty.Side.RESPONDENT,
    DisputeParty.Side.THIRD_PARTY,
)
TRUE_VALUES = ("1", "on", "true", "yes")


def text(data, name: str) -> str:
    return (data.get(name) or "").strip()


def checked(data, name: str) -> bool:
    return text(data, name).lower() in TRUE_VALUES


def optional_int(data, name: str, *, field: str | None = None) -> int | None:
    raw = text(data, name)
    if not raw:
        return None
    if not raw.isdigit():
        raise ValidationFailed(_("Give a whole number."), field=field or name)
    return int(raw)


def required_int(data, name: str, message: str, *, field: str | None = None) -> int:
    value = optional_int(data, name, field=field)
    if value is None:
        raise ValidationFailed(message, field=field or name)
    return value


def optional_float(data, name: str) -> float | None:
    raw = text(data, name)
    if not raw:
        return None
    try:
        return float(raw)
    except ValueError as exc:
        raise ValidationFailed(_("Give a number."), field=name) from exc


def optional_date(raw: str, field: str) -> date | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        parsed = parse_date(raw)
    except ValueError:
        parsed = None
    if parsed is None:
        raise ValidationFailed(_("Give a date (YYYY-MM-DD)."), field=field)
    return parsed


def parties(data) -> tuple[list[PartyIn], list[int]]:
    """The filled party blocks, and for each the block it came from (so an error about
    `parties.<n>` is shown beside the right block)."""
    found, slots = [], []
    for index, default_side in enumerate(PARTY_SLOTS):
        prefix = f"party-{index}-"
        person_id = optional_int(data, prefix + "person", field=f"party-{index}")
        name, phone = text(data, prefix + "name"), text(data, prefix + "phone")
        if person_id is None and not name and not phone:
            continue
        found.append(
            PartyIn(
                side=text(data, prefix + "side") or default_side,
                person_id=person_id,
                name=name,
                phone=phone,
                address=text(data, prefix + "address"),
            )
        )
        slots.append(index)
    return found, slots


def party_slot(field: str | None, slots: list[int]) -> int | None:
    """The form block an error field such as `parties.1.name` points at."""
    if not field:
        return None
    if field.startswith("party-"):
        return int(field.split("-")[1])
    if field.startswith("parties."):
        position = int(field.split(".")[1])
        return slots[position] if position < len(slots) else None
    return None


def intake_villages(actor) -> list:
    """Villages a report without a map point may be placed in: the actor's own."""
    villages = list(region_selectors.region_list(actor=actor, level="village"))
    for binding in actor.bindings.select_related("grid__village"):
        if binding.grid is not None and binding.grid.village not in villages:
            villages.append(binding.grid.village)
    return villages


def place(data, villages) -> dict:
    """lat/lng from the map, or a village of the actor's; plus the address."""
    lat, lng = optional_float(data, "lat"), optional_float(data, "lng")
    if (lat is None) != (lng is None):
        raise ValidationFailed(_("Give both latitude and longitude."), field="lat")
    village = None
    code = text(data, "village")
    if lat is None and code:
        village = next((v for v in villages if v.code == code), None)
        if village is None:
            raise ValidationFailed(_("Choose a village in your jurisdiction."), field="village")
    return {"lat": lat, "lng": lng, "village": village, "address": text(data, "address")}
