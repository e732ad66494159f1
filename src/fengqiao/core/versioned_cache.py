"""Values built from the database and kept per process, made stale everywhere by a version.

A `VersionedCache` pairs a counter in Django's shared cache (Redis, or files under
FENGQIAO_HOME: seen by every process) with a counter of this process (seen at once, even
when the shared cache is down). `get(build)` returns this process's copy while both counters
read as when it was built, and builds it again otherwise; `bump()` moves both after a change
commits, `changed()` does it for a change still inside a transaction (this process at once,
the others after commit), `invalidate_local()` only drops this process's copies (tests whose
transactions roll back). `check_every` spaces out reads of the shared counter; `max_age`
rebuilds a copy that old whatever the counters say, so a bump lost to a cache outage or a
rolled-back change costs at most that long.

Values kept in the shared cache itself (rendered fragments) carry `shared_version()` in
their keys instead of using `get`.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from django.core.cache import cache
from django.db import transaction

logger = logging.getLogger(__name__)

T = TypeVar("T")

_NEVER = float("-inf")
_MISSING: Any = object()


def _seed() -> int:
    # A random start, so a counter recreated after eviction never repeats a version some
    # process already built a copy at (or some fragment was cached under).
    return secrets.randbits(62)


class VersionedCache:
    """Per-process copies of values named by a key, rebuilt when `key` (shared) moves."""

    def __init__(
        self, name: str, *, key: str, check_every: float = 0.0, max_age: float | None = None
    ):
        self.name = name
        self.key = key
        self.check_every = check_every
        self.max_age = max_age
        self._lock = threading.Lock()  # guards the counters and the table of build locks
        self._local = 0
        self._shared: tuple[Any, float] = (None, _NEVER)  # (version read, monotonic time read)
        self._copies: dict[Hashable, tuple[tuple, float, Any]] = {}  # part → (version, at, value)
        self._build_locks: dict[Hashable, threading.Lock] = {}

    # --- versions -------------------------------------------------------------------------

    def shared_version(self) -> int | None:
        """The shared counter (read at most once every `check_every` seconds), created when
        missing; None while the shared cache cannot be read."""
        now = time.monotonic()
        version, read_at = self._shared
        if now - read_at < self.check_every:
            return version
        try:
            version = cache.get(self.key)
            if version is None:
                cache.add(self.key, _seed(), timeout=None)
                version = cache.get(self.key)
        except Exception:  # without the shared cache, fall back to this process's changes
            logger.warning(
                "could not read %s; %s follows this process's changes only",
                self.key,
                self.name,
                exc_info=True,
            )
            version = None
        self._shared = (version, now)
        return version

    def version(self) -> tuple:
        """(shared, local): a copy built at another version is out of date."""
        return (self.shared_version(), self._local)

    # --- copies ---------------------------------------------------------------------------

    def get(self, build: Callable[[], T], part: Hashable = "") -> T:
        """This process's copy of `part`, built with `build()` when missing or out of date.
        One thread builds while the others asking for the same part wait for its result, so
        `build` must not ask this cache for another part (two such builds could wait on each
        other). The value is shared by every thread and request: treat it as read-only."""
        value = self._fresh(part, self.version())
        if value is not _MISSING:
            return value
        with self._build_lock(part):
            # Read the version before the rows: a change committed during the build then
            # shows as a newer version and triggers another build, instead of being lost.
            version = self.version()
            value = self._fresh(part, version)
            if value is _MISSING:
                value = build()
                self._copies[part] = (version, time.monotonic(), value)
        return value

    def _fresh(self, part: Hashable, version: tuple) -> Any:
        copy = self._copies.get(part)
        if copy is None or copy[0] != version:
            return _MISSING
        if self.max_age is not None and time.monotonic() - copy[1] >= self.max_age:
            return _MISSING
        return copy[2]

    def _build_lock(self, part: Hashable) -> threading.Lock:
        with self._lock:
            return self._build_locks.setdefault(part, threading.Lock())

    # --- changes --------------------------------------------------------------------------

    def invalidate_local(self) -> None:
        """Drop this process's copies; the next `get` rebuilds and reads the shared counter."""
        with self._lock:
            self._local += 1
            self._copies.clear()
            self._shared = (None, _NEVER)

    def bump(self) -> None:
        """The values changed and the change is committed: this process rebuilds at once,
        the others when they next read the shared counter."""
        self.invalidate_local()
        try:
            try:
                cache.incr(self.key)
            except ValueError:  # never set, or evicted
                if not cache.add(self.key, _seed(), timeout=None):
                    cache.incr(self.key)
        except Exception:  # a cache outage must not fail the write that just committed
            logger.warning(
                "could not bump %s; other processes may keep a stale %s%s",
                self.key,
                self.name,
                f" for up to {self.max_age} s" if self.max_age is not None else "",
                exc_info=True,
            )
        self._shared = (None, _NEVER)  # read it afresh next time

    def changed(self, **_signal_kwargs) -> None:
        """A change inside the current transaction (a signal receiver): this process drops
        its copies now, every process rebuilds once the change commits."""
        self.invalidate_local()
        transaction.on_commit(self.bump)
