"""Administrative division and grid codes: normalising, levels, parents and containment.

A region code is the 12-digit statistical code: province (2) + city (2) + county (2) +
township (3) + village (3); its first six digits are the GB/T 2260 code. A grid code is a
village code plus a 3-digit grid serial (15 digits), and every micro-grid level below adds
two more digits (17, 19, ...). Because every level only ever appends digits, "everything
inside X" is exactly "codes starting with prefix_of(X)".
"""

from __future__ import annotations

import re
from enum import StrEnum

__all__ = [
    "DivisionCodeError",
    "Level",
    "ancestors",
    "child_code",
    "gb2260",
    "is_within",
    "level_of",
    "normalize",
    "parent_of",
    "parse_level",
    "prefix_of",
    "township_kind",
    "village_kind",
]

REGION_LENGTH = 12
GRID_LENGTH = 15
MICRO_GRID_STEP = 2

# Lengths in which people write region codes: 2 (province) up to 12 (village).
_REGION_PREFIX_LENGTHS = (2, 4, 6, 9, 12)
_DIGITS = re.compile(r"[0-9]+")


class DivisionCodeError(ValueError):
    """A division or grid code was rejected; `code` says why in a machine-readable way.

    Codes: bad_characters, bad_length, bad_structure, wrong_level, out_of_range,
    unknown_level.
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return self.message


class Level(StrEnum):
    """Levels from the top down; they compare by depth, so PROVINCE < VILLAGE < GRID."""

    PROVINCE = "province"
    CITY = "city"
    COUNTY = "county"
    TOWNSHIP = "township"
    VILLAGE = "village"
    GRID = "grid"
    MICRO_GRID = "micro_grid"

    @property
    def rank(self) -> int:
        return _RANKS[self]

    def _other_rank(self, other: object) -> int:
        # Plain strings must not fall back to str's alphabetical ordering, which would be
        # silently wrong ("city" < "county" < "grid" < "province").
        if isinstance(other, Level):
            return other.rank
        if isinstance(other, str):
            return parse_level(other).rank
        raise TypeError(f"Cannot compare Level with {type(other).__name__}")

    def __lt__(self, other: object) -> bool:
        return self.rank < self._other_rank(other)

    def __le__(self, other: object) -> bool:
        return self.rank <= self._other_rank(other)

    def __gt__(self, other: object) -> bool:
        return self.rank > self._other_rank(other)

    def __ge__(self, other: object) -> bool:
        return self.rank >= self._other_rank(other)


_RANKS = {level: rank for rank, level in enumerate(Level)}

_PREFIX_LENGTH = {
    Level.PROVINCE: 2,
    Level.CITY: 4,
    Level.COUNTY: 6,
    Level.TOWNSHIP: 9,
    Level.VILLAGE: 12,
}

# Inclusive serial ranges for the child created below a parent at each level. Cities and
# counties use two digits; townships and villages stop at 399 because 400+ is reserved for
# development zones, farms and similar special areas that are not created by hand.
_CHILD_SERIALS = {
    Level.PROVINCE: (1, 99),
    Level.CITY: (1, 99),
    Level.COUNTY: (1, 399),
    Level.TOWNSHIP: (1, 399),
    Level.VILLAGE: (1, 999),
    Level.GRID: (1, 99),
    Level.MICRO_GRID: (1, 99),
}


def parse_level(value: str) -> Level:
    """The Level named by `value` (e.g. "county"); raises DivisionCodeError(unknown_level)."""
    try:
        return Level(value)
    except ValueError:
        raise DivisionCodeError("unknown_level", f"Unknown division level {value!r}") from None


def normalize(code: str) -> str:
    """Canonical form: 2/4/6/9/12-digit region codes become 12 digits; grid codes unchanged."""
    cleaned = (code or "").strip()
    if not cleaned:
        raise DivisionCodeError("bad_length", "Division code is empty")
    if not (cleaned.isascii() and _DIGITS.fullmatch(cleaned)):
        raise DivisionCodeError(
            "bad_characters", f"Division code must contain only digits, got {cleaned!r}"
        )
    length = len(cleaned)
    if length in _REGION_PREFIX_LENGTHS:
        region = cleaned.ljust(REGION_LENGTH, "0")
        _check_region_structure(region)
        return region
    if length >= GRID_LENGTH and length % 2 == 1:
        _check_grid_structure(cleaned)
        return cleaned
    raise DivisionCodeError(
        "bad_length",
        f"Division code must have 2, 4, 6, 9 or 12 digits, or be a grid code of 15, 17, "
        f"19... digits; got {length}",
    )


def _check_region_structure(region: str) -> None:
    province, city = region[0:2], region[2:4]
    township, village = region[6:9], region[9:12]
    if province == "00":
        raise DivisionCodeError("bad_structure", f"Division code {region} has no province")
    if city == "00" and region[4:] != "0" * 8:
        raise DivisionCodeError(
            "bad_structure", f"Division code {region} has units below a zero city"
        )
    # A zero county with a non-zero township is legitimate: cities without districts
    # (Dongguan 4419, Zhongshan 4420, Jiayuguan 6202, Danzhou 4604) govern towns directly.
    if township == "000" and village != "000":
        raise DivisionCodeError(
            "bad_structure", f"Division code {region} has a village below a zero township"
        )


def _check_grid_structure(code: str) -> None:
    village = code[:REGION_LENGTH]
    _check_region_structure(village)
    if village.endswith("000"):
        raise DivisionCodeError(
            "bad_structure", f"Grid code {code} does not start with a village code"
        )
    if code[REGION_LENGTH:GRID_LENGTH] == "000":
        raise DivisionCodeError("bad_structure", f"Grid code {code} has grid serial 000")
    for start in range(GRID_LENGTH, len(code), MICRO_GRID_STEP):
        if code[start : start + MICRO_GRID_STEP] == "00":
            raise DivisionCodeError("bad_structure", f"Grid code {code} has a micro-grid serial 00")


def level_of(code: str) -> Level:
    canonical = normalize(code)
    if len(canonical) == GRID_LENGTH:
        return Level.GRID
    if len(canonical) > GRID_LENGTH:
        return Level.MICRO_GRID
    if canonical[9:12] != "000":
        return Level.VILLAGE
    if canonical[6:9] != "000":
        return Level.TOWNSHIP
    if canonical[4:6] != "00":
        return Level.COUNTY
    if canonical[2:4] != "00":
        return Level.CITY
    return Level.PROVINCE


def prefix_of(code: str) -> str:
    """The significant leading digits: everything inside `code` starts with them."""
    canonical = normalize(code)
    level = level_of(canonical)
    if level in (Level.GRID, Level.MICRO_GRID):
        return canonical
    return canonical[: _PREFIX_LENGTH[level]]


def prefix_at(code: str, level: str) -> str:
    """The leading digits of the area at `level` (province … village) that contains the place
    `code` (a region or grid code, or a prefix at least that long)."""
    return code[: _PREFIX_LENGTH[Level(level)]]


def parent_of(code: str) -> str | None:
    """Canonical code of the unit directly above, or None for a province.

    A township of a city without counties (e.g. Dongguan) has the city as its parent.
    """
    canonical = normalize(code)
    level = level_of(canonical)
    if level is Level.PROVINCE:
        return None
    if level in (Level.GRID, Level.MICRO_GRID):
        step = GRID_LENGTH - REGION_LENGTH if level is Level.GRID else MICRO_GRID_STEP
        return canonical[:-step]
    keep = {
        Level.CITY: 2,
        Level.COUNTY: 4,
        Level.TOWNSHIP: 6 if canonical[4:6] != "00" else 4,
        Level.VILLAGE: 9,
    }[level]
    return canonical[:keep].ljust(REGION_LENGTH, "0")


def ancestors(code: str) -> list[str]:
    """Canonical codes of every unit above `code`, province first; `code` itself excluded."""
    chain: list[str] = []
    parent = parent_of(code)
    while parent is not None:
        chain.append(parent)
        parent = parent_of(parent)
    chain.reverse()
    return chain


def is_within(inner: str, outer: str, *, strict: bool = False) -> bool:
    """Whether `inner` lies inside `outer`; a unit counts as inside itself unless strict."""
    inner_code = normalize(inner)
    outer_code = normalize(outer)
    if strict and inner_code == outer_code:
        return False
    return inner_code.startswith(prefix_of(outer_code))


def gb2260(code: str) -> str:
    """The 6-digit GB/T 2260 code (province, city, county) of any region or grid code."""
    return normalize(code)[:6]


def township_kind(code: str) -> str:
    """Township kind: subdistrict (001-099), town (100-199), township (200-399), else other."""
    canonical = normalize(code)
    _require_depth(canonical, Level.TOWNSHIP, "township")
    serial = int(canonical[6:9])
    if serial < 100:
        return "subdistrict"
    if serial < 200:
        return "town"
    if serial < 400:
        return "township"
    return "other"


def village_kind(code: str) -> str:
    """Village kind: community (residents' committee, 001-199), village (200-399), else other."""
    canonical = normalize(code)
    _require_depth(canonical, Level.VILLAGE, "village")
    serial = int(canonical[9:12])
    if serial < 200:
        return "community"
    if serial < 400:
        return "village"
    return "other"


def _require_depth(canonical: str, level: Level, what: str) -> None:
    if level_of(canonical) < level:
        raise DivisionCodeError("wrong_level", f"Division code {canonical} is above {what} level")


def child_code(parent_code: str, serial: int) -> str:
    """Code of the `serial`-th child one level below `parent_code`.

    Serial ranges: city and county 1-99, township and village 1-399, grid 1-999,
    micro-grid 1-99.
    """
    canonical = normalize(parent_code)
    level = level_of(canonical)
    low, high = _CHILD_SERIALS[level]
    if isinstance(serial, bool) or not isinstance(serial, int) or not low <= serial <= high:
        raise DivisionCodeError(
            "out_of_range",
            f"Child serial below a {level} must be between {low} and {high}, got {serial!r}",
        )
    if level is Level.VILLAGE:
        return f"{canonical}{serial:03d}"
    if level in (Level.GRID, Level.MICRO_GRID):
        return f"{canonical}{serial:02d}"
    prefix = canonical[: _PREFIX_LENGTH[level]]
    width = 3 if level in (Level.COUNTY, Level.TOWNSHIP) else 2
    return f"{prefix}{serial:0{width}d}".ljust(REGION_LENGTH, "0")
