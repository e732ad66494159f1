"""Open311 GeoReport v2 at /open311/v2/: discovery, services, service definitions and requests
(GET, POST) in XML and JSON, mapped onto the case services and categories.

Reads need no account and show only public facts about a case (never who reported it): no
dispute or petition at all, free text with ID and phone numbers starred (core.redact), and
points rounded to about 100 m. A POST needs an `api_key` of an Open311Client and files the
case as that client's acting user.
"""

import hashlib
import json
import math
import re
import secrets
import xml.etree.ElementTree as ET
from datetime import datetime, time, timedelta
from typing import overload

from django.db.models import Max
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from fengqiao.cases import services
from fengqiao.cases.models import Case, Category, Channel, Kind, Open311Client, Status
from fengqiao.core import clock, divisions
from fengqiao.core.errors import DomainError
from fengqiao.core.redact import redact
from fengqiao.core.scoping import contains, prefix_q
from fengqiao.regions import locator
from fengqiao.regions.models import Region

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-11-22T00:00:00+08:00"  # when this endpoint last changed shape
CONTENT_TYPES = {"xml": "text/xml; charset=utf-8", "json": "application/json; charset=utf-8"}
JURISDICTION_LEVELS = (Region.Level.PROVINCE, Region.Level.CITY, Region.Level.COUNTY)
CLOSED = (Status.CLOSED, Status.REJECTED, Status.MERGED)
DEFAULT_WINDOW = timedelta(days=90)  # the spec's default when no dates are given
MAX_REQUESTS = 1000
MAX_IDS = 100
MAX_DESCRIPTION = 4000
# Groups whose cases are civic problems in public space (a pothole, a garbage pile); the
# description and point of every other case (family disputes, fraud leads, people in hardship)
# stay inside the platform, and Open311 shows only its village.
PUBLIC_DETAIL_GROUPS = frozenset({"safety", "environment", "infrastructure"})
# Even those show their point only to 3 decimal places (about 110 m north-south, 95 m east-west
# at 30°N): enough to find the pothole, not enough to pick out one doorway.
POINT_DECIMALS = 3
# Tags of the elements that repeat inside a list, per list tag (as the spec's examples show).
LIST_ITEMS = {
    "endpoints": "endpoint",
    "formats": "format",
    "services": "service",
    "attributes": "attribute",
    "values": "value",
    "service_requests": "request",
    "errors": "error",
}
# Characters XML 1.0 cannot carry at all (escaping does not help); they are dropped.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


class Open311Error(Exception):
    def __init__(self, status: int, description: str):
        super().__init__(description)
        self.status = status
        self.description = description


# --- rendering ---------------------------------------------------------------------------------


def _text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return _when(value)
    return _NOT_XML.sub("", str(value))


@overload
def _when(value: datetime) -> str: ...
@overload
def _when(value: None) -> None: ...
def _when(value: datetime | None) -> str | None:
    if value is None:
        return None
    return timezone.localtime(value).isoformat(timespec="seconds")


def _element(tag: str, value, parent: ET.Element | None = None) -> ET.Element:
    element = ET.Element(tag) if parent is None else ET.SubElement(parent, tag)
    if isinstance(value, dict):
        for key, child in value.items():
            _element(key, child, element)
    elif isinstance(value, list):
        for child in value:
            _element(LIST_ITEMS[tag], child, element)
    elif value is not None:
        element.text = _text(value)
    return element


def _json_ready(value):
    if isinstance(value, dict):
        return {key: _json_ready(child) for key, child in value.items()}
    if isinstance(value, list):
        return [_json_ready(child) for child in value]
    if isinstance(value, datetime):
        return _when(value)
    return value


def render(fmt: str, root: str, data, status: int = 200) -> HttpResponse:
    """XML as the spec's examples (root element `root`), or the same data as JSON."""
    if fmt == "json":
        body = json.dumps(_json_ready(data), ensure_ascii=False).encode()
    else:
        tree = ET.tostring(_element(root, data), encoding="unicode")
        body = ('<?xml version="1.0" encoding="UTF-8"?>\n' + tree).encode()
    return HttpResponse(body, status=status, content_type=CONTENT_TYPES[fmt])


def _errors(fmt: str, error: Open311Error) -> HttpResponse:
    return render(
        fmt, "errors", [{"code": error.status, "description": error.description}], error.status
    )


def endpoint(methods=("GET",)):
    """Turn Open311Error into the spec's error list; refuse other methods the same way."""

    def wrap(view):
        def handle(request, fmt: str, **kwargs):
            try:
                if request.method not in methods:
                    raise Open311Error(
                        405,
                        _("Method %(method)s is not allowed here.") % {"method": request.method},
                    )
                return view(request, fmt, **kwargs)
            except Open311Error as error:
                return _errors(fmt, error)

        handle.__name__ = view.__name__
        handle.__doc__ = view.__doc__
        return handle

    return wrap


# --- jurisdiction and services -------------------------------------------------------------------


def jurisdiction_prefix(value: str | None) -> str:
    """Code prefix of the jurisdiction asked for ('' = the whole installation).

    Accepted: a province, city or county on record, by its 6-digit GB/T 2260 code (439901) or
    its 12-digit code."""
    if not value:
        return ""
    try:
        canonical = divisions.normalize(value)
    except divisions.DivisionCodeError:
        canonical = None
    region = (
        Region.objects.filter(code=canonical, level__in=JURISDICTION_LEVELS).first()
        if canonical
        else None
    )
    if region is None:
        raise Open311Error(404, _("jurisdiction_id %(id)s was not found.") % {"id": value})
    return region.prefix


def _services():
    return Category.objects.filter(is_active=True, parent__isnull=False, parent__is_active=True)


def _service(category: Category) -> dict:
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": category.name_en,
        "metadata": False,
        "type": "realtime",
        "keywords": ", ".join(category.keywords.split()),
        "group": category.parent.name if category.parent is not None else "",
    }


@endpoint()
def discovery(request, fmt: str):
    base = request.build_absolute_uri(
        reverse("open311:discovery", kwargs={"fmt": fmt}).rsplit("discovery.", 1)[0]
    )
    return render(
        fmt,
        "discovery",
        {
            "changeset": CHANGESET,
            "contact": _("Ask the county social-governance centre."),
            "key_service": _(
                "API keys are issued by the administrator: fengqiao open311_client NAME --as USER"
            ),
            "endpoints": [
                {
                    "specification": SPECIFICATION,
                    "url": base,
                    "changeset": CHANGESET,
                    "type": "production",
                    "formats": list(CONTENT_TYPES[f].split(";")[0] for f in ("xml", "json")),
                }
            ],
        },
    )


@endpoint()
def service_list(request, fmt: str):
    jurisdiction_prefix(request.GET.get("jurisdiction_id"))
    found = _services().select_related("parent").order_by("parent__code", "code")
    return render(fmt, "services", [_service(category) for category in found])


@endpoint()
def service_definition(request, fmt: str, service_code: str):
    """Our services take no extra attributes (metadata is false): an empty attribute list."""
    jurisdiction_prefix(request.GET.get("jurisdiction_id"))
    if not _services().filter(code=service_code).exists():
        raise Open311Error(404, _("service_code %(code)s was not found.") % {"code": service_code})
    return render(fmt, "service_definition", {"service_code": service_code, "attributes": []})


# --- requests ------------------------------------------------------------------------------------


def public_requests(prefix: str):
    """Cases inside a jurisdiction for the public, unauthenticated Open311 read. Only the
    fields of `_request` leave; who reported a case never does, and disputes and petitions
    (private matters between people) never appear at all."""
    return (
        Case.objects.filter(prefix_q([prefix]), kind=Kind.GENERAL)
        .select_related("category__parent", "unit", "master", "village")
        .annotate(updated=Max("events__at"))
        .order_by("-reported_at", "-pk")
    )


def _status_notes(case: Case) -> str:
    if case.status == Status.MERGED and case.master is not None:
        return _("Duplicate of %(code)s.") % {"code": case.master.code}
    return str(case.get_status_display())


def _coarse(value: float | None) -> float | None:
    return None if value is None else round(value, POINT_DECIMALS)


def _request(case: Case) -> dict:
    detailed = (
        case.category.parent is not None
        and case.category.parent.code in PUBLIC_DETAIL_GROUPS
        and case.status != Status.REJECTED
    )
    is_open = case.status not in CLOSED
    return {
        "service_request_id": case.code,
        "status": "open" if is_open else "closed",
        "status_notes": redact(_status_notes(case)),
        "service_name": case.category.name,
        "service_code": case.category.code,
        "description": redact(case.description or case.title) if detailed else "",
        "agency_responsible": case.unit.name if case.unit is not None else "",
        "service_notice": "",
        "requested_datetime": case.reported_at,
        "updated_datetime": getattr(case, "updated", None) or case.reported_at,
        "expected_datetime": (case.resolve_due_at or case.due_at) if is_open else None,
        "address": redact(case.address) if detailed and case.address else case.village.name,
        "lat": _coarse(case.lat) if detailed else None,
        "long": _coarse(case.lng) if detailed else None,
    }


def _moment(value: str, name: str, *, end: bool = False) -> datetime:
    moment = parse_datetime(value)
    if moment is None:
        day = parse_date(value)
        if day is None:
            raise Open311Error(400, _("%(name)s is not a date-time (ISO 8601).") % {"name": name})
        moment = datetime.combine(day, time.max if end else time.min)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def _filtered(params, prefix: str):
    found = public_requests(prefix)
    ids = _split(params.get("service_request_id"))
    if ids:  # the spec: other filters are ignored when ids are given
        if len(ids) > MAX_IDS:
            raise Open311Error(400, _("Ask for at most %(n)d ids at once.") % {"n": MAX_IDS})
        return found.filter(code__in=ids)
    codes = _split(params.get("service_code"))
    if codes:
        found = found.filter(category__code__in=codes)
    statuses = _split(params.get("status"))
    if any(status not in ("open", "closed") for status in statuses):
        raise Open311Error(400, _("status is open or closed."))
    if statuses == ["open"]:
        found = found.exclude(status__in=CLOSED)
    elif statuses == ["closed"]:
        found = found.filter(status__in=CLOSED)
    start, end = params.get("start_date"), params.get("end_date")
    start = _moment(start, "start_date") if start else None
    end = _moment(end, "end_date", end=True) if end else None
    if start is None and end is None:
        start = clock.now() - DEFAULT_WINDOW
    if start is not None:
        found = found.filter(reported_at__gte=start)
    if end is not None:
        found = found.filter(reported_at__lte=end)
    return found[:MAX_REQUESTS]


@csrf_exempt
@endpoint(methods=("GET", "POST"))
def requests(request, fmt: str):
    """GET: service requests of the jurisdiction; POST: file one (form-encoded, api_key)."""
    if request.method == "POST":
        return _create(request, fmt)
    prefix = jurisdiction_prefix(request.GET.get("jurisdiction_id"))
    return render(
        fmt, "service_requests", [_request(case) for case in _filtered(request.GET, prefix)]
    )


@endpoint()
def request_detail(request, fmt: str, service_request_id: str):
    prefix = jurisdiction_prefix(request.GET.get("jurisdiction_id"))
    case = public_requests(prefix).filter(code=service_request_id).first()
    if case is None:
        raise Open311Error(
            404,
            _("service_request_id %(id)s was not found.") % {"id": service_request_id},
        )
    return render(fmt, "service_requests", [_request(case)])


# --- POST a request ------------------------------------------------------------------------------


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def open311_client_create(*, name: str, acting_user) -> tuple[str, Open311Client]:
    """A new client and its api_key; only the key's SHA-256 is kept, so show the key once."""
    key = "o311_" + secrets.token_urlsafe(32)
    client = Open311Client.objects.create(
        name=name, key_hash=key_hash(key), acting_user=acting_user
    )
    return key, client


def _client(params) -> Open311Client:
    key = (params.get("api_key") or "").strip()
    if not key:
        raise Open311Error(400, _("api_key is required."))
    client = (
        Open311Client.objects.select_related("acting_user")
        .filter(key_hash=key_hash(key), is_active=True)
        .first()
    )
    if client is None or not client.acting_user.is_active:
        raise Open311Error(403, _("Invalid api_key received; the request was not created."))
    return client


def _coordinate(params, name: str, limit: float) -> float:
    try:
        value = float(params.get(name, ""))
    except ValueError:
        raise Open311Error(400, _("%(name)s is not a number.") % {"name": name}) from None
    if not math.isfinite(value) or abs(value) > limit:
        raise Open311Error(400, _("%(name)s is out of range.") % {"name": name})
    return value


def _field(params, name: str, limit: int | None = None) -> str:
    """A form value without the characters XML (and PostgreSQL text, for NUL) cannot hold."""
    value = _NOT_XML.sub("", params.get(name) or "").strip()
    return value[:limit] if limit else value


def _reporter_name(first: str, last: str) -> str:
    if any("\u4e00" <= ch <= "\u9fff" for ch in first + last):
        return f"{last}{first}"  # 姓 then 名
    return " ".join(part for part in (first, last) if part)


def _create(request, fmt: str) -> HttpResponse:
    params = request.POST
    client = _client(params)
    prefix = jurisdiction_prefix(params.get("jurisdiction_id"))
    code = (params.get("service_code") or "").strip()
    if not code:
        raise Open311Error(400, _("service_code is required."))
    category = _services().filter(code=code).first()
    if category is None:
        raise Open311Error(400, _("service_code %(code)s is not a service here.") % {"code": code})
    if not params.get("lat") or not params.get("long"):
        raise Open311Error(400, _("lat/long required: this endpoint does not geocode addresses."))
    lat, lng = _coordinate(params, "lat", 90), _coordinate(params, "long", 180)
    try:
        region_code = locator.locate(lat, lng).region_code
    except DomainError:
        region_code = None
    if region_code is None or not contains(prefix, region_code):
        raise Open311Error(400, _("lat/long lies outside the jurisdiction."))
    description = _field(params, "description")
    if len(description) > MAX_DESCRIPTION:
        raise Open311Error(400, _("description is longer than 4000 characters."))
    first, last = _field(params, "first_name", 25), _field(params, "last_name", 25)
    name = _reporter_name(first, last)
    title = description.splitlines()[0][:40] if description else category.name
    try:
        case = services.case_report(
            actor=client.acting_user,
            category=category,
            title=title,
            description=description,
            channel=Channel.OPEN311,
            lat=lat,
            lng=lng,
            address=_field(params, "address_string", 200),
            reporter_name=name,
            callback_phone=_field(params, "phone"),
            is_anonymous=not name,
        )
    except DomainError as exc:
        raise Open311Error(403 if exc.status == 403 else 400, str(exc.message)) from exc
    notice = _("Received as case %(code)s.") % {"code": case.code}
    if case.due_at is not None:
        notice += " " + _("It will be taken up by %(when)s.") % {
            "when": timezone.localtime(case.due_at).strftime("%Y-%m-%d %H:%M")
        }
    return render(
        fmt,
        "service_requests",
        [{"service_request_id": case.code, "service_notice": notice, "account_id": None}],
        status=201,
    )
