"""Signed daily digests: each day's heads of every keyed chain, sealed with Ed25519, chained to
the day before, exportable as JSON and checked against the logs by verify-log.

The chains are listed in settings.FENGQIAO_CHAINS (core imports no app above it): each is an
object with `kind`, `first_day()`, `heads(start, end)` and `head_problems(heads)`.
"""

import hashlib
import json
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.module_loading import import_string

from fengqiao.core import chain, clock
from fengqiao.core.models import ChainDigest

EXPORT_FORMAT = "fengqiao-chain-digest/1"
FIELDS = ("day", "sealed_at", "heads", "prev_hash", "hash", "signature", "public_key")


def sources() -> list:
    return [import_string(path) for path in settings.FENGQIAO_CHAINS]


def digest_hash(day: str, heads: dict, prev_hash: str) -> str:
    """SHA-256 over the day, its heads and the digest before (what the signature covers)."""
    text = json.dumps(
        {"day": day, "heads": heads, "prev_hash": prev_hash},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(text.encode()).hexdigest()


def _bounds(day: date) -> tuple[datetime, datetime]:
    zone = ZoneInfo(settings.TIME_ZONE)
    start = datetime.combine(day, time.min, tzinfo=zone)
    return start, datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)


def seal_day(day: date, now: datetime) -> ChainDigest:
    """Seal one day: the heads every chain had at its end, signed, after the last digest."""
    start, end = _bounds(day)
    heads = {source.kind: source.heads(start, end) for source in sources()}
    last = ChainDigest.objects.order_by("-day").first()
    prev_hash = last.hash if last else chain.GENESIS
    digest_text = digest_hash(day.isoformat(), heads, prev_hash)
    return ChainDigest.objects.create(
        day=day,
        sealed_at=now,
        heads=heads,
        prev_hash=prev_hash,
        hash=digest_text,
        signature=chain.sign(digest_text.encode()),
        public_key=chain.public_key_text(),
    )


def seal_days(now: datetime | None = None) -> int:
    """Seal every day not sealed yet, up to yesterday; idempotent (a day is sealed once)."""
    now = now or clock.now()
    today = clock.localdate(now)
    last = ChainDigest.objects.order_by("-day").values_list("day", flat=True).first()
    if last is not None:
        day = last + timedelta(days=1)
    else:
        firsts = [first for source in sources() if (first := source.first_day())]
        if not firsts:
            return 0
        day = min(firsts)
    sealed = 0
    while day < today:
        try:
            with transaction.atomic():
                seal_day(day, now)
        except IntegrityError:
            return sealed  # another worker sealed this day meanwhile
        sealed += 1
        day += timedelta(days=1)
    return sealed


def sweep(now: datetime) -> dict[str, int]:
    """The worker's pass (settings.FENGQIAO_SWEEPS)."""
    return {"digests": seal_days(now)}


def as_dict(digest: ChainDigest) -> dict:
    values = {name: getattr(digest, name) for name in FIELDS}
    values["day"] = digest.day.isoformat()
    values["sealed_at"] = chain.canonical(digest.sealed_at)
    return values


def stored() -> list[dict]:
    return [as_dict(digest) for digest in ChainDigest.objects.order_by("day")]


def export(path: Path) -> int:
    digests = stored()
    document = {
        "format": EXPORT_FORMAT,
        "public_key": chain.public_key_text(),
        "digests": digests,
    }
    path.write_text(json.dumps(document, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return len(digests)


def check(digests: list[dict], *, where: str) -> list[str]:
    """Problems with a run of digests (ordered by day): each hash, link and signature, and
    each head against the logs as they are now."""
    problems = []
    public_key = chain.public_key_text()
    prev = chain.GENESIS
    chains = sources()
    for digest in digests:
        day = digest["day"]
        if digest["prev_hash"] != prev:
            problems.append(f"{where} {day}: does not follow the digest before it")
        if digest_hash(day, digest["heads"], digest["prev_hash"]) != digest["hash"]:
            problems.append(f"{where} {day}: was changed after it was sealed")
        if digest["public_key"] != public_key or not chain.signature_holds(
            public_key, digest["hash"].encode(), digest["signature"]
        ):
            problems.append(f"{where} {day}: the signature does not hold")
        for source in chains:
            problems += [
                f"{where} {day}: {problem}"
                for problem in source.head_problems(digest["heads"].get(source.kind, []))
            ]
        prev = digest["hash"]
    return problems


def check_exported(path: Path) -> list[str]:
    """An exported copy checked on its own, against the logs, and against the stored digests:
    a day rewritten and sealed again in the database differs from the copy kept elsewhere."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        digests = document["digests"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return [f"{path}: not a digest export ({exc})"]
    problems = []
    if document.get("public_key") != chain.public_key_text():
        problems.append(f"{path}: signed with another key than this installation's")
    problems += check(digests, where="exported digest")
    in_database = dict(ChainDigest.objects.values_list("day", "hash"))
    for digest in digests:
        kept = in_database.get(date.fromisoformat(digest["day"]))
        if kept != digest["hash"]:
            problems.append(
                f"exported digest {digest['day']}: the database holds "
                + ("no digest for this day" if kept is None else "another digest for this day")
            )
    return problems
