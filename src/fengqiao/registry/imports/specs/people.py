"""Row spec of people (实有人口): a person at a dwelling, in a household, with tags.

The heaviest kind, so its batch is written column by column: ID numbers and phones are
checked, sealed and hashed for the whole batch beforehand (batch_sealing.py, in worker
processes when asked); the database is asked once per batch for known people, dwellings and
households; ids for people and new households are drawn first, so households, heads and tags
link up without reading anything back; rows go in with COPY (PostgreSQL) or executemany.
Duplicates: within a batch by a dict; across batches by the database itself (an earlier
batch's rows are already there, committed or, all-or-nothing, inside the job's transaction);
people with an id above the job's `id_floor` were written by this job, so a hit among them is
a repeat within the file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, connection
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fengqiao.core.idnumbers import mask_id_number
from fengqiao.core.roles import SENSITIVE_TAG_ROLES, has_role
from fengqiao.core.scoping import code_within
from fengqiao.registry import sealing
from fengqiao.registry.imports.batch_sealing import SealedBatch, Sealer, SealingPool, cell_texts
from fengqiao.registry.imports.columns import Choice, Column, norm
from fengqiao.registry.imports.columns import text as text_of
from fengqiao.registry.imports.labels import RELATION_LABELS, RESIDENCE_LABELS
from fengqiao.registry.imports.reading import Row, cells
from fengqiao.registry.imports.specs.base import BatchCounts, DwellingLookup, Refusals, RowSpec
from fengqiao.registry.imports.specs.households import DWELLING_CODE, HOUSEHOLD_NUMBER
from fengqiao.registry.imports.sql import SqlWriter
from fengqiao.registry.models import Household, Person, PersonTag, PersonTagging

__all__ = ["PEOPLE"]

NAME = Column("name", ("姓名", "name"), gettext_lazy("Name"), text_of(50), required=True)
ID_NUMBER = Column(
    "id_number",
    ("身份证号", "身份证号码", "公民身份号码", "身份证", "id_number", "idnumber", "id_no"),
    gettext_lazy("ID number"),
    required=True,
)  # checked and sealed by batch_sealing
PHONE = Column(
    "phone", ("手机号", "手机号码", "联系电话", "电话", "phone", "mobile"), gettext_lazy("Phone")
)  # checked and sealed by batch_sealing
RELATION = Column(
    "relation",
    ("与户主关系", "关系", "relation", "relationship"),
    Person._meta.get_field("relation").verbose_name,
    Choice(Person.Relation, RELATION_LABELS),
)
RESIDENCE = Column(
    "residence",
    ("居住类型", "人口类型", "residence"),
    Person._meta.get_field("residence").verbose_name,
    Choice(Person.Residence, RESIDENCE_LABELS, Person.Residence.REGISTERED),
)
ETHNICITY = Column("ethnicity", ("民族", "ethnicity"), gettext_lazy("Ethnicity"), text_of(20))
TAGS = Column("tags", ("标签", "人员标签", "tags"), gettext_lazy("Tags"))

PERSON_COLUMNS = (
    *("id", "name", "id_number_sealed", "id_number_hash", "id_number_masked", "sex"),
    *("birth_year", "birth_date_sealed", "ethnicity", "phone_sealed", "phone_hash"),
    *("phone_masked", "residence", "household_id", "relation", "dwelling_id", "region_code"),
    *("created_at", "updated_at"),
)
_HOUSEHOLD = PERSON_COLUMNS.index("household_id")
_REGION = PERSON_COLUMNS.index("region_code")
HOUSEHOLD_COLUMNS = ("id", "number", "region_code", "dwelling_id", "group_id", "head_id")
TAGGING_COLUMNS = ("person_id", "tag_id", "tag_sealed", "tag_hash", "region_code", "since", "note")


def split_tags(text: str) -> list[str]:
    return [t.strip() for t in re.split(r"[,，、;；|]", text) if t.strip()]


class TagResolver:
    """Tags by code, Chinese or English name; sensitive ones only for the roles that may."""

    def __init__(self, actor):
        self.by_spelling: dict[str, PersonTag] = {}
        for tag in PersonTag.objects.all():
            for spelling in (tag.code, tag.name, tag.name_en):
                if spelling:
                    self.by_spelling.setdefault(norm(spelling), tag)
        self.may_assign_sensitive = has_role(actor, SENSITIVE_TAG_ROLES)

    def resolve(self, row: Row, text: str) -> list[PersonTag]:
        found: dict[int, PersonTag] = {}
        for spelling in split_tags(text):
            tag = self.by_spelling.get(norm(spelling))
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


@dataclass
class _NewHousehold:
    number: str
    first_row: int
    dwelling_id: int
    dwelling_code: str
    region_code: str
    existing_id: int | None = None
    head_row: int | None = None
    head_index: int | None = None  # index into the batch's person list


class PeopleSpec(RowSpec):
    kind = "people"
    model = Person
    columns = (
        NAME,
        ID_NUMBER,
        PHONE,
        HOUSEHOLD_NUMBER,
        RELATION,
        DWELLING_CODE,
        RESIDENCE,
        ETHNICITY,
        TAGS,
    )
    key = ("id_number",)  # by its keyed hash

    def batcher(self, *, actor, job, sql: SqlWriter) -> PeopleBatch:
        return PeopleBatch(actor, job, sql)


class PeopleBatch:
    def __init__(self, actor, job, sql: SqlWriter):
        self.actor = actor
        self.job = job
        self.sql = sql
        self.tags = TagResolver(actor)
        self.sealer = Sealer()
        self.refusals = Refusals(actor)
        self.dwellings = DwellingLookup(sql, self.refusals)

    def prepare(self, pool: SealingPool, rows: list[Row]):
        """Hand the batch's ID numbers and phones to the pool (see batch_sealing.py)."""
        return pool.submit(
            cells(rows, "id_number"),
            cells(rows, "phone"),
            timezone.localdate(),
            translation.get_language() or settings.LANGUAGE_CODE,
        )

    def write(self, rows: list[Row], sealed: SealedBatch) -> BatchCounts:
        names = cell_texts(cells(rows, "name"))
        for i, row in enumerate(rows):
            row.read(NAME, names[i])
            if sealed.id_errors[i]:
                row.fail("id_number", sealed.id_errors[i])

        hashes = sealed.id_hashes
        text = {
            c.key: cell_texts(cells(rows, c.key))
            for c in (RELATION, RESIDENCE, ETHNICITY, TAGS, DWELLING_CODE, HOUSEHOLD_NUMBER)
        }
        known = self._people_known([h for h in hashes if h])
        self.dwellings.load(set(text["dwelling_code"]) - {""})
        in_db = self._households_known(set(text["household_number"]) - {""})

        first_row_of: dict[str, int] = {}
        households: dict[str, _NewHousehold] = {}
        people: list[tuple[Row, list]] = []
        taggings: list[tuple[int, list]] = []  # (person index, tags)
        counts = BatchCounts()
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        for i, row in enumerate(rows):
            id_hash = hashes[i]
            if id_hash:
                if id_hash in first_row_of:
                    row.fail(
                        "id_number",
                        _("The same ID number is already on row %(row)d.")
                        % {"row": first_row_of[id_hash]},
                    )
                    continue
                first_row_of[id_hash] = row.number
                seen = known.get(id_hash)
                if seen is not None:
                    self._known_person(row, seen, counts)
                    continue

            relation = row.read(RELATION, text["relation"][i])
            residence = row.read(RESIDENCE, text["residence"][i])
            ethnicity = row.read(ETHNICITY, text["ethnicity"][i])
            if sealed.phone_errors[i]:
                row.fail("phone", sealed.phone_errors[i])
            row_tags = self.tags.resolve(row, text["tags"][i]) if text["tags"][i] else []

            code = row.read(DWELLING_CODE, text["dwelling_code"][i])
            dwelling = self.dwellings.get(row, "dwelling_code", code or "")
            household = None
            number = row.read(HOUSEHOLD_NUMBER, text["household_number"][i])
            if number and dwelling is not None:
                household = self._household_for(row, number, dwelling, code, households, in_db)
            if relation == Person.Relation.HEAD:
                if not text["household_number"][i]:
                    row.fail("relation", _("A head of household needs a household number."))
                elif household is not None:
                    self._claim_head(row, household, in_db)
            if not row.ok or not id_hash or dwelling is None:
                continue
            s = sealed.numbers[i]
            dwelling_id, region_code = dwelling
            if household is not None and household.head_row == row.number:
                household.head_index = len(people)
            people.append(
                (
                    row,
                    [
                        None,
                        names[i],
                        sealed.id_sealed[i],
                        id_hash,
                        mask_id_number(s),
                        "M" if int(s[16]) % 2 else "F",
                        sealed.birth_years[i],
                        sealed.births_sealed[i],
                        ethnicity,
                        sealed.phone_sealed[i],
                        sealed.phone_hashes[i],
                        sealed.phone_masked[i],
                        residence,
                        household,  # replaced by its id below
                        relation or "",
                        dwelling_id,
                        region_code,
                        now,
                        now,
                    ],
                )
            )
            if row_tags:
                taggings.append((len(people) - 1, row_tags))

        self._write(people, households, taggings)
        counts.created = len(people)
        counts.region_codes = {values[_REGION] for _row, values in people}
        return counts

    def _known_person(self, row: Row, seen: tuple[int, str], counts: BatchCounts) -> None:
        pk, region_code = seen
        if pk > self.job.id_floor:
            row.fail(
                "id_number", _("The same ID number is already on an earlier row of this file.")
            )
        elif not code_within(self.actor, region_code):
            row.fail(
                "id_number",
                _("A person with this ID number is already registered outside your jurisdiction."),
            )
        elif row.ok:
            counts.unchanged += 1

    def _people_known(self, hashes: list[str]) -> dict[str, tuple[int, str]]:
        sql = (
            "SELECT id_number_hash, id, region_code FROM registry_person "
            "WHERE id_number_hash {match}"
        )
        return {h: (pk, region_code) for h, pk, region_code in self.sql.select_in(sql, hashes)}

    def _households_known(
        self, numbers: set[str]
    ) -> dict[str, tuple[int, int | None, int | None, str]]:
        sql = (
            "SELECT number, id, dwelling_id, head_id, region_code FROM registry_household "
            "WHERE number {match}"
        )
        return {
            number: (pk, dwelling_id, head_id, region_code)
            for number, pk, dwelling_id, head_id, region_code in self.sql.select_in(
                sql, sorted(numbers)
            )
        }

    def _household_for(
        self, row, number, dwelling, dwelling_code, plans, in_db
    ) -> _NewHousehold | None:
        dwelling_id, region_code = dwelling
        plan = plans.get(number)
        if plan is not None:
            if plan.dwelling_id != dwelling_id:
                row.fail(
                    "household_number",
                    _(
                        "Household %(number)s lives at dwelling %(dwelling)s (row %(row)d), "
                        "not here."
                    )
                    % {"number": number, "dwelling": plan.dwelling_code, "row": plan.first_row},
                )
                return None
            return plan
        existing = in_db.get(number)
        if existing is not None:
            _pk, existing_dwelling, _head, existing_region = existing
            if not code_within(self.actor, existing_region):
                row.fail(
                    "household_number",
                    _("This household number is already used outside your jurisdiction."),
                )
                return None
            if existing_dwelling and existing_dwelling != dwelling_id:
                row.fail(
                    "household_number",
                    _("Household %(number)s is registered at another dwelling.")
                    % {"number": number},
                )
                return None
        plan = _NewHousehold(
            number=number,
            first_row=row.number,
            dwelling_id=dwelling_id,
            dwelling_code=dwelling_code,
            region_code=region_code,
            existing_id=existing[0] if existing else None,
        )
        plans[number] = plan
        return plan

    def _claim_head(self, row: Row, household: _NewHousehold, in_db) -> None:
        existing = in_db.get(household.number)
        if existing is not None and existing[2]:
            row.fail(
                "relation",
                _("Household %(number)s already has a head.") % {"number": household.number},
            )
        elif household.head_row is not None:
            row.fail(
                "relation",
                _("Row %(row)d is already the head of household %(number)s.")
                % {"row": household.head_row, "number": household.number},
            )
        elif row.ok:
            household.head_row = row.number

    def _write(self, people, households, taggings) -> None:
        sql = self.sql
        person_ids = sql.ids(Person._meta.db_table, len(people))
        for pk, (_row, values) in zip(person_ids, people, strict=True):
            values[0] = pk
        used = {id(values[_HOUSEHOLD]) for _row, values in people if values[_HOUSEHOLD] is not None}
        new = [h for h in households.values() if h.existing_id is None and id(h) in used]
        new_ids = {id(h) for h in new}
        household_ids = sql.ids(Household._meta.db_table, len(new))
        for pk, plan in zip(household_ids, new, strict=True):
            plan.existing_id = pk
        # Foreign keys are deferred to commit, so heads can be named before they are written.
        sql.insert(
            Household._meta.db_table,
            HOUSEHOLD_COLUMNS,
            [
                (
                    plan.existing_id,
                    plan.number,
                    plan.region_code,
                    plan.dwelling_id,
                    None,
                    person_ids[plan.head_index] if plan.head_index is not None else None,
                )
                for plan in new
            ],
        )
        for _row, values in people:
            plan = values[_HOUSEHOLD]
            values[_HOUSEHOLD] = plan.existing_id if plan is not None else None
        sql.insert(Person._meta.db_table, PERSON_COLUMNS, [values for _row, values in people])
        for plan in households.values():
            if id(plan) in new_ids or plan.head_index is None:
                continue
            # Somebody may have named a head since validation; only fill an empty seat.
            if not Household.objects.filter(pk=plan.existing_id, head__isnull=True).update(
                head_id=person_ids[plan.head_index]
            ):
                raise IntegrityError("household got a head meanwhile")
        tag_rows = []
        for at, tags in taggings:
            person_id, region_code = person_ids[at], people[at][1][_REGION]
            for tag in tags:
                if tag.is_sensitive:
                    tag_id, sealed = None, self.sealer.seal(tag.code)
                else:
                    tag_id, sealed = tag.pk, ""
                tag_hash = sealing.tag_hash(person_id, tag.code)
                tag_rows.append((person_id, tag_id, sealed, tag_hash, region_code, None, ""))
        sql.insert(PersonTagging._meta.db_table, TAGGING_COLUMNS, tag_rows)


PEOPLE = PeopleSpec()
