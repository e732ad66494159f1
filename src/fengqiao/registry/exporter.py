"""XLSX export of people and dwellings in the caller's jurisdiction, masked and logged."""

# Streams through a write-only workbook in chunks, so tens of thousands of rows stay cheap.
# ID and phone numbers are written only in their masked form; the ciphertext columns are not
# even loaded. Headers match the importer's, so an exported sheet can be imported back.

import io
import os

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from fengqiao.core.errors import NotAllowed
from fengqiao.core.roles import REGISTRY_EXPORT_ROLES, SENSITIVE_TAG_ROLES, has_role
from fengqiao.core.scoping import actor_prefixes, scoped
from fengqiao.core.textsafe import xml_safe
from fengqiao.registry import sealing, selectors
from fengqiao.registry.imports.labels import (
    BUILDING_TYPE_LABELS,
    RELATION_LABELS,
    RESIDENCE_LABELS,
    USE_LABELS,
)
from fengqiao.registry.models import Dwelling, Person, PersonTag, PersonTagging
from fengqiao.registry.services import export_log

__all__ = [
    "DWELLING_HEADERS",
    "PEOPLE_HEADERS",
    "export_dwellings_xlsx",
    "export_people_xlsx",
    "text_cell",
]

CHUNK_SIZE = 2000

PEOPLE_HEADERS = [
    "姓名",
    "身份证号",
    "性别",
    "出生年份",
    "民族",
    "手机号",
    "居住类型",
    "户号",
    "与户主关系",
    "房屋编号",
    "地址",
    "辖区代码",
    "标签",
]
DWELLING_HEADERS = [
    "房屋编号",
    "地址",
    "纬度",
    "经度",
    "用途",
    "类型",
    "面积",
    "产权人",
    "村（社区）",
    "网格",
    "辖区代码",
]
_SEX_LABELS = {Person.Sex.MALE: "男", Person.Sex.FEMALE: "女"}
# A leading "=" would make a spreadsheet run the cell as a formula (CSV/XLSX injection).
_FORMULA_START = ("=", "+", "-", "@")


def text_cell(sheet, value):
    """A cell that is always text: user-typed strings must never become formulas, nor carry
    control characters (openpyxl refuses to write them)."""
    value = xml_safe(value)
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"
        return cell
    return value


def require_export(actor) -> None:
    if not has_role(actor, REGISTRY_EXPORT_ROLES):
        raise NotAllowed(_("Your role may not export the registry."))


def scope_code(actor) -> str:
    """The jurisdiction the export covers, for the access log (empty = everything)."""
    prefixes = actor_prefixes(actor)
    return os.path.commonprefix(prefixes) if prefixes else ""


def workbook_bytes(workbook: Workbook) -> bytes:
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def export_people_xlsx(*, actor, queryset: QuerySet[Person] | None = None, ip=None) -> bytes:
    """The people the actor may see (or `queryset`, narrowed to them again) as an XLSX file."""
    require_export(actor)
    if queryset is None:
        queryset = selectors.person_list(actor=actor)
    queryset = (
        scoped(queryset, actor)
        .select_related("household", "dwelling")
        .defer("id_number_sealed", "phone_sealed")
        .prefetch_related(
            Prefetch(
                "taggings",
                queryset=PersonTagging.objects.only("id", "person_id", "tag_id", "tag_hash"),
            )
        )
    )
    tag_name = _visible_tag_names(actor)

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("人口")
    sheet.append(PEOPLE_HEADERS)
    count = 0
    for person in queryset.iterator(chunk_size=CHUNK_SIZE):
        tags = [tag_name(t) for t in person.taggings.all()]
        sheet.append(
            [
                text_cell(sheet, person.name),
                person.id_number_masked,
                _SEX_LABELS.get(person.sex, person.sex),
                person.birth_year,
                text_cell(sheet, person.ethnicity),
                person.phone_masked,
                RESIDENCE_LABELS.get(person.residence, person.residence),
                text_cell(sheet, person.household.number if person.household else ""),
                RELATION_LABELS.get(person.relation, person.relation),
                text_cell(sheet, person.dwelling.code if person.dwelling else ""),
                text_cell(sheet, person.dwelling.address if person.dwelling else ""),
                person.region_code,
                text_cell(sheet, "、".join(sorted(t for t in tags if t))),
            ]
        )
        count += 1
    data = workbook_bytes(workbook)
    export_log(
        actor=actor,
        object_type="person",
        detail=f"rows={count}",
        region_code=scope_code(actor),
        ip=ip,
    )
    return data


def _visible_tag_names(actor):
    """tagging → tag name, or None when the actor may not see it; no decryption needed,
    since every tagging carries the keyed hash of (person, tag code)."""
    tags = list(PersonTag.objects.all())
    by_id = {t.pk: t.name for t in tags}
    sensitive = {}
    if has_role(actor, SENSITIVE_TAG_ROLES):
        sensitive = {t.code: t.name for t in tags if t.is_sensitive}

    def name(tagging: PersonTagging) -> str | None:
        if tagging.tag_id:
            return by_id.get(tagging.tag_id)
        code = sealing.tagged_codes([tagging], sensitive).get(tagging.id)
        return sensitive.get(code)

    return name


def export_dwellings_xlsx(*, actor, queryset: QuerySet[Dwelling] | None = None, ip=None) -> bytes:
    """The dwellings the actor may see (or `queryset`, narrowed to them again) as an XLSX file."""
    require_export(actor)
    if queryset is None:
        queryset = selectors.dwelling_list(actor=actor)
    queryset = scoped(queryset, actor).select_related("village", "grid")

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("房屋")
    sheet.append(DWELLING_HEADERS)
    count = 0
    for dwelling in queryset.iterator(chunk_size=CHUNK_SIZE):
        sheet.append(
            [
                text_cell(sheet, dwelling.code),
                text_cell(sheet, dwelling.address),
                dwelling.lat,
                dwelling.lng,
                USE_LABELS.get(dwelling.use, dwelling.use),
                BUILDING_TYPE_LABELS.get(dwelling.building_type, dwelling.building_type),
                dwelling.floor_area,
                text_cell(sheet, dwelling.owner_name),
                dwelling.village.name if dwelling.village_id else "",
                dwelling.grid.name if dwelling.grid_id else "",
                dwelling.region_code,
            ]
        )
        count += 1
    data = workbook_bytes(workbook)
    export_log(
        actor=actor,
        object_type="dwelling",
        detail=f"rows={count}",
        region_code=scope_code(actor),
        ip=ip,
    )
    return data
