"""Who acts in the demo case history, and the county they act in.

Staff who act are the demo accounts where they exist (village_centre, grid_chief,
handler, resident…) and otherwise generated accounts with unusable passwords, created
when first needed: `gen_c_<code>` for a centre, `gen_g_<grid>` for a grid chief,
`gen_h_<unit>` for a unit's handler (added to the unit), `gen_r_<person id>` for a resident
(a household head), `gen_hotline1`/`gen_hotline2` for the county's 12345 operators and
`gen_open311` for the Open311 client. A grid without a chief gets its generated one.
"""

from __future__ import annotations

import random

from fengqiao.accounts.models import JurisdictionBinding, User
from fengqiao.accounts.services import user_create
from fengqiao.cases.models import Case, Category, HandlingUnit, Level
from fengqiao.core.roles import Role
from fengqiao.demo import COUNTY_CODE
from fengqiao.regions.models import Grid, Region
from fengqiao.registry.models import Household

__all__ = ["StaffDirectory"]

RESIDENTS_PER_VILLAGE = 2
LEVEL_DIGITS = {Level.VILLAGE: 12, Level.TOWNSHIP: 9, Level.COUNTY: 6}


class StaffDirectory:
    """Part of `CaseHistory` (demo.cases.history): the county's regions, grids, categories,
    units and staff, loaded once, and the accounts generated when first needed. The
    mediation history borrows it as its staff directory."""

    def _load(self) -> None:
        county = Region.objects.get(code=COUNTY_CODE)
        prefix = county.prefix
        self.regions = {
            r.code: r for r in Region.objects.filter(code__startswith=prefix).defer("boundary")
        }
        self.by_prefix = {r.prefix: r for r in self.regions.values()}
        self.regions_by_pk = {r.pk: r for r in self.regions.values()}
        villages = {r.pk: r for r in self.regions.values() if r.level == Region.Level.VILLAGE}
        grids = Grid.objects.filter(village_id__in=villages).defer("boundary")
        self.grids = {g.code: g for g in grids if g.depth == 1}
        self.micros = [g for g in grids if g.kind == Grid.Kind.MICRO]
        self.micro_weights = [
            1.6 if villages[g.village_id].kind == Region.Kind.COMMUNITY else 1.0
            for g in self.micros
        ]
        self.villages = villages
        self.boundaries: dict[int, object] = {}
        self.categories = {
            c.code: c
            for c in Category.objects.filter(parent__isnull=False, is_active=True).select_related(
                "parent"
            )
        }
        self.units: dict[str, list[tuple[HandlingUnit, set[str]]]] = {}
        # Mediation committees take disputes, not the general cases dispatched here.
        units = (
            HandlingUnit.objects.filter(region_code__startswith=prefix)
            .exclude(kind="mediation")
            .prefetch_related("categories")
        )
        self.units_by_pk = {}
        for unit in units.order_by("code"):
            self.units_by_pk[unit.pk] = unit
            codes = {c.code for c in unit.categories.all()}
            self.units.setdefault(unit.region_code, []).append((unit, codes))
        self.handlers: dict[int, User] = {}
        members = HandlingUnit.members.through.objects.filter(
            handlingunit__in=[u for group in self.units.values() for u, _c in group],
            user__is_active=True,
        ).order_by("user_id")
        users = User.objects.in_bulk({m.user_id for m in members})
        for m in members:
            self.handlers.setdefault(m.handlingunit_id, users[m.user_id])
        # Staff already bound somewhere (the demo accounts): reuse them.
        self.centres: dict[str, User] = {}
        self.grid_staff: dict[tuple[str, str], User] = {}
        bindings = (
            JurisdictionBinding.objects.filter(
                user__is_active=True,
                user__is_superuser=False,
                user__role__in=[Role.CENTRE_STAFF, Role.GRID_CHIEF, Role.GRID_WORKER],
                code__startswith=prefix,
            )
            .select_related("user")
            .order_by("user_id")
        )
        for binding in bindings:
            user = binding.user
            if user.role == Role.CENTRE_STAFF and binding.region_id is not None:
                self.centres.setdefault(binding.code, user)
            elif binding.grid_id is not None:
                self.grid_staff.setdefault((user.role, binding.code), user)
        chiefs = User.objects.in_bulk({g.chief_id for g in self.grids.values() if g.chief_id})
        for grid in self.grids.values():
            if grid.chief_id in chiefs and chiefs[grid.chief_id].is_active:
                self.grid_staff.setdefault((Role.GRID_CHIEF, grid.code), chiefs[grid.chief_id])
        self.residents: dict[str, list] = {}
        # Accounts a previous run generated (generation is normally once, with the seed).
        self.generated = {u.username: u for u in User.objects.filter(username__startswith="gen_")}
        self.users: dict[int, User] = {u.pk: u for u in self.generated.values()}
        for user in [*self.centres.values(), *self.grid_staff.values(), *self.handlers.values()]:
            self.users[user.pk] = user
        self.resident_users: dict[int, User] = {}
        self.desk: dict[str, User] = {}

    def user(self, pk: int) -> User:
        """A user by id: the actors met so far are cached (no query per step)."""
        user = self.users.get(pk)
        if user is None:
            user = self.users[pk] = User.objects.get(pk=pk)
        return user

    def _account(self, username: str, role: str, display_name: str, **kwargs) -> User:
        user = self.generated.get(username)
        if user is None:
            # password=None makes an unusable password without paying for a hash.
            user = user_create(
                username=username,
                password=None,
                role=role,
                display_name=display_name,
                check_password=False,
                **kwargs,
            )
            self.accounts_created += 1
        self.users[user.pk] = user
        return user

    def centre(self, code: str) -> User:
        """Centre staff of a village (12 digits), township (9) or county (6)."""
        user = self.centres.get(code)
        if user is None:
            region = self.by_prefix[code]
            user = self._account(
                f"gen_c_{code}",
                Role.CENTRE_STAFF,
                f"{region.name}综治中心 {self.fake.name()}",
                jurisdiction=[region.code],
            )
            self.centres[code] = user
        return user

    def grid_chief(self, grid_code: str) -> User:
        key = (Role.GRID_CHIEF, grid_code)
        user = self.grid_staff.get(key)
        if user is None:
            grid = self.grids[grid_code]
            village = self.villages[grid.village_id]
            user = self._account(
                f"gen_g_{grid_code}",
                Role.GRID_CHIEF,
                f"{village.name}{grid.name}网格长 {self.fake.name()}",
                jurisdiction=[grid_code],
            )
            if grid.chief_id is None:
                Grid.objects.filter(pk=grid.pk).update(chief=user)
                grid.chief_id = user.pk
            self.grid_staff[key] = user
        return user

    def handler(self, unit: HandlingUnit) -> User:
        user = self.handlers.get(unit.pk)
        if user is None:
            township = self.by_prefix[unit.region_code]
            user = self._account(
                f"gen_h_{unit.code}",
                Role.HANDLER,
                f"{unit.name} {self.fake.name()}",
                jurisdiction=[township.code],
            )
            unit.members.add(user)
            self.handlers[unit.pk] = user
        return user

    def desk_user(self, key: str) -> User:
        """The county's 12345 hotline operators and the Open311 client account."""
        user = self.desk.get(key)
        if user is None:
            county = self.regions[COUNTY_CODE]
            label = {
                "hotline1": f"12345热线 话务员 {self.fake.name()}",
                "hotline2": f"12345热线 话务员 {self.fake.name()}",
                "open311": "随手拍 (Open311)",
            }[key]
            user = self._account(f"gen_{key}", Role.CENTRE_STAFF, label, jurisdiction=[county.code])
            self.desk[key] = user
        return user

    def resident(self, village: Region, rng: random.Random | None = None) -> User | None:
        """One of a few household heads of the village, with a resident account (chosen with
        `rng`, by default the case history's own stream)."""
        pool = self.residents.get(village.code)
        if pool is None:
            pool = list(
                Household.objects.filter(region_code__startswith=village.code, head__isnull=False)
                .select_related("head")
                .order_by("number")[:RESIDENTS_PER_VILLAGE]
            )
            self.residents[village.code] = pool
        if not pool:
            return None
        head = (rng or self.rng).choice(pool).head
        user = self.resident_users.get(head.pk)
        if user is None:
            user = User.objects.filter(person=head).first()
            if user is not None:
                self.users[user.pk] = user
            else:
                user = self._account(f"gen_r_{head.pk}", Role.RESIDENT, head.name, person=head)
            self.resident_users[head.pk] = user
        return user if user.is_active else None

    # -- who acts on a case ---------------------------------------------------------------------

    def owner(self, case: Case, level: str | None = None) -> User:
        """Who accepts, dispatches and closes at a level: the grid chief, or that centre."""
        level = level or case.level
        if level == Level.GRID:
            if case.grid_id and case.region_code[:15] in self.grids:
                return self.grid_chief(case.region_code[:15])
            level = Level.VILLAGE
        return self.centre(case.region_code[: LEVEL_DIGITS[level]])

    def verifier(self, case: Case) -> User:
        worker = self.grid_staff.get((Role.GRID_WORKER, case.region_code))
        if worker is not None:
            return worker
        return self.owner(case, Level.GRID)
