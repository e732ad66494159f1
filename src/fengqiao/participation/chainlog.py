"""The notice log as a keyed chain (core.chain): what each event records and seals, the
append, the replay against the notice row, and its part in the signed daily digest."""

import hashlib
from datetime import UTC, datetime
from itertools import groupby

from django.db.models import Max

from fengqiao.core import chain, clock
from fengqiao.participation.models import Notice, NoticeEvent

KIND = "notice"
HASHED_FIELDS = ("seq", "action", "actor_id", "at", "note", "changes")
TRACKED = ("region_code", "category", "title", "body", "status", "is_pinned", "published_at")
BASELINE = "baseline"


def snapshot(notice) -> dict:
    """The tracked fields of a notice, as the log records them (the text by its SHA-256)."""
    return {
        "region_code": notice.region_code,
        "category": notice.category,
        "title": notice.title,
        "body": hashlib.sha256(notice.body.encode()).hexdigest(),
        "status": notice.status,
        "is_pinned": notice.is_pinned,
        "published_at": (
            notice.published_at.astimezone(UTC).isoformat() if notice.published_at else None
        ),
    }


def event_fields(event) -> dict:
    values = {name: getattr(event, name) for name in HASHED_FIELDS}
    values["notice"] = event.notice_id
    return values


def event_hash(event, prev_hash: str) -> str:
    return chain.seal(KIND, prev_hash, event_fields(event))


def append(notice, *, action: str, actor, at: datetime, note: str = "", before: dict | None):
    """Append the next event of the notice's chain (the notice row is locked, or new)."""
    last = notice.events.order_by("-seq").values_list("seq", "hash").first()
    seq, prev_hash = (last[0] + 1, last[1]) if last else (1, chain.GENESIS)
    event = NoticeEvent(
        notice=notice,
        seq=seq,
        action=action,
        actor=actor,
        at=at.astimezone(UTC),  # sealed as the database gives it back
        note=note[:200],
        changes=chain.diff(before or {}, snapshot(notice)),
        prev_hash=prev_hash,
    )
    event.hash = event_hash(event, prev_hash)
    event.save(force_insert=True)
    return event


def verify_notice(notice, events: list) -> list[str]:
    problems = chain.verify(
        KIND, (chain.Link(e.seq, e.prev_hash, e.hash, event_fields(e)) for e in events)
    )
    steps = (chain.Step(e.seq, e.changes or {}, e.action == BASELINE) for e in events)
    return problems + chain.replay(steps, snapshot(notice))


class NoticeChainSource:
    """Notices in verify-log and in the signed daily digest (settings.FENGQIAO_CHAINS)."""

    kind = KIND

    def first_day(self):
        first = NoticeEvent.objects.order_by("at").values_list("at", flat=True).first()
        return clock.localdate(first) if first else None

    def heads(self, start: datetime, end: datetime) -> list[list]:
        touched = NoticeEvent.objects.filter(at__gte=start, at__lt=end).values("notice_id")
        tops = dict(
            NoticeEvent.objects.filter(notice_id__in=touched, at__lt=end)
            .order_by()
            .values("notice_id")
            .annotate(top=Max("seq"))
            .values_list("notice_id", "top")
        )
        hashes = self._hashes(tops)
        return [[pk, "", seq, hashes[pk]] for pk, seq in sorted(tops.items())]

    def head_problems(self, heads: list[list]) -> list[str]:
        hashes = self._hashes({pk: seq for pk, _label, seq, _hash in heads})
        return [
            f"notice {pk}: event #{seq} is not the one sealed"
            for pk, _label, seq, sealed in heads
            if hashes.get(pk) != sealed
        ]

    def verify_all(self):
        """(label, problems) for each notice whose log does not hold."""
        notices = {notice.pk: notice for notice in Notice.objects.order_by("pk")}
        events = NoticeEvent.objects.order_by("notice_id", "seq")
        by_notice = {pk: list(rows) for pk, rows in groupby(events, key=lambda e: e.notice_id)}
        for pk, notice in notices.items():
            problems = verify_notice(notice, by_notice.get(pk, []))
            if problems:
                yield f"notice {pk}", problems

    @staticmethod
    def _hashes(tops: dict) -> dict:
        rows = NoticeEvent.objects.filter(
            notice_id__in=list(tops), seq__in=set(tops.values())
        ).values_list("notice_id", "seq", "hash")
        return {pk: value for pk, seq, value in rows if tops[pk] == seq}


digest_source = NoticeChainSource()
