"""The default category taxonomy, SLA rules and handling units of a county (admin-editable
after): the township offices, and the county departments the hotline (12345) routes to."""

from django.db import transaction

from fengqiao.cases.models import Category, HandlingUnit, Level, SlaRule
from fengqiao.core.audit import audit_batch

# (group code, Chinese, English, [(code, Chinese, English, starting level, keywords)])
CATEGORIES = [
    (
        "disputes",
        "矛盾纠纷",
        "Disputes",
        [
            (
                "neighbour_dispute",
                "邻里纠纷",
                "Neighbour dispute",
                Level.GRID,
                "邻居 噪音 漏水 占道",
            ),
            (
                "family_dispute",
                "婚姻家庭纠纷",
                "Marriage and family dispute",
                Level.VILLAGE,
                "赡养 离婚 家暴",
            ),
            (
                "land_dispute",
                "土地山林纠纷",
                "Land and boundary dispute",
                Level.VILLAGE,
                "宅基地 山林 草场 边界",
            ),
            (
                "labour_dispute",
                "劳资债务纠纷",
                "Labour and debt dispute",
                Level.TOWNSHIP,
                "欠薪 工资 借款",
            ),
            (
                "property_dispute",
                "物业纠纷",
                "Property management dispute",
                Level.VILLAGE,
                "物业费 维修",
            ),
            ("medical_dispute", "医疗纠纷", "Medical dispute", Level.TOWNSHIP, "医院 医疗事故"),
            (
                "traffic_dispute",
                "交通事故纠纷",
                "Traffic accident dispute",
                Level.TOWNSHIP,
                "车祸 赔偿",
            ),
            ("contract_dispute", "合同纠纷", "Contract dispute", Level.VILLAGE, "合同 违约 承包"),
            ("other_dispute", "其他纠纷", "Other dispute", Level.VILLAGE, ""),
        ],
    ),
    (
        "petitions",
        "信访事项",
        "Petitions",
        [
            (
                "petition_land",
                "征地拆迁",
                "Land acquisition and demolition",
                Level.TOWNSHIP,
                "征地 拆迁 补偿",
            ),
            (
                "petition_labour",
                "劳动社保",
                "Labour and social security",
                Level.TOWNSHIP,
                "社保 工伤 欠薪",
            ),
            (
                "petition_law",
                "涉法涉诉",
                "Law enforcement and litigation",
                Level.COUNTY,
                "判决 执法",
            ),
            ("petition_village", "村务管理", "Village affairs", Level.TOWNSHIP, "村务 财务 选举"),
            ("petition_other", "其他信访事项", "Other petition matter", Level.TOWNSHIP, ""),
        ],
    ),
    (
        "public_security",
        "治安防控",
        "Public security",
        [
            ("security_risk", "治安隐患", "Public-security risk", Level.VILLAGE, "打架 赌博 可疑"),
            ("fraud", "电信诈骗线索", "Telecom fraud lead", Level.TOWNSHIP, "诈骗 转账"),
        ],
    ),
    (
        "safety",
        "安全隐患",
        "Safety hazards",
        [
            ("fire_hazard", "消防隐患", "Fire hazard", Level.VILLAGE, "电线 堵塞 通道 灭火器"),
            ("building_hazard", "房屋安全", "Unsafe building", Level.TOWNSHIP, "危房 裂缝 倒塌"),
            ("traffic_hazard", "交通安全", "Traffic hazard", Level.VILLAGE, "路口 护栏 超载"),
            ("geo_hazard", "地质灾害", "Geological hazard", Level.TOWNSHIP, "滑坡 落石 塌方"),
        ],
    ),
    (
        "environment",
        "环境卫生",
        "Environment and sanitation",
        [
            ("garbage", "垃圾堆放", "Garbage dumping", Level.GRID, "垃圾 堆放 清运"),
            ("pollution", "污染排放", "Pollution", Level.TOWNSHIP, "排污 异味 黑烟"),
            ("sanitation", "环境卫生", "Sanitation", Level.GRID, "污水 厕所 卫生"),
        ],
    ),
    (
        "infrastructure",
        "基础设施",
        "Infrastructure",
        [
            ("road_damage", "道路破损", "Damaged road", Level.VILLAGE, "坑洼 路面 桥梁"),
            ("streetlight", "路灯故障", "Street light out", Level.GRID, "路灯 不亮"),
            ("water_supply", "供水问题", "Water supply", Level.VILLAGE, "停水 水管 水压"),
            ("power_supply", "供电问题", "Power supply", Level.VILLAGE, "停电 电线"),
        ],
    ),
    (
        "assistance",
        "社会救助",
        "Social assistance",
        [
            ("hardship", "困难帮扶", "Hardship support", Level.VILLAGE, "困难 低保 救助"),
            ("elderly_care", "老人关爱", "Elderly care", Level.GRID, "老人 独居 照料"),
            ("child_care", "儿童关爱", "Child care", Level.GRID, "留守 儿童 上学"),
        ],
    ),
    (
        "public_services",
        "公共服务",
        "Public services",
        [
            (
                "paperwork",
                "证照办理",
                "Paperwork and certificates",
                Level.VILLAGE,
                "证明 户口 社保",
            ),
            ("medical", "医疗卫生", "Health services", Level.TOWNSHIP, "看病 医保 疫苗"),
        ],
    ),
    # What people call the hotline (12345) about most, beside the grid work above.
    (
        "urban_management",
        "城市管理",
        "Urban management",
        [
            ("noise", "噪音扰民", "Noise nuisance", Level.VILLAGE, "噪音 噪声 施工 广场舞 扰民"),
            ("street_vending", "占道经营", "Street vending", Level.VILLAGE, "占道 摆摊 流动摊贩"),
            (
                "illegal_building",
                "违章建筑",
                "Illegal construction",
                Level.TOWNSHIP,
                "违建 违章 搭建 加盖",
            ),
        ],
    ),
    (
        "market_regulation",
        "市场监管",
        "Market regulation",
        [
            ("food_safety", "食品安全", "Food safety", Level.TOWNSHIP, "食品 过期 餐馆 卫生 变质"),
            (
                "consumer_complaint",
                "消费维权",
                "Consumer complaint",
                Level.TOWNSHIP,
                "消费 退款 价格 假货",
            ),
        ],
    ),
    (
        "housing",
        "住房物业",
        "Housing and property",
        [
            (
                "property_service",
                "物业服务",
                "Property management service",
                Level.VILLAGE,
                "物业 电梯 保洁 停车",
            ),
        ],
    ),
    (
        "labour",
        "劳动保障",
        "Labour protection",
        [
            ("wage_arrears", "拖欠工资", "Unpaid wages", Level.TOWNSHIP, "欠薪 拖欠 工资 农民工"),
        ],
    ),
    (
        "suggestions",
        "意见建议",
        "Suggestions",
        [
            ("suggestion", "意见建议", "Suggestion", Level.VILLAGE, "建议 希望"),
            ("complaint", "投诉", "Complaint", Level.TOWNSHIP, "投诉 态度"),
        ],
    ),
]

# Default SLA per level (working days); urgent classes get their own minute rules below.
DEFAULT_SLA = {
    Level.GRID: (1, 1, 3),
    Level.VILLAGE: (1, 1, 5),
    Level.TOWNSHIP: (1, 1, 7),
    Level.COUNTY: (1, 2, 10),
}
# The police pattern "1 min assign, 2 min sign, 30 min feedback", for urgent security work.
MINUTE_SLA = {"security_risk": (1, 2, 30), "fire_hazard": (5, 10, 120)}
# Whole groups with their own clock, not escalated when overdue (the overdue share is a metric):
# mediation takes up to 30 working days; petitions run on the statutory calendar days of the
# Regulations on Letters and Visits (15 days to acknowledge, 60 to reply), stored on the
# petition itself — the case clock mirrors them in minutes.
DAY = 24 * 60
GROUP_SLA = {
    "disputes": (SlaRule.Unit.WORKDAYS, (2, 2, 30)),
    "petitions": (SlaRule.Unit.MINUTES, (15 * DAY, 3 * DAY, 60 * DAY)),
}

# The hotline categories' own clocks at every level, as 12345 centres run them: sent on
# within working hours, nuisances settled in two working days, the rest in one to two weeks.
HOTLINE_SLA = {
    "noise": (SlaRule.Unit.WORKHOURS, (1, 2, 16)),
    "street_vending": (SlaRule.Unit.WORKHOURS, (1, 2, 16)),
    "illegal_building": (SlaRule.Unit.WORKDAYS, (1, 1, 15)),
    "food_safety": (SlaRule.Unit.WORKDAYS, (1, 1, 7)),
    "consumer_complaint": (SlaRule.Unit.WORKDAYS, (1, 1, 7)),
    "property_service": (SlaRule.Unit.WORKDAYS, (1, 1, 5)),
    "wage_arrears": (SlaRule.Unit.WORKDAYS, (1, 1, 10)),
}

# (key, name, kind, categories it handles) of a township's offices.
UNIT_KINDS = [
    (
        "police",
        "派出所",
        "police_station",
        ["security_risk", "fraud", "traffic_hazard", "neighbour_dispute", "noise"],
    ),
    (
        "justice",
        "司法所",
        "justice_office",
        ["neighbour_dispute", "family_dispute", "land_dispute", "labour_dispute"],
    ),
    (
        "urban",
        "城管中队",
        "urban_management",
        [
            "garbage",
            "sanitation",
            "road_damage",
            "streetlight",
            "pollution",
            "street_vending",
            "noise",
            "illegal_building",
        ],
    ),
    ("civil", "民政办", "civil_affairs", ["hardship", "elderly_care", "child_care", "paperwork"]),
    (
        "safety",
        "安监站",
        "safety_office",
        ["fire_hazard", "building_hazard", "geo_hazard", "water_supply", "power_supply"],
    ),
]


# (key, name, kind, categories it handles) of the county departments; the court,
# procuratorate and petition office are made with the county's mediation set-up.
COUNTY_DEPARTMENTS = [
    (
        "housing",
        "住房和城乡建设局",
        "housing",
        ["building_hazard", "property_service", "property_dispute", "illegal_building"],
    ),
    ("water", "水利局", "water_resources", ["water_supply"]),
    ("power", "供电公司", "power_supply", ["power_supply"]),
    ("market", "市场监督管理局", "market_regulation", ["food_safety", "consumer_complaint"]),
    (
        "urban",
        "综合行政执法局（城管）",
        "urban_management",
        ["street_vending", "illegal_building", "noise", "garbage", "road_damage"],
    ),
    ("ecology", "生态环境分局", "ecology_environment", ["pollution", "noise"]),
    ("land", "自然资源局", "natural_resources", ["geo_hazard", "land_dispute", "illegal_building"]),
    ("police", "公安局", "public_security", ["security_risk", "fraud", "traffic_hazard"]),
    (
        "labour",
        "人力资源和社会保障局",
        "human_resources",
        ["wage_arrears", "labour_dispute", "petition_labour"],
    ),
]


def _rules(category, sla: tuple, *, escalate: bool = True) -> int:
    unit, (accept, claim, resolve) = sla
    created = 0
    for level in DEFAULT_SLA:
        _rule, made = SlaRule.objects.get_or_create(
            category=category,
            level=level,
            defaults={
                "unit": unit,
                "accept_within": accept,
                "claim_within": claim,
                "resolve_within": resolve,
                "escalate_on_breach": escalate,
            },
        )
        created += made
    return created


@transaction.atomic
def ensure_default_categories() -> int:
    """Create the default taxonomy and SLA rules that are missing; returns rows created."""
    created = 0
    for group_code, name, name_en, children in CATEGORIES:
        group, made = Category.objects.get_or_create(
            code=group_code, defaults={"name": name, "name_en": name_en}
        )
        created += made
        for code, cname, cname_en, level, keywords in children:
            _obj, made = Category.objects.get_or_create(
                code=code,
                defaults={
                    "name": cname,
                    "name_en": cname_en,
                    "parent": group,
                    "start_level": level,
                    "keywords": keywords,
                },
            )
            created += made
    for level, (accept, claim, resolve) in DEFAULT_SLA.items():
        _rule, made = SlaRule.objects.get_or_create(
            category=None,
            level=level,
            defaults={
                "unit": SlaRule.Unit.WORKDAYS,
                "accept_within": accept,
                "claim_within": claim,
                "resolve_within": resolve,
            },
        )
        created += made
    for code, times in MINUTE_SLA.items():
        created += _rules(Category.objects.get(code=code), (SlaRule.Unit.MINUTES, times))
    for code, sla in GROUP_SLA.items():
        created += _rules(Category.objects.get(code=code), sla, escalate=False)
    for code, sla in HOTLINE_SLA.items():
        created += _rules(Category.objects.get(code=code), sla)
    if created:
        audit_batch(  # system configuration: one row with the count
            actor=None,
            entity_type="cases.category",
            action="create_defaults",
            counts={"created": created},
            region_codes=[],
        )
    return created


@transaction.atomic
def ensure_township_units(township) -> list[HandlingUnit]:
    """The usual departments of a township, each bound to the categories it handles."""
    units, made_codes = [], []
    short = township.name.removesuffix("街道").removesuffix("镇").removesuffix("乡")
    for key, label, kind, category_codes in UNIT_KINDS:
        unit, made = HandlingUnit.objects.get_or_create(
            code=f"{township.code[:9]}-{key}",
            defaults={
                "name": f"{short}{label}",
                "kind": kind,
                "region": township,
                "region_code": township.code[:9],
            },
        )
        if made:
            unit.categories.set(Category.objects.filter(code__in=category_codes))
            made_codes.append(unit.code)
        units.append(unit)
    if made_codes:
        audit_batch(
            actor=None,
            entity_type="cases.handlingunit",
            action="create_defaults",
            counts={"created": len(made_codes)},
            region_codes=[township.code[:9]],
            codes=made_codes,
        )
    return units


@transaction.atomic
def ensure_county_departments(county) -> list[HandlingUnit]:
    """The county departments cases are routed to (住建, 水利, 供电, 市场监管, 城管, 生态环境,
    自然资源, 公安, 人社), each bound to the categories it handles."""
    units, made_codes = [], []
    prefix = county.code[:6]
    for key, label, kind, category_codes in COUNTY_DEPARTMENTS:
        unit, made = HandlingUnit.objects.get_or_create(
            code=f"{prefix}-{key}",
            defaults={
                "name": f"{county.name}{label}"[:80],
                "kind": kind,
                "region": county,
                "region_code": prefix,
            },
        )
        if made:
            unit.categories.set(Category.objects.filter(code__in=category_codes))
            made_codes.append(unit.code)
        units.append(unit)
    if made_codes:
        audit_batch(
            actor=None,
            entity_type="cases.handlingunit",
            action="create_defaults",
            counts={"created": len(made_codes)},
            region_codes=[prefix],
            codes=made_codes,
        )
    return units
