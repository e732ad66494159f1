"""What gets reported in the demo case history, where, when and by whom: the mix of channels
and categories, the hours each channel brings reports at, each report's place and words,
and filing it through `case_report` as the channel's staff or resident would."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import shapely
from shapely.geometry import shape

from fengqiao.cases import services
from fengqiao.cases.models import Channel, Priority
from fengqiao.core.errors import DomainError
from fengqiao.core.roles import Role
from fengqiao.demo import HISTORY_DAYS, SHANGHAI
from fengqiao.demo.cases.plans import Agent
from fengqiao.demo.cases.texts import ESTATES, ROADS, RURAL_SPOTS, SURNAMES, TEXTS, URBAN_SPOTS
from fengqiao.regions.models import Grid, Region

__all__ = ["CATEGORY_WEIGHTS", "CHANNEL_WEIGHTS", "ReportPlanning"]

CHANNEL_WEIGHTS = {
    Channel.GRID_APP: 40,
    Channel.HOTLINE: 20,
    Channel.PORTAL: 10,
    Channel.WALK_IN: 8,
    Channel.VIDEO: 6,
    Channel.POLICE: 5,
    Channel.CAMPAIGN: 5,
    Channel.OTHER: 3,
    Channel.OPEN311: 1,
}
CATEGORY_WEIGHTS = {
    "garbage": 14,
    "sanitation": 8,
    "pollution": 4,
    "road_damage": 8,
    "streetlight": 7,
    "water_supply": 5,
    "power_supply": 4,
    "neighbour_dispute": 10,
    "family_dispute": 4,
    "land_dispute": 5,
    "labour_dispute": 3,
    "security_risk": 3,
    "fraud": 2,
    "fire_hazard": 4,
    "building_hazard": 2,
    "traffic_hazard": 3,
    "geo_hazard": 1,
    "hardship": 3,
    "elderly_care": 3,
    "child_care": 2,
    "paperwork": 3,
    "medical": 1.5,
    "suggestion": 2.5,
    "complaint": 2,
    # The hotline's usual calls.
    "noise": 6,
    "street_vending": 5,
    "illegal_building": 3,
    "food_safety": 2,
    "consumer_complaint": 2,
    "property_service": 4,
    "wage_arrears": 2,
}
# Channels that only bring some kinds of case: (multiplier for the listed, for the rest).
CHANNEL_AFFINITY = {
    Channel.VIDEO: (
        {"garbage": 3, "traffic_hazard": 4, "fire_hazard": 2, "security_risk": 3, "pollution": 2},
        0.05,
    ),
    Channel.POLICE: (
        {
            "security_risk": 6,
            "fraud": 6,
            "neighbour_dispute": 3,
            "family_dispute": 3,
            "traffic_hazard": 2,
        },
        0.02,
    ),
    Channel.CAMPAIGN: (
        {
            "fire_hazard": 5,
            "building_hazard": 5,
            "geo_hazard": 5,
            "garbage": 2,
            "sanitation": 2,
            "traffic_hazard": 2,
        },
        0.1,
    ),
    Channel.HOTLINE: (
        {
            "complaint": 3,
            "water_supply": 2,
            "power_supply": 2,
            "paperwork": 2,
            "medical": 2,
            "labour_dispute": 2,
        },
        1.0,
    ),
    Channel.PORTAL: ({"suggestion": 3, "complaint": 2, "streetlight": 2, "road_damage": 1.5}, 1.0),
    Channel.WALK_IN: (
        {
            "neighbour_dispute": 2.5,
            "family_dispute": 2.5,
            "land_dispute": 2.5,
            "hardship": 3,
            "paperwork": 3,
        },
        1.0,
    ),
}
# Local hours at which each channel brings reports: (from, to, weight); office-only channels
# mostly skip days off.
_DAYTIME = ((8, 12, 5), (12, 14, 1), (14, 18, 5), (18, 21, 1))
CHANNEL_HOURS = {
    Channel.GRID_APP: (_DAYTIME, True),
    Channel.CAMPAIGN: (((8, 12, 1), (14, 18, 1)), True),
    Channel.WALK_IN: (((9, 12, 1), (14, 17, 1)), True),
    Channel.OTHER: (((9, 12, 1), (14, 17, 1)), True),
    Channel.HOTLINE: (((7, 9, 1), (9, 12, 4), (12, 14, 2), (14, 18, 4), (18, 22, 2)), False),
    Channel.PORTAL: (((7, 12, 2), (12, 14, 2), (14, 19, 2), (19, 23, 3)), False),
    Channel.OPEN311: (((7, 12, 2), (12, 14, 2), (14, 19, 2), (19, 23, 3)), False),
    Channel.VIDEO: (((0, 6, 1), (6, 18, 3), (18, 24, 2)), False),
    Channel.POLICE: (((0, 6, 1), (6, 18, 2), (18, 24, 3)), False),
}
URGENT_CATEGORIES = {"security_risk", "fire_hazard"}
HIGH_CATEGORIES = {"geo_hazard", "building_hazard", "labour_dispute", "fraud"}


class ReportPlanning:
    """Part of `CaseHistory` (demo.cases.history): plans every case up front (then its fate,
    demo.cases.fates) and files each report when its time comes."""

    def plan(self) -> None:
        rng = self.rng
        channels = list(CHANNEL_WEIGHTS)
        channel_weights = list(CHANNEL_WEIGHTS.values())
        codes = [c for c in CATEGORY_WEIGHTS if c in self.categories]
        codes += sorted(set(self.categories) - set(codes))  # categories added by an admin
        recent = max(4, self.count // 150)
        for index in range(self.count):
            channel = rng.choices(channels, channel_weights)[0]
            listed, others = CHANNEL_AFFINITY.get(channel, ({}, 1.0))
            weights = [CATEGORY_WEIGHTS.get(c, 1) * listed.get(c, others) for c in codes]
            category = self.categories[rng.choices(codes, weights)[0]]
            micro = rng.choices(self.micros, self.micro_weights)[0]
            max_age = 3 if index < recent else HISTORY_DAYS
            at = self.report_time(channel, 0, max_age)
            self.agents.append(self.new_agent(index, at, channel, category, micro))
        self.agents.sort(key=lambda a: a.reported_at)
        self.assign_fates()
        self.agents.sort(key=lambda a: a.reported_at)

    def new_agent(self, index, at, channel, category, micro) -> Agent:
        rng = self.rng
        village = self.villages[micro.village_id]
        township = self.regions_by_pk.get(village.parent_id, village)
        spot = self.spot(village)
        title, description = rng.choice(
            TEXTS.get(category.code) or [("{spot}" + category.name, "")]
        )
        values = {
            "spot": spot,
            "days": rng.randint(2, 7),
            "n": rng.randint(2, 6),
            "surname": rng.choice(SURNAMES),
            "money": rng.choice((0.8, 1.2, 2, 3.5, 5, 8)),
        }
        lat, lng = self.point_in(micro)
        return Agent(
            index=index,
            reported_at=at,
            channel=channel,
            category=category,
            micro=micro,
            lat=lat,
            lng=lng,
            address=f"{township.name}{village.name}{spot}",
            title=title.format(**values)[:120],
            description=description.format(**values),
            note=rng.random() < 0.12,
            no_rating=rng.random() < 0.25,
        )

    def spot(self, village: Region) -> str:
        rng = self.rng
        urban = village.kind == Region.Kind.COMMUNITY
        road, road2 = rng.sample(ROADS, 2)
        return rng.choice(URBAN_SPOTS if urban else RURAL_SPOTS).format(
            road=road,
            road2=road2,
            estate=rng.choice(ESTATES),
            n=rng.randint(1, 12),
            m=rng.randint(1, 4),
            num=rng.randint(1, 300),
            surname=rng.choice(SURNAMES),
        )

    def point_in(self, micro: Grid) -> tuple[float, float]:
        """A random point inside the micro-grid (not its centroid: cases spread out)."""
        poly = self.boundaries.get(micro.pk)
        if poly is None:
            boundary = Grid.objects.filter(pk=micro.pk).values_list("boundary", flat=True)[0]
            poly = shape(boundary) if boundary else None
            if poly is not None:
                shapely.prepare(poly)
            self.boundaries[micro.pk] = poly
        if poly is None:
            return micro.centroid_lat, micro.centroid_lng
        minx, miny, maxx, maxy = poly.bounds
        for _ in range(60):
            x, y = self.rng.uniform(minx, maxx), self.rng.uniform(miny, maxy)
            if shapely.contains_xy(poly, x, y):
                return round(y, 6), round(x, 6)
        point = poly.representative_point()
        return point.y, point.x

    def report_time(self, channel: str, min_age: float, max_age: float) -> datetime:
        """When a report comes in: more recent ones are likelier, at the channel's hours."""
        rng = self.rng
        hours, office_only = CHANNEL_HOURS[channel]
        spans = [(a, b) for a, b, _w in hours]
        weights = [(b - a) * w for a, b, w in hours]
        for _ in range(30):
            age = rng.uniform(min_age, max_age)
            if rng.random() > (1 + 0.5 * (1 - age / HISTORY_DAYS)) / 1.5:
                continue  # a growing share of reports, nearer now
            day = (self.now - timedelta(days=age)).astimezone(SHANGHAI).date()
            if office_only and not self.calendar.is_workday(day) and rng.random() < 0.85:
                continue
            start, end = rng.choices(spans, weights)[0]
            minute = rng.uniform(start * 60, end * 60)
            local = datetime.combine(day, time(0), SHANGHAI) + timedelta(minutes=minute)
            at = local.astimezone(UTC).replace(microsecond=0)
            if at < self.now - timedelta(days=min_age):
                return at
        return self.now - timedelta(days=min_age, minutes=rng.uniform(5, 600))

    def report(self, agent: Agent) -> None:
        rng = self.rng
        village = self.villages[agent.micro.village_id]
        channel = agent.channel
        kwargs = {}
        actor = None
        if channel == Channel.PORTAL:
            actor = self.resident(village)
            if actor is None:
                channel = agent.channel = Channel.HOTLINE
        if channel in (Channel.GRID_APP, Channel.CAMPAIGN):
            actor = self.grid_staff.get((Role.GRID_WORKER, agent.micro.code))
            if actor is None or channel == Channel.CAMPAIGN:
                actor = self.grid_chief(agent.micro.code[:15])
        elif channel == Channel.HOTLINE:
            actor = self.desk_user(rng.choice(("hotline1", "hotline2")))
            anonymous = rng.random() < 0.15
            kwargs = {
                "reporter_name": "" if anonymous else self.fake.name(),
                "is_anonymous": anonymous,
                "callback_phone": self.fake.phone_number(),
            }
        elif channel in (Channel.WALK_IN, Channel.OTHER):
            actor = self.centre(village.code)
            kwargs = {
                "reporter_name": self.fake.name(),
                "callback_phone": self.fake.phone_number() if rng.random() < 0.8 else "",
            }
        elif channel in (Channel.VIDEO, Channel.POLICE):
            actor = self.centre(village.code[:9])
            kwargs = {
                "reporter_name": "视频巡查" if channel == Channel.VIDEO else "110警情转办",
            }
        elif channel == Channel.OPEN311:
            actor = self.desk_user("open311")
            kwargs = {"reporter_name": self.fake.name()}
        code = agent.category.code
        if code in URGENT_CATEGORIES and rng.random() < 0.4:
            priority = Priority.URGENT
        elif code in HIGH_CATEGORIES or rng.random() < 0.05:
            priority = Priority.HIGH
        elif code == "suggestion":
            priority = Priority.LOW
        else:
            priority = Priority.NORMAL
        try:
            case = services.case_report(
                actor=actor,
                category=agent.category,
                title=agent.title,
                description=agent.description,
                channel=channel,
                lat=agent.lat,
                lng=agent.lng,
                address=agent.address,
                priority=priority,
                at=agent.reported_at,
                **kwargs,
            )
        except DomainError as exc:
            agent.failed = True
            self.failures.append(f"report {agent.title}: {exc}")
            return
        agent.case, agent.at = case, agent.reported_at
        self.by_case[case.pk] = agent
        self.schedule(agent)
