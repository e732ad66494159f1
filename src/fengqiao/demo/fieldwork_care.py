"""Care records (一本记) for the demo grid's vulnerable households over a year, made through
the fieldwork services at their own times: needs raised on visits by the demo grid worker,
help given with its cost a few days later, most needs met, some still open; and a service
list for the demo villages, kept by the village centre."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

from fengqiao.accounts.models import User
from fengqiao.core import clock
from fengqiao.demo import DEFAULT_SEED
from fengqiao.fieldwork import care, selectors, services
from fengqiao.fieldwork.models import NeedStatus, Purpose, ServiceOffer, Target
from fengqiao.registry.models import Person

NEEDS = (
    ("money", "看病自付费用较高，生活拮据。", "发放临时救助金", "村民政协理员", (300, 2000)),
    ("care", "独居行动不便，做饭困难。", "联系老年食堂送餐上门", "村老年食堂", (0, 300)),
    ("medical", "慢性病需定期复查，无人陪同。", "家庭医生上门随访", "镇卫生院", (0, 120)),
    ("housing", "屋顶漏雨，需要修缮。", "组织志愿者修补屋顶", "村志愿服务队", (200, 1500)),
    ("mental", "子女长期在外，情绪低落。", "心理关爱志愿者上门谈心", "镇社工站", (0, 0)),
    ("schooling", "孩子放学后无人看管。", "安排参加“四点半课堂”", "村小学", (0, 0)),
    ("employment", "家中劳动力失业，想找工作。", "推荐公益性岗位", "镇劳动保障所", (0, 0)),
)
SERVICES = (
    ("助餐送餐", "care", "村老年食堂", "05712345678", "每日 11:00–12:00"),
    ("家庭医生签约随访", "medical", "镇卫生院", "05712345001", "每月第一周"),
    ("临时救助申请", "money", "村民政协理员", "13900000001", "工作日 9:00–17:00"),
    ("“四点半课堂”", "schooling", "村小学", "", "上学日 16:30–18:00"),
    ("心理关爱志愿服务", "mental", "镇社工站", "13900000002", "每周三下午"),
    ("公益性岗位推荐", "employment", "镇劳动保障所", "05712345002", "工作日"),
    ("房屋修缮志愿服务", "housing", "村志愿服务队", "", "预约上门"),
)
OPEN_SHARE = 0.25  # needs left open or being helped now


def seed_care(*, seed: int = DEFAULT_SEED, days: int = 365) -> int:
    """Care records for the demo grid's vulnerable households and the villages' service
    lists; returns how many needs were raised."""
    worker = User.objects.filter(username="grid_worker", is_active=True).first()
    centre = User.objects.filter(username="village_centre", is_active=True).first()
    if worker is None or centre is None:
        return 0
    _seed_services(centre)
    rng = random.Random(seed + 14)
    people = Person.objects.visible_to(worker).exclude(household=None)
    covered = sorted(selectors.covered_people(centre, people))
    households = sorted(
        set(Person.objects.filter(pk__in=covered).values_list("household_id", flat=True))
    )
    now = clock.now()
    before = getattr(clock, "_frozen", None)  # restored after: a test may have frozen time
    made = 0
    try:
        for number, household_id in enumerate(households):
            for index in range(rng.randint(1, 3)):
                kind, detail, what, unit, (low, high) = rng.choice(NEEDS)
                at = now - timedelta(days=rng.uniform(2, days - 10))
                clock.freeze(at)
                visit = services.visit_record(
                    actor=worker,
                    target=Target.HOUSEHOLD,
                    target_id=household_id,
                    purpose=Purpose.CARE,
                    findings=detail,
                    client_id=f"demo-care-{household_id}-{index}",
                    raise_need=services.RaiseNeed(kind=kind, detail=detail),
                )
                need = visit.needs.first()
                if need is None:
                    continue
                made += 1
                if at > now - timedelta(days=14) and rng.random() < OPEN_SHARE:
                    continue  # raised lately: still open
                clock.freeze(at + timedelta(days=rng.uniform(0.5, 10)))
                care.help_record(
                    actor=worker,
                    need_id=need.pk,
                    what=what,
                    given_by_name=unit if rng.random() < 0.5 else "",
                    unit_name=unit,
                    cost=Decimal(rng.randint(low // 10, high // 10) * 10),
                    client_id=f"demo-care-help-{need.pk}",
                )
                if (number + index) % 4:
                    care.need_set_status(actor=worker, need_id=need.pk, status=NeedStatus.MET)
    finally:
        clock.freeze(before)
    return made


def _seed_services(centre) -> None:
    villages = centre.scope_prefixes() or []
    for village in villages:
        for name, kind, provider, phone, schedule in SERVICES:
            if ServiceOffer.objects.filter(region_code=village, name=name).exists():
                continue
            care.offer_save(
                actor=centre,
                region_code=village,
                name=name,
                kind=kind,
                provider=provider,
                contact_phone=phone,
                schedule=schedule,
            )
