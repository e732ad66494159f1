"""Shared cache of the notice fragments residents read, keyed by what they depend on only.

A fragment (a page of the notice list, the latest notices on the portal home) is the same for
every resident of a village, so it is cached per (village code, page, language, notices
version) and holds nothing about the person who asked: it is rendered without the request,
and names, cases and the account box are rendered for each request outside it. Every
publish, withdrawal or edit of a published notice moves the version (after its transaction
commits), so the next request renders afresh.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.core.cache import cache
from django.utils import translation

VERSION_KEY = "participation:notices:version"
# Old versions are never read again; they only wait to expire.
FRAGMENT_SECONDS = 600


def notices_version() -> int:
    version = cache.get(VERSION_KEY)
    if version is None:
        # Start from the clock, not from 1: after an eviction a restarted counter could meet
        # fragments cached under an old version with the same number.
        cache.add(VERSION_KEY, time.time_ns(), timeout=None)
        version = cache.get(VERSION_KEY)
    return version


def notices_changed() -> None:
    """What residents see of notices changed: drop every cached fragment (by moving on)."""
    try:
        cache.incr(VERSION_KEY)
    except ValueError:  # not there (never read, or evicted)
        cache.set(VERSION_KEY, time.time_ns(), timeout=None)


def fragment(kind: str, village_code: str, page: int, render: Callable[[], str]) -> str:
    """The cached HTML of fragment `kind` for a village (page `page`), rendered on a miss."""
    key = ":".join(
        [
            "participation",
            kind,
            village_code,
            str(page),
            translation.get_language() or "",
            str(notices_version()),
        ]
    )
    html = cache.get(key)
    if html is None:
        html = render()
        cache.set(key, html, FRAGMENT_SECONDS)
    return html
