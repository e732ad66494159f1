"""Input checked at the edge: no control character, lone surrogate, out-of-range integer or
date, or over-deep JSON reaches a view, so none of them can turn into a 5xx further in.

Control characters (C0 but tab, line feed and carriage return, which multi-line text keeps;
DEL; U+FFFE/U+FFFF) are stripped from query strings, form fields and JSON strings: PostgreSQL
text cannot hold NUL and XLSX/DOCX cannot hold the rest. Refused with 400 (`{"code":
"invalid_input", "message", "field"}`), or 404 for a path: a lone surrogate, an integer outside
the signed 64-bit range (what the database columns hold), a date before FENGQIAO_MIN_YEAR or
after FENGQIAO_MAX_YEAR, JSON nested deeper than JSON_MAX_DEPTH or carrying NaN/Infinity.
Uploaded files are left to the importers (which use `json_depth_ok`).
"""

import json
import re
from typing import Any

from django.conf import settings
from django.http import JsonResponse, QueryDict
from django.shortcuts import render
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from fengqiao.core.errors import DomainError

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
JSON_MAX_DEPTH = 32
# C0 controls but \t \n \r, DEL and the XML non-characters: dropped.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
# Halves of UTF-16 surrogate pairs: no text holds one alone (refused).
_SURROGATE = re.compile("[\ud800-\udfff]")
_INTEGER = re.compile(r"[+-]?\d+")
# A value that is a date or a date-time: 0001-01-01, 9999-12-31T00:00:00Z, 20000-01-01.
_DATE = re.compile(r"(\d{4,})-(\d{1,2})-(\d{1,2})(?:[T ][0-9:.,+\-Z]*)?")
# Free-text search boxes: a long run of digits there is text, not a number.
_TEXT_PARAMETERS = frozenset({"q"})


class InputRefused(ValueError):
    def __init__(self, field: str, message: str | Promise):
        # A lazy message is translated when the refusal is answered (_refused).
        self.field = field
        self.message = message
        super().__init__(field)

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


def clean_text(field: str, value: str, *, numeric: bool = True) -> str:
    """`value` without control characters; InputRefused when it holds what no field may."""
    if _SURROGATE.search(value):
        raise InputRefused(field, _("Lone surrogate characters are not allowed."))
    value = _CONTROL.sub("", value)
    if numeric and _INTEGER.fullmatch(value) and not _fits_int64(value):
        raise InputRefused(field, _("The number is out of range."))
    match = _DATE.fullmatch(value)
    if match:
        year = int(match.group(1))
        if not settings.FENGQIAO_MIN_YEAR <= year <= settings.FENGQIAO_MAX_YEAR:
            raise InputRefused(
                field,
                _("Dates must lie between the years %(min)d and %(max)d.")
                % {"min": settings.FENGQIAO_MIN_YEAR, "max": settings.FENGQIAO_MAX_YEAR},
            )
    return value


def _fits_int64(digits: str) -> bool:
    # Length first: int() of thousands of digits is slow, and refused past 4,300 of them.
    if len(digits.lstrip("+-").lstrip("0")) > 19:
        return False
    return INT64_MIN <= int(digits) <= INT64_MAX


def _refuse_constant(name: str):
    raise InputRefused("body", _("%(name)s is not a number JSON allows.") % {"name": name})


def clean_json(raw: bytes | str) -> bytes | None:
    """Check a JSON document without recursion (depth, strings, integers); return it anew
    when control characters were dropped from its strings, else None. Invalid JSON passes (the
    API answers it with its own 4xx); too deep JSON is refused before it is parsed."""
    if not json_depth_ok(raw, JSON_MAX_DEPTH):
        raise InputRefused(
            "body", _("JSON nested deeper than %(depth)d levels.") % {"depth": JSON_MAX_DEPTH}
        )
    try:
        document = json.loads(raw, parse_constant=_refuse_constant)
    except InputRefused:
        raise
    except (ValueError, RecursionError):
        return None
    changed = False
    root = [document]
    # (path, parent, slot): a list's slot is an index, a dict's a key.
    stack: list[tuple[str, Any, int | str]] = [("", root, 0)]
    while stack:
        path, parent, slot = stack.pop()
        value = parent[slot]
        if isinstance(value, dict):
            for key in list(value):
                name = f"{path}.{key}" if path else key
                clean = clean_text(name, key, numeric=False)
                if clean != key:
                    value[clean] = value.pop(key)
                    changed = True
                stack.append((name, value, clean))
        elif isinstance(value, list):
            stack.extend((f"{path}[{i}]", value, i) for i in range(len(value)))
        elif isinstance(value, str):
            clean = clean_text(path or "body", value)
            if clean != value:
                parent[slot] = clean
                changed = True
        elif isinstance(value, int) and not INT64_MIN <= value <= INT64_MAX:
            raise InputRefused(path or "body", _("The number is out of range."))
    return json.dumps(root[0], ensure_ascii=False).encode() if changed else None


def json_depth_ok(raw: bytes | str, limit: int = JSON_MAX_DEPTH) -> bool:
    """True when brackets nest at most `limit` deep (strings skipped), counted without parsing."""
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    if text.count("[") + text.count("{") <= limit:
        return True
    text = re.sub(r'"(?:[^"\\]|\\.)*"', '""', text)
    depth = 0
    for char in re.findall(r"[\[\]{}]", text):
        depth += 1 if char in "[{" else -1
        if depth > limit:
            return False
    return True


class InputGuardMiddleware:
    """Checks the path, the query string, form fields and JSON bodies before any view runs."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            self._check_path(request.path)
        except InputRefused:
            return _refused(request, InputRefused("path", _("Not found.")), status=404)
        try:
            request.GET = _clean_query(request.GET, text_names=_TEXT_PARAMETERS)
            if request.method in ("POST", "PUT", "PATCH"):
                self._clean_body(request)
        except InputRefused as exc:
            return _refused(request, exc)
        return self.get_response(request)

    def process_exception(self, request, exception):
        """A domain error a page did not catch is the client's error (4xx), never a 500."""
        if isinstance(exception, DomainError):
            return _refused(
                request,
                InputRefused(exception.field or "", str(exception.message)),
                status=exception.status,
            )
        return None

    @staticmethod
    def _check_path(path: str) -> None:
        for segment in path.split("/"):
            if clean_text("path", segment) != segment:
                raise InputRefused("path", _("Control characters are not allowed."))

    @staticmethod
    def _clean_body(request) -> None:
        content_type = request.content_type or ""
        if content_type == "application/json":
            body = request.body
            if body:
                cleaned = clean_json(body)
                if cleaned is not None:
                    request._body = cleaned
        elif content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            request.POST = _clean_query(request.POST)


def _clean_query(query: QueryDict, *, text_names=frozenset()) -> QueryDict:
    """A copy of the query (or form) with every value cleaned; the same one if none changed."""
    cleaned = QueryDict(mutable=True, encoding=query.encoding)
    changed = False
    for name, values in query.lists():
        clean_name = clean_text(name, name, numeric=False)
        new = [clean_text(name, value, numeric=name not in text_names) for value in values]
        changed = changed or clean_name != name or new != values
        cleaned.setlist(clean_name, new)
    if not changed:
        return query
    cleaned._mutable = False
    return cleaned


def _refused(request, exc: InputRefused, *, status: int = 400):
    """JSON for the API and Open311, the error page for everything else; in the language the
    client asks for (this runs before LocaleMiddleware)."""
    with translation.override(translation.get_language_from_request(request)):
        message = str(exc.message)
        if request.path.startswith(("/api/", "/open311/")) or request.path.endswith(".json"):
            return JsonResponse(
                {"code": "invalid_input", "message": message, "field": exc.field or None},
                status=status,
            )
        context = {"message": message, "field": exc.field, "status": status}
        return render(request, "400.html", context, status=status)
