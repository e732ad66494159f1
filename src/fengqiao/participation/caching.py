"""Shared cache of the notice fragments residents read, keyed by what they depend on only.

A fragment (a page of the notice list, the latest notices on the portal home) is the same for
every resident of a village, so it is cached per (village code, page, language, notices
version) and holds nothing about the person who asked: it is rendered without the request,
and names, cases and the account box are rendered for each request outside it. Every
publish, withdrawal or edit of a published notice moves the version (after its transaction
commits), so the next request renders afresh. The version is core.versioned_cache's.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.cache import cache
from django.utils import translation

from fengqiao.core.versioned_cache import VersionedCache

VERSION_KEY = "participation:notices:version"
# Old versions are never read again; they only wait to expire.
FRAGMENT_SECONDS = 600

# The fragments live in the shared cache, under the shared version (read on every request).
_notices = VersionedCache("notice fragments", key=VERSION_KEY)


def notices_version() -> int | None:
    """The version in every fragment's key; None while the shared cache cannot be read."""
    return _notices.shared_version()


def notices_changed() -> None:
    """What residents see of notices changed: drop every cached fragment (by moving on)."""
    _notices.bump()


def fragment(kind: str, village_code: str, page: int, render: Callable[[], str]) -> str:
    """The cached HTML of fragment `kind` for a village (page `page`), rendered on a miss."""
    version = notices_version()
    if version is None:  # no version to key it by: render it, keep nothing
        return render()
    key = ":".join(
        [
            "participation",
            kind,
            village_code,
            str(page),
            translation.get_language() or "",
            str(version),
        ]
    )
    html = cache.get(key)
    if html is None:
        html = render()
        cache.set(key, html, FRAGMENT_SECONDS)
    return html
