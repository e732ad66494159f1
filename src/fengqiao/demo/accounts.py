"""Demo accounts: one per role (two desks more: court, petition office) in the demo county."""

from __future__ import annotations

from typing import NamedTuple

from django.db import transaction
from faker import Faker

from fengqiao.accounts.models import User
from fengqiao.accounts.services import user_create
from fengqiao.core.roles import Role
from fengqiao.demo import COUNTY_CODE, DEFAULT_SEED
from fengqiao.regions.models import Grid, Region
from fengqiao.registry.models import Household

__all__ = [
    "DEMO_PASSWORD",
    "DEMO_USERNAMES",
    "DemoAccount",
    "create_demo_accounts",
    "demo_account_rows",
]

# Public on purpose: it is printed by `fengqiao seed` and in the README.
DEMO_PASSWORD = "fengqiao-demo"  # noqa: S105
DEMO_USERNAMES = (
    "admin",
    "county_centre",
    "town_centre",
    "village_centre",
    "grid_chief",
    "grid_worker",
    "handler",
    "mediator",
    "court",
    "petition_office",
    "leader",
    "resident",
)


class DemoAccount(NamedTuple):
    username: str
    role: str
    jurisdiction: str  # a readable name, e.g. 枫桥县 or 和平社区第一网格


class _Units(NamedTuple):
    county: Region
    township: Region
    village: Region
    grid: Grid
    micro_grid: Grid


def _units() -> _Units:
    county = Region.objects.filter(code=COUNTY_CODE).first()
    if county is None:
        raise LookupError("The demo county is not loaded; run `fengqiao seed` first.")
    township = Region.objects.filter(parent=county).order_by("code").first()
    village = Region.objects.filter(parent=township).order_by("code").first()
    grid = Grid.objects.filter(village=village, parent__isnull=True).order_by("code").first()
    micro_grid = Grid.objects.filter(parent=grid).order_by("code").first()
    if None in (township, village, grid, micro_grid):
        raise LookupError("The demo county has no township, village, grid and micro-grid.")
    return _Units(county, township, village, grid, micro_grid)


def create_demo_accounts(*, seed: int = DEFAULT_SEED) -> list[DemoAccount]:
    """Create the demo accounts that do not exist yet (password DEMO_PASSWORD); list them all.

    The grid chief also becomes the chief of the first grid and the grid worker a worker of
    its first micro-grid; the resident is the head of the first household of the first village.
    `court` (a handler) and `petition_office` (centre staff, who acknowledge and route
    petitions) are bound to the county; the mediation set-up makes them members of the county
    court and petition office (`demo.mediation.committees`).
    """
    units = _units()
    fake = Faker("zh_CN")
    fake.seed_instance(seed)
    station = units.township.name.removesuffix("街道").removesuffix("镇").removesuffix("乡")
    resident = (
        Household.objects.filter(
            region_code__startswith=units.village.code,
            head__isnull=False,
            head__account__isnull=True,
        )
        .select_related("head")
        .order_by("number")
        .first()
    )
    specs = [
        ("admin", Role.ADMIN, [], "系统管理员"),
        (
            "county_centre",
            Role.CENTRE_STAFF,
            [units.county.code],
            f"{units.county.name}综治中心 {fake.name()}",
        ),
        (
            "town_centre",
            Role.CENTRE_STAFF,
            [units.township.code],
            f"{units.township.name}综治中心 {fake.name()}",
        ),
        (
            "village_centre",
            Role.CENTRE_STAFF,
            [units.village.code],
            f"{units.village.name}综治中心 {fake.name()}",
        ),
        (
            "grid_chief",
            Role.GRID_CHIEF,
            [units.grid.code],
            f"{units.village.name}{units.grid.name}网格长 {fake.name()}",
        ),
        (
            "grid_worker",
            Role.GRID_WORKER,
            [units.micro_grid.code],
            f"{units.grid.name}{units.micro_grid.name}网格员 {fake.name()}",
        ),
        ("handler", Role.HANDLER, [units.township.code], f"{station}派出所 {fake.name()}"),
        (
            "mediator",
            Role.MEDIATOR,
            [units.township.code],
            f"{units.township.name}人民调解委员会 {fake.name()}",
        ),
        ("leader", Role.LEADER, [units.county.code], f"{units.county.name}委政法委 {fake.name()}"),
        # Last, so the names drawn for the accounts above stay what they were.
        (
            "court",
            Role.HANDLER,
            [units.county.code],
            f"{units.county.name}人民法院立案庭 {fake.name()}",
        ),
        (
            "petition_office",
            Role.CENTRE_STAFF,
            [units.county.code],
            f"{units.county.name}信访局 {fake.name()}",
        ),
    ]
    with transaction.atomic():
        for username, role, jurisdiction, display_name in specs:
            if User.objects.filter(username=username).exists():
                continue
            user_create(
                username=username,
                password=DEMO_PASSWORD,
                role=role,
                jurisdiction=jurisdiction,
                display_name=display_name,
                is_superuser=role == Role.ADMIN,
                check_password=False,
            )
        if not User.objects.filter(username="resident").exists() and resident is not None:
            user_create(
                username="resident",
                password=DEMO_PASSWORD,
                role=Role.RESIDENT,
                person=resident.head,
                display_name=resident.head.name,
                check_password=False,
            )
        chief = User.objects.get(username="grid_chief")
        if units.grid.chief_id is None:
            units.grid.chief = chief
            units.grid.save(update_fields=["chief"])
        units.micro_grid.workers.add(User.objects.get(username="grid_worker"))
    return demo_account_rows()


def demo_account_rows() -> list[DemoAccount]:
    """The demo accounts that exist, in DEMO_USERNAMES order, with their jurisdictions."""
    users = {
        user.username: user
        for user in User.objects.filter(username__in=DEMO_USERNAMES)
        .select_related("person")
        .prefetch_related("bindings__region", "bindings__grid__village", "bindings__grid__parent")
    }
    return [
        DemoAccount(name, users[name].role, _jurisdiction(users[name]))
        for name in DEMO_USERNAMES
        if name in users
    ]


def _jurisdiction(user: User) -> str:
    if user.is_superuser:
        return "全部 (all)"
    if user.role == Role.RESIDENT:
        if user.person is None:
            return ""
        village = Region.objects.filter(code=user.person.region_code[:12]).first()
        return f"{village.name if village else ''} {user.person.name}".strip()
    names = []
    for binding in user.bindings.all():
        if binding.region is not None:
            names.append(binding.region.name)
        else:
            grid = binding.grid
            parent = grid.parent.name if grid.parent else ""
            names.append(f"{grid.village.name}{parent}{grid.name}")
    return "、".join(names)
