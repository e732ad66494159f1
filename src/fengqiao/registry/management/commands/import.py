"""`fengqiao import KIND FILE --user NAME`: stream a CSV/XLSX of any size into the registry
(registry.imports, the engine the import page and the API use too)."""

import sys
import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from fengqiao.core.errors import DomainError
from fengqiao.registry.models import ImportJob


class _ProgressLine:
    """One self-rewriting line on stderr: rows, rows/s, percent and ETA (no dependency)."""

    def __init__(self, stream, enabled: bool):
        self.stream = stream
        self.enabled = enabled
        self.started = time.monotonic()
        self.first_done: int | None = None

    def __call__(self, job: ImportJob) -> None:
        if not self.enabled:
            return
        if self.first_done is None:
            self.first_done = job.rows_done  # a resumed job starts part-way
        elapsed = max(time.monotonic() - self.started, 1e-9)
        rate = (job.rows_done - self.first_done) / elapsed
        text = f"\r{job.rows_done:,} rows  {rate:,.0f} rows/s"
        if job.rows_estimate and rate > 0:
            left = max(job.rows_estimate - job.rows_done, 0) / rate
            text += f"  {job.percent}%  ETA {int(left) // 60}:{int(left) % 60:02d}"
        text += f"  created {job.created:,}  errors {job.error_rows:,}   "
        self.stream.write(text)
        self.stream.flush()


class Command(BaseCommand):
    help = (
        "Import registry rows (people, dwellings, …) from a CSV or XLSX file of any size, in "
        "checkpointed batches: good rows are saved, bad rows reported (--mode all_or_nothing: "
        "nothing is saved unless every row is valid). Run it again on the same file to continue "
        "after a crash."
    )

    def add_arguments(self, parser):
        from fengqiao.registry.imports import KINDS, MODES, VALID_ROWS

        parser.add_argument("kind", choices=KINDS)
        parser.add_argument("file")
        parser.add_argument("--user", required=True, help="the account the import acts as")
        parser.add_argument("--mode", choices=MODES, default=VALID_ROWS)
        parser.add_argument("--batch", type=int, default=0, help="rows per batch (10,000)")
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help="processes that seal and hash ahead of the writer (0 = none; default: cores - 1)",
        )
        parser.add_argument("--errors", help="write the rejected rows to this .xlsx file")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, **o):
        from fengqiao.registry import imports
        from fengqiao.registry.imports import batch_sealing

        # The user model by its setting: the registry sits below the accounts app.
        actor = get_user_model().objects.filter(username=o["user"]).first()
        if actor is None:
            raise CommandError(f"No user named {o['user']!r}.")
        path = Path(o["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        progress = _ProgressLine(sys.stderr, not o["no_progress"] and o["verbosity"] >= 1)
        started = time.monotonic()
        try:
            with path.open("rb") as fh:
                job = imports.import_run(
                    actor=actor,
                    kind=o["kind"],
                    mode=o["mode"],
                    filename=path.name,
                    fh=fh,
                    path=str(path.resolve()),
                    batch_rows=o["batch"] or None,
                    progress=progress,
                    workers=batch_sealing.default_workers()
                    if o["workers"] is None
                    else max(o["workers"], 0),
                )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        if progress.enabled:
            sys.stderr.write("\n")
        elapsed = time.monotonic() - started
        if o["errors"] and job.error_rows:
            Path(o["errors"]).write_bytes(imports.error_report_xlsx(job))
        self.stdout.write(
            f"job {job.pk} ({job.state}): {job.rows_done:,} rows, {job.created:,} created, "
            f"{job.unchanged:,} already present, {job.error_rows:,} with errors "
            f"({elapsed:.1f} s, peak RSS {_peak_rss_mib():.0f} MiB, "
            f"largest worker {_worker_peak_rss_mib():.0f} MiB)"
        )
        if job.state == ImportJob.State.REJECTED:
            raise CommandError(
                f"Nothing was saved: {job.error_rows:,} rows have errors"
                + (f" (written to {o['errors']})." if o["errors"] else "; see --errors.")
            )


def _peak_rss_mib() -> float:
    """This process's high-water mark of resident memory (VmHWM), in MiB."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _worker_peak_rss_mib() -> float:
    """The high-water mark of the largest finished child (a sealing worker; pages it shares
    with this process by fork count in full), in MiB; 0 without workers."""
    import resource

    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
