"""Address search over the gazetteer, scoped to the caller: ranked exact > prefix > contains
(on the name or its pinyin initials), nearer to the map view first; "A路与B路" finds the
junctions of two roads, computed with shapely from their geometries."""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Case, F, FloatField, IntegerField, Q, Value, When
from django.db.models.functions import Length
from django.utils.translation import gettext as _
from shapely.geometry import shape
from shapely.ops import unary_union

from fengqiao.core import divisions
from fengqiao.core.errors import ValidationFailed
from fengqiao.regions.gazetteer import normalize, region_names
from fengqiao.regions.models import GazetteerEntry, Road

__all__ = ["Hit", "gazetteer_search", "parse_near"]

MAX_QUERY = 100
MAX_LIMIT = 50
ROAD_CANDIDATES = 200
# "建设路与文化路", "建设路和文化路", "建设路/文化路", "建设路 & 文化路", "建设路、文化路路口".
_JOIN = re.compile(r"\s*(?:与|和|跟|及|交|/|／|&|＆|\+|＋|、|,|，)\s*")
_CORNER = re.compile(r"(?:交叉口|交叉路口|十字路口|路口|交汇处|交界处)$")
_ASCII_KEY = re.compile(r"^[a-z0-9]+$")


@dataclass(frozen=True)
class Hit:
    kind: str
    kind_label: str
    name: str
    area: str
    lat: float
    lng: float


def parse_near(text: str | None) -> tuple[float, float] | None:
    """ "lat,lng" → (lat, lng); empty → None; anything else → ValidationFailed on `near`."""
    if not text:
        return None
    parts = text.split(",")
    try:
        lat, lng = (float(p) for p in parts) if len(parts) == 2 else (math.nan, math.nan)
    except ValueError:
        lat = lng = math.nan
    if not (-90 <= lat <= 90 and -180 <= lng <= 180):
        raise ValidationFailed(_("Give near as latitude,longitude in degrees."), field="near")
    return lat, lng


def gazetteer_search(
    *, actor, q: str, limit: int = 10, near: tuple[float, float] | None = None
) -> list[Hit]:
    """What the actor may see that matches `q`, best first; junctions of two roads first."""
    text = (q or "").strip()
    if not normalize(text):
        raise ValidationFailed(_("Type a name or an address to search for."), field="q")
    if len(text) > MAX_QUERY:
        raise ValidationFailed(
            _("Search for at most %(n)d characters.") % {"n": MAX_QUERY}, field="q"
        )
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationFailed(
            _("The limit must lie between 1 and %(n)d.") % {"n": MAX_LIMIT}, field="limit"
        )
    hits = junctions(actor=actor, text=text, near=near)
    parts = _parts(text)
    # While the second road is still being typed ("建设路与"), show the first.
    key = normalize(parts[0] if len(parts) == 1 else text)
    return (hits + _entries(actor=actor, key=key, near=near, limit=limit))[:limit]


def _parts(text: str) -> list[str]:
    return [p for p in _JOIN.split(_CORNER.sub("", text)) if normalize(p)]


def _matching(actor, key: str, near):
    """Entries matching `key`, annotated with their rank, best first."""
    match = Q(key__contains=key)
    ranks = [When(key=key, then=Value(0)), When(key__startswith=key, then=Value(1))]
    if _ASCII_KEY.match(key):
        match |= Q(initials__contains=key)
        ranks += [When(initials=key, then=Value(0)), When(initials__startswith=key, then=Value(1))]
    qs = GazetteerEntry.objects.on_map_of(actor).filter(match)
    qs = qs.annotate(rank=Case(*ranks, default=Value(2), output_field=IntegerField()))
    order = ["rank"]
    if near is not None:
        lat, lng = near
        squeeze = math.cos(math.radians(lat)) ** 2
        qs = qs.annotate(
            distance=(F("lat") - lat) * (F("lat") - lat)
            + (F("lng") - lng) * (F("lng") - lng) * Value(squeeze, output_field=FloatField())
        )
        order.append("distance")
    return qs.order_by(*order, Length("key"), "key", "pk")


def _entries(*, actor, key: str, near, limit: int) -> list[Hit]:
    labels = dict(GazetteerEntry.Kind.choices)
    return [
        Hit(e.kind, str(labels.get(e.kind, e.kind)), e.name, e.area, e.lat, e.lng)
        for e in _matching(actor, key, near)[:limit]
    ]


def _roads(actor, text: str, near) -> dict[str, list[Road]]:
    """Visible road pieces whose name matches `text` (Chinese or pinyin initials), by name."""
    key = normalize(text)
    if not key:
        return {}
    found = _matching(actor, key, near).filter(kind=GazetteerEntry.Kind.ROAD)
    ids = [int(ref) for ref in found.values_list("ref", flat=True)[:ROAD_CANDIDATES]]
    by_name: dict[str, list[Road]] = defaultdict(list)
    for road in Road.objects.on_map_of(actor).filter(pk__in=ids):
        by_name[road.name].append(road)
    return by_name


def junctions(*, actor, text: str, near=None) -> list[Hit]:
    """Where a road named like the first part crosses one named like the second, in each
    township where both run; exact names first, then nearest to `near`."""
    parts = _parts(text)
    if len(parts) != 2:
        return []
    first, second = (_roads(actor, part, near) for part in parts)
    found: list[tuple[int, float, Hit]] = []
    townships: set[str] = set()
    crossings = []
    for name_a, roads_a in first.items():
        for name_b, roads_b in second.items():
            if name_a == name_b:
                continue
            for township, point in _crossings(roads_a, roads_b):
                townships.add(township)
                exact = normalize(name_a) == normalize(parts[0]) and normalize(name_b) == normalize(
                    parts[1]
                )
                crossings.append((0 if exact else 1, f"{name_a}与{name_b}", township, point))
    names = region_names(c for t in townships for c in (t, divisions.parent_of(t) or t))
    label = str(dict(GazetteerEntry.Kind.choices)[GazetteerEntry.Kind.JUNCTION])
    for rank, name, township, point in crossings:
        county = divisions.parent_of(township) or ""
        area = " · ".join(n for n in (names.get(county, ""), names.get(township, "")) if n)
        hit = Hit(GazetteerEntry.Kind.JUNCTION, label, name, area, point.y, point.x)
        distance = 0.0 if near is None else (point.y - near[0]) ** 2 + (point.x - near[1]) ** 2
        found.append((rank, distance, hit))
    found.sort(key=lambda item: (item[0], item[1], item[2].name))
    return [hit for _rank, _distance, hit in found]


def _crossings(roads_a: list[Road], roads_b: list[Road]):
    """(township code, point) for each place two roads' pieces in one township meet."""
    by_township: dict[str, list[list[Road]]] = defaultdict(lambda: [[], []])
    for side, roads in enumerate((roads_a, roads_b)):
        for road in roads:
            township = divisions.parent_of(road.region_code[: divisions.REGION_LENGTH]) or ""
            by_township[township][side].append(road)
    for township, (side_a, side_b) in sorted(by_township.items()):
        if not side_a or not side_b:
            continue
        line_a = unary_union([shape(r.geometry) for r in side_a])
        line_b = unary_union([shape(r.geometry) for r in side_b])
        meeting = line_a.intersection(line_b)
        if meeting.is_empty:
            continue
        parts = getattr(meeting, "geoms", [meeting])
        for part in parts:
            yield township, part.representative_point()
