"""Idempotent background work for insight: keep the case rollups up to date from the log.

Every change of a case writes a CaseEvent in the same transaction, so the cases to refresh
are those with events past the watermark. An event id below the watermark that was not
there yet (its transaction still open when the sweep read) is remembered as a gap and
looked for again, so a late commit is not missed. The watermark row is locked for the
whole pass: two workers never refresh at once, and a rerun finds nothing to do.
"""

from datetime import datetime, timedelta

from django.db import transaction

from fengqiao.cases.models import CaseEvent
from fengqiao.core import clock
from fengqiao.insight.models import RollupWatermark
from fengqiao.insight.rollup import refresh_cases

WATERMARK = "cases"
BATCH_EVENTS = 20_000
GAP_TTL = timedelta(hours=1)  # an id missing this long was rolled back, not slow
MAX_NEW_GAPS = 1_000  # a larger hole is a sequence jump, not open transactions

# This sweep crosses every jurisdiction on purpose: it runs in the worker, never on a request.


def watermark_row(*, lock: bool) -> RollupWatermark:
    RollupWatermark.objects.get_or_create(name=WATERMARK)
    qs = RollupWatermark.objects.select_for_update() if lock else RollupWatermark.objects
    return qs.get(name=WATERMARK)


def sweep_rollups(now: datetime | None = None) -> int:
    """Refresh the rollups of every case changed since the last pass; returns how many
    cases' counts changed."""
    now = now or clock.now()
    changed = 0
    while True:
        with transaction.atomic():
            mark = watermark_row(lock=True)
            events = list(
                CaseEvent.objects.filter(pk__gt=mark.last_event_id)
                .order_by("pk")
                .values_list("pk", "case_id")[:BATCH_EVENTS]
            )
            gap_ids = [int(key) for key in mark.gaps]
            found = list(CaseEvent.objects.filter(pk__in=gap_ids).values_list("pk", "case_id"))
            changed += refresh_cases({case_id for _pk, case_id in [*events, *found]})
            found_ids = {str(pk) for pk, _case in found}
            gaps = {
                key: seen
                for key, seen in mark.gaps.items()
                if key not in found_ids and now - datetime.fromisoformat(seen) < GAP_TTL
            }
            if events:
                present = {pk for pk, _case in events}
                # A first pass starts at the oldest event there is: nothing before it is late.
                low = mark.last_event_id + 1 if mark.last_event_id else events[0][0]
                missing = set(range(low, events[-1][0])) - present
                if len(missing) <= MAX_NEW_GAPS:
                    gaps.update({str(pk): now.isoformat() for pk in missing})
                mark.last_event_id = events[-1][0]
            mark.gaps = gaps
            mark.swept_at = now
            mark.save()
        if len(events) < BATCH_EVENTS:
            return changed


def run_all(now: datetime | None = None) -> dict[str, int]:
    now = now or clock.now()
    return {"rollups": sweep_rollups(now)}
