"""Duplicate detection: a new report near an open case of the same category, soon after it,
saying much the same thing (character bigrams, which work for Chinese without a segmenter)."""

import math
from datetime import timedelta

from fengqiao.cases.models import OPEN_STATUSES, Case

RADIUS_M = 150.0
WINDOW = timedelta(days=3)
MIN_SIMILARITY = 0.35
MAX_CANDIDATES = 5


def bigrams(text: str) -> set[str]:
    chars = [c for c in (text or "").lower() if c.isalnum()]
    if len(chars) < 2:
        return set(chars)
    return {a + b for a, b in zip(chars, chars[1:], strict=False)}


def similarity(a: str, b: str) -> float:
    """Dice coefficient over character bigrams, 0–1."""
    x, y = bigrams(a), bigrams(b)
    if not x or not y:
        return 0.0
    return 2 * len(x & y) / (len(x) + len(y))


def distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    r = 6_371_000.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(h))


def candidates_for(case: Case) -> list[dict]:
    """Open cases of the same category in the same village, near in place, time and text."""
    since = case.reported_at - WINDOW
    nearby = (
        Case.objects.filter(
            category_id=case.category_id,
            status__in=OPEN_STATUSES,
            region_code__startswith=case.region_code[:12],
            reported_at__gte=since,
        )
        .exclude(pk=case.pk)
        .only("pk", "code", "title", "description", "lat", "lng", "reported_at")[:200]
    )
    text = f"{case.title} {case.description}"
    found = []
    for other in nearby:
        if None not in (case.lat, case.lng, other.lat, other.lng):
            meters = distance_m(case.lat, case.lng, other.lat, other.lng)
            if meters > RADIUS_M:
                continue
        else:
            meters = None
        score = similarity(text, f"{other.title} {other.description}")
        if score >= MIN_SIMILARITY:
            found.append(
                {
                    "id": other.pk,
                    "code": other.code,
                    "similarity": round(score, 2),
                    "distance_m": None if meters is None else round(meters),
                }
            )
    found.sort(key=lambda c: -c["similarity"])
    return found[:MAX_CANDIDATES]
