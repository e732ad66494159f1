"""The row spec every kind of import follows, and the generic one for a kind whose row maps
onto one model row with a natural key (dwellings, organisations, places, facilities, …)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.utils.translation import gettext as _

from fengqiao.core.errors import NotAllowed
from fengqiao.core.scoping import code_within
from fengqiao.registry.imports.columns import Column
from fengqiao.registry.imports.reading import Row
from fengqiao.registry.imports.sql import SqlWriter
from fengqiao.registry.services import require_edit

__all__ = ["BatchCounts", "DwellingLookup", "ModelSpec", "Refusals", "RowSpec"]

LOOKUP_CHUNK = 500
DWELLING_CACHE_MAX = 200_000


@dataclass
class BatchCounts:
    """What writing one batch did: rows created, rows already there, where the new rows lie."""

    created: int = 0
    unchanged: int = 0
    region_codes: set[str] = field(default_factory=set)


class RowSpec:
    """One kind of import: its columns and how a batch of rows is checked and written.

    `batcher` returns an object with `prepare(pool, rows)` (the work that needs no database; it
    may run in a sealing worker, see batch_sealing.py) and `write(rows, prepared)`, which checks
    the rows against the database, records what is wrong on each row (`row.fail`) and writes
    the good ones, inside the transaction the engine opened. The engine does the rest for every
    kind: reading, batches, errors, checkpoints, audit, all-or-nothing."""

    kind: str
    model: type[models.Model]
    columns: tuple[Column, ...]
    key: tuple[str, ...]  # the columns that name a row (its natural key)

    @property
    def label(self):
        return self.model._meta.verbose_name_plural

    def batcher(self, *, actor, job, sql: SqlWriter):
        raise NotImplementedError


class Refusals:
    """Why the actor may not write in a region code (None: they may), asked once per code."""

    def __init__(self, actor):
        self.actor = actor
        self.known: dict[str, str | None] = {}

    def __call__(self, region_code: str) -> str | None:
        if region_code not in self.known:
            try:
                require_edit(self.actor, region_code)
                self.known[region_code] = None
            except NotAllowed as exc:
                self.known[region_code] = str(exc.message)
        return self.known[region_code]


class DwellingLookup:
    """Dwellings by code, as (id, region code), loaded a batch at a time and kept for the run."""

    def __init__(self, sql: SqlWriter, refusals: Refusals):
        self.sql = sql
        self.refusals = refusals
        self.found: dict[str, tuple[int, str] | None] = {}

    def load(self, codes: set[str]) -> None:
        missing = [c for c in codes if c not in self.found]
        if len(self.found) + len(missing) > DWELLING_CACHE_MAX:
            self.found.clear()
            missing = list(codes)
        for code in missing:
            self.found[code] = None
        sql = "SELECT code, id, region_code FROM registry_dwelling WHERE code {match}"
        for code, pk, region_code in self.sql.select_in(sql, missing):
            self.found[code] = (pk, region_code)

    def get(self, row: Row, key: str, code: str) -> tuple[int, str] | None:
        """The dwelling of `code` if the actor may write there; else None and the row fails."""
        if not code:
            return None  # a required column: the row already says so
        dwelling = self.found.get(code)
        if dwelling is None:
            row.fail(
                key,
                _("No dwelling has the code %(code)s; import the dwellings first.")
                % {"code": code},
            )
            return None
        refusal = self.refusals(dwelling[1])
        if refusal is not None:
            row.fail(key, refusal)
            return None
        return dwelling


def _chunks(items: list, size: int = LOOKUP_CHUNK):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        return a is None and b is None or (a is not None and b is not None and abs(a - b) < 1e-7)
    return a == b


class ModelSpec(RowSpec):
    """A kind whose row is one model row with a natural key. A row whose key is already in the
    registry is "already present" when it says the same (`compare`), an error when it does not
    (changes go through the record's page, which audits them) or when the row lies outside the
    importer's jurisdiction. Subclasses say where a row lies (`place`)."""

    compare: tuple[str, ...] = ()  # model attributes that must agree with an existing row
    related: tuple[str, ...] = ()  # what `existing` loads with each row (for `same`)
    key_label = None  # what the key is, in messages (default: the first key column's label)

    def build(self, values: dict[str, Any]) -> models.Model:
        """An unsaved model row from the row's values (those named like a model field)."""
        names = {f.name for f in self.model._meta.concrete_fields}
        return self.model(**{k: v for k, v in values.items() if k in names and v is not None})

    def place(self, batch: ModelBatch, items: list[tuple[Row, dict, models.Model]]) -> None:
        """Set each new row's region (and village, grid…), or fail the row."""
        raise NotImplementedError

    def seal(self, obj: models.Model, values: dict[str, Any]) -> None:
        """Seal personal fields once the row has its id (nothing by default)."""

    def key_of(self, values: dict[str, Any]) -> tuple | None:
        key = tuple(values.get(k) for k in self.key)
        return None if values.get(self.key[0]) in (None, "") else key

    def existing(self, keys: set[tuple]) -> dict[tuple, models.Model]:
        first = sorted({k[0] for k in keys})
        found: dict[tuple, models.Model] = {}
        for chunk in _chunks(first):
            rows = self.model.objects.select_related(*self.related)
            for obj in rows.filter(**{f"{self.key[0]}__in": chunk}):
                key = tuple(getattr(obj, k) for k in self.key)
                if key in keys:
                    found[key] = obj
        return found

    def same(self, known: models.Model, new: models.Model, values: dict[str, Any]) -> bool:
        """The row says what the registry already holds under its key."""
        return all(_same(getattr(known, name), getattr(new, name)) for name in self.compare)

    def describe_key(self):
        if self.key_label is not None:
            return self.key_label
        return next(c.label for c in self.columns if c.key == self.key[0])

    def batcher(self, *, actor, job, sql: SqlWriter) -> ModelBatch:
        return ModelBatch(self, actor, job, sql)


class ModelBatch:
    def __init__(self, spec: ModelSpec, actor, job, sql: SqlWriter):
        self.spec = spec
        self.actor = actor
        self.job = job
        self.sql = sql
        self.refusals = Refusals(actor)

    def prepare(self, pool, rows: list[Row]) -> None:
        return None

    def write(self, rows: list[Row], prepared: None) -> BatchCounts:
        spec = self.spec
        parsed = [(row, {c.key: row.read(c) for c in spec.columns}) for row in rows]
        keys = {key for _row, values in parsed if (key := spec.key_of(values)) is not None}
        existing = spec.existing(keys)
        what = spec.describe_key()
        entity = spec.model._meta.verbose_name
        at = spec.key[0]
        first_row: dict[tuple, int] = {}
        counts = BatchCounts()
        new: list[tuple[Row, dict, models.Model]] = []
        for row, values in parsed:
            key = spec.key_of(values)
            if key is None:
                continue
            if key in first_row:
                row.fail(
                    at,
                    _("The same %(field)s is already on row %(row)d.")
                    % {"field": what, "row": first_row[key]},
                )
                continue
            first_row[key] = row.number
            obj = spec.build(values)
            known = existing.get(key)
            if known is None:
                new.append((row, values, obj))
            elif known.pk > self.job.id_floor:
                row.fail(
                    at,
                    _("The same %(field)s is already on an earlier row of this file.")
                    % {"field": what},
                )
            elif not code_within(self.actor, known.region_code):
                row.fail(
                    at,
                    _("This %(field)s is already used outside your jurisdiction.")
                    % {"field": what},
                )
            elif not spec.same(known, obj, values):
                row.fail(
                    at,
                    _(
                        "A %(entity)s with this %(field)s already exists with different data; "
                        "change it on its page."
                    )
                    % {"entity": entity, "field": what},
                )
            elif row.ok:
                counts.unchanged += 1
        spec.place(self, new)
        good = [(row, values, obj) for row, values, obj in new if row.ok]
        ids = self.sql.ids(spec.model._meta.db_table, len(good))
        for pk, (_row, values, obj) in zip(ids, good, strict=True):
            obj.pk = pk
            spec.seal(obj, values)
        spec.model.objects.bulk_create([obj for _r, _v, obj in good], batch_size=1000)
        counts.created = len(good)
        counts.region_codes = {obj.region_code for _r, _v, obj in good}
        return counts
