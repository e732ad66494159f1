"""The case log as a keyed chain (core.chain): what each event seals, the case state it binds,
and the replay that must give back the case row."""

import re
from collections import defaultdict
from datetime import UTC, datetime

from django.db.models import Max

from fengqiao.cases.models import Case, CaseDaySequence, CaseEvent
from fengqiao.core import chain, clock

KIND = "case"
GENESIS = chain.GENESIS
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
    "changes",
    "case_code",
)
# The case-row fields every event records the before → after of (ids for rows, the category
# by its code, times in UTC), and that a replay of the log must reproduce.
TRACKED = (
    "status",
    "level",
    "category",
    "priority",
    "unit",
    "assignee",
    "master",
    "village",
    "grid",
    "region_code",
    "lat",
    "lng",
    "address",
    "stage_started_at",
    "due_at",
    "warn_at",
    "resolve_due_at",
    "closed_at",
    "rating",
)
# Actions that re-sealed a legacy chain: they state the row as it was, with no old values.
BASELINE_ACTIONS = ("baseline",)


def _time(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat() if value else None


def _number(value) -> float | None:
    return None if value is None else float(value)


def snapshot(case) -> dict:
    """The tracked fields of a case in hand, as the log records them (the category is read
    from the case, which the services hold with it)."""
    return {
        "status": case.status,
        "level": case.level,
        "category": case.category.code,
        "priority": case.priority,
        "unit": case.unit_id,
        "assignee": case.assignee_id,
        "master": case.master_id,
        "village": case.village_id,
        "grid": case.grid_id,
        "region_code": case.region_code,
        "lat": _number(case.lat),
        "lng": _number(case.lng),
        "address": case.address,
        "stage_started_at": _time(case.stage_started_at),
        "due_at": _time(case.due_at),
        "warn_at": _time(case.warn_at),
        "resolve_due_at": _time(case.resolve_due_at),
        "closed_at": _time(case.closed_at),
        "rating": case.rating,
    }


def row_state(values: dict) -> dict:
    """The tracked fields from a `values()` row of Case (see ROW_VALUES)."""
    return {
        "status": values["status"],
        "level": values["level"],
        "category": values["category__code"],
        "priority": values["priority"],
        "unit": values["unit_id"],
        "assignee": values["assignee_id"],
        "master": values["master_id"],
        "village": values["village_id"],
        "grid": values["grid_id"],
        "region_code": values["region_code"],
        "lat": _number(values["lat"]),
        "lng": _number(values["lng"]),
        "address": values["address"],
        "stage_started_at": _time(values["stage_started_at"]),
        "due_at": _time(values["due_at"]),
        "warn_at": _time(values["warn_at"]),
        "resolve_due_at": _time(values["resolve_due_at"]),
        "closed_at": _time(values["closed_at"]),
        "rating": values["rating"],
    }


ROW_VALUES = (
    "pk",
    "code",
    "version",
    "reported_at",
    "status",
    "level",
    "category__code",
    "priority",
    "unit_id",
    "assignee_id",
    "master_id",
    "village_id",
    "grid_id",
    "region_code",
    "lat",
    "lng",
    "address",
    "stage_started_at",
    "due_at",
    "warn_at",
    "resolve_due_at",
    "closed_at",
    "rating",
)


def event_fields(event) -> dict:
    values = {name: getattr(event, name) for name in HASHED_FIELDS}
    values["case"] = event.case_id
    return values


def event_hash(event, prev_hash: str) -> str:
    return chain.seal(KIND, prev_hash, event_fields(event))


def verify_events(events) -> list[str]:
    """Problems found in one case's events (ordered by seq); empty when the chain holds."""
    return chain.verify(
        KIND, (chain.Link(e.seq, e.prev_hash, e.hash, event_fields(e)) for e in events)
    )


def replay(events, row: dict) -> list[str]:
    """Replay the events' changes from an empty row: they must give the case row."""
    return chain.replay(
        (chain.Step(e.seq, e.changes or {}, e.action in BASELINE_ACTIONS) for e in events), row
    )


def verify_case(values: dict, events: list) -> list[str]:
    """Every problem with one case: its chain, the replay of its changes against the row
    (`values`: a values() row with ROW_VALUES), the number its events bind, a cut tail."""
    problems = verify_events(events)
    problems += replay(events, row_state(values))
    for event in events:
        if event.case_code and event.case_code != values["code"]:
            problems.append(
                f"event #{event.seq} was written for case {event.case_code}, "
                f"but the case is numbered {values['code']}"
            )
    # Every step of a case bumps its version and writes one event (the report is version 0),
    # so a log shorter than that lost its last events.
    last_seq = events[-1].seq if events else 0
    if last_seq < values["version"] + 1:
        problems.append(
            f"the log ends at event #{last_seq} but the case has taken {values['version'] + 1} "
            "steps: the last events are missing"
        )
    return problems


def number_problems() -> list[str]:
    """Case numbers must run 1, 2, 3 … per day with no gap, up to the day's counter, and each
    case must be numbered for the day it was reported."""
    problems = []
    serials: dict[str, list[int]] = defaultdict(list)
    rows = Case.objects.order_by("pk").values_list("pk", "code", "reported_at")
    for pk, code, reported_at in rows.iterator(chunk_size=2000):
        if not re.fullmatch(r"SJ\d{12,}", code):
            problems.append(f"case id {pk} has no case number ({code})")
            continue
        day = f"{clock.localdate(reported_at):%Y%m%d}"
        if code[2:10] != day:
            problems.append(f"{code} was reported on {day} but is numbered for {code[2:10]}")
        serials[code[2:10]].append(int(code[10:]))
    counters = {f"{day:%Y%m%d}": last for day, last in CaseDaySequence.objects.values_list()}
    for day in sorted(set(serials) | set(counters)):
        issued = counters.get(day, 0)
        missing = sorted(set(range(1, issued + 1)) - set(serials[day]))
        beyond = sorted(n for n in serials[day] if n > issued)
        if missing:
            shown = ", ".join(str(n) for n in missing[:10]) + (" …" if len(missing) > 10 else "")
            problems.append(f"{day}: {issued} numbers issued, missing {shown}")
        if beyond:
            problems.append(f"{day}: numbers beyond the {issued} issued: {beyond[:10]}")
    return problems


class CaseChainSource:
    """The case log's part in the signed daily digest (core.digest): for each case with an
    event that day, its id, number, last seq and last hash at the day's end."""

    kind = KIND

    def first_day(self):
        first = CaseEvent.objects.order_by("at").values_list("at", flat=True).first()
        return clock.localdate(first) if first else None

    def heads(self, start: datetime, end: datetime) -> list[list]:
        touched = CaseEvent.objects.filter(at__gte=start, at__lt=end).values("case_id")
        tops = dict(
            CaseEvent.objects.filter(case_id__in=touched, at__lt=end)
            .order_by()
            .values("case_id")
            .annotate(top=Max("seq"))
            .values_list("case_id", "top")
        )
        hashes = self._hashes(tops)
        codes = dict(Case.objects.filter(pk__in=list(tops)).values_list("pk", "code"))
        return [[pk, codes[pk], seq, hashes[pk]] for pk, seq in sorted(tops.items())]

    def head_problems(self, heads: list[list]) -> list[str]:
        hashes = self._hashes({pk: seq for pk, _code, seq, _hash in heads})
        codes = dict(
            Case.objects.filter(pk__in=[head[0] for head in heads]).values_list("pk", "code")
        )
        problems = []
        for pk, code, seq, sealed in heads:
            if codes.get(pk) != code:
                problems.append(f"case id {pk} was sealed as {code} but is now {codes.get(pk)}")
            if hashes.get(pk) != sealed:
                problems.append(f"{code}: event #{seq} is not the one sealed")
        return problems

    @staticmethod
    def _hashes(tops: dict) -> dict:
        """The hash of event #tops[case id] of each case."""
        rows = CaseEvent.objects.filter(
            case_id__in=list(tops), seq__in=set(tops.values())
        ).values_list("case_id", "seq", "hash")
        return {pk: value for pk, seq, value in rows if tops[pk] == seq}


digest_source = CaseChainSource()
