"""Import of people and dwellings from XLSX and CSV: validate every row, then write at once."""

# Two passes: the whole file is read and checked (against the database and against itself),
# and only then written inside one transaction with bulk inserts. In "all_or_nothing" mode a
# single bad row means nothing is written; in "valid_rows" mode the good rows are written and
# the bad ones reported. Row numbers are the ones a person sees in a spreadsheet (the header
# is row 1); columns are named by their header as written in the file (with the column
# letter for XLSX), so the error report can be read next to the file.

from __future__ import annotations

import codecs
import csv
import io
import math
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from fengqiao.core.audit import audit_batch
from fengqiao.core.errors import (
    Conflict,
    NotAllowed,
    OutsideJurisdiction,
    ValidationFailed,
)
from fengqiao.core.roles import REGISTRY_EDIT_ROLES, SENSITIVE_TAG_ROLES, has_role
from fengqiao.core.scoping import code_within
from fengqiao.regions.models import Grid, Region
from fengqiao.registry import sealing
from fengqiao.registry.models import Dwelling, Household, Person, PersonTag, PersonTagging
from fengqiao.registry.services import Placement, person_build, require_edit, tagging_fields

__all__ = [
    "BUILDING_TYPE_LABELS",
    "MAX_ROWS",
    "RELATION_LABELS",
    "RESIDENCE_LABELS",
    "USE_LABELS",
    "ImportResult",
    "Mode",
    "RowError",
    "error_report_xlsx",
    "import_dwellings",
    "import_people",
]

Mode = Literal["all_or_nothing", "valid_rows"]
MODES = ("all_or_nothing", "valid_rows")
MAX_ROWS = 100_000
HEADER_SEARCH_ROWS = 10
BATCH_SIZE = 1000
# Keeps `IN (...)` lookups well under every database's parameter limit.
LOOKUP_CHUNK = 500


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    reason: str


@dataclass
class ImportResult:
    """What an import did. `written` is True when rows were saved (created > 0)."""

    total: int = 0
    created: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    written: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def error_rows(self) -> int:
        return len({e.row for e in self.errors})


# ---------------------------------------------------------------------------
# Labels: Chinese first (also used by the exporter), then anything else accepted.

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

_RELATION_SYNONYMS = {
    Person.Relation.HEAD: ["本人", "户主本人"],
    Person.Relation.SPOUSE: ["妻", "妻子", "夫", "丈夫", "夫妻"],
    Person.Relation.CHILD: [
        "子",
        "女",
        "儿子",
        "女儿",
        "长子",
        "长女",
        "次子",
        "次女",
        "养子",
        "养女",
        "继子",
        "继女",
    ],
    Person.Relation.PARENT: ["父亲", "母亲", "父", "母", "公公", "婆婆", "岳父", "岳母"],
    Person.Relation.GRANDCHILD: ["孙子", "孙女", "外孙", "外孙女", "外孙子女"],
    Person.Relation.GRANDPARENT: ["祖父", "祖母", "外祖父", "外祖母", "外祖父母"],
    Person.Relation.SIBLING: [
        "兄",
        "弟",
        "姐",
        "妹",
        "兄弟",
        "姐妹",
        "哥哥",
        "弟弟",
        "姐姐",
        "妹妹",
    ],
    Person.Relation.CHILD_IN_LAW: ["儿媳", "女婿", "儿媳妇"],
    Person.Relation.OTHER: ["其他亲属", "其它"],
    Person.Relation.TENANT: ["租户", "承租人", "租住"],
}
_RESIDENCE_SYNONYMS = {
    Person.Residence.REGISTERED: ["户籍人口", "户籍人员"],
    Person.Residence.FLOATING: ["流动人口", "流动人员"],
    Person.Residence.OVERSEAS: ["境外人员", "境外人口"],
}
_USE_SYNONYMS = {
    Dwelling.Use.OWNER: ["自用", "自居"],
    Dwelling.Use.RENTED: ["出租房", "租赁"],
    Dwelling.Use.VACANT: ["闲置"],
    Dwelling.Use.BUSINESS: ["商用", "经营用", "生产经营"],
    Dwelling.Use.MIXED: ["混用", "商住", "商住两用"],
}
_BUILDING_TYPE_SYNONYMS = {
    Dwelling.BuildingType.HOUSE: ["自建住房", "自建", "民房"],
    Dwelling.BuildingType.APARTMENT: ["公寓", "商品房", "单元房"],
    Dwelling.BuildingType.BUNGALOW: [],
    Dwelling.BuildingType.OTHER: ["其它"],
}


def _norm(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).lower()


def _lookup(choices, labels: dict, synonyms: dict) -> dict[str, str]:
    """Every accepted spelling (code, Chinese label, synonym, English label) → code."""
    table: dict[str, str] = {}
    for value, label in choices.choices:
        for spelling in [value, str(label), labels[value], *synonyms.get(value, [])]:
            table[_norm(spelling)] = value
    return table


# ---------------------------------------------------------------------------
# Columns


@dataclass(frozen=True)
class _Column:
    key: str
    aliases: tuple[str, ...]
    required: bool = False

    @property
    def label(self) -> str:
        return f"{self.aliases[0]}/{self.key}"


PEOPLE_COLUMNS = (
    _Column("name", ("姓名", "name"), required=True),
    _Column(
        "id_number",
        ("身份证号", "身份证号码", "公民身份号码", "身份证", "id_number", "idnumber", "id_no"),
        required=True,
    ),
    _Column("phone", ("手机号", "手机号码", "联系电话", "电话", "phone", "mobile")),
    _Column("household_number", ("户号", "household_number", "household")),
    _Column("relation", ("与户主关系", "关系", "relation", "relationship")),
    _Column("dwelling_code", ("房屋编号", "dwelling_code", "dwelling"), required=True),
    _Column("residence", ("居住类型", "人口类型", "residence")),
    _Column("ethnicity", ("民族", "ethnicity")),
    _Column("tags", ("标签", "人员标签", "tags")),
)

DWELLING_COLUMNS = (
    _Column("code", ("房屋编号", "code", "dwelling_code"), required=True),
    _Column("address", ("地址", "房屋地址", "address")),
    _Column("lat", ("纬度", "lat", "latitude"), required=True),
    _Column("lng", ("经度", "lng", "lon", "longitude"), required=True),
    _Column("use", ("用途", "房屋用途", "use")),
    _Column("building_type", ("类型", "房屋类型", "建筑类型", "building_type", "type")),
    _Column("floor_area", ("面积", "建筑面积", "floor_area", "area")),
    _Column("owner_name", ("产权人", "房主", "owner_name", "owner")),
)


def _header_key(text: str) -> str:
    # "身份证号*", "面积（㎡）", " Name " all name the same column.
    text = re.sub(r"\(.*?\)", "", unicodedata.normalize("NFKC", text))
    return _norm(text).strip("*:")


# ---------------------------------------------------------------------------
# Reading files


@dataclass
class _Table:
    headers: list[str]  # header text as in the file, by position
    letters: list[str] | None  # Excel column letters (XLSX only)
    header_row: int
    rows: list[tuple[int, list[Any]]]  # (row number as seen in a spreadsheet, cell values)


def _file_error(message: str) -> ValidationFailed:
    return ValidationFailed(message, code="bad_file", field="file")


def _is_blank(values: Iterable[Any]) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in values)


def _read_table(filename: str, content: bytes, columns: tuple[_Column, ...]) -> _Table:
    if not content:
        raise _file_error(_("The file is empty."))
    if content.startswith(b"PK\x03\x04"):
        records = _xlsx_records(content)
        is_xlsx = True
    elif content.startswith(b"\xd0\xcf\x11\xe0"):
        raise _file_error(
            _("Old Excel .xls files cannot be read; save the file as .xlsx or CSV and try again.")
        )
    elif (filename or "").lower().endswith((".xlsx", ".xlsm")):
        raise _file_error(_("The file is named .xlsx but is not an Excel workbook."))
    else:
        records = _csv_records(content)
        is_xlsx = False
    filled: list[tuple[int, list[Any]]] = []
    for number, values in records:
        if _is_blank(values):
            continue
        if len(filled) > MAX_ROWS:
            raise _file_error(
                _("The file has more than %(max)d rows; split it into smaller files.")
                % {"max": MAX_ROWS}
            )
        filled.append((number, list(values)))
    if not filled:
        raise _file_error(_("The file has no header row and no data."))
    # Sheets often open with a title line ("甲村实有人口登记表") above the real header.
    at = next(
        (
            i
            for i, (_n, values) in enumerate(filled[:HEADER_SEARCH_ROWS])
            if _has_required(values, columns)
        ),
        0,
    )
    header_row, header = filled[at]
    headers = ["" if h is None else str(h).strip() for h in header]
    letters = None
    if is_xlsx:
        from openpyxl.utils import get_column_letter

        letters = [get_column_letter(i + 1) for i in range(len(headers))]
    return _Table(headers=headers, letters=letters, header_row=header_row, rows=filled[at + 1 :])


def _has_required(values: list[Any], columns: tuple[_Column, ...]) -> bool:
    keys = {_header_key(str(v)) for v in values if v is not None}
    return all(any(_header_key(a) in keys for a in c.aliases) for c in columns if c.required)


def _xlsx_records(content: bytes) -> Iterator[tuple[int, tuple]]:
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken or foreign zip
        raise _file_error(
            _("The file could not be read as an Excel workbook (.xlsx): %(error)s")
            % {"error": exc.__class__.__name__}
        ) from exc
    try:
        sheet = workbook.worksheets[0]
        # Some generators write a wrong <dimension>; read what is really there.
        sheet.reset_dimensions()
        try:
            yield from enumerate(sheet.iter_rows(min_row=1, values_only=True), start=1)
        except (zipfile.BadZipFile, KeyError, ValueError) as exc:
            raise _file_error(_("The Excel workbook is damaged and could not be read.")) from exc
    finally:
        workbook.close()


_BOMS_UTF16 = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def _decode(content: bytes) -> str:
    candidates = ("utf-16",) if content.startswith(_BOMS_UTF16) else ("utf-8-sig", "gb18030")
    for encoding in candidates:
        try:
            text = content.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _looks_like_text(text):
            return text
    raise _file_error(
        _("The file is neither an Excel workbook (.xlsx) nor a CSV text file (UTF-8 or GBK).")
    )


def _looks_like_text(text: str) -> bool:
    if "\x00" in text:
        return False
    controls = sum(1 for ch in text[:20000] if ord(ch) < 32 and ch not in "\t\r\n")
    return controls <= len(text[:20000]) // 100


def _csv_records(content: bytes) -> Iterator[tuple[int, list[str]]]:
    text = _decode(content)
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max([",", "\t", ";"], key=first_line.count)
    if first_line.count(delimiter) == 0:
        delimiter = ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        # A spreadsheet shows one row per record, even when a quoted cell spans lines.
        yield from enumerate(reader, start=1)
    except csv.Error as exc:
        raise _file_error(
            _("The CSV file is malformed near row %(row)d: %(error)s")
            % {"row": reader.line_num, "error": exc}
        ) from exc


def _map_headers(table: _Table, columns: tuple[_Column, ...]) -> dict[str, int]:
    by_alias = {_header_key(a): c.key for c in columns for a in c.aliases}
    found: dict[str, int] = {}
    for index, text in enumerate(table.headers):
        key = by_alias.get(_header_key(text)) if text else None
        if key is None:
            continue
        if key in found:
            raise _file_error(
                _("Two columns mean the same thing: “%(a)s” and “%(b)s”.")
                % {"a": table.headers[found[key]], "b": text}
            )
        found[key] = index
    missing = [c.label for c in columns if c.required and c.key not in found]
    if missing:
        present = [h for h in table.headers if h]
        raise _file_error(
            _("Missing required columns: %(missing)s. Columns found: %(found)s.")
            % {"missing": ", ".join(missing), "found": ", ".join(present[:30]) or _("none")}
        )
    if not table.rows:
        raise _file_error(_("The file has a header row but no data rows."))
    return found


class _Row:
    """One data row: its values by column key and the errors found in it."""

    def __init__(self, number: int, values: list[Any], table: _Table, index: dict[str, int]):
        self.number = number
        self._values = values
        self._table = table
        self._index = index
        self.errors: list[RowError] = []

    def raw(self, key: str) -> Any:
        i = self._index.get(key)
        return self._values[i] if i is not None and i < len(self._values) else None

    def has(self, key: str | None) -> bool:
        return key in self._index

    def text(self, key: str) -> str:
        return _cell_text(self.raw(key))

    def column(self, key: str) -> str:
        i = self._index[key]
        header = self._table.headers[i]
        return f"{self._table.letters[i]} {header}" if self._table.letters else header

    def fail(self, key: str, reason) -> None:
        self.errors.append(RowError(row=self.number, column=self.column(key), reason=str(reason)))

    @property
    def ok(self) -> bool:
        return not self.errors


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value).strip()


_SCIENTIFIC = re.compile(r"^\d(\.\d+)?e\+?\d+$", re.IGNORECASE)


def _number_lost_digits(raw: Any) -> bool:
    """Excel keeps 15 significant digits: an 18-digit ID typed as a number is already broken."""
    if isinstance(raw, float):
        return abs(raw) >= 1e15
    return isinstance(raw, str) and bool(_SCIENTIFIC.match(raw.strip()))


def _require_import_role(actor) -> None:
    if not has_role(actor, REGISTRY_EDIT_ROLES):
        raise NotAllowed(_("Your role may not import into the registry."))


def _check_mode(mode: str) -> None:
    if mode not in MODES:
        raise ValidationFailed(_("Unknown import mode."), field="mode")


def _chunks(items: list, size: int = LOOKUP_CHUNK) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _split_tags(text: str) -> list[str]:
    return [t.strip() for t in re.split(r"[,，、;；|]", text) if t.strip()]


# ---------------------------------------------------------------------------
# People


@dataclass
class _HouseholdPlan:
    number: str
    first_row: int
    dwelling: Dwelling
    existing: Household | None
    head: Person | None = None
    head_row: int | None = None


@dataclass
class _PersonPlan:
    row: _Row
    person: Person
    household: _HouseholdPlan | None
    tags: list[PersonTag]


def import_people(
    *, actor, filename: str, content: bytes, mode: Mode = "all_or_nothing"
) -> ImportResult:
    """Import residents (实有人口) from a CSV or XLSX file; see the module docstring."""
    _require_import_role(actor)
    _check_mode(mode)
    table = _read_table(filename, content, PEOPLE_COLUMNS)
    index = _map_headers(table, PEOPLE_COLUMNS)
    rows = [_Row(number, values, table, index) for number, values in table.rows]
    result = ImportResult(total=len(rows))

    plans = _validate_people(actor, rows, result)
    for row in rows:
        result.errors.extend(row.errors)
    if result.errors and mode == "all_or_nothing":
        return result
    good = [p for p in plans if p.row.ok]
    if good:
        with transaction.atomic():
            _write_people(good)
            audit_batch(
                actor=actor,
                entity_type="registry.person",
                action="import",
                counts={"created": len(good), "errors": len(result.errors)},
                region_codes={p.person.region_code for p in good},
                file=filename[:200],
            )
        result.created = len(good)
        result.written = True
    return result


def _validate_people(actor, rows: list[_Row], result: ImportResult) -> list[_PersonPlan]:
    relations = _lookup(Person.Relation, RELATION_LABELS, _RELATION_SYNONYMS)
    residences = _lookup(Person.Residence, RESIDENCE_LABELS, _RESIDENCE_SYNONYMS)
    tags = _TagResolver(actor)

    # Pass 1: parse ID numbers so the database can be asked once for everything.
    hashes: dict[int, str] = {}
    for row in rows:
        name = row.text("name")
        if not name:
            row.fail("name", _("Name is required."))
        elif len(name) > 50:
            row.fail("name", _("Name is longer than 50 characters."))
        raw_id = row.raw("id_number")
        if _number_lost_digits(raw_id):
            row.fail(
                "id_number",
                _(
                    "The ID number was stored as a number and lost its last digits; format the "
                    "column as text and type the number again."
                ),
            )
            continue
        try:
            parsed = sealing.parse_id_or_fail(row.text("id_number"))
        except ValidationFailed as exc:
            row.fail("id_number", exc.message)
            continue
        hashes[row.number] = sealing.id_number_hash(parsed.number)

    existing_people = _existing_people(list(set(hashes.values())))
    dwellings = _dwellings_by_code({row.text("dwelling_code") for row in rows} - {""})
    households_in_db = _households_by_number({row.text("household_number") for row in rows} - {""})

    # Pass 2: everything else, row by row, in file order.
    first_row_of: dict[str, int] = {}
    households: dict[str, _HouseholdPlan] = {}
    plans: list[_PersonPlan] = []
    for row in rows:
        id_hash = hashes.get(row.number)
        if id_hash:
            if id_hash in first_row_of:
                row.fail(
                    "id_number",
                    _("The same ID number is already on row %(row)d.")
                    % {"row": first_row_of[id_hash]},
                )
                continue
            first_row_of[id_hash] = row.number
            known_region = existing_people.get(id_hash)
            if known_region is not None:
                if code_within(actor, known_region):
                    if row.ok:
                        result.unchanged += 1
                    continue
                row.fail(
                    "id_number",
                    _(
                        "A person with this ID number is already registered outside your "
                        "jurisdiction."
                    ),
                )
                continue

        relation = _mapped(
            row, "relation", relations, _("Unknown relation to the head of household: %(value)s")
        )
        residence = _mapped(row, "residence", residences, _("Unknown residence status: %(value)s"))
        ethnicity = row.text("ethnicity")
        if len(ethnicity) > 20:
            row.fail("ethnicity", _("Ethnicity is longer than 20 characters."))
        try:
            sealing.normalize_phone(row.text("phone"))
        except ValidationFailed as exc:
            row.fail("phone", exc.message)
        row_tags = tags.resolve(row)

        dwelling = _dwelling_for(actor, row, dwellings)
        household = None
        number = row.text("household_number")
        if number and dwelling is not None:
            household = _household_for(actor, row, number, dwelling, households, households_in_db)
        if relation == Person.Relation.HEAD:
            if not number:
                row.fail("relation", _("A head of household needs a household number."))
            elif household is not None:
                _claim_head(row, household)

        if not row.ok or not id_hash or dwelling is None:
            continue
        try:
            person = person_build(
                name=row.text("name"),
                id_number=row.text("id_number"),
                phone=row.text("phone"),
                region_code=dwelling.region_code,
                residence=residence or Person.Residence.REGISTERED,
                ethnicity=ethnicity,
                relation=relation or "",
                dwelling=dwelling,
            )
        except ValidationFailed as exc:
            key = exc.field if row.has(exc.field) else "id_number"
            row.fail(key, exc.message)
            continue
        if household is not None and household.head_row == row.number:
            household.head = person
        plans.append(_PersonPlan(row=row, person=person, household=household, tags=row_tags))
    return plans


def _mapped(row: _Row, key: str, table: dict[str, str], message: str) -> str | None:
    value = row.text(key)
    if not value:
        return None
    code = table.get(_norm(value))
    if code is None:
        row.fail(key, message % {"value": value})
    return code


class _TagResolver:
    def __init__(self, actor):
        self.by_spelling: dict[str, PersonTag] = {}
        for tag in PersonTag.objects.all():
            for spelling in (tag.code, tag.name, tag.name_en):
                if spelling:
                    self.by_spelling.setdefault(_norm(spelling), tag)
        self.may_assign_sensitive = has_role(actor, SENSITIVE_TAG_ROLES)

    def resolve(self, row: _Row) -> list[PersonTag]:
        found: dict[int, PersonTag] = {}
        for spelling in _split_tags(row.text("tags")):
            tag = self.by_spelling.get(_norm(spelling))
            if tag is None:
                row.fail("tags", _("Unknown tag: %(tag)s") % {"tag": spelling})
            elif tag.is_sensitive and not self.may_assign_sensitive:
                row.fail(
                    "tags",
                    _("Your role may not assign the sensitive tag %(tag)s.") % {"tag": spelling},
                )
            else:
                found[tag.pk] = tag
        return list(found.values())


def _dwelling_for(actor, row: _Row, dwellings: dict[str, Dwelling]) -> Dwelling | None:
    code = row.text("dwelling_code")
    if not code:
        row.fail("dwelling_code", _("A dwelling code is required."))
        return None
    dwelling = dwellings.get(code)
    if dwelling is None:
        row.fail(
            "dwelling_code",
            _("No dwelling has the code %(code)s; import the dwellings first.") % {"code": code},
        )
        return None
    try:
        require_edit(actor, dwelling.region_code)
    except NotAllowed as exc:
        row.fail("dwelling_code", exc.message)
        return None
    return dwelling


def _household_for(
    actor,
    row: _Row,
    number: str,
    dwelling: Dwelling,
    plans: dict[str, _HouseholdPlan],
    in_db: dict[str, Household],
) -> _HouseholdPlan | None:
    if len(number) > 40:
        row.fail("household_number", _("Household number is longer than 40 characters."))
        return None
    plan = plans.get(number)
    if plan is not None:
        if plan.dwelling.pk != dwelling.pk:
            row.fail(
                "household_number",
                _("Household %(number)s lives at dwelling %(dwelling)s (row %(row)d), not here.")
                % {"number": number, "dwelling": plan.dwelling.code, "row": plan.first_row},
            )
            return None
        return plan
    existing = in_db.get(number)
    if existing is not None:
        if not code_within(actor, existing.region_code):
            row.fail(
                "household_number",
                _("This household number is already used outside your jurisdiction."),
            )
            return None
        if existing.dwelling_id and existing.dwelling_id != dwelling.pk:
            row.fail(
                "household_number",
                _("Household %(number)s is registered at another dwelling.") % {"number": number},
            )
            return None
    plan = _HouseholdPlan(number=number, first_row=row.number, dwelling=dwelling, existing=existing)
    plans[number] = plan
    return plan


def _claim_head(row: _Row, household: _HouseholdPlan) -> None:
    if household.existing is not None and household.existing.head_id:
        row.fail(
            "relation", _("Household %(number)s already has a head.") % {"number": household.number}
        )
    elif household.head_row is not None:
        row.fail(
            "relation",
            _("Row %(row)d is already the head of household %(number)s.")
            % {"row": household.head_row, "number": household.number},
        )
    elif row.ok:
        household.head_row = row.number


def _existing_people(hashes: list[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for chunk in _chunks(hashes):
        found.update(
            Person.objects.filter(id_number_hash__in=chunk).values_list(
                "id_number_hash", "region_code"
            )
        )
    return found


def _dwellings_by_code(codes: set[str]) -> dict[str, Dwelling]:
    found: dict[str, Dwelling] = {}
    for chunk in _chunks(sorted(codes)):
        found.update((d.code, d) for d in Dwelling.objects.filter(code__in=chunk))
    return found


def _households_by_number(numbers: set[str]) -> dict[str, Household]:
    found: dict[str, Household] = {}
    for chunk in _chunks(sorted(numbers)):
        found.update((h.number, h) for h in Household.objects.filter(number__in=chunk))
    return found


def _write_people(plans: list[_PersonPlan]) -> None:
    households = {p.household.number: p.household for p in plans if p.household}
    try:
        with transaction.atomic():
            new = {
                number: Household(
                    number=number, dwelling=h.dwelling, region_code=h.dwelling.region_code
                )
                for number, h in households.items()
                if h.existing is None
            }
            Household.objects.bulk_create(list(new.values()), batch_size=BATCH_SIZE)
            _ensure_pks(new.values(), Household, "number")
            people = []
            for plan in plans:
                if plan.household is not None:
                    number = plan.household.number
                    plan.person.household = new.get(number) or plan.household.existing
                people.append(plan.person)
            Person.objects.bulk_create(people, batch_size=BATCH_SIZE)
            _ensure_pks(people, Person, "id_number_hash")
            PersonTagging.objects.bulk_create(
                [
                    PersonTagging(
                        person=plan.person,
                        **tagging_fields(
                            tag, person_id=plan.person.pk, region_code=plan.person.region_code
                        ),
                    )
                    for plan in plans
                    for tag in plan.tags
                ],
                batch_size=BATCH_SIZE,
            )
            _set_heads(households.values(), new)
    except IntegrityError as exc:
        raise Conflict(
            _(
                "Someone registered some of these people or households at the same time; nothing "
                "was imported. Import the file again."
            )
        ) from exc


def _ensure_pks(objs: Iterable, model, key: str) -> None:
    """Databases that cannot return ids from a bulk insert: fetch them by the unique key."""
    missing = {getattr(o, key): o for o in objs if o.pk is None}
    for chunk in _chunks(list(missing)):
        for pk, value in model.objects.filter(**{f"{key}__in": chunk}).values_list("pk", key):
            missing[value].pk = pk


def _set_heads(households: Iterable[_HouseholdPlan], new: dict[str, Household]) -> None:
    created = []
    for plan in households:
        if plan.head is None:
            continue
        if plan.existing is None:
            row = new[plan.number]
            row.head = plan.head
            created.append(row)
        # Somebody may have named a head since validation; only fill an empty seat.
        elif not Household.objects.filter(pk=plan.existing.pk, head__isnull=True).update(
            head=plan.head
        ):
            raise Conflict(
                _("Household %(number)s got a head while importing; nothing was imported.")
                % {"number": plan.number}
            )
    Household.objects.bulk_update(created, ["head"], batch_size=BATCH_SIZE)


# ---------------------------------------------------------------------------
# Dwellings


def _place_all(points: list[tuple[float, float]]) -> list[Placement | None]:
    """place_at for many points: one index lookup, and each grid and village row fetched once."""
    from fengqiao.regions.locator import locate_many

    locations = locate_many(points)
    grid_ids = {loc.grid_id for loc in locations if loc and loc.grid_id}
    village_ids = {loc.village_id for loc in locations if loc}
    grids = Grid.objects.in_bulk(list(grid_ids))
    villages = Region.objects.in_bulk(list(village_ids))
    return [
        Placement(
            villages[loc.village_id],
            grids.get(loc.grid_id) if loc.grid_id else None,
            loc.region_code,
        )
        if loc
        else None
        for loc in locations
    ]


def import_dwellings(
    *, actor, filename: str, content: bytes, mode: Mode = "all_or_nothing"
) -> ImportResult:
    """Import dwellings (实有房屋) from a CSV or XLSX file; see the module docstring."""
    _require_import_role(actor)
    _check_mode(mode)
    table = _read_table(filename, content, DWELLING_COLUMNS)
    index = _map_headers(table, DWELLING_COLUMNS)
    rows = [_Row(number, values, table, index) for number, values in table.rows]
    result = ImportResult(total=len(rows))

    plans = _validate_dwellings(actor, rows, result)
    for row in rows:
        result.errors.extend(row.errors)
    if result.errors and mode == "all_or_nothing":
        return result
    good = [d for row, d in plans if row.ok]
    if good:
        try:
            with transaction.atomic():
                Dwelling.objects.bulk_create(good, batch_size=BATCH_SIZE)
                audit_batch(
                    actor=actor,
                    entity_type="registry.dwelling",
                    action="import",
                    counts={"created": len(good), "errors": len(result.errors)},
                    region_codes={d.region_code for d in good},
                    file=filename[:200],
                )
        except IntegrityError as exc:
            raise Conflict(
                _(
                    "Someone added some of these dwellings at the same time; nothing was imported. "
                    "Import the file again."
                )
            ) from exc
        result.created = len(good)
        result.written = True
    return result


def _validate_dwellings(actor, rows: list[_Row], result: ImportResult):
    uses = _lookup(Dwelling.Use, USE_LABELS, _USE_SYNONYMS)
    types = _lookup(Dwelling.BuildingType, BUILDING_TYPE_LABELS, _BUILDING_TYPE_SYNONYMS)
    existing = _dwellings_by_code({row.text("code") for row in rows} - {""})
    first_row_of: dict[str, int] = {}
    unplaced: list[tuple[_Row, Dwelling]] = []
    for row in rows:
        code = row.text("code")
        if not code:
            row.fail("code", _("A dwelling code is required."))
        elif len(code) > 40:
            row.fail("code", _("Dwelling code is longer than 40 characters."))
        elif code in first_row_of:
            row.fail(
                "code",
                _("The same dwelling code is already on row %(row)d.")
                % {"row": first_row_of[code]},
            )
            continue
        else:
            first_row_of[code] = row.number
        address = row.text("address")
        if len(address) > 200:
            row.fail("address", _("Address is longer than 200 characters."))
        owner_name = row.text("owner_name")
        if len(owner_name) > 50:
            row.fail("owner_name", _("Owner name is longer than 50 characters."))
        use = _mapped(row, "use", uses, _("Unknown use: %(value)s")) or Dwelling.Use.OWNER
        building_type = (
            _mapped(row, "building_type", types, _("Unknown building type: %(value)s"))
            or Dwelling.BuildingType.HOUSE
        )
        floor_area = _floor_area(row)
        lat = _coordinate(row, "lat", 90)
        lng = _coordinate(row, "lng", 180)

        candidate = Dwelling(
            code=code,
            address=address,
            use=use,
            building_type=building_type,
            floor_area=floor_area,
            owner_name=owner_name,
            lat=lat,
            lng=lng,
        )
        known = existing.get(code)
        if known is not None:
            if not code_within(actor, known.region_code):
                row.fail("code", _("This dwelling code is already used outside your jurisdiction."))
            elif not _same_dwelling(known, candidate):
                row.fail(
                    "code",
                    _(
                        "A dwelling with this code already exists with different "
                        "data; change it on the dwelling's page."
                    ),
                )
            elif row.ok:
                result.unchanged += 1
            continue
        if lat is not None and lng is not None:
            unplaced.append((row, candidate))

    placements = _place_all([(d.lat, d.lng) for _row, d in unplaced])
    plans: list[tuple[_Row, Dwelling]] = []
    for (row, candidate), placement in zip(unplaced, placements, strict=True):
        if placement is None:
            row.fail("lat", OutsideJurisdiction.default_message)
            continue
        try:
            require_edit(actor, placement.region_code)
        except NotAllowed as exc:
            row.fail("lat", exc.message)
            continue
        candidate.village, candidate.grid = placement.village, placement.grid
        candidate.region_code = placement.region_code
        plans.append((row, candidate))
    return plans


def _coordinate(row: _Row, key: str, limit: int) -> float | None:
    text = row.text(key)
    if not text:
        row.fail(key, _("A coordinate is required."))
        return None
    try:
        value = float(text)
    except ValueError:
        row.fail(key, _("Not a number: %(value)s") % {"value": text})
        return None
    if not math.isfinite(value) or abs(value) > limit:
        row.fail(key, _("Out of range: %(value)s") % {"value": text})
        return None
    return value


def _floor_area(row: _Row) -> Decimal | None:
    text = row.text("floor_area")
    if not text:
        return None
    try:
        value = Decimal(text.replace(",", "")).quantize(Decimal("0.1"))
    except (InvalidOperation, ValueError):
        row.fail("floor_area", _("Not a number: %(value)s") % {"value": text})
        return None
    if not value.is_finite() or value < 0 or value >= Decimal("10000000"):
        row.fail("floor_area", _("Out of range: %(value)s") % {"value": text})
        return None
    return value


def _same_dwelling(known: Dwelling, new: Dwelling) -> bool:
    def close(a, b) -> bool:
        return a is None and b is None or (a is not None and b is not None and abs(a - b) < 1e-7)

    return (
        known.address == new.address
        and known.use == new.use
        and known.building_type == new.building_type
        and known.owner_name == new.owner_name
        and known.floor_area == new.floor_area
        and close(known.lat, new.lat)
        and close(known.lng, new.lng)
    )


# ---------------------------------------------------------------------------
# Error report


def error_report_xlsx(result: ImportResult) -> bytes:
    """A workbook listing every error (row, column, reason) for the person to fix and retry."""
    from openpyxl import Workbook

    from fengqiao.registry.exporter import text_cell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Errors"))
    sheet.column_dimensions["A"].width = 8
    sheet.column_dimensions["B"].width = 20
    sheet.column_dimensions["C"].width = 80
    sheet.append([_("Row"), _("Column"), _("Reason")])
    for error in result.errors:
        sheet.append([error.row, text_cell(sheet, error.column), text_cell(sheet, error.reason)])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
