"""Each role's main menu and landing page: one table each, read by the page header and `home`.

Pages are named by URL name (resolved when drawn), so accounts imports none of the apps above
it. A role sees only the pages it works from; a superuser gets the administrator's menu.
"""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fengqiao.core.roles import Role

# key → (URL name, label). The order of a role's tuple below is the order of its menu.
ITEMS = {
    "home": ("home", _("Home")),
    "cases": ("cases:queue", _("Cases")),
    "inbox": ("cases:inbox", _("Inbox")),
    "mediation": ("mediation:disputes", _("Mediation")),
    "petitions": ("mediation:petitions", _("Petitions")),
    "notices": ("participation:notices", _("Notices")),
    "visits": ("fieldwork:visits", _("Visits")),
    "assessment": ("fieldwork:assessment", _("Assessment")),
    "grid_app": ("mobile:home", _("Grid app")),
    "regions": ("regions:browse", _("Regions and grids")),
    "people": ("registry:people", _("People")),
    "households": ("registry:households", _("Households")),
    "dwellings": ("registry:dwellings", _("Dwellings")),
    "organizations": ("registry:organizations", _("Organisations")),
    "places": ("registry:places", _("Places")),
    "facilities": ("registry:facilities", _("Facilities")),
    "dashboard": ("insight:dashboard", _("Dashboard")),
    "audit": ("audit:log", _("Audit log")),
    "configuration": ("admin:index", _("Configuration")),
    "my_reports": ("h5:home", _("My reports")),
    "my_data": ("h5_me:home", _("My data")),
}

MENUS: dict[str, tuple[str, ...]] = {
    Role.ADMIN: (
        "home",
        "cases",
        "mediation",
        "petitions",
        "notices",
        "visits",
        "regions",
        "people",
        "households",
        "dwellings",
        "organizations",
        "places",
        "facilities",
        "dashboard",
        "audit",
        "configuration",
    ),
    Role.LEADER: ("dashboard", "cases", "mediation", "petitions", "assessment", "regions"),
    Role.CENTRE_STAFF: (
        "home",
        "cases",
        "inbox",
        "mediation",
        "petitions",
        "notices",
        "visits",
        "regions",
        "people",
        "households",
        "dashboard",
    ),
    Role.GRID_CHIEF: (
        "home",
        "cases",
        "inbox",
        "grid_app",
        "mediation",
        "notices",
        "visits",
        "people",
        "households",
        "dwellings",
        "organizations",
        "places",
        "facilities",
    ),
    Role.GRID_WORKER: (
        *("grid_app", "cases", "people", "households", "dwellings"),
        *("organizations", "places", "facilities"),
    ),
    Role.UNIT_HEAD: ("home", "cases", "notices", "people", "households"),
    Role.HANDLER: ("inbox", "cases", "petitions", "grid_app"),
    Role.MEDIATOR: ("home", "mediation", "petitions", "people"),
    Role.LEGAL_ADVISOR: ("home", "mediation", "people"),
    Role.RESIDENT: ("my_reports", "my_data"),
}

# Where `home` sends a role that works from another page (the rest land on the home page).
LANDINGS = {
    Role.GRID_WORKER: "mobile:home",
    Role.RESIDENT: "h5:home",
    Role.LEADER: "insight:dashboard",
    Role.HANDLER: "cases:inbox",
    Role.ADMIN: "admin:index",
}


def _role(user) -> str:
    return Role.ADMIN if user.is_superuser else user.role


def menu_keys(user) -> tuple[str, ...]:
    """The menu items of the user's role; configuration only for accounts that may open it."""
    keys = MENUS.get(_role(user), ("home",))
    return tuple(k for k in keys if k != "configuration" or user.is_staff)


def menu_for(user) -> list[dict]:
    """The signed-in user's menu as the header draws it: key, URL and label."""
    if not user.is_authenticated:
        return []
    return [
        {"key": key, "url": reverse(ITEMS[key][0]), "label": ITEMS[key][1]}
        for key in menu_keys(user)
    ]


def landing_for(user) -> str:
    """The URL name a role lands on instead of the home page, or "" for the home page."""
    name = LANDINGS.get(_role(user), "")
    if name == "admin:index" and not user.is_staff:
        return ""
    return name
