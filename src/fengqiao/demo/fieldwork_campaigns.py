"""Two campaigns (排查任务) in the demo village, made through the campaign services: a finished
出租房屋排查 over the village's dwellings (every item checked, a few problems raised as cases,
then closed) and an open 矛盾纠纷排查 over its households with part of the grids done."""

from __future__ import annotations

import random
from datetime import timedelta

from fengqiao.accounts.models import User
from fengqiao.campaigns import services
from fengqiao.campaigns.models import CampaignItem
from fengqiao.campaigns.targets import RaiseCase
from fengqiao.core import clock
from fengqiao.demo import DEFAULT_SEED

RENTAL_CHECKLIST = ["是否出租", "租住人员是否登记", "消防通道是否畅通", "是否存在群租"]
DISPUTE_CHECKLIST = ["近期是否有矛盾纠纷", "是否有邻里纠纷", "是否有家庭纠纷", "是否需要调解"]
RENTAL_PROBLEMS = (
    ("building_hazard", "出租屋消防通道堵塞", "楼道堆放杂物，已要求房东清理。"),
    ("building_hazard", "出租屋电线私拉乱接", "电动车在室内充电，存在火灾隐患。"),
)
PROBLEM_SHARE = 0.1
NOT_FOUND_SHARE = 0.05


def _checker(item: CampaignItem, worker, centre):
    """The grid worker checks the items of their grid; the centre those of the others."""
    return worker if worker is not None and item.is_visible_to(worker) else centre


def _check(item, actor, rng: random.Random, checklist: list[str], problems) -> None:
    roll = rng.random()
    answers = {str(n): rng.random() < 0.5 for n in range(len(checklist))}
    if problems and roll < PROBLEM_SHARE:
        category, title, note = rng.choice(problems)
        services.item_check(
            actor=actor,
            item_id=item.pk,
            result="problem",
            answers=answers,
            note=note,
            raise_case=RaiseCase(category=category, title=title),
        )
    elif roll < PROBLEM_SHARE + NOT_FOUND_SHARE:
        services.item_check(actor=actor, item_id=item.pk, result="not_found", note="多次上门无人")
    else:
        services.item_check(actor=actor, item_id=item.pk, result="done", answers=answers)


def seed_campaigns(*, seed: int = DEFAULT_SEED) -> int:
    """The two campaigns; returns how many items they hold."""
    centre = User.objects.filter(username="village_centre", is_active=True).first()
    if centre is None:
        return 0
    worker = User.objects.filter(username="grid_worker", is_active=True).first()
    village = centre.bindings.get().code
    rng = random.Random(seed + 14)
    today = clock.localdate()
    rental = services.campaign_create(
        actor=centre,
        kind="dwelling",
        spec=services.CampaignSpec(
            title="出租房屋排查",
            region_code=village,
            deadline=today + timedelta(days=1),
            checklist=RENTAL_CHECKLIST,
            instructions="逐户核实出租情况，登记租住人员，检查消防安全。",
        ),
    )
    for item in rental.items.order_by("pk"):
        _check(item, _checker(item, worker, centre), rng, RENTAL_CHECKLIST, RENTAL_PROBLEMS)
    services.campaign_close(actor=centre, campaign_id=rental.pk)
    disputes = services.campaign_create(
        actor=centre,
        kind="household",
        spec=services.CampaignSpec(
            title="矛盾纠纷排查",
            region_code=village,
            deadline=today + timedelta(days=3),
            checklist=DISPUTE_CHECKLIST,
            instructions="节前矛盾纠纷大排查：逐户走访，发现苗头及时上报。",
        ),
    )
    grids = sorted({code for code in disputes.items.values_list("region_code", flat=True)})
    done_grids = set(grids[: len(grids) // 2])
    for item in disputes.items.filter(region_code__in=done_grids).order_by("pk"):
        _check(item, _checker(item, worker, centre), rng, DISPUTE_CHECKLIST, ())
    return rental.item_count + disputes.item_count
