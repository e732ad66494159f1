"""The demo county's regions and everything in them, written with bulk inserts: 湖南省 →
枫桥市 → counties → townships → communities and villages, their grids and micro-grids (nested
Voronoi tilings), then each village's dwellings, households, people, household groups (联户),
person tags and things."""

from __future__ import annotations

import math
import random
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from faker import Faker
from shapely.geometry import shape

from fengqiao.core import divisions
from fengqiao.demo import CITY_CODE, PROVINCE_CODE, Progress
from fengqiao.demo.county import BATCH, geometry
from fengqiao.demo.county import tags as T
from fengqiao.demo.county.names import (
    COUNTY_NAMES,
    ROADS,
    SUBDISTRICT_ROOTS,
    TOWN_ROOTS,
    TOWNSHIP_ROOTS,
    NamePool,
    cn_number,
)
from fengqiao.demo.county.people import HouseholdPlan, HouseholdPlanner, Member
from fengqiao.demo.county.roads import township_roads
from fengqiao.demo.county.things import village_things
from fengqiao.demo.scales import Scale, TownshipPlan
from fengqiao.regions.geometry import apply_boundary
from fengqiao.regions.models import Grid, Region
from fengqiao.registry.models import (
    Dwelling,
    Household,
    HouseholdGroup,
    Person,
    PersonTag,
    PersonTagging,
)
from fengqiao.registry.services import tagging_fields

__all__ = ["CountyBuilder"]

CENTRE_LAT, CENTRE_LNG = 27.5, 110.0
COUNTY_RADIUS_KM = 30.0
# Households per group (联户): Anshun's groups are "10–50, often 10–30" households.
GROUP_TARGET = 13


_SUB, _TOWN, _TSHIP = Region.Kind.SUBDISTRICT, Region.Kind.TOWN, Region.Kind.TOWNSHIP


@dataclass(slots=True)
class _GroupPlan:
    group: HouseholdGroup
    households: list[HouseholdPlan]
    leaders: list[Member]  # head first, then two deputies


class CountyBuilder:
    """Holds the random streams and running counters for one seeding run."""

    def __init__(self, scale: Scale, seed: int, progress: Progress | None) -> None:
        self.scale = scale
        self.rng = random.Random(seed)
        self.fake = Faker("zh_CN")
        self.fake.seed_instance(seed)
        self.progress = progress or (lambda _message: None)
        self.counts: Counter = Counter()
        self.tags: dict[str, PersonTag] = {}
        self.planner = HouseholdPlanner(self.rng, self.fake)

    # -- regions and grids ----------------------------------------------------------------

    def region(self, *, code, name, level, kind, parent, geom) -> Region:
        region = Region(code=code, name=name, level=level, kind=kind, parent=parent)
        if geom is not None:
            apply_boundary(region, geom)
        return region

    def run(self) -> None:
        self.tags = T.ensure_default_tags()
        province, created = Region.objects.get_or_create(
            code=PROVINCE_CODE,
            defaults={
                "name": "湖南省",
                "level": Region.Level.PROVINCE,
                "kind": Region.Kind.PROVINCE,
            },
        )
        self.counts["regions"] += int(created)
        scale = self.scale
        radius = COUNTY_RADIUS_KM * math.sqrt(scale.counties)
        city_geom = geometry.outline(self.rng, lat=CENTRE_LAT, lng=CENTRE_LNG, radius_km=radius)
        city = Region.objects.filter(code=CITY_CODE).first()
        if city is not None and city.boundary:
            city_geom = shape(city.boundary)  # counties must tile the city already on record
        if city is None:
            city = self.region(
                code=CITY_CODE,
                name="枫桥市",
                level=Region.Level.CITY,
                kind=Region.Kind.CITY,
                parent=province,
                geom=city_geom,
            )
            city.save()
            self.counts["regions"] += 1
        county_geoms = geometry.split(self.rng, city_geom, scale.counties)
        for index, county_geom in enumerate(county_geoms, start=1):
            self.county(city, index, county_geom)

    def county(self, city: Region, index: int, geom) -> None:
        code = divisions.child_code(city.code, index)
        name = COUNTY_NAMES[index - 1]
        self.progress(f"{name} ({code[:6]}): {geometry.area_km2(geom):,.0f} km²")
        county = self.region(
            code=code,
            name=name,
            level=Region.Level.COUNTY,
            kind=Region.Kind.COUNTY,
            parent=city,
            geom=geom,
        )
        county.save()
        self.counts["regions"] += 1

        plans = self.scale.townships
        central = [p for p in plans if p.kind == _SUB]
        outer = [p for p in plans if p.kind != _SUB]
        central_geoms, outer_geoms = geometry.split_around_seat(
            self.rng, geom, central=len(central), outer=len(outer)
        )
        # Towns and townships are scattered over the countryside, not in bands.
        self.rng.shuffle(outer)
        roots = {
            _SUB: list(SUBDISTRICT_ROOTS[:1])
            + self.rng.sample(SUBDISTRICT_ROOTS[1:], len(SUBDISTRICT_ROOTS) - 1),
            _TOWN: self.rng.sample(TOWN_ROOTS, len(TOWN_ROOTS)),
            _TSHIP: self.rng.sample(TOWNSHIP_ROOTS, len(TOWNSHIP_ROOTS)),
        }
        suffix = {_SUB: "街道", _TOWN: "镇", _TSHIP: "乡"}
        first_serial = {_SUB: 1, _TOWN: 101, _TSHIP: 201}
        # Townships are numbered by kind (街道 001–, 镇 101–, 乡 201–), as the code rules say.
        pairs = sorted(
            zip(central + outer, central_geoms + outer_geoms, strict=True),
            key=lambda pair: first_serial[pair[0].kind],
        )
        used = Counter()
        townships = []
        for plan, tgeom in pairs:
            serial = first_serial[plan.kind] + used[plan.kind]
            tname = roots[plan.kind][used[plan.kind]] + suffix[plan.kind]
            used[plan.kind] += 1
            townships.append(
                (
                    plan,
                    self.region(
                        code=divisions.child_code(code, serial),
                        name=tname,
                        level=Region.Level.TOWNSHIP,
                        kind=plan.kind,
                        parent=county,
                        geom=tgeom,
                    ),
                    tgeom,
                )
            )
        Region.objects.bulk_create([t for _p, t, _g in townships])
        self.counts["regions"] += len(townships)

        names = NamePool(self.rng)
        for number, (plan, township, tgeom) in enumerate(townships, start=1):
            self.township(county, township, plan, tgeom, names)
            self.progress(
                f"  {number}/{len(townships)} {township.name}: "
                f"{self.counts['households']:,} households, {self.counts['people']:,} people"
            )

    def township(
        self, county: Region, township: Region, plan: TownshipPlan, geom, names: NamePool
    ) -> None:
        cells = geometry.split(self.rng, geom, plan.communities + plan.villages)
        # Communities (社区) gather round the township seat; villages (村) take the rest.
        order = geometry.nearest_first(cells, geometry.seat_of(geom))
        community_ids = sorted(order[: plan.communities])
        village_ids = sorted(order[plan.communities :])
        units = []
        for serial, i in enumerate(community_ids, start=1):
            units.append(
                self.region(
                    code=divisions.child_code(township.code, serial),
                    name=names.community(),
                    level=Region.Level.VILLAGE,
                    kind=Region.Kind.COMMUNITY,
                    parent=township,
                    geom=cells[i],
                )
            )
        for serial, i in enumerate(village_ids, start=201):
            units.append(
                self.region(
                    code=divisions.child_code(township.code, serial),
                    name=names.village(),
                    level=Region.Level.VILLAGE,
                    kind=Region.Kind.VILLAGE,
                    parent=township,
                    geom=cells[i],
                )
            )
        Region.objects.bulk_create(units)
        self.counts["regions"] += len(units)
        geoms = [cells[i] for i in community_ids + village_ids]
        for village, vgeom in zip(units, geoms, strict=True):
            self.village(county, township, village, vgeom)
        self.counts["roads"] += township_roads(township, geom, list(zip(units, geoms, strict=True)))

    def grids(self, village: Region, geom) -> list[tuple[Grid, list[tuple[Grid, object]]]]:
        rng = self.rng
        community = village.kind == Region.Kind.COMMUNITY
        count = rng.randint(
            *(self.scale.grids_per_community if community else self.scale.grids_per_village)
        )
        grids, micro_grids, tree = [], [], []
        for serial, ggeom in enumerate(geometry.split(rng, geom, count), start=1):
            grid = Grid(
                code=divisions.child_code(village.code, serial),
                name=f"第{cn_number(serial)}网格",
                kind=Grid.Kind.COMPREHENSIVE,
                village=village,
                depth=1,
            )
            apply_boundary(grid, ggeom)
            grids.append(grid)
            cells = geometry.split(rng, ggeom, rng.randint(*self.scale.micro_grids_per_grid))
            children = []
            for mserial, mgeom in enumerate(cells, start=1):
                micro = Grid(
                    code=divisions.child_code(grid.code, mserial),
                    name=f"{mserial}号微网格",
                    kind=Grid.Kind.MICRO,
                    village=village,
                    parent=grid,
                    depth=2,
                )
                apply_boundary(micro, mgeom)
                children.append((micro, mgeom))
                micro_grids.append(micro)
            tree.append((grid, children))
        Grid.objects.bulk_create(grids, batch_size=BATCH)
        # bulk_create fills parent_id from the parents saved just above.
        Grid.objects.bulk_create(micro_grids, batch_size=BATCH)
        self.counts["grids"] += len(grids)
        self.counts["micro_grids"] += len(micro_grids)
        return tree

    # -- a village: dwellings, households, people, groups, things -------------------------

    def village(self, county: Region, township: Region, village: Region, geom) -> None:
        rng = self.rng
        tree = self.grids(village, geom)
        community = village.kind == Region.Kind.COMMUNITY
        county6 = county.code[:6]
        low_high = (
            self.scale.households_per_micro_grid_community
            if community
            else self.scale.households_per_micro_grid_village
        )
        prefix = f"{county.name}{township.name}{village.name}"
        dwellings: list[Dwelling] = []
        plans: list[HouseholdPlan] = []
        groups: list[_GroupPlan] = []
        micro_cells = []
        for grid, children in tree:
            grid_plans: list[HouseholdPlan] = []
            for micro, mgeom in children:
                micro_cells.append((micro, mgeom))
                households = rng.randint(*low_high)
                extra = sum(rng.random() < 0.06 for _ in range(households))
                total = households + extra
                empty = set(rng.sample(range(total), extra))
                points = self.dwelling_points(mgeom, total, community)
                road = rng.choice(ROADS)
                road_no = rng.randint(1, 300)
                for j in range(total):
                    x, y, building, unit, room = points[j]
                    if community:
                        address = (
                            f"{prefix}{road}{road_no + building}号{building + 1}栋"
                            f"{unit}单元{room}室"
                        )
                        btype = Dwelling.BuildingType.APARTMENT
                        area = rng.uniform(55, 140)
                    else:
                        address = f"{prefix}{micro.code[-2:].lstrip('0')}组{j + 1}号"
                        bungalow = rng.random() < 0.15
                        btype = (
                            Dwelling.BuildingType.BUNGALOW
                            if bungalow
                            else Dwelling.BuildingType.HOUSE
                        )
                        area = rng.uniform(40, 100) if bungalow else rng.uniform(110, 320)
                    dwelling = Dwelling(
                        code=f"{micro.code}-{j + 1:04d}",
                        region_code=micro.code,
                        village=village,
                        grid=micro,
                        address=address,
                        lat=y,
                        lng=x,
                        building_type=btype,
                        floor_area=Decimal(f"{area:.1f}"),
                    )
                    dwellings.append(dwelling)
                    if j in empty:
                        business = rng.random() < (0.3 if community else 0.15)
                        dwelling.use = Dwelling.Use.BUSINESS if business else Dwelling.Use.VACANT
                        dwelling.owner_name = self.fake.name()
                        continue
                    renting = rng.random() < (0.15 if community else 0.04)
                    plan = self.planner.plan(renting=renting, county6=county6)
                    dwelling.use = Dwelling.Use.RENTED if renting else Dwelling.Use.OWNER
                    dwelling.owner_name = self.fake.name() if renting else plan.head.name
                    plan.dwelling = dwelling
                    plan.household = Household(
                        number=f"{micro.code}{j + 1:04d}",
                        region_code=micro.code,
                        dwelling=dwelling,
                    )
                    grid_plans.append(plan)
            plans += grid_plans
            groups += self.household_groups(grid, grid_plans)

        Dwelling.objects.bulk_create(dwellings, batch_size=BATCH)
        HouseholdGroup.objects.bulk_create([g.group for g in groups], batch_size=BATCH)
        for group_plan in groups:
            for plan in group_plan.households:
                plan.household.group = group_plan.group
        households = [plan.household for plan in plans]
        Household.objects.bulk_create(households, batch_size=BATCH)
        people = self.planner.build_people(plans)
        Person.objects.bulk_create(people, batch_size=BATCH)
        _set_column(Household, "head", [(plan.head.person.pk, plan.household.pk) for plan in plans])
        self.save_group_leaders(groups)
        self.save_taggings(plans)
        orgs, places, facilities = village_things(
            self.rng,
            self.fake,
            county=county,
            village=village,
            micro_cells=micro_cells,
            prefix=prefix,
            cameras=self.scale.cameras_per_village,
        )
        self.counts["organizations"] += orgs
        self.counts["places"] += places
        self.counts["facilities"] += facilities
        self.counts["dwellings"] += len(dwellings)
        self.counts["households"] += len(households)
        self.counts["people"] += len(people)
        self.counts["household_groups"] += len(groups)

    def dwelling_points(self, geom, count: int, community: bool):
        """(lng, lat, building, unit, room) per dwelling; flats in one block share a point."""
        # About a metre inside the micro-grid, so no house sits on a shared edge.
        inset = 1e-5
        if not community:
            points = geometry.sample_points(self.rng, geom, count, inset=inset)
            return [(x, y, 0, 0, 0) for x, y in points]
        per_block = self.rng.randint(6, 12)
        blocks = geometry.sample_points(self.rng, geom, math.ceil(count / per_block), inset=inset)
        out = []
        for j in range(count):
            block, k = divmod(j, per_block)
            unit, k = divmod(k, 6)
            floor, door = divmod(k, 2)
            out.append((*blocks[block], block, unit + 1, (floor + 1) * 100 + door + 1))
        return out

    def household_groups(self, grid: Grid, plans: list[HouseholdPlan]):
        """Split a grid's households, in walking order, into groups of about GROUP_TARGET."""
        if len(plans) < HouseholdGroup.MIN_HOUSEHOLDS:
            return []
        count = max(1, round(len(plans) / GROUP_TARGET))
        size, rest = divmod(len(plans), count)
        out, start = [], 0
        for serial in range(1, count + 1):
            end = start + size + (1 if serial <= rest else 0)
            members = plans[start:end]
            start = end
            heads = [p.head for p in members]
            # Heads and deputies are settled, working-age household heads where possible.
            fit = [
                m
                for p, m in zip(members, heads, strict=True)
                if not p.renting and 28 <= m.age <= 68
            ]
            pool = fit if len(fit) >= 3 else heads
            leaders = self.rng.sample(pool, 3)
            group = HouseholdGroup(
                code=f"{grid.code}-{serial:03d}",
                name=f"{leaders[0].name}联户",
                region_code=grid.code,
                grid=grid,
            )
            out.append(_GroupPlan(group, members, leaders))
        return out

    def save_group_leaders(self, groups: list[_GroupPlan]) -> None:
        through = HouseholdGroup.deputies.through
        deputies = []
        for plan in groups:
            head, *others = plan.leaders
            deputies += [
                through(householdgroup_id=plan.group.pk, person_id=m.person.pk) for m in others
            ]
        _set_column(HouseholdGroup, "head", [(p.leaders[0].person.pk, p.group.pk) for p in groups])
        through.objects.bulk_create(deputies, batch_size=BATCH)

    def save_taggings(self, plans: list[HouseholdPlan]) -> None:
        rows = []
        for plan in plans:
            for m in plan.members:
                for code in m.tags:
                    fields = tagging_fields(
                        self.tags[code],
                        person_id=m.person.pk,
                        region_code=m.person.region_code,
                        since=self.planner.since(code),
                    )
                    rows.append(PersonTagging(person=m.person, **fields))
        PersonTagging.objects.bulk_create(rows, batch_size=BATCH)
        self.counts["person_tags"] += len(rows)


def _set_column(model, field_name: str, rows: list[tuple[object, int]]) -> None:
    """Set one column on many rows, given (value, pk) pairs, with a single executemany.

    bulk_update builds a CASE expression per batch, which costs more than the rows it writes.
    """
    if not rows:
        return
    quote = connection.ops.quote_name
    column = model._meta.get_field(field_name).column
    # Identifiers come from model metadata, values travel as parameters.
    sql = (
        f"UPDATE {quote(model._meta.db_table)} SET {quote(column)} = %s "  # noqa: S608
        f"WHERE {quote(model._meta.pk.column)} = %s"
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)
