"""Hash chain over a case's events: any edit or deletion of a logged step shows."""

import hashlib
import json
from datetime import UTC, datetime

GENESIS = "0" * 64
HASHED_FIELDS = (
    "seq",
    "action",
    "actor_id",
    "actor_label",
    "at",
    "from_status",
    "to_status",
    "from_level",
    "to_level",
    "note",
    "data",
    "region_code",
)


def event_payload(event) -> str:
    values = {}
    for name in HASHED_FIELDS:
        value = getattr(event, name)
        if isinstance(value, datetime):
            value = value.astimezone(UTC)  # as the database gives it back, whatever the writer used
        values[name] = value.isoformat() if hasattr(value, "isoformat") else value
    values["case"] = event.case_id
    return json.dumps(values, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def event_hash(event, prev_hash: str) -> str:
    return hashlib.sha256((prev_hash + event_payload(event)).encode()).hexdigest()


def verify_events(events) -> list[str]:
    """Problems found in one case's events (ordered by seq); empty when the chain holds."""
    problems = []
    prev = GENESIS
    expected_seq = 1
    for event in events:
        if event.seq != expected_seq:
            problems.append(f"event #{expected_seq} is missing (found #{event.seq})")
            expected_seq = event.seq
        if event.prev_hash != prev:
            problems.append(f"event #{event.seq} does not follow the event before it")
        if event_hash(event, event.prev_hash) != event.hash:
            problems.append(f"event #{event.seq} was changed after it was written")
        prev = event.hash
        expected_seq += 1
    return problems
