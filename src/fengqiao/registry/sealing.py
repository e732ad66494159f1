"""Sealing personal fields on registry rows: ciphertext, keyed hash and masked form together."""

from datetime import date

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


def _seal(row, column: str, value: str) -> str:
    """Bound to the row when it has an id; a new row is bound after its insert (bind_row)."""
    return crypto.seal_field(row, column, value) if row.pk else crypto.encrypt(value)


def seal_id_number(person, parsed: IdNumber) -> None:
    person.id_number_sealed = _seal(person, "id_number_sealed", parsed.number)
    person.id_number_hash = crypto.lookup_hash(parsed.number)
    person.id_number_masked = parsed.masked
    person.birth_year = parsed.birth_date.year
    person.birth_date_sealed = _seal(person, "birth_date_sealed", parsed.birth_date.isoformat())
    person.sex = parsed.sex


def birth_date_of(person) -> date | None:
    """The full date of birth, unsealed (for documents that must print it)."""
    token = getattr(person, "birth_date_sealed", "")
    return date.fromisoformat(crypto.open_field(person, "birth_date_sealed")) if token else None


def tag_hash(person_id: int, tag_code: str) -> str:
    """Keyed hash of a tag on one person: the same tag gives a different hash per person."""
    return crypto.lookup_hash(f"tag:{person_id}:{tag_code}")


def tagged_codes(taggings, codes) -> dict[int, str]:
    """tagging id → tag code, for the taggings (with `id`, `person_id`, `tag_hash`) whose hash
    is one of `codes` on their person; no decryption needed."""
    found = {}
    for tagging in taggings:
        for code in codes:
            if tag_hash(tagging.person_id, code) == tagging.tag_hash:
                found[tagging.id] = code
                break
    return found


def seal_phone(person, phone: str, prefix: str = "phone") -> None:
    """Seal a phone into `<prefix>_sealed`, `<prefix>_hash` and `<prefix>_masked`."""
    phone = normalize_phone(phone)
    setattr(person, f"{prefix}_sealed", _seal(person, f"{prefix}_sealed", phone))
    setattr(person, f"{prefix}_hash", crypto.lookup_hash(phone))
    setattr(person, f"{prefix}_masked", mask_phone(phone) if phone else "")
