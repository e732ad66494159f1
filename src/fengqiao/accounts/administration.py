"""Who a scoped administrator may administer, and which roles and bindings it may grant.

A superuser administers everything. An administrator bound to an area (role `admin`, not a
superuser) administers only the accounts that lie wholly inside that area, never its own
account, never another administrator or staff/superuser account, and may grant neither the
admin role nor the staff or superuser flags: it can never raise anyone, itself included,
to its own level or beyond.
"""

from collections.abc import Callable

from django.db.models import Q, QuerySet

from fengqiao.accounts.models import JurisdictionBinding, User
from fengqiao.core.roles import Role
from fengqiao.core.scoping import actor_prefixes, code_within, prefix_q

# Roles a scoped administrator may give: every role below its own.
GRANTABLE_ROLES = tuple(role for role in Role.values if role != Role.ADMIN)

# Other ways an account reaches rows beyond its bindings, registered by the apps above
# (cases: membership of a handling unit). Each takes the administrator's prefixes and gives
# the ids of the users who reach outside them: such an account is not the area's to manage,
# or resetting its password would hand the administrator that reach.
_OUTSIDE_REACH: list[Callable[[list[str]], QuerySet]] = []


def register_outside_reach(users_reaching_outside: Callable[[list[str]], QuerySet]) -> None:
    _OUTSIDE_REACH.append(users_reaching_outside)


def users_inside(qs: QuerySet, actor) -> QuerySet:
    """Accounts wholly inside the actor's jurisdiction: staff with at least one binding and
    every binding inside, or residents whose person record lies inside. Never a superuser."""
    prefixes = actor_prefixes(actor)
    if prefixes is None:
        return qs
    if not prefixes:
        return qs.none()
    bindings = JurisdictionBinding.objects.all()
    inside = bindings.filter(prefix_q(prefixes, "code")).values("user_id")
    outside = bindings.exclude(prefix_q(prefixes, "code")).values("user_id")
    staff = Q(pk__in=inside) & ~Q(pk__in=outside)
    resident = (
        Q(role=Role.RESIDENT)
        & ~Q(pk__in=bindings.values("user_id"))
        & prefix_q(prefixes, "person__region_code")
    )
    qs = qs.filter(staff | resident).exclude(is_superuser=True)
    for users_reaching_outside in _OUTSIDE_REACH:
        qs = qs.exclude(pk__in=users_reaching_outside(prefixes))
    return qs


def users_administered_by(actor, qs: QuerySet | None = None) -> QuerySet:
    """The accounts `actor` may open and change in the user admin."""
    qs = User.objects.all() if qs is None else qs
    if actor.is_superuser:
        return qs
    return (
        users_inside(qs, actor).exclude(pk=actor.pk).exclude(is_staff=True).exclude(role=Role.ADMIN)
    )


def may_grant_role(actor, role: str) -> bool:
    return actor.is_superuser or role in GRANTABLE_ROLES


def may_bind(actor, code: str) -> bool:
    """May `actor` bind an account to the region or grid whose prefix code is `code`?"""
    return bool(code) and code_within(actor, code)
