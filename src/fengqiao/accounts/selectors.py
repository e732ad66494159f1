"""Reads of accounts: the caller's own profile and jurisdictions."""

from django.conf import settings
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from fengqiao.accounts.models import JurisdictionBinding, User
from fengqiao.core.roles import Role


def jurisdictions_of(*, user: User) -> list[dict]:
    rows = []
    for b in JurisdictionBinding.objects.filter(user=user).select_related("region", "grid"):
        target = b.region or b.grid
        kind = b.region.level if b.region else "grid"
        rows.append({"code": target.code, "name": target.name, "kind": kind})
    return rows


def me(*, user: User) -> dict:
    return {
        "id": user.pk,
        "username": user.username,
        "display_name": user.display_name,
        "role": user.role,
        "role_label": str(user.get_role_display()),
        "is_superuser": user.is_superuser,
        "jurisdictions": jurisdictions_of(user=user),
        "person_id": user.person_id,
    }


ROLE_TASKS = {
    "admin": (_("Configure regions, grids, tags and accounts; import and export the registry."),),
    "leader": (_("Read the numbers and the map of your jurisdiction."),),
    "centre_staff": (_("Keep the registry of your jurisdiction; import and export it."),),
    "grid_chief": (_("Know every household of your grid; check your grid workers' records."),),
    "grid_worker": (_("Visit households, keep their records up to date, report what you find."),),
    "unit_head": (_("Relay the needs of your household group."),),
    "handler": (_("Look up the people and places of cases dispatched to you."),),
    "mediator": (_("Look up the parties of disputes in your jurisdiction."),),
    "legal_advisor": (_("Look up the people who ordered legal services."),),
}


def home_panels(*, user: User) -> list[dict]:
    """The work panels of the user's role, from the apps that own the work
    (settings.FENGQIAO_HOME_PANELS: role → dotted paths of `f(*, user) -> dict`, each dict
    naming its `template`); accounts imports none of those apps."""
    role = Role.ADMIN if user.is_superuser else user.role
    paths = getattr(settings, "FENGQIAO_HOME_PANELS", {}).get(role, [])
    return [import_string(path)(user=user) for path in paths]


def home_summary(*, user: User) -> dict:
    """What the home page shows: the work panels of the role, then the caller's jurisdiction
    with the registry's counts."""
    from fengqiao.registry import selectors as registry

    return {
        "panels": home_panels(user=user),
        "jurisdictions": jurisdictions_of(user=user) or [{"code": "", "name": "*", "kind": ""}],
        "tasks": ROLE_TASKS.get(user.role, ()),
        "counts": {
            "people": registry.person_list(actor=user).count(),
            "households": registry.household_list(actor=user).count(),
            "dwellings": registry.dwelling_list(actor=user).count(),
            "groups": registry.household_group_list(actor=user).count(),
        },
        "tag_counts": registry.tag_count_rows(actor=user),
    }
