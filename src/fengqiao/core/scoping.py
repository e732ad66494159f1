"""Jurisdiction scoping by code prefix: the one place that narrows a query to the caller."""

from typing import TypeVar

from django.db.models import Q, QuerySet

_QS = TypeVar("_QS", bound=QuerySet)


def actor_prefixes(actor) -> list[str] | None:
    """Code prefixes the actor may see; None means unrestricted (system admin)."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return []
    return actor.scope_prefixes()


def prefix_q(prefixes: list[str], field: str = "region_code") -> Q:
    q = Q(pk__in=[])
    for prefix in prefixes:
        q |= Q(**{f"{field}__startswith": prefix})
    return q


def scoped(qs: _QS, actor, field: str = "region_code") -> _QS:
    """Restrict `qs` to rows whose `field` lies inside the actor's jurisdiction."""
    prefixes = actor_prefixes(actor)
    if prefixes is None:
        return qs
    if not prefixes:
        return qs.none()
    return qs.filter(prefix_q(prefixes, field))


def code_within(actor, code: str) -> bool:
    prefixes = actor_prefixes(actor)
    if prefixes is None:
        return True
    return any(code.startswith(p) for p in prefixes)


def contains(area_code: str, code: str) -> bool:
    """The area `area_code` contains the place `code` (codes nest by prefix)."""
    return code.startswith(area_code)


def reaches_part_of(actor, code: str) -> bool:
    """The actor works in the area `code`: it lies in their jurisdiction, or part of their
    jurisdiction (e.g. a micro-grid) lies in it."""
    prefixes = actor_prefixes(actor)
    if prefixes is None:
        return True
    return any(contains(p, code) or contains(code, p) for p in prefixes)


def enclosing_codes(code: str) -> list[str]:
    """The codes every area containing `code` could have (its prefixes, itself included)."""
    return [code[:n] for n in range(2, len(code) + 1)]


def around_q(prefixes: list[str], field: str = "region_code") -> Q:
    """Rows inside any of `prefixes` or of an area that contains one of them (a unit of the
    township or county above a village serves it)."""
    enclosing = sorted({c for prefix in prefixes for c in enclosing_codes(prefix)})
    return prefix_q(prefixes, field) | Q(**{f"{field}__in": enclosing})
