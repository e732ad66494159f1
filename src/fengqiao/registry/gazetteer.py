"""The registry's rows in the gazetteer: dwellings by address (no residents), places and
organisations by name (FENGQIAO_GAZETTEER_SOURCES names `registry_source`)."""

from __future__ import annotations

from collections.abc import Iterable

from fengqiao.core import divisions
from fengqiao.regions.gazetteer import entry, region_names
from fengqiao.regions.models import GazetteerEntry
from fengqiao.registry.models import Dwelling, Organization, Place

Kind = GazetteerEntry.Kind
_DWELLING_FIELDS = ("code", "region_code", "lat", "lng", "address")


def registry_source(prefix: str) -> Iterable[GazetteerEntry | None]:
    """Entries for the dwellings, places and organisations whose code starts with `prefix`."""
    villages: dict[str, str] = {}

    def where(region_code: str) -> str:
        village = region_code[: divisions.REGION_LENGTH]
        if village not in villages:
            villages.update(region_names([village]))
            villages.setdefault(village, "")
        return villages[village]

    dwellings = Dwelling.objects.filter(region_code__startswith=prefix).exclude(address="")
    for code, region_code, lat, lng, address in dwellings.values_list(*_DWELLING_FIELDS).iterator():
        yield entry(
            kind=Kind.DWELLING,
            ref=code,
            name=address,
            area=where(region_code),
            region_code=region_code,
            lat=lat,
            lng=lng,
        )
    for model, kind in ((Place, Kind.PLACE), (Organization, Kind.ORGANIZATION)):
        rows = model.objects.filter(region_code__startswith=prefix)
        for pk, name, region_code, lat, lng in rows.values_list(
            "pk", "name", "region_code", "lat", "lng"
        ).iterator():
            yield entry(
                kind=kind,
                ref=pk,
                name=name,
                area=where(region_code),
                region_code=region_code,
                lat=lat,
                lng=lng,
            )
