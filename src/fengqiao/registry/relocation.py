"""Re-locating the registry after grids are redrawn: every located row (dwellings with the
households and people in them, organisations, places, facilities) to the grid its point lies
in now, in batches with bulk updates.
"""

from collections import defaultdict

from django.db import transaction
from django.db.models import Q

from fengqiao.core import clock
from fengqiao.core.audit import audit_batch
from fengqiao.regions import relocate
from fengqiao.regions.relocate import BATCH_SIZE, Move, RelocationCounts
from fengqiao.registry.models import (
    Dwelling,
    Facility,
    Household,
    Organization,
    Person,
    PersonTagging,
    Place,
)

__all__ = ["registry_relocate_all_system"]

_ROW = ("pk", "lat", "lng", "village_id", "grid_id", "region_code")


def registry_relocate_all_system(*, batch_size: int = BATCH_SIZE) -> dict[str, RelocationCounts]:
    """Move every located registry row whose point now lies in another grid or village.

    Crosses jurisdictions (system work): run it from a command or a worker after grids are
    redrawn and committed, never on a request. Rows without a point keep their village; rows
    whose point no village covers any more are counted as outside and left alone. A moved
    dwelling takes its households, their people and those people's tags along (they share
    its jurisdiction code). Each batch is one transaction with its rows locked, so an edit
    made meanwhile is either seen or waits.
    """
    return {
        "dwellings": _relocate(Dwelling, batch_size, follow=_follow_dwellings),
        "organizations": _relocate(Organization, batch_size),
        "places": _relocate(Place, batch_size),
        "facilities": _relocate(Facility, batch_size),
    }


def _relocate(model, batch_size: int, follow=None) -> RelocationCounts:
    counts = RelocationCounts()
    located = model.objects.filter(lat__isnull=False, lng__isnull=False)
    for pks in relocate.pk_batches(located, batch_size=batch_size):
        with transaction.atomic():
            rows = list(
                located.select_for_update().filter(pk__in=pks).order_by("pk").values_list(*_ROW)
            )
            found = relocate.moves(rows, counts)
            if not found:
                continue
            model.objects.bulk_update(
                [
                    model(
                        pk=move.pk,
                        village_id=move.location.village_id,
                        grid_id=move.location.grid_id,
                        region_code=move.location.region_code,
                    )
                    for move in found
                ],
                ["village", "grid", "region_code"],
            )
            if follow is not None:
                follow(found)
            audit_batch(  # one row per batch of system moves, with the count
                actor=None,
                entity_type=model._meta.label_lower,
                action="relocate",
                counts={"moved": len(found)},
                region_codes={move.location.region_code for move in found},
                reason="grids redrawn",
            )
    return counts


def _follow_dwellings(found: list[Move]) -> None:
    """Households, people and tags of moved dwellings take the dwelling's new code: one
    UPDATE per table and new code."""
    by_code = defaultdict(list)
    for move in found:
        by_code[move.location.region_code].append(move.pk)
    now = clock.now()
    for code, dwelling_ids in by_code.items():
        Household.objects.filter(dwelling_id__in=dwelling_ids).update(region_code=code)
        people = Q(dwelling_id__in=dwelling_ids) | Q(
            dwelling__isnull=True, household__dwelling_id__in=dwelling_ids
        )
        person_ids = list(Person.objects.filter(people).values_list("pk", flat=True))
        Person.objects.filter(pk__in=person_ids).update(region_code=code, updated_at=now)
        PersonTagging.objects.filter(person_id__in=person_ids).update(region_code=code)
