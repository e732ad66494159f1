"""A year of household visits in the demo county, made through the fieldwork services at
their own times: the county's default visit plans, and the demo grid worker visiting the
people of their grid that the plans cover, mostly on time, some late, a few now overdue."""

from __future__ import annotations

import random
from datetime import timedelta

from fengqiao.accounts.models import User
from fengqiao.core import clock
from fengqiao.demo import COUNTY_CODE, DEFAULT_SEED
from fengqiao.fieldwork import selectors, services
from fengqiao.fieldwork.defaults import ensure_default_plans
from fengqiao.fieldwork.models import Purpose, Target
from fengqiao.registry.models import Person

FINDINGS = (
    "身体状况良好，生活能自理。",
    "家中整洁，按时服药，情绪稳定。",
    "反映冬季取暖困难，已登记需求。",
    "子女外出务工，电话联系正常。",
    "孩子学习正常，监护人在家。",
    "血压偏高，已提醒按时就医。",
    "门前路灯不亮，已告知村委。",
    "家中无异常。",
)
OVERDUE_SHARE = 0.2  # people whose last visit is left out, so they show as overdue now


def seed_visits(*, seed: int = DEFAULT_SEED, days: int = 365) -> int:
    """Plans for the county and a year of visits by the demo grid worker; returns how many
    visits were recorded."""
    ensure_default_plans(COUNTY_CODE[:6])
    worker = User.objects.filter(username="grid_worker", is_active=True).first()
    if worker is None:
        return 0
    rng = random.Random(seed + 7)
    reachable = set(Person.objects.visible_to(worker).values_list("pk", flat=True))
    # The grid worker's list leaves out sensitive tags; a centre account sees the weekly ones.
    lister = User.objects.filter(username="village_centre", is_active=True).first() or worker
    due = [
        item
        for item in selectors.visits_due(actor=lister, include_later=True, limit=10_000)
        if item.person_id in reachable and item.household_id is not None
    ]
    now = clock.now()
    before = getattr(clock, "_frozen", None)  # restored after: a test may have frozen time
    made = 0
    try:
        for item in due:
            moments = []
            at = now - timedelta(days=days - rng.uniform(0, item.every_days))
            while at < now - timedelta(hours=2):
                moments.append(at)
                at += timedelta(
                    days=item.every_days * rng.uniform(0.7, 1.1), hours=rng.uniform(-3, 3)
                )
            if moments and rng.random() < OVERDUE_SHARE:
                moments = [m for m in moments if m < now - timedelta(days=item.every_days + 3)]
            for index, moment in enumerate(moments):
                clock.freeze(moment)
                services.visit_record(
                    actor=worker,
                    target=Target.HOUSEHOLD,
                    target_id=item.household_id,
                    purpose=Purpose.CARE if index % 3 else Purpose.ROUTINE,
                    findings=rng.choice(FINDINGS),
                    people=[item.person_id],
                    lat=item.lat + rng.uniform(-0.0002, 0.0002) if item.lat is not None else None,
                    lng=item.lng + rng.uniform(-0.0002, 0.0002) if item.lng is not None else None,
                    accuracy_m=rng.randint(5, 40),
                    client_id=f"demo-visit-{item.person_id}-{index}",
                )
                made += 1
    finally:
        clock.freeze(before)
    return made
