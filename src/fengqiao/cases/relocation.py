"""Re-locating cases after grids are redrawn: each moved case gets its new grid, village and
code and a `relocate` event in its log, in batches with bulk writes."""

from datetime import UTC

from django.db import transaction
from django.db.models import Max

from fengqiao.cases import hashchain
from fengqiao.cases.models import OPEN_STATUSES, Case, CaseEvent
from fengqiao.core import chain, clock
from fengqiao.regions import relocate
from fengqiao.regions.relocate import Move, RelocationCounts

__all__ = ["RELOCATE", "case_relocate_all_system"]

RELOCATE = "relocate"
BATCH_SIZE = 500
_FIELDS = (
    "code",
    "lat",
    "lng",
    "village_id",
    "grid_id",
    "region_code",
    "status",
    "level",
    "version",
)


def case_relocate_all_system(
    *, batch_size: int = BATCH_SIZE, include_closed: bool = False
) -> RelocationCounts:
    """Move every case whose point now lies in another grid or village; log each move.

    Crosses jurisdictions (system work): run it from a command or a worker after grids are
    redrawn and committed, never on a request. Only open cases by default: a closed,
    rejected or merged case keeps the grid it was handled in, so past statistics do not
    shift with today's map (`include_closed=True` moves those too). Status, level, unit,
    assignee and deadlines stay as they are. Cases without a point, or whose point no
    village covers any more, are left alone. Each batch is one transaction with its cases
    locked; each moved case gets one `relocate` event (actor: system) chained onto its log.
    """
    cases = Case.objects.filter(lat__isnull=False, lng__isnull=False)
    if not include_closed:
        cases = cases.filter(status__in=OPEN_STATUSES)
    counts = RelocationCounts()
    for pks in relocate.pk_batches(cases, batch_size=batch_size):
        with transaction.atomic():
            locked = list(
                cases.select_for_update().filter(pk__in=pks).order_by("pk").only(*_FIELDS)
            )
            rows = [
                (c.pk, c.lat, c.lng, c.village_id, c.grid_id, c.region_code)
                for c in locked
                if c.lat is not None and c.lng is not None  # always: `cases` has a point
            ]
            found = relocate.moves(rows, counts)
            if found:
                by_pk = {case.pk: case for case in locked}
                _move(found, by_pk)
    return counts


def _move(found: list[Move], cases: dict[int, Case]) -> None:
    """Update the moved cases and append their events: a handful of queries per batch."""
    at = clock.now().astimezone(UTC)  # hashed as the database gives it back (UTC)
    ids = [move.pk for move in found]
    last_seq = dict(
        CaseEvent.objects.filter(case_id__in=ids)
        .order_by()
        .values("case_id")
        .annotate(top=Max("seq"))
        .values_list("case_id", "top")
    )
    last_hash = {
        case_id: event_hash
        for case_id, seq, event_hash in CaseEvent.objects.filter(
            case_id__in=ids, seq__in=set(last_seq.values())
        ).values_list("case_id", "seq", "hash")
        if last_seq[case_id] == seq
    }
    moved, events = [], []
    for move in found:
        case = cases[move.pk]
        before = {"village": case.village_id, "grid": case.grid_id, "region_code": case.region_code}
        case.village_id = move.location.village_id
        case.grid_id = move.location.grid_id
        case.region_code = move.location.region_code
        case.version += 1
        prev_hash = last_hash.get(case.pk, hashchain.GENESIS)
        event = CaseEvent(
            case=case,
            seq=last_seq.get(case.pk, 0) + 1,
            action=RELOCATE,
            actor=None,
            actor_label="system",
            at=at,
            from_status=case.status,
            to_status=case.status,
            from_level=case.level,
            to_level=case.level,
            note="",
            data={
                "from": move.region_code,
                "to": move.location.region_code,
                "grid": move.location.grid_code,
                "village": move.location.village_code,
            },
            changes=chain.diff(
                before,
                {"village": case.village_id, "grid": case.grid_id, "region_code": case.region_code},
            ),
            case_code=case.code,
            region_code=case.region_code,
            prev_hash=prev_hash,
        )
        event.hash = hashchain.event_hash(event, prev_hash)
        moved.append(case)
        events.append(event)
    Case.objects.bulk_update(moved, ["village", "grid", "region_code", "version"])
    CaseEvent.objects.bulk_create(events)
