"""Chinese resident identity numbers (GB 11643-1999): parsing, validation and masking.

Error messages go through gettext, so they show in the reader's language.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

__all__ = [
    "IdNumber",
    "IdNumberError",
    "check_character",
    "is_valid_id_number",
    "make_id_number",
    "mask_id_number",
    "mask_phone",
    "parse_id_number",
]

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARACTERS = "10X98765432"

# First two digits of GB/T 2260 province-level codes, including Taiwan (71), Hong Kong (81),
# Macao (82) and the 83 prefix used on residence permits for people from those regions.
_PROVINCE_PREFIXES = frozenset(
    {
        *(str(n) for n in range(11, 16)),
        *(str(n) for n in range(21, 24)),
        *(str(n) for n in range(31, 38)),
        *(str(n) for n in range(41, 47)),
        *(str(n) for n in range(50, 55)),
        *(str(n) for n in range(61, 66)),
        "71",
        "81",
        "82",
        "83",
    }
)

_EARLIEST_BIRTH_DATE = date(1900, 1, 1)
# Birth dates are local to mainland China, so "today" must be too, not the server's zone.
_CHINA = ZoneInfo("Asia/Shanghai")

_RE_18 = re.compile(r"[0-9]{17}[0-9X]")
_RE_15 = re.compile(r"[0-9]{15}")
_RE_17_DIGITS = re.compile(r"[0-9]{17}")
_RE_WHITESPACE = re.compile(r"\s+")


class IdNumberError(ValueError):
    """An ID number was rejected; `code` says why in a machine-readable way."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class IdNumber:
    """A validated 18-character ID number and the facts encoded in it."""

    number: str
    region_code: str
    birth_date: date
    sequence: str
    sex: str

    @property
    def masked(self) -> str:
        return mask_id_number(self.number)

    def age_on(self, day: date) -> int:
        """Completed years of age on `day`."""
        had_birthday = (day.month, day.day) >= (self.birth_date.month, self.birth_date.day)
        return day.year - self.birth_date.year - (0 if had_birthday else 1)


def check_character(first17: str) -> str:
    """ISO 7064 MOD 11-2 check character for the first 17 digits of an ID number."""
    if not _RE_17_DIGITS.fullmatch(first17):
        raise IdNumberError(
            "bad_characters", f"Check character needs exactly 17 digits, got {first17!r}"
        )
    total = sum(int(digit) * weight for digit, weight in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARACTERS[total % 11]


def _clean(raw: str) -> str:
    # NFKC folds full-width digits and "Ｘ", which Chinese input methods produce routinely.
    return _RE_WHITESPACE.sub("", unicodedata.normalize("NFKC", raw)).upper()


def parse_id_number(raw: str, *, today: date | None = None) -> IdNumber:
    """Validate an 18-character or legacy 15-digit ID number; legacy ones come back as 18.

    Raises IdNumberError whose `code` is one of: empty, bad_length, bad_characters,
    bad_check_digit, bad_birth_date, future_birth_date, bad_region.
    """
    number = _clean(raw or "")
    if not number:
        raise IdNumberError("empty", _("ID number is empty"))

    if len(number) == 15:
        if not _RE_15.fullmatch(number):
            raise IdNumberError("bad_characters", _("A 15-character ID number must be all digits"))
        # Legacy numbers were only issued to people born in the 1900s.
        first17 = number[:6] + "19" + number[6:]
        number = first17 + check_character(first17)
    elif len(number) == 18:
        if not _RE_18.fullmatch(number):
            raise IdNumberError(
                "bad_characters",
                _("ID number must be 17 digits followed by a digit or X"),
            )
        expected = check_character(number[:17])
        if number[17] != expected:
            raise IdNumberError(
                "bad_check_digit",
                _("ID number check character should be %(expected)s, got %(got)s")
                % {"expected": expected, "got": number[17]},
            )
    else:
        raise IdNumberError(
            "bad_length",
            _("ID number must be 18 characters, got %(n)d") % {"n": len(number)},
        )

    birth_date = _birth_date(number[6:14], today=today)

    region_code = number[:6]
    if region_code[:2] not in _PROVINCE_PREFIXES:
        raise IdNumberError(
            "bad_region",
            _("ID number region code %(code)s is not a known province") % {"code": region_code},
        )

    sequence = number[14:17]
    return IdNumber(
        number=number,
        region_code=region_code,
        birth_date=birth_date,
        sequence=sequence,
        sex="M" if int(sequence) % 2 else "F",
    )


def _birth_date(yyyymmdd: str, *, today: date | None) -> date:
    try:
        born = date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:]))
    except ValueError:
        raise IdNumberError(
            "bad_birth_date",
            _("ID number birth date %(date)s is not a real date") % {"date": yyyymmdd},
        ) from None
    if born < _EARLIEST_BIRTH_DATE:
        raise IdNumberError(
            "bad_birth_date",
            _("ID number birth date %(date)s is before 1900") % {"date": born.isoformat()},
        )
    if today is None:
        today = datetime.now(_CHINA).date()
    if born > today:
        raise IdNumberError(
            "future_birth_date",
            _("ID number birth date %(date)s is in the future") % {"date": born.isoformat()},
        )
    return born


def is_valid_id_number(raw: str, *, today: date | None = None) -> bool:
    try:
        parse_id_number(raw, today=today)
    except IdNumberError:
        return False
    return True


def mask_id_number(number: str) -> str:
    """Keep the region (first six) and the check character only (`431202***********X`).

    Birth date and sequence are never shown: with the birth year and sex in clear columns,
    what is left is about 365 days × 500 sequences ÷ 11 ≈ 16,000 candidate numbers (see
    docs/security.md). Never raises; anything of twelve characters or fewer is starred out
    completely.
    """
    cleaned = _clean(number or "")
    if len(cleaned) <= 12:
        return "*" * len(cleaned)
    return cleaned[:6] + "*" * (len(cleaned) - 7) + cleaned[-1]


def make_id_number(region_code: str, birth_date: date, sequence: int) -> str:
    """Build a valid 18-character ID number; raises IdNumberError if it could not be valid."""
    if not re.fullmatch(r"[0-9]{6}", region_code):
        raise IdNumberError("bad_region", f"Region code must be 6 digits, got {region_code!r}")
    if isinstance(sequence, bool) or not 0 <= sequence <= 999:
        raise ValueError(f"Sequence must be between 0 and 999, got {sequence!r}")
    first17 = f"{region_code}{birth_date:%Y%m%d}{sequence:03d}"
    number = first17 + check_character(first17)
    # Round-trip through the parser so region and date rules are enforced in one place.
    return parse_id_number(number).number


def mask_phone(phone: str) -> str:
    """Mask a phone number: `138****5678` for mobiles, first three and last two otherwise."""
    cleaned = (phone or "").strip()
    if len(cleaned) == 11 and cleaned.isascii() and cleaned.isdigit():
        return cleaned[:3] + "****" + cleaned[-4:]
    if len(cleaned) <= 5:
        return "*" * len(cleaned)
    return cleaned[:3] + "*" * (len(cleaned) - 5) + cleaned[-2:]
