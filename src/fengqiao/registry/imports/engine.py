"""The one import engine: any kind of registry row (specs/), from a CSV or XLSX stream, in
batches, resumable, for the page, the API and the command alike.

The file is read as a stream (reading.py) and cut into batches of `batch_rows` rows. Each batch
is checked at once (its spec asks the database once per batch) and written in one transaction
with its rejected rows (ImportRowError), its audit row and the job's new checkpoint
(ImportJob.last_row). Two modes, one path:

- "valid_rows": every batch commits on its own; good rows are saved, bad ones reported. A
  crash, even `kill -9`, leaves whole batches only, and a rerun of the same file continues
  after the last committed one.
- "all_or_nothing": the batches are staged inside one transaction that spans the job (each
  batch a savepoint, so later batches see earlier ones: repeats and heads across batches are
  checked exactly as above). It commits only when no row has an error; otherwise it is rolled
  back and only the job and its errors are kept (state "rejected"). A crash leaves nothing, and
  a rerun starts over. One transaction holds the database's write lock for the whole file, so
  this mode takes at most MAX_ROWS rows.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator
from typing import IO, Any

from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from fengqiao.core.audit import audit_batch
from fengqiao.core.errors import Conflict, DomainError, NotAllowed, ValidationFailed
from fengqiao.core.roles import REGISTRY_EDIT_ROLES, has_role
from fengqiao.regions.gazetteer import gazetteer_mark_stale
from fengqiao.registry.imports.batch_sealing import SealingPool
from fengqiao.registry.imports.jobs import file_digest, job_for
from fengqiao.registry.imports.reading import (
    Row,
    RowError,
    Source,
    file_error,
    map_headers,
    open_source,
)
from fengqiao.registry.imports.specs import spec_for
from fengqiao.registry.imports.specs.base import BatchCounts, RowSpec
from fengqiao.registry.imports.sql import SqlWriter
from fengqiao.registry.models import ImportJob, ImportRowError

__all__ = ["ALL_OR_NOTHING", "BATCH_ROWS", "MAX_ROWS", "MODES", "VALID_ROWS", "import_run"]

ALL_OR_NOTHING = "all_or_nothing"
VALID_ROWS = "valid_rows"
MODES = (ALL_OR_NOTHING, VALID_ROWS)
BATCH_ROWS = 10_000
MAX_ROWS = 100_000  # all-or-nothing: the rows one transaction may hold
ERROR_COLUMNS = ("job_id", "row", "column", "reason")
FINISHED = (ImportJob.State.DONE, ImportJob.State.REJECTED)

Progress = Callable[[ImportJob], None]


class _Rejected(Exception):
    """Raised inside the all-or-nothing transaction to roll it back."""


def require_import_role(actor) -> None:
    if not has_role(actor, REGISTRY_EDIT_ROLES):
        raise NotAllowed(_("Your role may not import into the registry."))


def import_run(
    *,
    actor,
    kind: str,
    filename: str,
    fh: IO[bytes],
    mode: str = VALID_ROWS,
    path: str = "",
    batch_rows: int | None = None,
    progress: Progress | None = None,
    job: ImportJob | None = None,
    after_batch: Callable[[int], None] | None = None,
    workers: int = 0,
) -> ImportJob:
    """Import `kind` rows from a binary CSV/XLSX stream; returns the finished job.

    Running it again on the same file continues an unfinished job (`job`, or the actor's
    unfinished one for this file, kind and mode). `workers` > 0 seals and hashes personal data
    in that many worker processes (batch_sealing.py). Raises ValidationFailed for a file that
    cannot be read at all, NotAllowed for a role that may not import; row errors are the job's.
    """
    require_import_role(actor)
    if job is not None:
        kind, mode = job.kind, job.mode
    spec = spec_for(kind)
    if mode not in MODES:
        raise ValidationFailed(_("Unknown import mode."), field="mode")
    file_hash, size = file_digest(fh)
    if job is None:
        job = job_for(
            actor=actor,
            kind=kind,
            mode=mode,
            filename=filename,
            file_hash=file_hash,
            size=size,
            path=path,
        )
    elif job.file_hash != file_hash:
        raise ValidationFailed(_("This is not the file the import job was started with."))
    if job.state in FINISHED:
        return job
    try:
        source = open_source(filename, fh, size, spec.columns)
        index = map_headers(source.table, spec.columns)
    except ValidationFailed as exc:
        _set_state(job, ImportJob.State.FAILED, exc.message)
        raise
    run = _Run(spec, actor, job, source, index, batch_rows or BATCH_ROWS, progress, after_batch)
    try:
        if mode == ALL_OR_NOTHING:
            run.staged(workers)
        else:
            run.checkpointed(workers)
    except DomainError as exc:
        _set_state(job, ImportJob.State.FAILED, exc.message)
        raise
    except BaseException as exc:
        # valid_rows: committed batches stay, and the job resumes from its checkpoint.
        _set_state(job, ImportJob.State.FAILED, exc.__class__.__name__)
        raise
    job.refresh_from_db()
    if progress is not None:
        progress(job)
    return job


def _set_state(job: ImportJob, state: str, message: str = "") -> None:
    ImportJob.objects.filter(pk=job.pk).update(state=state, message=str(message)[:2000])


class _Run:
    def __init__(
        self, spec: RowSpec, actor, job, source: Source, index, batch_rows, progress, after_batch
    ):
        self.spec = spec
        self.actor = actor
        self.job = job
        self.source = source
        self.index = index
        self.batch_rows = batch_rows
        self.progress = progress
        self.after_batch = after_batch
        self.staging = job.mode == ALL_OR_NOTHING
        self.errors: list[RowError] = []  # all-or-nothing: kept here until the end
        self.tally = BatchCounts()
        self.rows = self.error_rows = 0
        self.sql = SqlWriter()
        self.batcher = spec.batcher(actor=actor, job=job, sql=self.sql)

    def _start(self) -> None:
        ImportJob.objects.filter(pk=self.job.pk).update(
            state=ImportJob.State.RUNNING, message="", rows_estimate=self.source.estimate
        )
        self.job.refresh_from_db()

    def checkpointed(self, workers: int) -> None:
        self._start()
        self._all_batches(workers, self.job.last_row)
        ImportJob.objects.filter(pk=self.job.pk).update(
            state=ImportJob.State.DONE, rows_estimate=F("rows_done")
        )

    def staged(self, workers: int) -> None:
        # From nothing: an earlier attempt that crashed committed none of its batches, and
        # rows written since by others are not this job's.
        self.job.row_errors.all().delete()
        floor = self.spec.model.objects.aggregate(top=Max("pk"))["top"] or 0
        ImportJob.objects.filter(pk=self.job.pk).update(
            last_row=0, rows_done=0, created=0, unchanged=0, error_rows=0, batches=0, id_floor=floor
        )
        self._start()
        try:
            with transaction.atomic():
                self._all_batches(workers, 0)
                if self.errors:
                    raise _Rejected
        except IntegrityError as exc:  # a deferred foreign key, checked only at the commit
            raise Conflict(self._race_message()) from exc
        except _Rejected:
            with transaction.atomic():
                self._insert_errors(self.errors)
                ImportJob.objects.filter(pk=self.job.pk).update(
                    state=ImportJob.State.REJECTED,
                    last_row=0,
                    rows_done=self.rows,
                    created=0,
                    unchanged=self.tally.unchanged,
                    error_rows=self.error_rows,
                    batches=0,
                    rows_estimate=self.rows,
                )
            return
        ImportJob.objects.filter(pk=self.job.pk).update(
            state=ImportJob.State.DONE, rows_estimate=F("rows_done")
        )

    def _all_batches(self, workers: int, done_to: int) -> None:
        with SealingPool(workers) as pool:
            # Up to `pool.workers` batches are prepared ahead while the oldest one is written.
            pending: deque[tuple[list[Row], Any]] = deque()
            for batch in self._batches(done_to):
                pending.append((batch, self.batcher.prepare(pool, batch)))
                if len(pending) > pool.workers:
                    self._commit_oldest(pending, pool)
            while pending:
                self._commit_oldest(pending, pool)

    def _batches(self, done_to: int) -> Iterator[list[Row]]:
        """The data rows after the checkpoint `done_to`, `batch_rows` at a time."""
        batch: list[Row] = []
        seen = 0
        table, index = self.source.table, self.index
        for number, values in self.source.records:
            if number <= done_to:
                continue
            seen += 1
            if self.staging and seen > MAX_ROWS:
                raise file_error(
                    _(
                        "The file has more than %(max)d rows; split it into smaller files or "
                        "import the valid rows."
                    )
                    % {"max": MAX_ROWS}
                )
            batch.append(Row(number, values, table, index))
            if len(batch) >= self.batch_rows:
                yield batch
                batch = []
        if batch:
            yield batch

    def _commit_oldest(self, pending, pool) -> None:
        rows, prepared = pending.popleft()
        self._commit(rows, pool.result(prepared, rows[0].number, rows[-1].number))
        self._report()
        if self.after_batch is not None:
            self.after_batch(self.job.batches)

    def _commit(self, rows: list[Row], prepared) -> None:
        """Check and write one batch with its errors and the checkpoint; retry a batch that
        lost a race with someone writing the same rows."""
        for attempt in range(3):
            for row in rows:
                row.errors = []
            try:
                with transaction.atomic():
                    counts = self.batcher.write(rows, prepared)
                    error_rows = self._checkpoint(rows, counts)
            except IntegrityError:
                if attempt == 2:
                    raise Conflict(self._race_message()) from None
                continue
            job = self.job
            job.last_row = rows[-1].number
            job.rows_done += len(rows)
            job.created += counts.created
            job.unchanged += counts.unchanged
            job.error_rows += error_rows
            job.batches += 1
            self.rows += len(rows)
            self.error_rows += error_rows
            self.tally.unchanged += counts.unchanged
            if self.staging:
                self.errors.extend(e for row in rows for e in row.errors)
            return

    @staticmethod
    def _race_message() -> str:
        return _(
            "Someone wrote some of these rows at the same time; import the file again to continue."
        )

    def _checkpoint(self, rows: list[Row], counts: BatchCounts) -> int:
        """The batch's errors, checkpoint and audit row, in the batch's transaction."""
        error_rows = sum(1 for r in rows if r.errors)
        if not self.staging:
            self._insert_errors(e for r in rows for e in r.errors)
        previous = self.job.last_row
        advanced = ImportJob.objects.filter(pk=self.job.pk, last_row=previous).update(
            last_row=rows[-1].number,
            rows_done=F("rows_done") + len(rows),
            created=F("created") + counts.created,
            unchanged=F("unchanged") + counts.unchanged,
            error_rows=F("error_rows") + error_rows,
            batches=F("batches") + 1,
            updated_at=timezone.now(),
        )
        if not advanced:
            raise Conflict(_("This import is being run somewhere else at the same time."))
        audit_batch(  # one row per batch, in its transaction; never the rows themselves
            actor=self.actor,
            entity_type="registry.importjob",
            entity_id=self.job.pk,
            action="import_batch",
            counts={
                "created": counts.created,
                "unchanged": counts.unchanged,
                "error_rows": error_rows,
            },
            region_codes=counts.region_codes,
            kind=self.spec.kind,
            rows=f"{rows[0].number}-{rows[-1].number}",
        )
        gazetteer_mark_stale(counts.region_codes)
        return error_rows

    def _insert_errors(self, errors) -> None:
        values = [(self.job.pk, e.row, e.column[:100], e.reason) for e in errors]
        for start in range(0, len(values), 5000):
            self.sql.insert(
                ImportRowError._meta.db_table, ERROR_COLUMNS, values[start : start + 5000]
            )

    def _report(self) -> None:
        """Refresh the job's row estimate (for the page's percentage) and call `progress`."""
        job, source = self.job, self.source
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
        if self.progress is not None:
            self.progress(job)
