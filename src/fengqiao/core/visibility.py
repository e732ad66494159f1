"""The visibility rule of rows placed by a code (registry rows, regions and grids): one queryset
method, `visible_to(actor)`, and the matching object check, `is_visible_to(actor)`.

A row is visible to an active user whose role may read it and whose jurisdiction contains the
row's code (a superuser's contains every code); the worker's sweeps ("system") see every row.
Cases have a rule of their own (cases.models.case_visibility_q: assignees and units too)."""

from typing import Any, ClassVar, Self, cast

from django.db import models

from fengqiao.core.roles import STAFF_ROLES, has_role
from fengqiao.core.scoping import code_within, scoped

SYSTEM_ACTOR = "system"


def _may_read(actor, roles) -> bool:
    if roles is None:
        return bool(actor is not None and getattr(actor, "is_authenticated", False))
    return has_role(actor, roles)


class PlacedQuerySet(models.QuerySet):
    """`scope_field` holds the row's code; `read_roles` may read such rows (None: any user)."""

    scope_field = "region_code"
    read_roles: frozenset | None = STAFF_ROLES

    def visible_to(self, actor) -> Self:
        if actor == SYSTEM_ACTOR:
            return self
        if not _may_read(actor, self.read_roles) or not actor.is_active:
            return self.none()
        return scoped(self, actor, self.scope_field)


class PlacedRow:
    """Model mixin: the object check matching the manager's `visible_to`."""

    # Set by Django on the model class this mixin is mixed into.
    _default_manager: ClassVar[models.Manager[Any]]

    def is_visible_to(self, actor) -> bool:
        # The model's default manager is built from a PlacedQuerySet (placed_rule).
        rule = cast(PlacedQuerySet, type(self)._default_manager.get_queryset())
        if actor == SYSTEM_ACTOR:
            return True
        if not _may_read(actor, rule.read_roles) or not actor.is_active:
            return False
        return code_within(actor, getattr(self, rule.scope_field) or "")


def placed_rule(*, field: str = "region_code", roles=STAFF_ROLES) -> type[PlacedQuerySet]:
    """A PlacedQuerySet for rows whose code is in `field`, readable by `roles`."""
    return type("PlacedQuerySet", (PlacedQuerySet,), {"scope_field": field, "read_roles": roles})
