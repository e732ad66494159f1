"""What a column of an import file holds: the headers that name it (Chinese first, then
English), what it means in messages, and the parser that turns a cell's text into a value."""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.text import capfirst
from django.utils.translation import gettext as _

from fengqiao.core.errors import ValidationFailed
from fengqiao.registry import sealing
from fengqiao.registry.imports.labels import spellings

# A choice column remembers this many distinct spellings (a hostile file cannot grow it more).
MEMO_MAX = 10_000


class CellError(Exception):
    """A cell that cannot be taken; the message names what is wrong with it."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = str(message)


def norm(text: str) -> str:
    """Compatibility-normalised, without white space, lower case: how spellings are compared."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).lower()


def header_key(text: str) -> str:
    # "身份证号*", "面积（㎡）", " Name " all name the same column.
    text = re.sub(r"\(.*?\)", "", unicodedata.normalize("NFKC", text))
    return norm(text).strip("*:")


def _field(label) -> str:
    return capfirst(str(label))


def text(max_length: int) -> Callable[[str, Any], str]:
    def parse(value: str, label) -> str:
        if len(value) > max_length:
            raise CellError(
                _("%(field)s is longer than %(max)d characters.")
                % {"field": _field(label), "max": max_length}
            )
        return value

    return parse


class Choice:
    """One of a model's choices, by code, Chinese label, synonym or label in any language."""

    def __init__(self, choices, labels: dict, default: str | None = None):
        self.choices = choices
        self.labels = labels
        self.default = default
        self._table: dict[str, str] | None = None
        self._memo: dict[str, str | None] = {}

    def __call__(self, value: str, label) -> str | None:
        if not value:
            return self.default
        if value not in self._memo:
            if self._table is None:
                self._table = {
                    norm(spelling): code
                    for code, words in spellings(self.choices, self.labels).items()
                    for spelling in words
                }
            if len(self._memo) >= MEMO_MAX:
                self._memo.clear()
            self._memo[value] = self._table.get(norm(value))
        code = self._memo[value]
        if code is None:
            raise CellError(
                _("Unknown %(field)s: %(value)s") % {"field": str(label), "value": value}
            )
        return code


def coordinate(limit: float) -> Callable[[str, Any], float | None]:
    def parse(value: str, label) -> float | None:
        if not value:
            return None
        try:
            number = float(value)
        except ValueError:
            raise CellError(_("Not a number: %(value)s") % {"value": value}) from None
        if not math.isfinite(number) or abs(number) > limit:
            raise CellError(_("Out of range: %(value)s") % {"value": value})
        return number

    return parse


def decimal(places: int, below: int) -> Callable[[str, Any], Decimal | None]:
    """A non-negative decimal with `places` decimals, less than `below` (e.g. a floor area)."""

    def parse(value: str, label) -> Decimal | None:
        if not value:
            return None
        try:
            number = Decimal(value.replace(",", "")).quantize(Decimal(1).scaleb(-places))
        except (InvalidOperation, ValueError):
            raise CellError(_("Not a number: %(value)s") % {"value": value}) from None
        if not number.is_finite() or number < 0 or number >= below:
            raise CellError(_("Out of range: %(value)s") % {"value": value})
        return number

    return parse


def count(below: int) -> Callable[[str, Any], int | None]:
    """A whole number from 0 up to `below` (exclusive)."""

    def parse(value: str, label) -> int | None:
        if not value:
            return None
        cleaned = value.replace(",", "")
        if not cleaned.isdecimal() or not cleaned.isascii():
            raise CellError(_("Not a whole number: %(value)s") % {"value": value})
        if len(cleaned) > len(str(below)) or int(cleaned) >= below:
            raise CellError(_("Out of range: %(value)s") % {"value": value})
        return int(cleaned)

    return parse


def phone(value: str, label) -> str:
    try:
        return sealing.normalize_phone(value)
    except ValidationFailed as exc:
        raise CellError(exc.message) from None


_CREDIT_CODE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{18}$")


def credit_code(value: str, label) -> str:
    """A unified social credit code (统一社会信用代码): 18 characters of its alphabet."""
    value = unicodedata.normalize("NFKC", value).upper()
    if value and not _CREDIT_CODE.match(value):
        raise CellError(
            _("A unified social credit code has 18 digits or capital letters: %(value)s")
            % {"value": value}
        )
    return value


@dataclass(frozen=True)
class Column:
    key: str
    headers: tuple[str, ...]  # every accepted header; the first is the one templates show
    label: Any  # what the value is, in messages (lazy text)
    parse: Callable[[str, Any], Any] = field(default=text(200))
    required: bool = False  # the header must be there and every row must fill it

    @property
    def title(self) -> str:
        return f"{self.headers[0]}/{self.key}"

    def __post_init__(self):
        object.__setattr__(self, "empty", None if self.required else self.parse("", self.label))

    def read(self, value: str) -> Any:
        """The cell's value, or CellError naming what is wrong with it."""
        if value:
            return self.parse(value, self.label)
        if self.required:
            raise CellError(_("%(field)s is required.") % {"field": _field(self.label)})
        return self.empty
