"""Demo notices (村务公开): a few dozen published through the services for the county, its
first township and some villages, with generated text and no real people."""

from __future__ import annotations

import random
from datetime import timedelta

from fengqiao.accounts.models import User
from fengqiao.core import clock
from fengqiao.demo import COUNTY_CODE, DEFAULT_SEED
from fengqiao.participation.models import Category
from fengqiao.participation.services import notice_create, notice_publish, notice_withdraw
from fengqiao.regions.models import Region

# (category, title, body) with {place} for the region's name and {n}/{m} for numbers.
_TEXTS = [
    (
        Category.FINANCE,
        "{place}第{n}季度村级财务收支公开",
        "本季度村集体收入{m}万元，支出{n}万元。\n支出明细：道路维修、保洁人员工资、办公用品。\n"
        "如有疑问，请于公示期内到村民委员会咨询。",
    ),
    (
        Category.VILLAGE,
        "{place}关于开展人居环境整治的通知",
        "为改善村容村貌，定于本月{n}日开展环境卫生大扫除。\n请各户清理房前屋后杂物，"
        "网格员将逐户检查。",
    ),
    (
        Category.PARTY,
        "{place}党支部主题党日活动安排",
        "本月主题党日活动定于{n}日上午九时在党群服务中心举行。\n内容：集中学习、志愿服务。\n"
        "请全体党员准时参加。",
    ),
    (
        Category.SERVICE,
        "{place}医保参保缴费提醒",
        "城乡居民医疗保险缴费已经开始，截止日期为本月{n}日。\n可通过便民服务点或手机缴费，"
        "行动不便的老人可联系网格员上门协助。",
    ),
    (
        Category.VILLAGE,
        "{place}低保评议结果公示",
        "经村民代表会议评议，拟新增低保对象{n}户。\n公示期七天，对公示结果有异议的，"
        "可向村务监督委员会反映。",
    ),
    (
        Category.SERVICE,
        "{place}防汛安全提示",
        "近期降雨较多，请注意防范山洪和地质灾害。\n住在山脚、河边的住户请留意预警信息，"
        "必要时听从安排转移。",
    ),
    (
        Category.FINANCE,
        "{place}集体经济项目收益分配方案",
        "经村民代表大会讨论通过，{m}年度集体经济收益按户分配。\n分配方案在村务公开栏张贴，"
        "欢迎村民监督。",
    ),
    (
        Category.PARTY,
        "{place}发展党员公示",
        "经支部委员会研究，拟将{n}名同志列为发展对象。\n公示期五天，欢迎党员群众监督。",
    ),
]
VILLAGES = 8  # villages of the first township and beyond that get notices of their own
PER_VILLAGE = 3


def seed_notices(*, seed: int = DEFAULT_SEED) -> int:
    """Publish the demo notices (idempotent per database: only when there are none); returns
    how many were published. Dates spread over the last 60 days."""
    from fengqiao.participation.models import Notice

    if Notice.objects.exists():
        return 0
    rng = random.Random(seed)
    county = Region.objects.get(code=COUNTY_CODE)
    township = county.children.order_by("code").first()
    villages = list(
        Region.objects.filter(level=Region.Level.VILLAGE, code__startswith=county.prefix).order_by(
            "code"
        )[:VILLAGES]
    )
    admin = User.objects.get(username="admin")
    authors = {
        county.code: User.objects.filter(username="county_centre").first() or admin,
        township.code: User.objects.filter(username="town_centre").first() or admin,
    }
    plan = [(county, authors[county.code])] * 4 + [(township, authors[township.code])] * 4
    for village in villages:
        plan += [(village, admin)] * PER_VILLAGE
    now = clock.now()
    before = getattr(clock, "_frozen", None)  # restored after: a test may have frozen time
    published = 0
    try:
        for index, (region, author) in enumerate(plan):
            category, title, body = _TEXTS[rng.randrange(len(_TEXTS))]
            numbers = {"place": region.name, "n": rng.randint(2, 28), "m": rng.randint(3, 60)}
            clock.freeze(now - timedelta(days=60 - index * 60 / len(plan), hours=rng.random()))
            notice = notice_create(
                actor=author,
                region_code=region.code,
                category=category,
                title=title.format(**numbers),
                body=body.format(**numbers),
                is_pinned=index % 9 == 0,
            )
            notice_publish(actor=author, notice_id=notice.pk)
            published += 1
            if index % 11 == 10:  # a few were taken down again
                notice_withdraw(actor=author, notice_id=notice.pk, reason="信息已过期")
    finally:
        clock.freeze(before)
    return published
