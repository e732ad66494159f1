"""Streaming, resumable import of people at scale: constant memory, checkpointed batches."""

# The file is read as a stream (CSV decoded incrementally, XLSX through openpyxl's read-only
# mode) and cut into batches of BATCH_ROWS rows. Each batch is validated at once (ID numbers
# checked with numpy over the whole batch; the database asked once per batch for known people,
# dwellings and households) and written in ONE transaction together with its rejected rows
# (ImportRowError) and the job's new checkpoint (ImportJob.last_row). A crash, even `kill -9`,
# therefore leaves whole batches only, and a rerun of the same file continues after the last
# committed one. Rows go in with PostgreSQL COPY, or executemany on SQLite, with ids drawn
# beforehand so households, heads and tags link up without reading anything back.
#
# Duplicates: within a batch by a dict; across batches by the database itself (an earlier
# batch's rows are already there). People with an id above the job's `person_id_floor` were
# written by this job, so a hit among them is reported as a repeat within the file.
#
# This is the "valid rows" mode: good rows are saved, bad rows reported (all of them, in the
# database, downloadable as a workbook). "All or nothing" stays in importer.py for files up to
# importer.MAX_ROWS: to promise that nothing is written unless every row of a 1 M-row file is
# valid, the whole file must be validated (households, heads, duplicates across the file)
# before the first write, which cannot be done in constant memory with this design.

from __future__ import annotations

import codecs
import csv
import hashlib
import io
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Max
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from fengqiao.core.audit import audit_batch
from fengqiao.core.errors import Conflict, NotAllowed, ValidationFailed
from fengqiao.core.idnumbers import mask_id_number
from fengqiao.core.scoping import code_within
from fengqiao.registry import sealing
from fengqiao.registry.batch_sealing import (
    SealedBatch,
    Sealer,
    SealingPool,
    WorkerFailed,
    cell_texts,
)
from fengqiao.registry.importer import (
    _BOMS_UTF16,
    _RELATION_SYNONYMS,
    _RESIDENCE_SYNONYMS,
    HEADER_SEARCH_ROWS,
    PEOPLE_COLUMNS,
    RELATION_LABELS,
    RESIDENCE_LABELS,
    ImportResult,
    RowError,
    _file_error,
    _has_required,
    _is_blank,
    _looks_like_text,
    _lookup,
    _map_headers,
    _norm,
    _require_import_role,
    _Row,
    _Table,
    _TagResolver,
)
from fengqiao.registry.models import (
    Household,
    ImportJob,
    ImportRowError,
    Person,
    PersonTagging,
)
from fengqiao.registry.services import require_edit

__all__ = [
    "BATCH_ROWS",
    "error_report_xlsx",
    "file_digest",
    "job_errors",
    "job_for",
    "job_result",
    "people_import_stream",
]

BATCH_ROWS = 10_000
SAMPLE_BYTES = 1 << 16
DWELLING_CACHE_MAX = 200_000
# At most this many errors are loaded back into an ImportResult; the rest stay in the database.
RESULT_ERRORS_MAX = 10_000

Progress = Callable[[ImportJob], None]


def file_digest(fh: IO[bytes]) -> tuple[str, int]:
    """SHA-256 and size of a binary stream, read in 1 MiB pieces; the stream is rewound."""
    digest = hashlib.sha256()
    size = 0
    fh.seek(0)
    while chunk := fh.read(1 << 20):
        digest.update(chunk)
        size += len(chunk)
    fh.seek(0)
    return digest.hexdigest(), size


# ---------------------------------------------------------------------------
# Reading


@dataclass
class _Source:
    table: _Table  # headers and column letters; `rows` holds only a look-ahead
    records: Iterator[tuple[int, list[Any]]]  # data rows after the header, blank ones skipped
    estimate: int  # rows in the file as far as can be told cheaply (0 = unknown)
    position: Callable[[], float]  # share of the file read so far, 0..1 (for the ETA)


def _open_source(filename: str, fh: IO[bytes], size: int) -> _Source:
    head = fh.read(8)
    fh.seek(0)
    if not head:
        raise _file_error(_("The file is empty."))
    if head.startswith(b"PK\x03\x04"):
        records, letters, estimate = _xlsx_stream(fh)
        position = _no_position
    elif head.startswith(b"\xd0\xcf\x11\xe0"):
        raise _file_error(
            _("Old Excel .xls files cannot be read; save the file as .xlsx or CSV and try again.")
        )
    elif (filename or "").lower().endswith((".xlsx", ".xlsm")):
        raise _file_error(_("The file is named .xlsx but is not an Excel workbook."))
    else:
        records, letters = _csv_stream(fh), None
        estimate = 0

        def position() -> float:
            return fh.tell() / size if size else 0.0

    # The header may sit below a title line; look at the first few non-blank rows.
    ahead: list[tuple[int, list[Any]]] = []
    for number, values in records:
        if _is_blank(values):
            continue
        ahead.append((number, list(values)))
        if len(ahead) >= HEADER_SEARCH_ROWS:
            break
    if not ahead:
        raise _file_error(_("The file has no header row and no data."))
    at = next((i for i, (_n, v) in enumerate(ahead) if _has_required(v, PEOPLE_COLUMNS)), 0)
    header_row, header = ahead[at]
    headers = ["" if h is None else str(h).strip() for h in header]
    if letters is not None:
        from openpyxl.utils import get_column_letter

        letters = [get_column_letter(i + 1) for i in range(len(headers))]
    rest = ahead[at + 1 :]

    def data() -> Iterator[tuple[int, list[Any]]]:
        yield from rest
        for number, values in records:
            if not _is_blank_row(values):
                yield number, values

    stream = data()
    first = next(stream, None)
    table = _Table(
        headers=headers, letters=letters, header_row=header_row, rows=[first] if first else []
    )

    def with_first() -> Iterator[tuple[int, list[Any]]]:
        if first is not None:
            yield first
        yield from stream

    return _Source(table, with_first(), max(estimate - header_row, 0), position)


def _is_blank_row(values: list[Any]) -> bool:
    try:
        return not "".join(values).strip()  # a CSV row: text only, one call
    except TypeError:  # an XLSX row: numbers, dates, None
        return _is_blank(values)


def _no_position() -> float:
    return 0.0


def _xlsx_stream(fh: IO[bytes]):
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(fh, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken or foreign zip
        raise _file_error(
            _("The file could not be read as an Excel workbook (.xlsx): %(error)s")
            % {"error": exc.__class__.__name__}
        ) from exc
    sheet = workbook.worksheets[0]
    estimate = sheet.max_row or 0  # from <dimension>, may be wrong; only used for the ETA
    sheet.reset_dimensions()

    def records() -> Iterator[tuple[int, list[Any]]]:
        try:
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                yield number, list(values)
        finally:
            workbook.close()

    return records(), [], estimate


def _detect_encoding(sample: bytes) -> str:
    if sample.startswith(_BOMS_UTF16):
        return "utf-16"
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            # Not final: the sample may end in the middle of a character.
            text = codecs.getincrementaldecoder(encoding)().decode(sample, final=False)
        except UnicodeDecodeError:
            continue
        if _looks_like_text(text):
            return encoding
    raise _file_error(
        _("The file is neither an Excel workbook (.xlsx) nor a CSV text file (UTF-8 or GBK).")
    )


def _csv_stream(fh: IO[bytes]) -> Iterator[tuple[int, list[str]]]:
    sample = fh.read(SAMPLE_BYTES)
    fh.seek(0)
    encoding = _detect_encoding(sample)
    text = io.TextIOWrapper(fh, encoding=encoding, newline="")
    first_line = ""
    lines = codecs.getincrementaldecoder(encoding)().decode(sample, final=False).splitlines()
    first_line = next((line for line in lines if line.strip()), "")
    delimiter = max([",", "\t", ";"], key=first_line.count)
    if first_line.count(delimiter) == 0:
        delimiter = ","
    reader = csv.reader(text, delimiter=delimiter)
    try:
        yield from enumerate(reader, start=1)
    except csv.Error as exc:
        raise _file_error(
            _("The CSV file is malformed near row %(row)d: %(error)s")
            % {"row": reader.line_num, "error": exc}
        ) from exc
    except UnicodeDecodeError as exc:
        raise _file_error(
            _("The file changes its text encoding near row %(row)d; save it as UTF-8.")
            % {"row": reader.line_num}
        ) from exc
    finally:
        if not text.closed:  # a stream abandoned after its file was closed (Ctrl-C) is done
            text.detach()


# ---------------------------------------------------------------------------
# The job


def job_for(*, actor, filename: str, file_hash: str, size: int, mode: str, path: str):
    """The unfinished job for this file and person, or a new one."""
    job = (
        ImportJob.objects.filter(
            actor=actor,
            kind="people",
            mode=mode,
            file_hash=file_hash,
            state__in=[ImportJob.State.QUEUED, ImportJob.State.RUNNING, ImportJob.State.FAILED],
        )
        .order_by("-pk")
        .first()
    )
    if job is not None:
        return job
    floor = Person.objects.aggregate(top=Max("pk"))["top"] or 0
    return ImportJob.objects.create(
        actor=actor,
        kind="people",
        mode=mode,
        filename=filename[:200],
        file_hash=file_hash,
        file_size=size,
        path=path,
        person_id_floor=floor,
    )


def people_import_stream(
    *,
    actor,
    filename: str,
    fh: IO[bytes],
    path: str = "",
    batch_rows: int | None = None,
    progress: Progress | None = None,
    job: ImportJob | None = None,
    after_batch: Callable[[int], None] | None = None,
    workers: int = 0,
) -> ImportJob:
    """Import residents from a binary CSV/XLSX stream in checkpointed batches ("valid rows").

    Returns the finished job. Running it again on the same file continues an unfinished job.
    `workers` > 0 seals and hashes in that many worker processes (batch_sealing.py).
    """
    _require_import_role(actor)
    batch_rows = batch_rows or BATCH_ROWS
    file_hash, size = file_digest(fh)
    if job is None:
        job = job_for(
            actor=actor,
            filename=filename,
            file_hash=file_hash,
            size=size,
            mode="valid_rows",
            path=path,
        )
    elif job.file_hash != file_hash:
        raise ValidationFailed(_("This is not the file the import job was started with."))
    if job.state == ImportJob.State.DONE:
        return job
    try:
        source = _open_source(filename, fh, size)
        index = _map_headers(source.table, PEOPLE_COLUMNS)
    except ValidationFailed as exc:
        ImportJob.objects.filter(pk=job.pk).update(
            state=ImportJob.State.FAILED, message=exc.message
        )
        raise
    ImportJob.objects.filter(pk=job.pk).update(
        state=ImportJob.State.RUNNING, message="", rows_estimate=source.estimate
    )
    job.refresh_from_db()
    batcher = _PeopleBatch(actor, job, source.table, index)
    try:
        with SealingPool(workers) as pool:
            # Up to `pool.workers` batches are sealed ahead while the oldest one is written.
            pending: deque[tuple[list[_Row], Any]] = deque()
            for batch in _batches(source, index, job.last_row, batch_rows):
                pending.append((batch, batcher.seal(pool, batch)))
                if len(pending) > pool.workers:
                    _commit_oldest(pending, pool, batcher, source, progress, after_batch)
            while pending:
                _commit_oldest(pending, pool, batcher, source, progress, after_batch)
    except (ValidationFailed, WorkerFailed) as exc:
        ImportJob.objects.filter(pk=job.pk).update(
            state=ImportJob.State.FAILED, message=exc.message
        )
        raise
    except BaseException as exc:
        # Committed batches stay; the job resumes from its checkpoint on the next run.
        ImportJob.objects.filter(pk=job.pk).update(
            state=ImportJob.State.FAILED, message=exc.__class__.__name__
        )
        raise
    ImportJob.objects.filter(pk=job.pk).update(
        state=ImportJob.State.DONE, rows_estimate=F("rows_done")
    )
    job.refresh_from_db()
    if progress is not None:
        progress(job)
    return job


def _batches(
    source: _Source, index: dict[str, int], done_to: int, size: int
) -> Iterator[list[_Row]]:
    """The data rows after the checkpoint `done_to`, `size` at a time."""
    batch: list[_Row] = []
    for number, values in source.records:
        if number <= done_to:
            continue
        batch.append(_Row(number, values, source.table, index))
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _commit_oldest(pending, pool, batcher, source, progress, after_batch) -> None:
    rows, sealing = pending.popleft()
    batcher.commit(rows, pool.result(sealing, rows[0].number, rows[-1].number))
    _report(batcher.job, source, progress)
    if after_batch is not None:
        after_batch(batcher.job.batches)


def _report(job: ImportJob, source: _Source, progress: Progress | None) -> None:
    """Refresh the job's row estimate (for the page's percentage) and call `progress`."""
    share = source.position()
    if source.estimate:
        estimate = source.estimate
    elif share > 0:
        estimate = int(job.rows_done / share) if share < 1 else job.rows_done
    else:
        estimate = 0
    if estimate != job.rows_estimate:
        job.rows_estimate = estimate
        ImportJob.objects.filter(pk=job.pk).update(rows_estimate=estimate)
    if progress is not None:
        progress(job)


def job_errors(job: ImportJob, limit: int | None = None) -> list[RowError]:
    queryset = job.row_errors.order_by("row", "pk").values_list("row", "column", "reason")
    if limit is not None:
        queryset = queryset[:limit]
    return [RowError(row=r, column=c, reason=m) for r, c, m in queryset.iterator()]


def job_result(job: ImportJob) -> ImportResult:
    """The job as an ImportResult (errors capped at RESULT_ERRORS_MAX)."""
    return ImportResult(
        total=job.rows_done,
        created=job.created,
        unchanged=job.unchanged,
        errors=job_errors(job, RESULT_ERRORS_MAX),
        written=job.created > 0,
    )


# ---------------------------------------------------------------------------
# One batch

PERSON_COLUMNS = (
    "id",
    "name",
    "id_number_sealed",
    "id_number_hash",
    "id_number_masked",
    "sex",
    "birth_year",
    "birth_date_sealed",
    "ethnicity",
    "phone_sealed",
    "phone_hash",
    "phone_masked",
    "residence",
    "household_id",
    "relation",
    "dwelling_id",
    "region_code",
    "created_at",
    "updated_at",
)
_HOUSEHOLD = PERSON_COLUMNS.index("household_id")
_REGION = PERSON_COLUMNS.index("region_code")
_SEPARATOR = "\x1f"  # ASCII unit separator, for lists of values sent as one string
# The text columns the writer reads itself (ID numbers and phones go to batch_sealing).
_PARENT_COLUMNS = (
    "relation",
    "residence",
    "ethnicity",
    "tags",
    "dwelling_code",
    "household_number",
)
HOUSEHOLD_COLUMNS = ("id", "number", "region_code", "dwelling_id", "group_id", "head_id")
TAGGING_COLUMNS = ("person_id", "tag_id", "tag_sealed", "tag_hash", "region_code", "since", "note")
ERROR_COLUMNS = ("job_id", "row", "column", "reason")


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


class _PeopleBatch:
    def __init__(self, actor, job: ImportJob, table: _Table, index: dict[str, int]):
        self.actor = actor
        self.job = job
        self.table = table
        self.index = index
        self.relations = _lookup(Person.Relation, RELATION_LABELS, _RELATION_SYNONYMS)
        self.residences = _lookup(Person.Residence, RESIDENCE_LABELS, _RESIDENCE_SYNONYMS)
        self.tags = _TagResolver(actor)
        self.sealer = Sealer()
        self.dwellings: dict[str, tuple[int, str] | None] = {}
        self.is_postgres = connection.vendor == "postgresql"
        self.memo: dict[str, dict[str, str | None]] = {}
        self.refusals: dict[str, str | None] = {}  # region code → why the actor may not edit
        self.sequences: dict[str, str] = {}  # table → its id sequence (PostgreSQL)

    # -- public

    def commit(self, rows: list[_Row], sealed: SealedBatch) -> None:
        """Validate and write one batch with its errors and the checkpoint; retry a batch that
        lost a race with someone registering the same people or households."""
        for attempt in range(3):
            for row in rows:
                row.errors = []
            try:
                with transaction.atomic():
                    delta = self._commit(rows, sealed)
            except IntegrityError:
                if attempt == 2:
                    raise Conflict(
                        _(
                            "Someone registered some of these people or households at the same "
                            "time; import the file again to continue."
                        )
                    ) from None
                continue
            job = self.job
            job.last_row = rows[-1].number
            job.rows_done += len(rows)
            job.created += delta["created"]
            job.unchanged += delta["unchanged"]
            job.error_rows += delta["error_rows"]
            job.batches += 1
            return

    # -- validation

    def seal(self, pool: SealingPool, rows: list[_Row]):
        """Hand the batch's ID numbers and phones to the pool (see batch_sealing.py)."""
        return pool.submit(
            self._raw(rows, "id_number"),
            self._raw(rows, "phone"),
            timezone.localdate(),
            translation.get_language() or settings.LANGUAGE_CODE,
        )

    def _commit(self, rows: list[_Row], sealed: SealedBatch) -> dict[str, int]:
        names = self._texts(rows, "name")
        numbers = sealed.numbers
        for i, row in enumerate(rows):
            name = names[i]
            if not name:
                row.fail("name", _("Name is required."))
            elif len(name) > 50:
                row.fail("name", _("Name is longer than 50 characters."))
            if sealed.id_errors[i]:
                row.fail("id_number", sealed.id_errors[i])

        hashes = sealed.id_hashes
        text = {key: self._texts(rows, key) for key in _PARENT_COLUMNS}
        known = self._people_known([h for h in hashes if h])
        self._load_dwellings(set(text["dwelling_code"]) - {""})
        in_db = self._households_known(set(text["household_number"]) - {""})

        first_row_of: dict[str, int] = {}
        households: dict[str, _NewHousehold] = {}
        people: list[tuple[_Row, list]] = []
        taggings: list[tuple[int, list]] = []  # (person index, tags)
        unchanged = 0
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
                    pk, region_code = seen
                    if pk > self.job.person_id_floor:
                        row.fail(
                            "id_number",
                            _("The same ID number is already on an earlier row of this file."),
                        )
                    elif not code_within(self.actor, region_code):
                        row.fail(
                            "id_number",
                            _(
                                "A person with this ID number is already registered outside "
                                "your jurisdiction."
                            ),
                        )
                    elif row.ok:
                        unchanged += 1
                    continue

            relation = self._choice(row, "relation", text["relation"][i])
            residence = self._choice(row, "residence", text["residence"][i])
            ethnicity = text["ethnicity"][i]
            if len(ethnicity) > 20:
                row.fail("ethnicity", _("Ethnicity is longer than 20 characters."))
            if sealed.phone_errors[i]:
                row.fail("phone", sealed.phone_errors[i])
            row_tags = self.tags.resolve(row) if text["tags"][i] else []

            dwelling = self._dwelling_for(row, text["dwelling_code"][i])
            household = None
            number = text["household_number"][i]
            if number and dwelling is not None:
                household = self._household_for(
                    row, number, dwelling, text["dwelling_code"][i], households, in_db
                )
            if relation == Person.Relation.HEAD:
                if not number:
                    row.fail("relation", _("A head of household needs a household number."))
                elif household is not None:
                    self._claim_head(row, household, in_db)
            if not row.ok or not id_hash or dwelling is None:
                continue
            s = numbers[i]
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
                        residence or Person.Residence.REGISTERED,
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

        return self._write(rows, people, households, taggings, unchanged)

    def _select_in(self, sql: str, values: list[str]) -> list[tuple]:
        """Rows of `sql`, whose `{match}` is filled with "column is one of `values`"."""
        if not values:
            return []
        with connection.cursor() as cursor:
            joined = _SEPARATOR.join(values)
            if self.is_postgres and joined.count(_SEPARATOR) == len(values) - 1:
                # One joined string: psycopg would dump an array parameter value by value.
                cursor.execute(sql.format(match="= ANY(string_to_array(%s, chr(31)))"), [joined])
                return cursor.fetchall()
            found = []
            for start in range(0, len(values), 900):
                chunk = values[start : start + 900]
                cursor.execute(sql.format(match=f"IN ({','.join(['%s'] * len(chunk))})"), chunk)
                found.extend(cursor.fetchall())
            return found

    def _people_known(self, hashes: list[str]) -> dict[str, tuple[int, str]]:
        sql = (
            "SELECT id_number_hash, id, region_code FROM registry_person "
            "WHERE id_number_hash {match}"
        )
        return {h: (pk, region_code) for h, pk, region_code in self._select_in(sql, hashes)}

    def _load_dwellings(self, codes: set[str]) -> None:
        missing = [c for c in codes if c not in self.dwellings]
        if len(self.dwellings) + len(missing) > DWELLING_CACHE_MAX:
            self.dwellings.clear()
            missing = list(codes)
        for code in missing:
            self.dwellings[code] = None
        sql = "SELECT code, id, region_code FROM registry_dwelling WHERE code {match}"
        for code, pk, region_code in self._select_in(sql, missing):
            self.dwellings[code] = (pk, region_code)

    def _households_known(
        self, numbers: set[str]
    ) -> dict[str, tuple[int, int | None, int | None, str]]:
        sql = (
            "SELECT number, id, dwelling_id, head_id, region_code FROM registry_household "
            "WHERE number {match}"
        )
        return {
            number: (pk, dwelling_id, head_id, region_code)
            for number, pk, dwelling_id, head_id, region_code in self._select_in(
                sql, sorted(numbers)
            )
        }

    def _texts(self, rows: list[_Row], key: str) -> list[str]:
        """One column of the batch as stripped text."""
        return cell_texts(self._raw(rows, key))

    def _raw(self, rows: list[_Row], key: str) -> list[Any]:
        """One column of the batch as read (None where the column or the cell is missing)."""
        at = self.index.get(key)
        if at is None:
            return [None] * len(rows)
        try:
            return [row._values[at] for row in rows]
        except IndexError:  # a short row: the missing cells are empty
            return [row._values[at] if at < len(row._values) else None for row in rows]

    def _choice(self, row: _Row, key: str, value: str) -> str | None:
        """A relation or residence code; spellings are normalised once per distinct value."""
        if not value:
            return None
        memo = self.memo.setdefault(key, {})
        if value not in memo:
            table = self.relations if key == "relation" else self.residences
            memo[value] = table.get(_norm(value))
        code = memo[value]
        if code is None:
            message = (
                _("Unknown relation to the head of household: %(value)s")
                if key == "relation"
                else _("Unknown residence status: %(value)s")
            )
            row.fail(key, message % {"value": value})
        return code

    def _dwelling_for(self, row: _Row, code: str) -> tuple[int, str] | None:
        if not code:
            row.fail("dwelling_code", _("A dwelling code is required."))
            return None
        dwelling = self.dwellings.get(code)
        if dwelling is None:
            row.fail(
                "dwelling_code",
                _("No dwelling has the code %(code)s; import the dwellings first.")
                % {"code": code},
            )
            return None
        refusal = self.refusals.get(dwelling[1], "")
        if refusal == "":
            try:
                require_edit(self.actor, dwelling[1])
                refusal = None
            except NotAllowed as exc:
                refusal = exc.message
            self.refusals[dwelling[1]] = refusal
        if refusal is not None:
            row.fail("dwelling_code", refusal)
            return None
        return dwelling

    def _household_for(
        self, row, number, dwelling, dwelling_code, plans, in_db
    ) -> _NewHousehold | None:
        if len(number) > 40:
            row.fail("household_number", _("Household number is longer than 40 characters."))
            return None
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
            pk, existing_dwelling, _head, existing_region = existing
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

    def _claim_head(self, row: _Row, household: _NewHousehold, in_db) -> None:
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

    # -- writing

    def _ids(self, table: str, count: int) -> list[int]:
        """`count` fresh primary keys for `table`, taken before the rows are written."""
        if not count:
            return []
        with connection.cursor() as cursor:
            if self.is_postgres:
                if table not in self.sequences:
                    # Looked up once: pg_get_serial_sequence on every id costs ten nextvals.
                    cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
                    self.sequences[table] = cursor.fetchone()[0]
                cursor.execute(
                    "SELECT nextval(%s::regclass) FROM generate_series(1, %s)",
                    [self.sequences[table], count],
                )
                return [r[0] for r in cursor.fetchall()]
            # SQLite: the settings open every transaction IMMEDIATE, so nobody else writes now.
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # noqa: S608
            top = cursor.fetchone()[0]
            return list(range(top + 1, top + 1 + count))

    def _insert(self, table: str, columns: tuple[str, ...], rows: list) -> None:
        if not rows:
            return
        quoted = ", ".join(f'"{c}"' for c in columns)
        with connection.cursor() as cursor:
            if self.is_postgres:
                with cursor.cursor.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(columns))
                cursor.executemany(
                    f"INSERT INTO {table} ({quoted}) VALUES ({marks})",  # noqa: S608
                    rows,
                )

    def _write(self, rows, people, households, taggings, unchanged: int) -> dict[str, int]:
        person_ids = self._ids(Person._meta.db_table, len(people))
        for pk, (_row, values) in zip(person_ids, people, strict=True):
            values[0] = pk
        used = {id(values[_HOUSEHOLD]) for _row, values in people if values[_HOUSEHOLD] is not None}
        new = [h for h in households.values() if h.existing_id is None and id(h) in used]
        new_ids = {id(h) for h in new}
        household_ids = self._ids(Household._meta.db_table, len(new))
        for pk, plan in zip(household_ids, new, strict=True):
            plan.existing_id = pk
        # Foreign keys are deferred to commit, so heads can be named before they are written.
        self._insert(
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
        self._insert(Person._meta.db_table, PERSON_COLUMNS, [values for _row, values in people])
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
        self._insert(PersonTagging._meta.db_table, TAGGING_COLUMNS, tag_rows)
        errors = [(self.job.pk, e.row, e.column[:100], e.reason) for r in rows for e in r.errors]
        self._insert(ImportRowError._meta.db_table, ERROR_COLUMNS, errors)
        error_rows = sum(1 for r in rows if r.errors)
        previous = self.job.last_row
        advanced = ImportJob.objects.filter(pk=self.job.pk, last_row=previous).update(
            last_row=rows[-1].number,
            rows_done=F("rows_done") + len(rows),
            created=F("created") + len(people),
            unchanged=F("unchanged") + unchanged,
            error_rows=F("error_rows") + error_rows,
            batches=F("batches") + 1,
            updated_at=timezone.now(),
        )
        if not advanced:
            raise Conflict(_("This import is being run somewhere else at the same time."))
        audit_batch(  # one row per checkpointed batch, in its transaction; never the rows
            actor=self.actor,
            entity_type="registry.importjob",
            entity_id=self.job.pk,
            action="import_batch",
            counts={"created": len(people), "unchanged": unchanged, "error_rows": error_rows},
            region_codes={values[_REGION] for _row, values in people},
            rows=f"{rows[0].number}-{rows[-1].number}",
        )
        return {"created": len(people), "unchanged": unchanged, "error_rows": error_rows}


def imports_folder() -> Path:
    folder = Path(settings.FENGQIAO_HOME) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def error_report_xlsx(job: ImportJob) -> bytes:
    """Every rejected row of a job as a workbook, written row by row (write-only mode)."""
    from openpyxl import Workbook

    from fengqiao.registry.exporter import text_cell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Errors"))
    sheet.append([_("Row"), _("Column"), _("Reason")])
    rows = job.row_errors.order_by("row", "pk").values_list("row", "column", "reason")
    for row, column, reason in rows.iterator(chunk_size=5000):
        sheet.append([row, text_cell(sheet, column), text_cell(sheet, reason)])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
