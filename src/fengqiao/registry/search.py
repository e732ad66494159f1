"""People search: by name for anyone who may read the registry; by a full number only as a
reveal (roles that may reveal, logged, rate-limited), so the search is never an oracle.

A search by a full ID or phone number confirms whether that number is registered, so it is
treated like reveal: refused (and empty) for roles that may not reveal, written to the access
log (action reveal, detail "search") and limited per user per hour. Queries made only of
number characters that are not a full number match nothing: the masked columns are never
searched, so no prefix or suffix can be tested either.
"""

import re
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from fengqiao.core import clock, crypto
from fengqiao.core.errors import DomainError, NotAllowed
from fengqiao.core.models import AccessLog
from fengqiao.core.roles import REVEAL_ROLES, Role, has_role
from fengqiao.core.scoping import actor_prefixes
from fengqiao.registry import sealing, selectors
from fengqiao.registry.models import Person

_ID_LIKE = re.compile(r"^\d{17}[\dX]$|^\d{15}$")
_PHONE_LIKE = re.compile(r"^\+?\d{7,15}$")
# What is left of a query once spaces, dashes and dots are removed, if it is "a number".
_NUMBERISH = re.compile(r"^\+?[\dX]+$")
_SEPARATORS = re.compile(r"[\s\-.()]+")
NUMBER_SEARCHES_PER_HOUR = 30


class SearchLimited(DomainError):
    status = 429
    code = "rate_limited"


@dataclass
class PeopleSearch:
    """The people found and, when a query was refused or matched by number, why."""

    people: QuerySet[Person]
    notice: str = ""
    refused: bool = False

    def or_raise(self) -> QuerySet[Person]:
        """The people, or the refusal as an error (for the API)."""
        if self.refused:
            raise NotAllowed(self.notice, code="needs_reveal", field="q")
        return self.people


def _limit_per_hour() -> int:
    return getattr(settings, "FENGQIAO_NUMBER_SEARCHES_PER_HOUR", NUMBER_SEARCHES_PER_HOUR)


def _count_number_search(actor) -> None:
    """One more number search by the actor this hour; SearchLimited past the limit."""
    hour = int(time.time() // 3600)
    key = f"registry:number-search:{actor.pk}:{hour}"
    cache.add(key, 0, timeout=3600)
    try:
        used = cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, timeout=3600)
        used = 1
    if used > _limit_per_hour():
        raise SearchLimited(
            _(
                "You have searched by full ID or phone number %(n)d times this hour, the most "
                "allowed; try again later or search by name."
            )
            % {"n": _limit_per_hour()}
        )


def _log(actor, field: str, people: list[Person], ip) -> None:
    prefixes = actor_prefixes(actor) or [""]
    region = people[0].region_code if len(people) == 1 else prefixes[0]
    AccessLog.objects.create(
        actor=actor,
        action=AccessLog.Action.REVEAL,
        object_type="person",
        object_id=",".join(str(p.pk) for p in people)[:40],
        field=field,
        detail="search",
        region_code=region or "",
        ip=ip,
        at=clock.now(),
    )


def classify(q: str) -> tuple[str, str]:
    """("name" | "id_number" | "phone" | "partial", normalised query)."""
    q = (q or "").strip()
    compact = _SEPARATORS.sub("", q).upper()
    if compact and _NUMBERISH.match(compact) and any(ch.isdigit() for ch in compact):
        if _ID_LIKE.match(compact):
            return "id_number", compact
        if _PHONE_LIKE.match(compact):
            return "phone", compact
        return "partial", compact
    return "name", q


def person_search(
    *, actor, q: str = "", tag: str = "", grid_code: str = "", household_id=None, ip=None
) -> PeopleSearch:
    """People the actor may see, filtered by `q`; a full-number query is a logged reveal.

    Raises SearchLimited when the actor's number searches this hour are used up.
    """
    kind, value = classify(q)
    base = selectors.person_list(
        actor=actor,
        q=value if kind == "name" else "",
        tag=tag,
        grid_code=grid_code,
        household_id=household_id,
    )
    if kind == "name":
        return PeopleSearch(base)
    if has_role(actor, {Role.RESIDENT}) and not actor.is_superuser:
        return PeopleSearch(base.none())
    if kind == "partial":
        return PeopleSearch(
            base.none(),
            _(
                "Search by name, or by a whole ID or phone number; parts of numbers are not "
                "searched."
            ),
        )
    if not has_role(actor, REVEAL_ROLES):
        return PeopleSearch(
            base.none(),
            _("Searching by a full ID or phone number needs the right to reveal."),
            refused=True,
        )
    if kind == "id_number":
        try:
            number = sealing.parse_id_or_fail(value).number
        except DomainError:  # an invalid number matches nobody, and says nothing about anyone
            return PeopleSearch(base.none(), _("This is not a valid ID number."))
        _count_number_search(actor)
        people = base.filter(id_number_hash=crypto.lookup_hash(number))
    else:
        _count_number_search(actor)
        people = base.filter(phone_hash=crypto.lookup_hash(value))
    found = list(people[:20])
    _log(actor, kind, found, ip)
    return PeopleSearch(people, _("Searching by a full number is recorded in the access log."))
