"""Duplicate detection: a new report near an open case of the same category, soon after it,
saying much the same thing (character bigrams, which work for Chinese without a segmenter)."""

import math
from datetime import timedelta

from django.db.models import Q

from fengqiao.cases.models import OPEN_STATUSES, Case

RADIUS_M = 150.0
WINDOW = timedelta(days=3)
MIN_SIMILARITY = 0.35
MAX_CANDIDATES = 5
# A busy spot can hold hundreds of open reports; the newest are the likeliest duplicates.
MAX_READ = 100
EARTH_RADIUS_M = 6_371_000.0


def bigrams(text: str) -> set[str]:
    chars = [c for c in (text or "").lower() if c.isalnum()]
    if len(chars) < 2:
        return set(chars)
    return {a + b for a, b in zip(chars, chars[1:], strict=False)}


def similarity(a: str, b: str) -> float:
    """Dice coefficient over character bigrams, 0–1."""
    return _dice(bigrams(a), bigrams(b))


def _dice(x: set[str], y: set[str]) -> float:
    if not x or not y:
        return 0.0
    return 2 * len(x & y) / (len(x) + len(y))


def distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    r = EARTH_RADIUS_M
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(h))


def _near(lat: float, lng: float) -> Q:
    """Cases with no point, or with one in the box around (lat, lng) that holds the circle of
    RADIUS_M (so the database drops far cases before they are read)."""
    dlat = math.degrees(RADIUS_M / EARTH_RADIUS_M) * 1.01
    dlng = dlat / max(math.cos(math.radians(lat)), 0.01)
    box = Q(lat__range=(lat - dlat, lat + dlat), lng__range=(lng - dlng, lng + dlng))
    return box | Q(lat__isnull=True) | Q(lng__isnull=True)


def candidates_for(case: Case) -> list[dict]:
    """Open cases of the same category in the same village, near in place, time and text
    (the newest MAX_READ of them are compared)."""
    since = case.reported_at - WINDOW
    nearby = Case.objects.filter(
        category_id=case.category_id,
        status__in=OPEN_STATUSES,
        region_code__startswith=case.region_code[:12],
        reported_at__gte=since,
    ).exclude(pk=case.pk)
    if case.lat is not None and case.lng is not None:
        nearby = nearby.filter(_near(case.lat, case.lng))
    rows = nearby.order_by("-reported_at").values_list(
        "pk", "code", "title", "description", "lat", "lng"
    )[:MAX_READ]
    text = bigrams(f"{case.title} {case.description}")
    found: list[dict] = []
    for pk, code, title, description, lat, lng in rows:
        if case.lat is not None and case.lng is not None and lat is not None and lng is not None:
            meters = distance_m(case.lat, case.lng, lat, lng)
            if meters > RADIUS_M:
                continue
        else:
            meters = None
        score = _dice(text, bigrams(f"{title} {description}"))
        if score >= MIN_SIMILARITY:
            found.append(
                {
                    "id": pk,
                    "code": code,
                    "similarity": round(score, 2),
                    "distance_m": None if meters is None else round(meters),
                }
            )
    found.sort(key=lambda c: -c["similarity"])
    return found[:MAX_CANDIDATES]
