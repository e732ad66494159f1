"""Chinese labels of the registry's choices (the exporter writes them too) and the other
spellings an import accepts for each."""

from django.conf import settings
from django.utils import translation

from fengqiao.registry.models import Dwelling, Facility, Organization, Person, Place

RELATION_LABELS = {
    Person.Relation.HEAD: "户主",
    Person.Relation.SPOUSE: "配偶",
    Person.Relation.CHILD: "子女",
    Person.Relation.PARENT: "父母",
    Person.Relation.GRANDCHILD: "孙子女",
    Person.Relation.GRANDPARENT: "祖父母",
    Person.Relation.SIBLING: "兄弟姐妹",
    Person.Relation.CHILD_IN_LAW: "儿媳/女婿",
    Person.Relation.OTHER: "其他",
    Person.Relation.TENANT: "租客",
}
RESIDENCE_LABELS = {
    Person.Residence.REGISTERED: "户籍",
    Person.Residence.FLOATING: "流动",
    Person.Residence.OVERSEAS: "境外",
}
USE_LABELS = {
    Dwelling.Use.OWNER: "自住",
    Dwelling.Use.RENTED: "出租",
    Dwelling.Use.VACANT: "空置",
    Dwelling.Use.BUSINESS: "经营",
    Dwelling.Use.MIXED: "混合",
}
BUILDING_TYPE_LABELS = {
    Dwelling.BuildingType.HOUSE: "自建房",
    Dwelling.BuildingType.APARTMENT: "楼房",
    Dwelling.BuildingType.BUNGALOW: "平房",
    Dwelling.BuildingType.OTHER: "其他",
}
ORGANIZATION_KIND_LABELS = {
    Organization.Kind.COMPANY: "企业",
    Organization.Kind.SOLE_TRADER: "个体工商户",
    Organization.Kind.SCHOOL: "学校",
    Organization.Kind.HOSPITAL: "医疗机构",
    Organization.Kind.GOVERNMENT: "机关单位",
    Organization.Kind.SOCIAL: "社会组织",
    Organization.Kind.RELIGIOUS: "宗教场所",
    Organization.Kind.COOPERATIVE: "合作社",
}
PLACE_KIND_LABELS = {
    Place.Kind.MARKET: "市场",
    Place.Kind.HOTEL: "旅馆",
    Place.Kind.INTERNET_CAFE: "网吧",
    Place.Kind.SCHOOL: "学校",
    Place.Kind.CONSTRUCTION: "建筑工地",
    Place.Kind.ENTERTAINMENT: "娱乐场所",
    Place.Kind.RESERVOIR: "水库山塘",
    Place.Kind.SQUARE: "广场公园",
    Place.Kind.OTHER: "其他",
}
PLACE_RISK_LABELS = {Place.Risk.LOW: "低", Place.Risk.MEDIUM: "中", Place.Risk.HIGH: "高"}
FACILITY_KIND_LABELS = {
    Facility.Kind.CAMERA: "视频监控",
    Facility.Kind.HYDRANT: "消防栓",
    Facility.Kind.STREETLIGHT: "路灯",
    Facility.Kind.MANHOLE: "井盖",
    Facility.Kind.AED: "除颤仪",
    Facility.Kind.BROADCAST: "应急广播",
    Facility.Kind.OTHER: "其他",
}
FACILITY_STATUS_LABELS = {
    Facility.Status.WORKING: "正常",
    Facility.Status.FAULTY: "故障",
    Facility.Status.REMOVED: "已拆除",
}

SYNONYMS = {
    Person.Relation: {
        Person.Relation.HEAD: ["本人", "户主本人"],
        Person.Relation.SPOUSE: ["妻", "妻子", "夫", "丈夫", "夫妻"],
        Person.Relation.CHILD: [
            *("子", "女", "儿子", "女儿", "长子", "长女", "次子", "次女"),
            *("养子", "养女", "继子", "继女"),
        ],
        Person.Relation.PARENT: ["父亲", "母亲", "父", "母", "公公", "婆婆", "岳父", "岳母"],
        Person.Relation.GRANDCHILD: ["孙子", "孙女", "外孙", "外孙女", "外孙子女"],
        Person.Relation.GRANDPARENT: ["祖父", "祖母", "外祖父", "外祖母", "外祖父母"],
        Person.Relation.SIBLING: [
            *("兄", "弟", "姐", "妹", "兄弟", "姐妹"),
            *("哥哥", "弟弟", "姐姐", "妹妹"),
        ],
        Person.Relation.CHILD_IN_LAW: ["儿媳", "女婿", "儿媳妇"],
        Person.Relation.OTHER: ["其他亲属", "其它"],
        Person.Relation.TENANT: ["租户", "承租人", "租住"],
    },
    Person.Residence: {
        Person.Residence.REGISTERED: ["户籍人口", "户籍人员"],
        Person.Residence.FLOATING: ["流动人口", "流动人员"],
        Person.Residence.OVERSEAS: ["境外人员", "境外人口"],
    },
    Dwelling.Use: {
        Dwelling.Use.OWNER: ["自用", "自居"],
        Dwelling.Use.RENTED: ["出租房", "租赁"],
        Dwelling.Use.VACANT: ["闲置"],
        Dwelling.Use.BUSINESS: ["商用", "经营用", "生产经营"],
        Dwelling.Use.MIXED: ["混用", "商住", "商住两用"],
    },
    Dwelling.BuildingType: {
        Dwelling.BuildingType.HOUSE: ["自建住房", "自建", "民房"],
        Dwelling.BuildingType.APARTMENT: ["公寓", "商品房", "单元房"],
        Dwelling.BuildingType.OTHER: ["其它"],
    },
    Organization.Kind: {
        Organization.Kind.COMPANY: ["公司", "企业单位"],
        Organization.Kind.SOLE_TRADER: ["个体户", "个体"],
        Organization.Kind.HOSPITAL: ["医院", "诊所", "卫生院", "卫生室"],
        Organization.Kind.GOVERNMENT: ["机关", "事业单位", "政府机关"],
        Organization.Kind.COOPERATIVE: ["专业合作社", "农民专业合作社"],
    },
    Place.Kind: {
        Place.Kind.MARKET: ["农贸市场", "集贸市场"],
        Place.Kind.HOTEL: ["宾馆", "酒店", "旅店"],
        Place.Kind.INTERNET_CAFE: ["网咖"],
        Place.Kind.CONSTRUCTION: ["工地"],
        Place.Kind.RESERVOIR: ["水库", "山塘", "池塘"],
        Place.Kind.SQUARE: ["广场", "公园"],
        Place.Kind.OTHER: ["其它"],
    },
    Place.Risk: {
        Place.Risk.LOW: ["低风险"],
        Place.Risk.MEDIUM: ["中风险", "较高"],
        Place.Risk.HIGH: ["高风险"],
    },
    Facility.Kind: {
        Facility.Kind.CAMERA: ["摄像头", "监控点", "视频监控点"],
        Facility.Kind.HYDRANT: ["消火栓"],
        Facility.Kind.AED: ["AED", "自动体外除颤器"],
        Facility.Kind.BROADCAST: ["广播", "大喇叭"],
        Facility.Kind.OTHER: ["其它"],
    },
    Facility.Status: {
        Facility.Status.WORKING: ["完好", "在用"],
        Facility.Status.FAULTY: ["损坏", "待修"],
        Facility.Status.REMOVED: ["拆除", "已移除"],
    },
}


def spellings(choices, labels: dict) -> dict[str, list[str]]:
    """code → every spelling accepted for it: the code, the Chinese label, the synonyms and the
    model's label in every language of the site."""
    found = {
        value: [value, labels[value], *SYNONYMS.get(choices, {}).get(value, [])]
        for value in choices.values
    }
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            for value, label in choices.choices:
                found[value].append(str(label))
    return found
