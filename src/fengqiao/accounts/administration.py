"""Who a scoped administrator may administer, and which roles and bindings it may grant.

A superuser administers everything. An administrator bound to an area (role `admin`, not a
superuser) administers only the accounts that lie wholly inside that area, never its own
account, never another administrator or staff/superuser account, and may grant neither the
admin role nor the staff or superuser flags: it can never raise anyone, itself included,
to its own level or beyond.
"""

from django.db.models import Q, QuerySet

from fengqiao.accounts.models import JurisdictionBinding, User
from fengqiao.core.roles import Role
from fengqiao.core.scoping import actor_prefixes, code_within, prefix_q

# Roles a scoped administrator may give: every role below its own.
GRANTABLE_ROLES = tuple(role for role in Role.values if role != Role.ADMIN)


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
    return qs.filter(staff | resident).exclude(is_superuser=True)


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
