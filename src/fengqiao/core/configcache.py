"""Per-process copies of small configuration tables (categories, SLA rules, working-day
overrides) for hot paths such as case intake, refreshed when any process changes them.

`config_changed()` runs after every save or delete of such a row (signals, core/apps.py and
cases/apps.py): this process drops its copies at once, and after commit a counter in Django's
shared cache (Redis, or files under FENGQIAO_HOME) moves on, which other processes read at most
once every CHECK_EVERY seconds. Copies are also rebuilt after MAX_AGE whatever the counter says,
so a change that was rolled back or a cache outage costs at most that long.
"""

import logging
import secrets
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache
from django.db import transaction

logger = logging.getLogger(__name__)

VERSION_KEY = "fengqiao:config-version"
CHECK_EVERY = 1.0
MAX_AGE = 60.0

T = TypeVar("T")

_lock = threading.Lock()
_local_version = 0
_shared: tuple[object, float] = (None, float("-inf"))  # (version read, monotonic time read)
_copies: dict[str, tuple[tuple, float, object]] = {}


def config_changed(**_signal_kwargs) -> None:
    """Drop this process's copies now; tell the other processes once the change commits."""
    forget_copies()
    transaction.on_commit(_bump_shared)


def forget_copies() -> None:
    """Drop this process's copies (the next use reloads them and reads the shared version)."""
    global _local_version, _shared
    with _lock:
        _local_version += 1
        _copies.clear()
        _shared = (None, float("-inf"))


def _bump_shared() -> None:
    global _shared
    try:
        try:
            cache.incr(VERSION_KEY)
        except ValueError:  # never set, or evicted
            if not cache.add(VERSION_KEY, secrets.randbelow(2**31), timeout=None):
                cache.incr(VERSION_KEY)
    except Exception:  # a cache outage must not fail the write that just committed
        logger.warning(
            "could not bump %s; other processes catch up within %s s",
            VERSION_KEY,
            MAX_AGE,
            exc_info=True,
        )
    _shared = (None, float("-inf"))  # read it afresh next time


def _shared_version(now: float) -> object:
    global _shared
    version, read_at = _shared
    if now - read_at < CHECK_EVERY:
        return version
    try:
        version = cache.get(VERSION_KEY)
    except Exception:
        logger.warning(
            "could not read %s; using this process's changes only", VERSION_KEY, exc_info=True
        )
        version = None
    _shared = (version, now)
    return version


def cached_config(name: str, load: Callable[[], T]) -> T:
    """This process's copy of `name`, loaded with `load()` when missing or out of date.
    The value is shared by every thread and request: treat it as read-only."""
    now = time.monotonic()
    version = (_shared_version(now), _local_version)
    copy = _copies.get(name)
    if copy is not None and copy[0] == version and now - copy[1] < MAX_AGE:
        return copy[2]
    value = load()
    _copies[name] = (version, now, value)
    return value
