"""Import jobs: found or started per person and file, read back as a result, kept on disk."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from django.conf import settings
from django.db.models import Max

from fengqiao.core.errors import NotFound
from fengqiao.registry.imports.reading import RowError
from fengqiao.registry.imports.specs import spec_for
from fengqiao.registry.models import ImportJob

__all__ = [
    "ImportResult",
    "file_digest",
    "imports_folder",
    "job_errors",
    "job_for",
    "job_get",
    "job_result",
    "upload_save",
]

# At most this many errors are loaded back into an ImportResult; the rest stay in the database.
RESULT_ERRORS_MAX = 10_000
UNFINISHED = (ImportJob.State.QUEUED, ImportJob.State.RUNNING, ImportJob.State.FAILED)


@dataclass
class ImportResult:
    """What an import did. `written` is True when rows were saved (created > 0)."""

    total: int = 0
    created: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    written: bool = False
    job_id: int | None = None
    kind: str = ""
    mode: str = ""
    error_rows: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


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


def job_for(*, actor, kind: str, mode: str, filename: str, file_hash: str, size: int, path=""):
    """The unfinished job of this kind and mode for this file and person, or a new one."""
    job = (
        ImportJob.objects.filter(
            actor=actor, kind=kind, mode=mode, file_hash=file_hash, state__in=UNFINISHED
        )
        .order_by("-pk")
        .first()
    )
    if job is not None:
        return job
    floor = spec_for(kind).model.objects.aggregate(top=Max("pk"))["top"] or 0
    return ImportJob.objects.create(
        actor=actor,
        kind=kind,
        mode=mode,
        filename=filename[:200],
        file_hash=file_hash,
        file_size=size,
        path=path,
        id_floor=floor,
    )


def job_get(*, actor, job_id: int) -> ImportJob:
    """One of the actor's own import jobs (nobody else's: it names their file)."""
    job = (
        ImportJob.objects.filter(pk=job_id, actor=actor).first() if actor.is_authenticated else None
    )
    if job is None:
        raise NotFound()
    return job


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
        job_id=job.pk,
        kind=job.kind,
        mode=job.mode,
        error_rows=job.error_rows,
    )


def imports_folder() -> Path:
    folder = Path(settings.FENGQIAO_HOME) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def upload_save(upload) -> tuple[Path, str]:
    """Keep an uploaded file under FENGQIAO_HOME/imports, named by its SHA-256, for a job
    that runs (and resumes) in later requests; (path, hash)."""
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    name = Path(upload.name or "")
    suffix = name.suffix.lower()[:8] if name.suffix.isascii() else ""
    suffix = suffix if suffix[1:].isalnum() else ""
    path = imports_folder() / f"{digest.hexdigest()}{suffix}"
    if not path.exists():
        with path.open("wb") as fh:
            for chunk in upload.chunks():
                fh.write(chunk)
    return path, digest.hexdigest()
