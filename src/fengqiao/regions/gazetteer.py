"""The gazetteer index: one table of searchable names at points, rebuilt per area from its
sources (regions, grids and roads here; dwellings, places and organisations from the apps named
in FENGQIAO_GAZETTEER_SOURCES), kept fresh by marking areas stale and a refresh sweep."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from functools import lru_cache

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string
from pypinyin import Style, lazy_pinyin
from shapely.geometry import shape
from shapely.ops import linemerge

from fengqiao.core import divisions
from fengqiao.regions.models import GazetteerEntry, GazetteerStale, Grid, Region, Road

Kind = GazetteerEntry.Kind
Source = Callable[[str], Iterable[GazetteerEntry]]
BATCH = 2000
_DROP = re.compile(r"[\s\W_]+", re.UNICODE)


def normalize(text: str) -> str:
    """The search form of a text: NFKC (full-width digits and letters become ASCII), lower
    case, without spaces or punctuation."""
    return _DROP.sub("", unicodedata.normalize("NFKC", text or "").lower())


@lru_cache(maxsize=8192)
def _initial(char: str) -> str:
    if char.isascii():
        return char
    letters = lazy_pinyin(char, style=Style.FIRST_LETTER, errors="ignore")
    return letters[0][:1] if letters else ""


def initials(key: str) -> str:
    """Pinyin initials of a normalised key (建设路12号 → jsl12h); ASCII stays as it is.

    Character by character (cached), so a polyphone takes its most common reading.
    """
    return "".join(_initial(char) for char in key)


def entry(*, kind: str, ref: str, name: str, area: str, region_code: str, lat, lng):
    """An unsaved entry with its search keys, or None for a row with no point or name."""
    key = normalize(name)[:200]
    if lat is None or lng is None or not key:
        return None
    return GazetteerEntry(
        kind=kind,
        ref=str(ref)[:40],
        name=name[:200],
        area=area[:200],
        key=key,
        initials=initials(key)[:200],
        region_code=region_code,
        lat=lat,
        lng=lng,
    )


def region_names(codes: Iterable[str]) -> dict[str, str]:
    """Region code → name, for the "where" column."""
    return dict(Region.objects.filter(code__in=set(codes)).values_list("code", "name"))


def _where(code: str, names: dict[str, str], *, inside: bool = False) -> str:
    """The names of the two regions above a code, nearest last ("城关街道 · 青山社区"); with
    `inside`, the region of that code itself is the nearest (a road filed under its village)."""
    chain = divisions.ancestors(code) + ([code] if inside else [])
    return " · ".join(names[c] for c in chain[-2:] if c in names)


def road_point(geometry) -> tuple[float, float]:
    """(lng, lat) half-way along a road's longest piece."""
    lines = linemerge(shape(geometry)) if geometry["type"] == "MultiLineString" else None
    line = shape(geometry) if lines is None else lines
    if line.geom_type == "MultiLineString":
        line = max(line.geoms, key=lambda part: part.length)
    point = line.interpolate(0.5, normalized=True)
    return point.x, point.y


def regions_source(prefix: str) -> Iterable[GazetteerEntry]:
    """Regions, grids and roads whose code starts with `prefix`."""
    regions = list(Region.objects.filter(code__startswith=prefix))
    grids = list(Grid.objects.filter(code__startswith=prefix))
    roads = list(Road.objects.filter(region_code__startswith=prefix))
    codes = {r.code for r in regions} | {g.code for g in grids} | {r.region_code for r in roads}
    names = region_names(c for code in codes for c in [code, *divisions.ancestors(code)])
    for region in regions:
        yield entry(
            kind=Kind.REGION,
            ref=region.code,
            name=region.name,
            area=_where(region.code, names),
            region_code=region.code,
            lat=region.centroid_lat,
            lng=region.centroid_lng,
        )
    for grid in grids:
        yield entry(
            kind=Kind.GRID,
            ref=grid.code,
            name=grid.name,
            area=_where(grid.code, names),
            region_code=grid.code,
            lat=grid.centroid_lat,
            lng=grid.centroid_lng,
        )
    for road in roads:
        lng, lat = road_point(road.geometry)
        yield entry(
            kind=Kind.ROAD,
            ref=road.pk,
            name=road.name,
            area=_where(road.region_code, names, inside=True),
            region_code=road.region_code,
            lat=lat,
            lng=lng,
        )


def sources() -> list[Source]:
    return [regions_source] + [import_string(path) for path in settings.FENGQIAO_GAZETTEER_SOURCES]


def gazetteer_rebuild(*, prefix: str = "") -> int:
    """Replace the entries of every row whose code starts with `prefix` ("" = everything);
    returns how many entries were written. Idempotent, one transaction."""
    written = 0
    with transaction.atomic():
        GazetteerEntry.objects.filter(region_code__startswith=prefix).delete()
        batch: list[GazetteerEntry] = []
        for source in sources():
            for row in source(prefix):
                if row is None:
                    continue
                batch.append(row)
                if len(batch) >= BATCH:
                    written += _write(batch)
        written += _write(batch)
    return written


def _write(batch: list[GazetteerEntry]) -> int:
    # A row that moved to another area (a redrawn grid) still has its entry there until that
    # area is refreshed: take it over, so it is found once, at its new place.
    GazetteerEntry.objects.bulk_create(
        batch,
        update_conflicts=True,
        unique_fields=["kind", "ref"],
        update_fields=["name", "area", "key", "initials", "region_code", "lat", "lng"],
    )
    count = len(batch)
    batch.clear()
    return count


def gazetteer_mark_stale(codes: Iterable[str]) -> None:
    """Ask the refresh sweep to rebuild the villages (or areas) these codes lie in."""
    areas = {code[: divisions.REGION_LENGTH] for code in codes if code}
    GazetteerStale.objects.bulk_create(
        [GazetteerStale(code=code) for code in sorted(areas)], ignore_conflicts=True
    )


def sweep(now=None) -> dict:
    """Worker sweep: rebuild each stale area's entries. Deleting the mark claims it (another
    worker that deleted it first skips it) and comes first, so a write that lands during the
    rebuild marks the area again rather than being lost."""
    refreshed = 0
    for pk, code in GazetteerStale.objects.order_by("marked_at").values_list("pk", "code")[:500]:
        with transaction.atomic():
            claimed, _per_model = GazetteerStale.objects.filter(pk=pk).delete()
            if claimed:
                gazetteer_rebuild(prefix=divisions.prefix_of(code))
                refreshed += 1
    return {"gazetteer_refreshed": refreshed}
