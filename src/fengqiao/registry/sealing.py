"""Sealing personal fields on registry rows: ciphertext, keyed hash and masked form together."""

from fengqiao.core import crypto
from fengqiao.core.errors import ValidationFailed
from fengqiao.core.idnumbers import IdNumber, mask_phone, parse_id_number


def normalize_phone(raw: str) -> str:
    """Digits only (a leading + kept); empty stays empty."""
    raw = (raw or "").strip()
    if not raw:
        return ""
    plus = raw.startswith("+")
    digits = "".join(ch for ch in raw if ch.isdigit())
    if not 5 <= len(digits) <= 15:
        raise ValidationFailed(
            f"Phone number must have 5 to 15 digits, got {len(digits)}.", field="phone"
        )
    return ("+" if plus else "") + digits


def parse_id_or_fail(raw: str, field: str = "id_number") -> IdNumber:
    try:
        return parse_id_number(raw)
    except ValueError as exc:
        raise ValidationFailed(str(exc), code=getattr(exc, "code", "invalid"), field=field) from exc


def id_number_hash(number: str) -> str:
    return crypto.lookup_hash(number)


def seal_id_number(person, parsed: IdNumber) -> None:
    person.id_number_sealed = crypto.encrypt(parsed.number)
    person.id_number_hash = crypto.lookup_hash(parsed.number)
    person.id_number_masked = parsed.masked
    person.birth_date = parsed.birth_date
    person.sex = parsed.sex


def seal_phone(person, phone: str) -> None:
    phone = normalize_phone(phone)
    person.phone_sealed = crypto.encrypt(phone)
    person.phone_hash = crypto.lookup_hash(phone)
    person.phone_masked = mask_phone(phone) if phone else ""
