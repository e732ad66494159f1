"""The default person tags (关爱对象 and 重点人员) and `ensure_default_tags()` to create them."""

from dataclasses import dataclass

from fengqiao.registry.models import PersonTag

ELDERLY_ALONE = "elderly_alone"
LEFT_BEHIND_CHILD = "left_behind_child"
LEFT_BEHIND_ELDERLY = "left_behind_elderly"
LOW_INCOME = "low_income"
EXTREMELY_POOR = "extremely_poor"
DISABLED = "disabled"
RENTER = "renter"
VETERAN = "veteran"
SERIOUS_ILLNESS = "serious_illness"
PREGNANT = "pregnant"
COMMUNITY_CORRECTION = "community_correction"
RELEASED_PRISONER = "released_prisoner"
DRUG_USER = "drug_user"
SEVERE_MENTAL_DISORDER = "severe_mental_disorder"
PETITION_PRONE = "petition_prone"


@dataclass(frozen=True)
class TagSpec:
    code: str
    name: str
    name_en: str
    is_sensitive: bool = False


DEFAULT_TAGS: tuple[TagSpec, ...] = (
    TagSpec(ELDERLY_ALONE, "空巢老人", "Elderly living alone"),
    TagSpec(LEFT_BEHIND_CHILD, "留守儿童", "Left-behind child"),
    TagSpec(LEFT_BEHIND_ELDERLY, "留守老人", "Left-behind elderly"),
    TagSpec(LOW_INCOME, "低保户", "Low-income household"),
    TagSpec(EXTREMELY_POOR, "特困人员", "Extremely poor"),
    TagSpec(DISABLED, "残疾人", "Person with a disability"),
    TagSpec(RENTER, "租户", "Renter"),
    TagSpec(VETERAN, "退役军人", "Veteran"),
    TagSpec(SERIOUS_ILLNESS, "大病患者", "Serious illness"),
    TagSpec(PREGNANT, "孕产妇", "Pregnant or postpartum woman"),
    TagSpec(COMMUNITY_CORRECTION, "社区矫正对象", "Under community correction", True),
    TagSpec(RELEASED_PRISONER, "刑满释放人员", "Released prisoner", True),
    TagSpec(DRUG_USER, "吸毒人员", "Drug user", True),
    TagSpec(SEVERE_MENTAL_DISORDER, "严重精神障碍患者", "Severe mental disorder", True),
    TagSpec(PETITION_PRONE, "重点信访人员", "Petition-prone person", True),
)


def ensure_default_tags() -> dict[str, PersonTag]:
    """Create whichever default tags are missing; return every default tag by code.

    Tags already on record are left as they are, so an administrator's renaming survives.
    """
    tags = {}
    for spec in DEFAULT_TAGS:
        tags[spec.code], _created = PersonTag.objects.get_or_create(
            code=spec.code,
            defaults={
                "name": spec.name,
                "name_en": spec.name_en,
                "is_sensitive": spec.is_sensitive,
            },
        )
    return tags
