"""A year of case history for the demo county, made by running the real case services.

Nothing here writes a case or an event row itself: every report, acceptance, dispatch,
claim, resolution, check, rating, escalation and closing goes through
`fengqiao.cases.services` (and the worker's `sweeps`) with the clock frozen at the moment it
happens, so every case's hash-chained log verifies and every status change went through
the transition table.

How it runs: each case gets an *agent* with a plan drawn up front (its channel, category,
place, reporter and fate: normal, rejected, merged as a duplicate, escalated by decision,
wrongly dispatched, late at one stage, stuck, extended, failed check, unhappy rating).
All agents then run in one time-ordered simulation over the year before `now`: the heap
holds every agent's next step and the worker's sweep passes; a step late past its SLA
deadline gives the escalation sweep (`sweeps.sweep_escalations`) a pass one minute after
the deadline, as the worker would. Because everything happens in time order, case numbers
run in report order within each day, duplicate detection sees the cases that were open at
that moment, and a sweep only ever sees what was true then. Steps that would fall after
`now` are not taken, so recent cases are left open at whatever stage they have reached,
and cases nobody acts on climb to the county by themselves and sit there overdue. Other
simulations run on the same timeline (`alongside`: the mediation history's disputes,
screening and petitions), so case numbers follow report order across case kinds.

Staff who act are the demo accounts where they exist (village_centre, grid_chief,
handler, resident…) and otherwise generated accounts with unusable passwords, created
when first needed: `gen_c_<code>` for a centre, `gen_g_<grid>` for a grid chief,
`gen_h_<unit>` for a unit's handler (added to the unit), `gen_r_<person id>` for a resident
(a household head), `gen_hotline1`/`gen_hotline2` for the county's 12345 operators and
`gen_open311` for the Open311 client. A grid without a chief gets its generated one.
"""

from __future__ import annotations

import heapq
import random
import time as monotonic_time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

import shapely
from django.db import transaction
from django.db.models import Count
from faker import Faker
from shapely.geometry import shape

from fengqiao.accounts.models import JurisdictionBinding, User
from fengqiao.accounts.services import user_create
from fengqiao.cases import services, sweeps, workflow
from fengqiao.cases.models import (
    OPEN_STATUSES,
    Case,
    CaseEvent,
    Category,
    Channel,
    HandlingUnit,
    Level,
    Priority,
    SlaRule,
    Status,
)
from fengqiao.cases.sla import rule_for
from fengqiao.core import clock
from fengqiao.core.calendar import working_calendar
from fengqiao.core.errors import DomainError
from fengqiao.core.roles import Role
from fengqiao.demo import COUNTY_CODE
from fengqiao.regions.locator import grids_changed
from fengqiao.regions.models import Grid, Region
from fengqiao.registry.models import Household

__all__ = ["Simulation", "generate_case_history", "run_in_time_order"]

Progress = Callable[[str], None]
SHANGHAI = ZoneInfo("Asia/Shanghai")
DAYS = 365
RESIDENTS_PER_VILLAGE = 2
SWEEP_EVERY = timedelta(minutes=1)  # `fengqiao worker` runs a pass every 60 s
AUTO_CLOSE_AFTER = timedelta(days=7)  # sweeps.sweep_auto_close's default
LEVEL_DIGITS = {Level.VILLAGE: 12, Level.TOWNSHIP: 9, Level.COUNTY: 6}
FINAL = (Status.CLOSED, Status.REJECTED, Status.MERGED)

# --- what gets reported, where and by whom -----------------------------------------------

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

# --- fates ---------------------------------------------------------------------------------

# One fate per case (the rest of the cases simply run their course).
FATES = {
    "reject": 0.03,
    "merge": 0.02,
    "escalate": 0.03,  # the centre sends it up by decision
    "return": 0.012,  # dispatched to the wrong unit, which sends it back
    "transfer": 0.012,  # dispatched to the wrong unit, the centre moves it
    "late": 0.08,  # one stage runs past its deadline: the sweep escalates it
    "extension": 0.03,
    "fail_check": 0.03,  # the check after resolving fails: reopened
    "unhappy": 0.027,  # rated 1-2 and reopened
    "unhappy_close": 0.01,  # rated 1-2, explained, closed with a reason
}
STUCK_SHARE = 0.10  # of the cases reported in the last STUCK_DAYS: nobody acts any more
STUCK_DAYS = 30
# At least this many of each fate, so even the small history shows every kind of case.
FATE_MINIMUM = {
    "reject": 1,
    "merge": 1,
    "escalate": 1,
    "return": 1,
    "transfer": 1,
    "late": 2,
    "extension": 1,
    "fail_check": 1,
    "unhappy": 1,
    "unhappy_close": 1,
    "stuck": 2,
}
LATE_STAGES = {
    Status.REPORTED: 0.3,
    Status.ACCEPTED: 0.2,
    Status.DISPATCHED: 0.2,
    Status.CLAIMED: 0.3,
}
RATINGS = {5: 62, 4: 26, 3: 12}

# --- words ---------------------------------------------------------------------------------

_ROADS = ("建设路", "人民路", "解放路", "和平路", "兴业路", "滨江路", "文化路", "新华路", "中山路")
_ESTATES = ("锦绣", "幸福", "阳光", "滨江", "翠苑", "桂花", "丽景", "和平", "金色家园")
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐"
_URBAN_SPOTS = (
    "{road}与{road2}交叉口",
    "{estate}小区{n}栋楼下",
    "{estate}小区东门",
    "{estate}小区{n}栋{m}单元",
    "{road}农贸市场门口",
    "{road}公交站旁",
    "{estate}小区地下车库",
    "{road}{num}号门口",
    "社区文化广场",
    "{road}人行道",
)
_RURAL_SPOTS = (
    "村口",
    "村部旁",
    "{n}组",
    "{n}组{surname}家屋后",
    "村小学门口",
    "村道{n}公里处",
    "{n}组水塘边",
    "村文化广场",
    "{n}组渠道边",
    "{n}组桥头",
)

# category → [(title, description)]
TEXTS: dict[str, list[tuple[str, str]]] = {
    "garbage": [
        (
            "{spot}垃圾堆放多日无人清运",
            "{spot}堆放大量生活垃圾，已有{days}天未清运，气味难闻，影响周边居民生活。",
        ),
        ("{spot}建筑垃圾乱倒", "有人在{spot}倾倒装修建筑垃圾，占用通道，请尽快清理并查处。"),
        ("{spot}垃圾桶满溢", "{spot}的垃圾桶已满溢{days}天，垃圾散落一地，招来蚊蝇。"),
        ("{spot}河道漂浮垃圾", "{spot}附近河道漂浮大量塑料袋和杂物，雨后更严重。"),
    ],
    "sanitation": [
        ("{spot}下水道堵塞污水外溢", "{spot}下水道堵塞，污水漫到路面，行人无法通行。"),
        ("{spot}公厕脏乱无人打扫", "{spot}公共厕所{days}天无人打扫，异味很大。"),
        ("{spot}卫生死角蚊蝇滋生", "{spot}长期积存杂物和污水，蚊蝇滋生，居民多次反映。"),
    ],
    "pollution": [
        (
            "{spot}小作坊排放黑烟",
            "{spot}一家小作坊每天傍晚排放黑烟，刺鼻难闻，周边居民不敢开窗。",
        ),
        ("{spot}夜间有刺鼻异味", "近{days}天每到夜间{spot}一带就有刺鼻异味，怀疑有企业偷排。"),
        ("{spot}养殖场污水直排", "{spot}养殖场污水未经处理直接排入水沟，下游水体发黑发臭。"),
        ("{spot}焚烧垃圾浓烟弥漫", "有人在{spot}露天焚烧垃圾和秸秆，浓烟弥漫。"),
    ],
    "neighbour_dispute": [
        (
            "{spot}邻里噪音纠纷",
            "楼上住户每晚十一点后仍有较大响动，楼下住户多次沟通无果，双方发生争吵。",
        ),
        ("{spot}楼上漏水引发纠纷", "楼上卫生间漏水致楼下天花板发霉，双方对维修费用分担有争议。"),
        ("{spot}占道堆放杂物引发矛盾", "{surname}某在{spot}长期堆放杂物，与邻居多次发生口角。"),
        ("{spot}两户因排水沟发生争执", "{surname}某与邻居因屋旁排水沟走向问题发生争执。"),
    ],
    "family_dispute": [
        (
            "{spot}{surname}某家庭赡养纠纷",
            "{surname}某兄弟{n}人因赡养母亲问题发生争吵，老人生活无人照料。",
        ),
        ("{spot}夫妻矛盾激化需调解", "{surname}某夫妻近期矛盾激化，经常争吵，邻居担心发生意外。"),
        ("{spot}家庭财产分割纠纷", "{surname}某家因老宅拆迁补偿分配问题兄妹之间产生矛盾。"),
    ],
    "land_dispute": [
        (
            "{spot}宅基地边界纠纷",
            "{surname}某与邻居因宅基地边界发生争执，一方已砌墙，另一方要求拆除。",
        ),
        ("{spot}山林界址纠纷", "{n}组与相邻村民小组对一片山林的界址认定不一致，双方各执一词。"),
        ("{spot}承包地流转纠纷", "{surname}某反映承包地流转费用已拖欠{n}年，对方拒不支付。"),
    ],
    "labour_dispute": [
        (
            "{spot}工地拖欠农民工工资",
            "{n}名工人反映在{spot}附近工地务工，被拖欠工资约{money}万元。",
        ),
        ("{spot}个人借款纠纷", "{surname}某反映借给同村村民{money}万元，到期多次催要未还。"),
        ("{spot}装修款结算纠纷", "装修工人与业主因装修款结算发生争执，涉及金额约{money}万元。"),
    ],
    "security_risk": [
        ("{spot}有人聚众赌博", "群众反映{spot}一民房内夜间经常有人聚集赌博，进出人员复杂。"),
        ("{spot}发现可疑人员徘徊", "{spot}连续{days}天有陌生人员徘徊，逐户查看门窗，居民担心。"),
        ("{spot}酒后打架", "{spot}有人酒后发生冲突，现场有人受伤，请尽快处置。"),
    ],
    "fraud": [
        (
            "{surname}某疑似遭遇电信诈骗",
            "{surname}某接到自称客服的电话，被要求转账{money}万元，已转出部分款项。",
        ),
        ("{spot}有人推销高息理财", "{spot}有人向老年人推销所谓高息理财产品，疑似诈骗。"),
    ],
    "fire_hazard": [
        ("{spot}楼道堆放杂物堵塞消防通道", "{spot}楼道内堆放大量纸箱和旧家具，堵塞消防通道。"),
        ("{spot}电动车楼道内充电", "{spot}多户居民将电动车推入楼道飞线充电，存在火灾隐患。"),
        ("{spot}电线私拉乱接", "{spot}商铺电线私拉乱接，线路老化裸露。"),
        ("{spot}灭火器过期", "{spot}配置的灭火器已过期{n}年，压力表指针在红区。"),
    ],
    "building_hazard": [
        ("{spot}老旧房屋墙体开裂", "{spot}一栋老旧房屋外墙出现明显裂缝，近期雨水多，担心倒塌。"),
        ("{spot}危房仍有人居住", "{surname}某家房屋已鉴定为危房，仍有老人居住。"),
    ],
    "traffic_hazard": [
        ("{spot}路口缺少减速带", "{spot}路口车速过快，近期已发生{n}起剐蹭，建议设置减速带。"),
        ("{spot}护栏损坏", "{spot}道路护栏被撞坏，临水一侧无防护。"),
        ("{spot}货车超载通行", "{spot}每天夜间有超载货车通行，路面已被压坏。"),
    ],
    "geo_hazard": [
        ("{spot}后山出现裂缝", "{spot}后山出现长约{n}十米的裂缝，有滑坡风险，下方有住户。"),
        ("{spot}道路旁落石", "{spot}道路旁边坡落石，已砸坏护栏，过往车辆危险。"),
    ],
    "road_damage": [
        ("{spot}路面坑洼积水", "{spot}路面坑洼不平，下雨后大量积水，电动车易摔倒。"),
        ("{spot}井盖缺失", "{spot}一处井盖缺失，仅用树枝遮挡，行人易跌落。"),
        ("{spot}桥梁栏杆破损", "{spot}桥梁栏杆破损{n}处，存在安全隐患。"),
    ],
    "streetlight": [
        ("{spot}路灯不亮", "{spot}一排{n}盏路灯已连续{days}晚不亮，夜间出行不便。"),
        ("{spot}路灯白天常亮", "{spot}路灯白天也一直亮着，浪费电。"),
        ("{spot}路灯杆倾斜", "{spot}一根路灯杆被车撞后倾斜，随时可能倒下。"),
    ],
    "water_supply": [
        ("{spot}停水{days}天", "{spot}已停水{days}天，未见通知，居民生活用水困难。"),
        ("{spot}水管爆裂", "{spot}供水管道爆裂，水流满地，请尽快抢修。"),
        ("{spot}水压太低", "{spot}高层住户水压太低，白天基本用不上水。"),
    ],
    "power_supply": [
        ("{spot}频繁停电", "{spot}近{days}天频繁停电，每次持续数小时，影响生产生活。"),
        ("{spot}电线杆倾斜", "{spot}一根电线杆严重倾斜，电线下垂，存在触电风险。"),
    ],
    "hardship": [
        (
            "{spot}{surname}某家庭困难申请救助",
            "{surname}某因病致贫，家中{n}口人仅靠务农收入，申请临时救助。",
        ),
        ("{spot}低保户反映补贴未到账", "{surname}某反映本季度低保补贴至今未到账。"),
    ],
    "elderly_care": [
        ("{spot}独居老人多日未出门", "{spot}一位独居老人已{days}天未出门，敲门无人应答。"),
        ("{spot}高龄老人需要上门照料", "{surname}某老人年过八旬，子女在外务工，生活难以自理。"),
    ],
    "child_care": [
        ("{spot}留守儿童无人看护", "{surname}某家{n}名留守儿童由年迈祖母照看，放学后无人看护。"),
        ("{spot}适龄儿童辍学在家", "{spot}一名适龄儿童已{days}天未到校上学。"),
    ],
    "paperwork": [
        ("咨询户口迁移办理流程", "群众咨询子女户口迁入需要准备哪些材料，在哪里办理。"),
        ("社保卡补办问题", "{surname}某社保卡丢失，反映补办需要跑多次，希望就近办理。"),
        ("开具居住证明困难", "{surname}某反映为子女入学开具居住证明被多处推诿。"),
    ],
    "medical": [
        ("{spot}卫生室经常无人值班", "{spot}卫生室白天经常无人，老人看病买药不便。"),
        ("医保报销问题咨询", "{surname}某反映住院费用医保报销比例与政策不符。"),
        ("老人接种疫苗预约难", "{surname}某反映为家中老人预约接种疫苗多次未约上。"),
    ],
    "suggestion": [
        ("建议在{spot}增设健身器材", "{spot}附近居民较多，建议增设健身器材和休息座椅。"),
        ("建议增加公交班次", "{spot}往县城的公交班次太少，建议早晚高峰增加班次。"),
        ("建议在{spot}设置停车位", "{spot}车辆乱停乱放，建议规划设置停车位。"),
    ],
    "complaint": [
        ("投诉窗口工作人员态度差", "{surname}某投诉办事窗口工作人员态度生硬，不一次性告知材料。"),
        ("投诉{spot}商户占道经营", "{spot}商户长期占道经营，行人只能走机动车道。"),
        ("投诉{spot}附近夜市噪音扰民", "{spot}附近夜市经营到凌晨，噪音很大，影响休息。"),
    ],
}
RESULTS: dict[str, tuple[str, ...]] = {
    "garbage": ("已安排保洁人员清运，现场已清理干净，并设置禁止倾倒提示牌。",),
    "sanitation": ("已疏通管道、清理现场并消杀，后续纳入日常保洁巡查。",),
    "pollution": ("已会同环保部门现场检查，责令停产整改，后续跟踪复查。",),
    "neighbour_dispute": ("已组织双方调解，达成书面调解协议，矛盾已化解。",),
    "family_dispute": ("经调解，当事人就赡养和照料达成协议，已签订调解书。",),
    "land_dispute": ("已会同国土所现场勘界，双方认可界址，签订调解协议。",),
    "labour_dispute": ("已协调用工方与工人对账，欠款分两期支付，首期已到账。",),
    "security_risk": ("民警已到场处置，相关人员已带回调查，现场秩序恢复。",),
    "fraud": ("已开展反诈劝阻并协助止付，当事人已报警立案。",),
    "fire_hazard": ("已督促清理整改，隐患已消除，开展消防安全宣传。",),
    "building_hazard": ("已组织人员撤离并设置警示，房屋列入危房改造计划。",),
    "traffic_hazard": ("已协调交通部门修复设施，增设警示标志。",),
    "geo_hazard": ("已设置警戒、转移下方住户，地质队已到场监测。",),
    "road_damage": ("已组织施工队修补路面，恢复通行。",),
    "streetlight": ("已更换灯具和线路，路灯恢复正常。",),
    "water_supply": ("已抢修管道，供水恢复正常。",),
    "power_supply": ("已联系供电所检修线路，供电恢复正常。",),
    "hardship": ("已核实情况，协助申请临时救助并纳入重点关注。",),
    "elderly_care": ("网格员已上门探视，联系家属并落实邻里结对照料。",),
    "child_care": ("已联系学校和家长，落实看护责任，儿童已返校。",),
    "paperwork": ("已电话告知办理流程和所需材料，可在便民服务中心一次办结。",),
    "medical": ("已协调卫生院安排人员定时值守，并答复群众。",),
    "suggestion": ("建议已转相关部门研究，列入年度计划，已答复群众。",),
    "complaint": ("已核实情况并约谈相关人员，限期整改，已向群众致歉答复。",),
}
REJECT_REASONS = (
    "经核实不属于受理范围，已告知反映人向市场监管部门反映。",
    "信息不全，多次联系反映人未果，无法核实。",
    "属咨询类诉求，已当场答复。",
    "经现场核实，反映情况不属实。",
)
ESCALATE_REASONS = (
    "案情复杂，涉及多个部门，超出本级处置权限，提请上级协调。",
    "矛盾有激化风险，提请上级介入。",
    "需上级部门统筹资金和力量解决。",
)
RETURN_REASONS = ("该事项不属于本单位职责，请改派。", "派单有误，请改派对口部门。")
TRANSFER_NOTES = ("原派单部门不对口，改派至对口部门办理。",)
EXTENSION_REASONS = (
    "需协调多个部门共同处置，申请延期。",
    "等待鉴定结果，申请延期。",
    "当事人外出，需待其返回后调解。",
)
FAIL_CHECK_REASONS = (
    "现场复核发现问题未整改到位，退回重新处置。",
    "复核时群众反映问题仍然存在，退回重办。",
)
UNHAPPY_COMMENTS = ("处理太慢，问题没有根本解决。", "只是临时处理，过几天又出现了。")
UNHAPPY_REOPEN = ("群众不满意，问题仍未解决，重新交办。",)
UNHAPPY_CLOSE = ("已多次做解释工作，诉求超出政策范围，予以办结。",)
HAPPY_COMMENTS = ("处理及时，非常满意。", "感谢网格员和工作人员。", "问题已解决。", "", "")
CLOSE_REASONS = ("核查属实，已办结。", "处置完毕，现场已复核。")
CLAIM_NOTES = ("已电话联系当事人，约定上门处理。", "已到现场查看，正在协调处置。")
MERGE_NOTES = ("与{code}反映的是同一问题，合并办理。",)


# --- the plan of one case ------------------------------------------------------------------


@dataclass(eq=False)
class _Agent:
    index: int
    reported_at: datetime
    channel: str
    category: Category
    micro: Grid
    lat: float
    lng: float
    address: str
    title: str
    description: str
    fate: str = ""
    late_stage: str = ""
    note: bool = False
    no_rating: bool = False
    master: _Agent | None = None
    # running state
    case: Case | None = None
    at: datetime | None = None
    token: int = 0
    done: set = field(default_factory=set)
    stuck: bool = False
    failed: bool = False
    pending: tuple | None = None


@dataclass(order=True)
class _Entry:
    when: datetime
    serial: int
    kind: str = field(compare=False)
    agent: _Agent | None = field(compare=False, default=None)
    token: int = field(compare=False, default=0)


class _History:
    def __init__(self, *, count: int, seed: int, now: datetime, progress: Progress | None):
        self.count = count
        self.now = now.astimezone(UTC)
        self.rng = random.Random(seed)
        self.fake = Faker("zh_CN")
        self.fake.seed_instance(seed)
        self.progress = progress or (lambda _message: None)
        self.calendar = working_calendar()
        self.heap: list[_Entry] = []
        self.serial = 0
        self.sweep_times: set[datetime] = set()
        self.auto_close_times: set[datetime] = set()
        self.agents: list[_Agent] = []
        self.by_case: dict[int, _Agent] = {}
        self.accounts_created = 0
        self.failures: list[str] = []
        self.rule_units: dict[tuple[int, str], str] = {}
        self._load()

    # -- the county, its staff and units ------------------------------------------------------

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

    # -- planning ---------------------------------------------------------------------------------

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
            max_age = 3 if index < recent else DAYS
            at = self.report_time(channel, 0, max_age)
            self.agents.append(self.new_agent(index, at, channel, category, micro))
        self.agents.sort(key=lambda a: a.reported_at)
        self.assign_fates()
        self.agents.sort(key=lambda a: a.reported_at)

    def new_agent(self, index, at, channel, category, micro) -> _Agent:
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
            "surname": rng.choice(_SURNAMES),
            "money": rng.choice((0.8, 1.2, 2, 3.5, 5, 8)),
        }
        lat, lng = self.point_in(micro)
        return _Agent(
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
        road, road2 = rng.sample(_ROADS, 2)
        return rng.choice(_URBAN_SPOTS if urban else _RURAL_SPOTS).format(
            road=road,
            road2=road2,
            estate=rng.choice(_ESTATES),
            n=rng.randint(1, 12),
            m=rng.randint(1, 4),
            num=rng.randint(1, 300),
            surname=rng.choice(_SURNAMES),
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
            if rng.random() > (1 + 0.5 * (1 - age / DAYS)) / 1.5:
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

    def assign_fates(self) -> None:
        rng = self.rng
        fates, weights = list(FATES), list(FATES.values())
        stuck_since = self.now - timedelta(days=STUCK_DAYS)
        for agent in self.agents:
            if agent.reported_at >= stuck_since and rng.random() < STUCK_SHARE:
                agent.fate = "stuck"
            elif rng.random() < sum(weights):
                agent.fate = rng.choices(fates, weights)[0]
        counts = Counter(a.fate for a in self.agents)
        plain = [a for a in self.agents if not a.fate]
        rng.shuffle(plain)
        old = [a for a in plain if a.reported_at < self.now - timedelta(days=20)]
        for fate, minimum in FATE_MINIMUM.items():
            for _ in range(minimum - counts[fate]):
                pool = old if fate != "stuck" else plain
                if not pool:
                    break
                agent = pool.pop()
                if agent in old:
                    old.remove(agent)
                if agent in plain:
                    plain.remove(agent)
                agent.fate = fate
                if fate == "stuck":  # long enough ago to have climbed to the county
                    agent.reported_at = self.report_time(agent.channel, 14, 28)
        for agent in self.agents:
            if agent.fate == "late":
                agent.late_stage = rng.choices(list(LATE_STAGES), list(LATE_STAGES.values()))[0]
            elif agent.fate == "merge":
                self.make_duplicate(agent)

    def make_duplicate(self, dup: _Agent) -> None:
        """Turn `dup` into a second report of an earlier case, near it in place and time."""
        rng = self.rng
        masters = [
            a
            for a in self.agents
            if not a.fate
            and a.master is None
            and a.category.code not in URGENT_CATEGORIES
            and a.reported_at < self.now - timedelta(days=2)
        ]
        if not masters:
            dup.fate = "reject"
            return
        master = rng.choice(masters)
        master.fate = "master"
        micro = master.micro
        poly = self.boundaries.get(micro.pk)
        point = (master.lat, master.lng)
        for _ in range(20):
            lat = master.lat + rng.uniform(-0.0004, 0.0004)
            lng = master.lng + rng.uniform(-0.0004, 0.0004)
            if poly is None or shapely.contains_xy(poly, lng, lat):
                point = (lat, lng)
                break
        channel = rng.choice((Channel.HOTLINE, Channel.PORTAL, Channel.GRID_APP))
        at = master.reported_at + timedelta(minutes=rng.uniform(20, 240))
        dup.reported_at, dup.channel, dup.category, dup.micro = at, channel, master.category, micro
        dup.lat, dup.lng = point
        dup.address, dup.title = master.address, master.title
        dup.description = "又有群众反映：" + master.description
        dup.master = master

    # -- time -------------------------------------------------------------------------------------

    def is_urgent(self, case: Case) -> bool:
        key = (case.category_id, case.level)
        if key not in self.rule_units:
            rule = rule_for(case.category, case.level)
            self.rule_units[key] = rule.unit if rule else SlaRule.Unit.WORKDAYS
        return self.rule_units[key] == SlaRule.Unit.MINUTES

    def office(self, at: datetime, latest: datetime | None = None) -> datetime:
        """Most staff act in office hours: move `at` to the next working morning if it falls
        outside them (unless that would pass `latest`)."""
        local = at.astimezone(SHANGHAI)
        if self.calendar.is_workday(local.date()) and 8 <= local.hour < 18:
            return at
        if self.rng.random() < 0.15:
            return at  # some evening and weekend work
        day = local.date() if local.hour < 8 else local.date() + timedelta(days=1)
        while not self.calendar.is_workday(day):
            day += timedelta(days=1)
        moved = datetime.combine(day, time(8), SHANGHAI) + timedelta(
            minutes=self.rng.uniform(15, 180)
        )
        moved = moved.astimezone(UTC)
        return at if latest is not None and moved >= latest else moved

    def stage_time(self, agent: _Agent, share: tuple[float, float] = (0.03, 0.6)) -> datetime:
        """When the next step of a stage with a deadline is taken: mostly well in time; at
        the planned late stage, past the deadline."""
        case, start = agent.case, agent.at
        due = case.due_at
        urgent = self.is_urgent(case)
        if due is None:
            return self.later(agent, 1, 24)
        span = max((due - start).total_seconds(), 60.0)
        if agent.late_stage == case.status and "late" not in agent.done:
            agent.done.add("late")
            over = span * self.rng.uniform(0.3, 1.5)
            return self.office(due + timedelta(seconds=max(over, 300)))
        fraction = self.rng.uniform(*share) ** 1.5
        at = start + timedelta(seconds=max(span * fraction, 5 if urgent else 120))
        return at if urgent else self.office(at, latest=due)

    def later(self, agent: _Agent, low_hours: float, high_hours: float, office=True) -> datetime:
        at = agent.at + timedelta(hours=self.rng.uniform(low_hours, high_hours))
        return self.office(at) if office else at

    # -- the simulation ---------------------------------------------------------------------------

    def push(self, when: datetime, kind: str, agent: _Agent | None = None) -> None:
        self.serial += 1
        token = agent.token if agent is not None else 0
        # UTC: the clock is frozen at this instant and event times are hashed as given.
        heapq.heappush(self.heap, _Entry(when.astimezone(UTC), self.serial, kind, agent, token))

    def start(self) -> None:
        for agent in self.agents:
            self.push(agent.reported_at, "report", agent)
        self.reported, self.started = 0, monotonic_time.monotonic()

    def next_at(self) -> datetime | None:
        """When this simulation's next entry is due (None: nothing left)."""
        return self.heap[0].when if self.heap else None

    def step(self) -> None:
        """Take the earliest entry: a report, an agent's step or a pass of the worker."""
        entry = heapq.heappop(self.heap)
        clock.freeze(entry.when)
        if entry.kind == "report":
            self.report(entry.agent)
            self.reported += 1
            total = len(self.agents)
            if self.reported % max(1, total // 5) == 0 or self.reported == total:
                elapsed = monotonic_time.monotonic() - self.started
                self.progress(
                    f"  case history: {self.reported:,}/{total:,} reported ({elapsed:.0f} s)"
                )
        elif entry.kind == "step":
            agent = entry.agent
            if entry.token == agent.token and not agent.failed:
                self.take_step(agent, entry.when)
        elif entry.kind == "sweep":
            self.sweep(entry.when)
        elif entry.kind == "auto_close":
            self.auto_close(entry.when)

    def report(self, agent: _Agent) -> None:
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

    def schedule(self, agent: _Agent) -> None:
        """Plan the agent's next step (if it falls before now) and the sweep passes that
        would catch it overdue."""
        agent.token += 1
        case = agent.case
        if case.status in FINAL:
            return
        if agent.fate == "stuck" and not agent.stuck and case.status != Status.REPORTED:
            agent.stuck = True  # accepted, then nobody acts any more
        planned = None if agent.stuck else self.next_step(agent)
        when = planned[0] if planned else None
        breaches = case.due_at is not None and (when is None or when > case.due_at)
        if breaches and case.status in workflow.ESCALATABLE and case.level != Level.COUNTY:
            tick = self.tick_after(case.due_at)  # the worker's first pass after the deadline
            if tick <= self.now and tick not in self.sweep_times:
                self.sweep_times.add(tick)
                self.push(tick, "sweep")
        if planned is None:
            if case.status == Status.VERIFIED and case.rating is None and not agent.stuck:
                tick = self.tick_after(case.stage_started_at + AUTO_CLOSE_AFTER)
                if tick <= self.now and tick not in self.auto_close_times:
                    self.auto_close_times.add(tick)
                    self.push(tick, "auto_close")
            return
        when, name, action = planned
        if when <= self.now:
            agent.pending = (name, action)
            self.push(when, "step", agent)

    @staticmethod
    def tick_after(at: datetime) -> datetime:
        """The first worker pass after `at` (passes on the whole minute)."""
        at = at.astimezone(UTC)
        tick = at.replace(second=0, microsecond=0) + SWEEP_EVERY
        return tick

    def take_step(self, agent: _Agent, when: datetime) -> None:
        name, action = agent.pending
        try:
            agent.case = action()
        except DomainError as exc:
            agent.failed = True
            self.failures.append(f"{agent.case.code} {name}: {exc}")
            agent.case = Case.objects.get(pk=agent.case.pk)
            return
        agent.at = when
        agent.done.add(name)
        self.schedule(agent)

    def sweep(self, when: datetime) -> None:
        """The worker's escalation pass: every case overdue at `when` goes up a level."""
        if sweeps.sweep_escalations(now=when):
            self.refresh(when)

    def auto_close(self, when: datetime) -> None:
        """The worker's pass that closes verified cases nobody rated within seven days."""
        if sweeps.sweep_auto_close(now=when):
            self.refresh(when)

    def refresh(self, when: datetime) -> None:
        """Cases the worker just moved (system events at `when`): re-plan their agents."""
        moved = set(
            CaseEvent.objects.filter(at=when, actor__isnull=True).values_list("case_id", flat=True)
        )
        for case in Case.objects.filter(pk__in=moved).select_related(
            "category", "village", "grid", "unit"
        ):
            agent = self.by_case.get(case.pk)
            if agent is None or agent.failed:
                continue
            agent.case, agent.at = case, when
            self.schedule(agent)

    # -- what an agent does next ------------------------------------------------------------------

    def next_step(self, agent: _Agent):
        """(when, name, action) of the agent's next step, or None when it waits for nobody."""
        case, rng, done = agent.case, self.rng, agent.done
        cid = case.pk
        owner = self.owner(case)
        status = case.status

        if status == Status.REPORTED:
            when = self.stage_time(agent)
            if agent.fate == "reject":
                reason = rng.choice(REJECT_REASONS)
                return (
                    when,
                    "reject",
                    lambda: services.case_reject(actor=owner, case_id=cid, reason=reason),
                )
            if agent.fate == "merge" and agent.master is not None:
                when = self.stage_time(agent, (0.01, 0.15))  # spotted at once, in most cases
                return when, "merge", lambda: self.merge(agent, owner)
            if agent.fate == "escalate" and "escalate" not in done and case.level != Level.COUNTY:
                reason = rng.choice(ESCALATE_REASONS)
                return (
                    when,
                    "escalate",
                    lambda: services.case_escalate(actor=owner, case_id=cid, reason=reason),
                )
            return when, "accept", lambda: services.case_accept(actor=owner, case_id=cid)

        if status == Status.ACCEPTED:
            when = self.stage_time(agent)
            wrong = agent.fate in ("return", "transfer") and "dispatch" not in done
            unit, assignee = self.target(case, owner, wrong=wrong)
            return (
                when,
                "dispatch",
                lambda: services.case_dispatch(
                    actor=owner,
                    case_id=cid,
                    unit_id=unit.pk if unit else None,
                    assignee=assignee,
                ),
            )

        if status == Status.DISPATCHED:
            wrong_unit = (
                case.unit_id is not None
                and agent.fate in ("return", "transfer")
                and "return" not in done
                and "transfer" not in done
            )
            if wrong_unit and agent.fate == "return":
                who = self.handler(self.units_by_pk[case.unit_id])
                reason = rng.choice(RETURN_REASONS)
                return (
                    self.stage_time(agent, (0.02, 0.3)),
                    "return",
                    lambda: services.case_return(actor=who, case_id=cid, reason=reason),
                )
            if wrong_unit:
                unit, _assignee = self.target(case, owner, wrong=False)
                note = rng.choice(TRANSFER_NOTES)
                return (
                    self.stage_time(agent, (0.02, 0.3)),
                    "transfer",
                    lambda: services.case_transfer(
                        actor=owner,
                        case_id=cid,
                        unit_id=unit.pk if unit else None,
                        assignee=None if unit else owner,
                        note=note,
                    ),
                )
            who = (
                self.user(case.assignee_id)
                if case.assignee_id
                else self.handler(self.units_by_pk[case.unit_id])
            )
            return (
                self.stage_time(agent),
                "claim",
                lambda: services.case_claim(actor=who, case_id=cid),
            )

        if status == Status.CLAIMED:
            who = self.user(case.assignee_id)
            if agent.note and "note" not in done:
                note = rng.choice(CLAIM_NOTES)
                return (
                    self.stage_time(agent, (0.02, 0.2)),
                    "note",
                    lambda: services.case_note(actor=who, case_id=cid, note=note),
                )
            if agent.fate == "extension" and "request_extension" not in done:
                days = rng.choice((2, 3, 5))
                reason = rng.choice(EXTENSION_REASONS)
                return (
                    self.stage_time(agent, (0.3, 0.8)),
                    "request_extension",
                    lambda: services.case_request_extension(
                        actor=who, case_id=cid, days=days, reason=reason
                    ),
                )
            if "request_extension" in done and "approve_extension" not in done:
                above = workflow.next_level(case.level) or case.level
                approver = self.owner(case, above)
                return (
                    self.later(agent, 0.5, 4),
                    "approve_extension",
                    lambda: services.case_approve_extension(
                        actor=approver, case_id=cid, note="同意延期"
                    ),
                )
            result = rng.choice(RESULTS.get(case.category.code, ("已处置完毕。",)))
            return (
                self.stage_time(agent),
                "resolve",
                lambda: services.case_resolve(actor=who, case_id=cid, result=result),
            )

        if status == Status.RESOLVED:
            checker = self.verifier(case)
            when = self.later(agent, 0.5, 30)
            if agent.fate == "fail_check" and "reopen" not in done:
                reason = rng.choice(FAIL_CHECK_REASONS)
                return (
                    when,
                    "reopen",
                    lambda: services.case_reopen(actor=checker, case_id=cid, reason=reason),
                )
            return (
                when,
                "verify",
                lambda: services.case_verify(
                    actor=checker, case_id=cid, note="现场复核，已整改到位。"
                ),
            )

        if status == Status.VERIFIED:
            return self.after_check(agent, owner)
        return None

    def after_check(self, agent: _Agent, owner: User):
        """Rating by the resident (or a call back by the centre), then closing."""
        case, rng, done = agent.case, self.rng, agent.done
        cid = case.pk
        unhappy_fate = agent.fate in ("unhappy", "unhappy_close")
        if case.rating is not None and case.rating < workflow.SATISFIED_FROM:
            when = self.later(agent, 2, 48)
            if agent.fate == "unhappy":
                reason = rng.choice(UNHAPPY_REOPEN)
                return (
                    when,
                    "reopen",
                    lambda: services.case_reopen(actor=owner, case_id=cid, reason=reason),
                )
            reason = rng.choice(UNHAPPY_CLOSE)
            return (
                when,
                "close",
                lambda: services.case_close(actor=owner, case_id=cid, reason=reason),
            )
        rater, when = None, None
        channel = case.channel
        if channel == Channel.PORTAL and case.reporter_id and not agent.no_rating:
            rater = self.user(case.reporter_id)
            when = self.later(agent, 1, 72, office=False)
        elif channel == Channel.HOTLINE:
            rater = self.desk_user(rng.choice(("hotline1", "hotline2")))
            when = self.later(agent, 2, 48)
        elif channel in (Channel.WALK_IN, Channel.OTHER) and rng.random() < 0.7:
            rater = self.centre(case.region_code[:12])
            when = self.later(agent, 2, 48)
        elif unhappy_fate and "rate" not in done:
            rater = self.centre(case.region_code[:12])  # a call back to the people concerned
            when = self.later(agent, 2, 48)
        if rater is None:
            if channel in (Channel.PORTAL, Channel.OPEN311):
                return None  # nobody rates: the worker closes it after seven days
            reason = rng.choice(CLOSE_REASONS)
            return (
                self.later(agent, 0.5, 24),
                "close",
                lambda: services.case_close(actor=owner, case_id=cid, reason=reason),
            )
        if unhappy_fate and "rate" not in done:
            rating, comment = rng.choice((1, 2)), rng.choice(UNHAPPY_COMMENTS)
        else:
            rating = rng.choices(list(RATINGS), list(RATINGS.values()))[0]
            comment = rng.choice(HAPPY_COMMENTS)
        return (
            when,
            "rate",
            lambda: services.case_rate(actor=rater, case_id=cid, rating=rating, comment=comment),
        )

    def target(self, case: Case, owner: User, *, wrong: bool):
        """(unit, assignee) to dispatch to: a unit of the case's township that handles the
        category; a grid chief or a centre with no such unit handles it themselves."""
        units = self.units.get(case.region_code[:9], [])
        fitting = [u for u, codes in units if case.category.code in codes]
        if wrong:
            others = [u for u, codes in units if case.category.code not in codes]
            if others:
                return self.rng.choice(others), None
        if case.level == Level.GRID and (not fitting or self.rng.random() < 0.5):
            return None, owner
        if fitting:
            return self.rng.choice(fitting), None
        return None, owner

    def merge(self, agent: _Agent, owner: User) -> Case:
        master = agent.master.case
        cid = agent.case.pk
        if master is not None:
            master = Case.objects.filter(pk=master.pk).first()
        if master is None or master.status not in OPEN_STATUSES:
            # The first report is already closed: this one is answered and rejected.
            reason = f"与已办结的{master.code if master else '事件'}反映同一问题，已告知反映人。"
            return services.case_reject(actor=owner, case_id=cid, reason=reason)
        note = self.rng.choice(MERGE_NOTES).format(code=master.code)
        return services.case_merge(actor=owner, case_id=cid, master_id=master.pk, note=note)

    # -- the result -------------------------------------------------------------------------------

    def summary(self) -> dict:
        ids = [a.case.pk for a in self.agents if a.case is not None]
        cases = Case.objects.filter(pk__in=ids)
        events = CaseEvent.objects.filter(case_id__in=ids)
        by_status = dict(cases.values_list("status").annotate(n=Count("pk")).order_by())
        return {
            "cases": len(ids),
            "events": events.count(),
            "by_status": {s: by_status.get(s, 0) for s in Status.values},
            "open": cases.filter(status__in=OPEN_STATUSES).count(),
            "escalated": events.filter(action="escalate").values("case_id").distinct().count(),
            "escalated_by_sweep": events.filter(action="escalate", actor__isnull=True)
            .values("case_id")
            .distinct()
            .count(),
            "reopened": events.filter(action="reopen").values("case_id").distinct().count(),
            "rated": cases.filter(rating__isnull=False).count(),
            "overdue_open": cases.filter(status__in=OPEN_STATUSES, due_at__lt=self.now).count(),
            "by_channel": dict(cases.values_list("channel").annotate(n=Count("pk")).order_by()),
            "by_level": dict(cases.values_list("level").annotate(n=Count("pk")).order_by()),
            "accounts_created": self.accounts_created,
            "failures": list(self.failures),
        }


class Simulation(Protocol):
    """Something that runs beside the case history on the same timeline (the mediation
    history): made from the history (its staff directory), it takes its own steps in time
    order and sums up what it made."""

    name: str
    busy_seconds: float

    def start(self) -> None: ...

    def next_at(self) -> datetime | None: ...

    def step(self) -> None: ...

    def summary(self) -> dict: ...


def run_in_time_order(simulations: Sequence[Simulation | _History]) -> None:
    """Take the earliest entry of any simulation until none is left, so every case of every
    kind is reported and handled in time order (and case numbers follow report order)."""
    for simulation in simulations:
        simulation.start()
    while True:
        due = [(s.next_at(), i) for i, s in enumerate(simulations)]
        due = [(when, i) for when, i in due if when is not None]
        if not due:
            return
        simulations[min(due)[1]].step()


def generate_case_history(
    *,
    count: int,
    seed: int,
    now: datetime,
    progress: Progress | None = None,
    alongside: Sequence[Callable[[_History], Simulation]] = (),
) -> dict:
    """Create `count` cases over the year before `now` by running the case services.

    Returns counts: cases, events, by_status, open, escalated (by anyone) and
    escalated_by_sweep, reopened, rated, overdue_open, by_channel, by_level,
    accounts_created, failures (steps the services refused: empty unless the rules changed
    under the generator), elapsed_seconds.

    `alongside`: factories of other simulations (the mediation history) run on the same
    timeline; each gets this history as its staff directory, and its summary comes back
    under its name.
    """
    started = monotonic_time.monotonic()
    if count <= 0 and not alongside:
        return {"cases": 0}
    before = getattr(clock, "_frozen", None)  # restored after: a test may have frozen time
    # The county's grids may be newer than this process's point index (e.g. just seeded in
    # this transaction): rebuild it before locating any report.
    grids_changed()
    try:
        with transaction.atomic():
            history = _History(count=max(count, 0), seed=seed, now=now, progress=progress)
            history.plan()
            others = [make(history) for make in alongside]
            run_in_time_order([history, *others])
            clock.freeze(history.now)
            result = history.summary()
            for other in others:
                result[other.name] = other.summary()
    finally:
        clock.freeze(before)
    result["elapsed_seconds"] = round(monotonic_time.monotonic() - started, 1)
    if progress and result["cases"]:
        own = result["elapsed_seconds"] - sum(other.busy_seconds for other in others)
        states = ", ".join(f"{s} {n:,}" for s, n in result["by_status"].items() if n)
        progress(
            f"  case history: {result['cases']:,} cases, {result['events']:,} events "
            f"in {own:.1f} s ({states}; escalated {result['escalated']:,}, "
            f"reopened {result['reopened']:,}, rated {result['rated']:,}, "
            f"overdue {result['overdue_open']:,})"
        )
    return result
