"""Redaction of ID and phone numbers from free text that leaves the platform.

Open311 and the notices shown to residents pass their free text through `redact`. It finds
runs of digits (any Unicode decimal digit, so full-width ０-９ too) joined by at most two
separators (spaces, dashes, brackets), and replaces with `*` every digit of a part that is:

- a resident ID number: 18 characters (17 digits and a digit or X), or a 15-digit old one;
- a mainland mobile number: 1[3-9] and 9 more digits, optionally after the 86 country code;
- a landline with its area code: 0, a 2–3 digit area code, then 7–8 digits;
- any unbroken run of 15 or more digits (bank cards, IDs typed with a slip).

A number written in groups counts only when its groups spell the whole number, and an ID
or old ID in groups must carry a plausible birth date, so a year next to an amount
("2023 120000") stays as written. Separators stay, so the text keeps its shape:
"138 1234 5678" becomes "*** **** ****".
"""

from __future__ import annotations

import re
import unicodedata

_SEPARATORS = " \t\u3000\u00a0-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\uff0d()\uff08\uff09"
_SEP = f"[{re.escape(_SEPARATORS)}]{{1,2}}"
# A run: digit groups joined by separators, optionally ending in an ID's check character X.
_RUN = re.compile(rf"(?<!\d)\d+(?:{_SEP}\d+)*(?:[Xx\uff38\uff58](?![A-Za-z]))?")
_GROUP = re.compile(r"\d+|[Xx\uff38\uff58]")
_MOBILE = re.compile(r"(?:86)?1[3-9]\d{9}")
_LANDLINE = re.compile(r"0[1-9]\d{8,10}")
_AREA_CODE = re.compile(r"0[1-9]\d{1,2}")
_LONGEST = 18 + 2  # the longest number matched, with slack for a country code
_UNBROKEN = 15


def _ascii(digits: str) -> str:
    return "".join(str(unicodedata.decimal(c)) if c.isdigit() else "X" for c in digits)


def _plausible_date(year: int, month: int, day: int) -> bool:
    return 1800 <= year <= 2099 and 1 <= month <= 12 and 1 <= day <= 31


def _is_id(text: str, grouped: bool) -> bool:
    if len(text) == 18 and text[:17].isdigit() and (text[17].isdigit() or text[17] == "X"):
        date = text[6:14]
        return not grouped or _plausible_date(int(date[:4]), int(date[4:6]), int(date[6:]))
    if len(text) == 15 and text.isdigit():
        date = text[6:12]
        return not grouped or _plausible_date(1900 + int(date[:2]), int(date[2:4]), int(date[4:]))
    return False


def _is_sensitive(groups: list[str]) -> bool:
    text = "".join(groups)
    grouped = len(groups) > 1
    if _is_id(text, grouped) or _MOBILE.fullmatch(text):
        return True
    if _LANDLINE.fullmatch(text):
        return not grouped or bool(_AREA_CODE.fullmatch(groups[0]))
    return False


def _sensitive_spans(run: re.Match) -> list[tuple[int, int]]:
    """Spans (in the text) of the parts of one run that are to be starred."""
    parts = [
        (m.start() + run.start(), m.end() + run.start(), m.group())
        for m in _GROUP.finditer(run.group())
    ]
    groups = [_ascii(p[2]) for p in parts]
    spans = []
    i = 0
    while i < len(parts):
        # The longest sequence of groups from i that spells a number we redact.
        end = None
        length = 0
        for j in range(i, len(parts)):
            length += len(groups[j])
            if length > _LONGEST:
                break
            if _is_sensitive(groups[i : j + 1]):
                end = j
        if end is None and groups[i] != "X" and len(groups[i]) >= _UNBROKEN:
            end = i
        if end is None:
            i += 1
            continue
        spans.append((parts[i][0], parts[end][1]))
        i = end + 1
    return spans


def redact(text: str | None) -> str:
    """`text` with ID, mobile and landline numbers starred (see the module docstring)."""
    if not text:
        return text or ""
    out = list(text)
    for run in _RUN.finditer(text):
        for start, end in _sensitive_spans(run):
            for k in range(start, end):
                if out[k].isdigit() or out[k] in "Xx\uff38\uff58":
                    out[k] = "*"
    return "".join(out)
