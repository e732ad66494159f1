"""Roles (DESIGN.md "Who uses it") and which of them may do what with personal data.

They live in core so every app can check a role without importing accounts (upward).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    LEADER = "leader", _("Leader")
    CENTRE_STAFF = "centre_staff", _("Centre staff")
    GRID_CHIEF = "grid_chief", _("Grid chief")
    GRID_WORKER = "grid_worker", _("Grid worker")
    UNIT_HEAD = "unit_head", _("Household group head")
    HANDLER = "handler", _("Handling department")
    MEDIATOR = "mediator", _("Mediator")
    LEGAL_ADVISOR = "legal_advisor", _("Legal advisor")
    RESIDENT = "resident", _("Resident")


STAFF_ROLES = frozenset(set(Role.values) - {Role.RESIDENT})
# Roles that may reveal a full ID or phone number (each reveal is logged).
REVEAL_ROLES = frozenset({Role.ADMIN, Role.CENTRE_STAFF, Role.GRID_CHIEF, Role.GRID_WORKER})
# Roles that may see sensitive person tags.
SENSITIVE_TAG_ROLES = frozenset({Role.ADMIN, Role.CENTRE_STAFF, Role.GRID_CHIEF})
# Roles that may import, edit and export the registry.
REGISTRY_EDIT_ROLES = frozenset({Role.ADMIN, Role.CENTRE_STAFF, Role.GRID_CHIEF, Role.GRID_WORKER})
REGISTRY_EXPORT_ROLES = frozenset({Role.ADMIN, Role.CENTRE_STAFF})
# Roles that see the registry of their jurisdiction at all.
REGISTRY_READ_ROLES = frozenset(STAFF_ROLES)


def has_role(actor, roles) -> bool:
    """True for a superuser or an active user whose role is in `roles`."""
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return False
    return actor.is_superuser or actor.role in roles
