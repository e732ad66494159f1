"""Help plans (帮教) in the demo grid, made through the fieldwork services at their own times:
a community-correction plan and a severe-mental-illness plan with a year of contacts, a
drug-rehab returnee whose T+1 contact was made on the next working day, and a returnee back
a week ago whom nobody has contacted yet (overdue on the centre's list)."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from fengqiao.accounts.models import User
from fengqiao.core import clock
from fengqiao.demo import DEFAULT_SEED
from fengqiao.fieldwork import helpplans
from fengqiao.fieldwork.models import ContactMode, HelpPlan
from fengqiao.registry.models import Person

TZ = ZoneInfo("Asia/Shanghai")
NOTES = (
    "情绪稳定，按时报到。",
    "家属配合，生活规律。",
    "已找到工作，收入稳定。",
    "按时服药，未见异常。",
    "反映就业困难，已联系社工跟进。",
    "电话联系正常。",
)


def _at(day: date, rng: random.Random) -> datetime:
    return datetime.combine(day, time(9), tzinfo=TZ) + timedelta(minutes=rng.randint(0, 480))


def _contacts(plan, people, rng, until: datetime) -> int:
    """Contacts on the plan's schedule, mostly on time, now and then a few days late."""
    made, last = 0, None
    while True:
        due_on = helpplans.due_after(plan, helpplans.plan_returned_on(plan), last)
        if last is None:  # the first contact (a returnee's T+1) on the day it is due
            shift = 0
        elif rng.random() < 0.1:
            shift = -rng.randint(1, 4)  # late
        else:
            shift = rng.randint(0, 2)
        moment = _at(due_on - timedelta(days=shift), rng)
        if moment >= until:
            return made
        clock.freeze(moment)
        contact = helpplans.contact_record(
            actor=rng.choice(people),
            plan_id=plan.pk,
            mode=rng.choice(ContactMode.values),
            note=rng.choice(NOTES),
            client_id=f"demo-help-{plan.pk}-{made}",
        )
        last, made = contact.done_at, made + 1


def seed_helpplans(*, seed: int = DEFAULT_SEED, days: int = 365) -> int:
    """Four plans in the demo grid worker's grid; returns how many contacts were recorded."""
    users = {u.username: u for u in User.objects.filter(is_active=True)}
    worker, centre = users.get("grid_worker"), users.get("village_centre")
    if worker is None or centre is None or HelpPlan.objects.exists():
        return 0
    police = users.get("handler")
    people = list(Person.objects.visible_to(worker).order_by("pk")[:4])
    if len(people) < 4:
        return 0
    rng = random.Random(seed + 14)
    now = clock.now()
    today = clock.localdate()
    before = getattr(clock, "_frozen", None)  # restored after: a test may have frozen time
    members = [(worker.pk, "网格员")] + ([(police.pk, "社区民警")] if police else [])
    recorders = [worker] + ([police] if police else [])
    made = 0
    try:
        specs = [
            (people[0], "correction", days, None, 30),
            (people[1], "mental_illness", days - 60, None, 7),
            (people[2], "drug_rehab", 200, 200, 30),
        ]
        for person, kind, ago, returned_ago, every in specs:
            start = today - timedelta(days=ago)
            clock.freeze(_at(start, rng))
            plan = helpplans.helpplan_create(
                actor=centre,
                person_id=person.pk,
                kind=kind,
                members=members,
                starts_on=start,
                returned_on=today - timedelta(days=returned_ago) if returned_ago else None,
                contact_every_days=every,
                notes="社区矫正对象，每月走访。" if kind == "correction" else "",
            )
            made += _contacts(plan, recorders, rng, now - timedelta(hours=2))
        clock.freeze(now - timedelta(days=7))  # back a week ago; nobody has called yet
        helpplans.helpplan_create(
            actor=centre,
            person_id=people[3].pk,
            kind="drug_rehab",
            members=[(worker.pk, "网格员")],
            returned_on=today - timedelta(days=7),
            notes="解除强制隔离戒毒，回归社区。",
        )
    finally:
        clock.freeze(before)
    return made
