"""Re-locating stored points after grids are redrawn: keyset batches of rows through
`locate_many`, and which of them now lie in another grid or village.

Regions must not import the apps that store points (registry, cases), so this module works
on any queryset and on plain rows; `registry.relocation` and `cases.relocation` write the
changes, each under its own rules.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from django.db.models import QuerySet

from fengqiao.regions.locator import Location, locate_many

__all__ = ["BATCH_SIZE", "Move", "RelocationCounts", "moves", "pk_batches"]

BATCH_SIZE = 2000

# A row as `moves` reads it: (pk, lat, lng, village_id, grid_id, region_code).
Row = tuple[int, float, float, int, int | None, str]


@dataclass
class RelocationCounts:
    """What a re-location run did."""

    checked: int = 0  # rows with a point, located again
    moved: int = 0  # rows now in another grid or village, and updated
    outside: int = 0  # rows whose point no village covers any more: left as they were

    def as_dict(self) -> dict[str, int]:
        return {"checked": self.checked, "moved": self.moved, "outside": self.outside}


@dataclass(frozen=True)
class Move:
    """A row whose point now lies elsewhere, and where."""

    pk: int
    region_code: str  # before
    location: Location  # after


def pk_batches(queryset: QuerySet, *, batch_size: int = BATCH_SIZE) -> Iterator[list[int]]:
    """The queryset's primary keys in ascending batches.

    Keyset paging (pk > last), not OFFSET: each batch costs the same, and rows updated by the
    caller between batches are neither skipped nor repeated.
    """
    ordered = queryset.order_by("pk")
    last = None
    while True:
        page = ordered if last is None else ordered.filter(pk__gt=last)
        pks = list(page.values_list("pk", flat=True)[:batch_size])
        if not pks:
            return
        yield pks
        last = pks[-1]


def moves(rows: Sequence[Row], counts: RelocationCounts) -> list[Move]:
    """The rows whose grid, village or code differs from where their point lies now.

    `counts` is updated: every row is checked; rows outside every village are counted and
    left out (a row must keep a village); the moves returned are counted as moved.
    """
    if not rows:
        return []
    located = locate_many([(lat, lng) for _pk, lat, lng, *_rest in rows])
    found = []
    for (pk, _lat, _lng, village_id, grid_id, region_code), location in zip(
        rows, located, strict=True
    ):
        if location is None:
            counts.outside += 1
        elif (village_id, grid_id, region_code) != (
            location.village_id,
            location.grid_id,
            location.region_code,
        ):
            found.append(Move(pk, region_code, location))
    counts.checked += len(rows)
    counts.moved += len(found)
    return found
