"""Per-process copies of small configuration tables (categories, SLA rules, working-day
overrides) for hot paths such as case intake, refreshed when any process changes them.

`config_changed()` runs after every save or delete of such a row (signals, core/apps.py and
cases/apps.py): this process drops its copies at once, and after commit the shared version
moves on, which other processes read at most once every CHECK_EVERY seconds. Copies are also
rebuilt after MAX_AGE whatever the version says, so a change that was rolled back or a cache
outage costs at most that long. The versioning is core.versioned_cache's.
"""

from collections.abc import Callable
from typing import TypeVar

from fengqiao.core.versioned_cache import VersionedCache

VERSION_KEY = "fengqiao:config-version"
CHECK_EVERY = 1.0
MAX_AGE = 60.0

T = TypeVar("T")

_copies = VersionedCache(
    "configuration copies", key=VERSION_KEY, check_every=CHECK_EVERY, max_age=MAX_AGE
)


def config_changed(**_signal_kwargs) -> None:
    """Drop this process's copies now; tell the other processes once the change commits."""
    _copies.changed()


def forget_copies() -> None:
    """Drop this process's copies (the next use reloads them and reads the shared version)."""
    _copies.invalidate_local()


def cached_config(name: str, load: Callable[[], T]) -> T:
    """This process's copy of `name`, loaded with `load()` when missing or out of date.
    The value is shared by every thread and request: treat it as read-only."""
    return _copies.get(load, part=name)
