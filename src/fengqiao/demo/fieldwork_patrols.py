"""A year of patrols (巡查) by the demo grid worker and two 红袖标 volunteer teams with their
members and roster, made through the patrol services at their own times: a few walks a week
round the places, facilities and homes of the worker's grid, checking in on the way; now and
then a problem raises a case."""

from __future__ import annotations

import math
import random
from datetime import time, timedelta

from django.utils import timezone

from fengqiao.accounts.models import User
from fengqiao.cases.duplicates import distance_m
from fengqiao.core import clock
from fengqiao.demo import DEFAULT_SEED
from fengqiao.fieldwork import patrols as services
from fengqiao.fieldwork.models import PatrolTeam
from fengqiao.registry.models import Dwelling, Facility, Place

WALK_M_PER_S = 1.1
STEP_M = 15  # a GPS point about every 15 m
NEARBY_HOMES = 25  # a round passes homes among the nearest this many
SPOT_RADIUS_M = 1500  # and key places or facilities this close to where it starts
PROBLEM_SHARE = 0.03  # check-ins that find a problem and raise a case
PROBLEMS = (
    ("garbage", "巡查发现垃圾堆放", "路边垃圾堆积，影响通行。"),
    ("streetlight", "巡查发现路灯不亮", "夜间巡查发现路灯不亮。"),
    ("fire_hazard", "巡查发现消防通道堵塞", "消防通道被杂物占用。"),
)
NOTES = ("", "", "秩序正常。", "重点部位已查看。", "提醒商户注意用火用电安全。")
TEAMS = (
    ("红袖标巡逻一队", "王秀英", ("王秀英", "李桂兰", "张建国", "刘德华", "陈玉梅", "杨志强")),
    ("红袖标平安志愿队", "赵国庆", ("赵国庆", "孙丽华", "周明", "吴桂芳", "郑海军")),
)


def _stops(worker) -> tuple[list, list]:
    """The points a walk goes by (homes and check-in targets) and the targets themselves."""
    targets = [("place", p) for p in Place.objects.visible_to(worker).exclude(lat=None)]
    targets += [("facility", f) for f in Facility.objects.visible_to(worker).exclude(lat=None)]
    homes = list(Dwelling.objects.visible_to(worker).exclude(lat=None).order_by("pk")[:400])
    return homes, targets


def _route(rng, homes, targets) -> list[tuple[float, float, object]]:
    """A round from a home past a few nearby homes and key spots (nearest next) and back."""
    home = rng.choice(homes)

    def away(row) -> float:
        return distance_m(home.lat, home.lng, row.lat, row.lng)

    nearby = sorted(homes, key=away)[1:NEARBY_HOMES]
    chosen = [(h.lat, h.lng, None) for h in rng.sample(nearby, min(len(nearby), rng.randint(3, 7)))]
    spots = [(kind, t) for kind, t in targets if away(t) <= SPOT_RADIUS_M]
    picked = rng.sample(spots, min(len(spots), rng.randint(1, 3)))
    chosen += [(t.lat, t.lng, (kind, t)) for kind, t in picked]
    route = [(home.lat, home.lng, None)]
    while chosen:
        last = route[-1]
        nearest = min(chosen, key=lambda w: distance_m(last[0], last[1], w[0], w[1]))
        chosen.remove(nearest)
        route.append(nearest)
    return [*route, (home.lat, home.lng, None)]


def _walk(rng, route, started_at):
    """GPS points [lat, lng, seconds, accuracy] along the route and the check-ins made."""
    points, check_ins, seconds = [], [], 0.0
    for (lat1, lng1, _), (lat2, lng2, stop) in zip(route, route[1:], strict=False):
        leg = distance_m(lat1, lng1, lat2, lng2)
        steps = max(1, math.ceil(leg / STEP_M))
        for i in range(steps):
            f = i / steps
            accuracy = rng.choice((5, 8, 10, 12, 15, 20, 30)) if rng.random() > 0.04 else 150
            jitter = 0.00004 if accuracy < 100 else 0.0008
            points.append(
                [
                    lat1 + (lat2 - lat1) * f + rng.uniform(-jitter, jitter),
                    lng1 + (lng2 - lng1) * f + rng.uniform(-jitter, jitter),
                    round(seconds, 1),
                    accuracy,
                ]
            )
            seconds += leg / steps / WALK_M_PER_S
        if stop is not None:
            kind, row = stop
            seconds += rng.uniform(60, 300)  # a look round
            at = started_at + timedelta(seconds=seconds)
            raise_case, result, note = None, "ok", rng.choice(NOTES)
            if rng.random() < PROBLEM_SHARE:
                category, title, note = rng.choice(PROBLEMS)
                raise_case, result = services.RaiseCase(category=category, title=title), "problem"
            check_ins.append(
                services.CheckIn(
                    at=at,
                    target=kind,
                    target_id=row.pk,
                    result=result,
                    lat=row.lat,
                    lng=row.lng,
                    note=note,
                    raise_case=raise_case,
                )
            )
    points.append([route[-1][0], route[-1][1], round(seconds, 1), 10])
    return points, check_ins, seconds


def _teams(centre, worker, rng) -> int:
    """Two teams (the village's and the worker's grid's), members and eight weeks of roster."""
    village = centre.bindings.order_by("code").first().code
    grid = worker.bindings.get().grid
    areas = (village, grid.parent.code if grid and grid.parent_id else village)
    today = clock.localdate()
    made = 0
    for (name, leader, people), area in zip(TEAMS, areas, strict=False):
        if PatrolTeam.objects.filter(region_code=area, name=name).exists():
            continue
        team = services.team_save(actor=centre, name=name, region_code=area, leader_name=leader)
        members = [
            services.member_save(
                actor=centre,
                team_id=team.pk,
                name=person,
                phone=f"139{rng.randint(0, 99_999_999):08d}",
                joined_on=today - timedelta(days=rng.randint(60, 900)),
            )
            for person in people
        ]
        monday = today - timedelta(days=today.weekday())
        for week in range(-6, 2):
            for weekday in (0, 2, 4, 5):
                on = monday + timedelta(weeks=week, days=weekday)
                services.shift_save(
                    actor=centre,
                    team_id=team.pk,
                    on=on,
                    starts_at=time(19, 0) if weekday < 5 else time(9, 0),
                    ends_at=time(21, 0) if weekday < 5 else time(11, 0),
                    members=[m.pk for m in rng.sample(members, 3)],
                    note=rng.choice(("村口—集贸市场—学校", "沿河步道一圈", "小区各楼栋")),
                )
        made += 1
    return made


def seed_patrols(*, seed: int = DEFAULT_SEED, days: int = 365) -> int:
    """The teams, and a year of the demo grid worker's patrols; returns how many patrols."""
    worker = User.objects.filter(username="grid_worker", is_active=True).first()
    centre = User.objects.filter(username="village_centre", is_active=True).first()
    if worker is None or centre is None:
        return 0
    _teams(centre, worker, random.Random(seed + 11))
    rng = random.Random(seed + 13)  # the same walks whether the teams were there or not
    homes, targets = _stops(worker)
    if len(homes) < 2:
        return 0
    now = clock.now()
    before = getattr(clock, "_frozen", None)  # restored after: a test may have frozen time
    made = 0
    try:
        day = timezone.localtime(now - timedelta(days=days)).replace(
            hour=0, minute=0, second=0, microsecond=0
        )
        while day < now - timedelta(days=1):
            for weekday in sorted(rng.sample(range(7), rng.randint(2, 4))):
                started_at = day + timedelta(days=weekday, hours=rng.choice((8, 9, 14, 15, 19)))
                started_at += timedelta(minutes=rng.randint(0, 50))
                points, check_ins, seconds = _walk(rng, _route(rng, homes, targets), started_at)
                ended_at = started_at + timedelta(seconds=seconds + 30)
                if ended_at > now - timedelta(hours=1):
                    continue
                clock.freeze(ended_at + timedelta(minutes=rng.randint(1, 90)))
                services.patrol_record(
                    actor=worker,
                    started_at=started_at,
                    ended_at=ended_at,
                    points=points,
                    check_ins=check_ins,
                    client_id=f"demo-patrol-{started_at:%Y%m%d%H%M}",
                )
                made += 1
            day += timedelta(days=7)
    finally:
        clock.freeze(before)
    return made
