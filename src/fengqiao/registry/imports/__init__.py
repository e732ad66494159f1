"""Registry imports: one engine (engine.py) for every kind of registry row, each described by
its row spec (specs/), used by the import page, the API and `fengqiao import`.

    job = import_run(actor=…, kind="people", filename="p.csv", fh=open(…, "rb"), mode=…)
    result = job_result(job)          # counts and the first errors (row, column, reason)
    error_report_xlsx(job)            # every error as a workbook
"""

from fengqiao.registry.imports.engine import (
    ALL_OR_NOTHING,
    BATCH_ROWS,
    MAX_ROWS,
    MODES,
    VALID_ROWS,
    import_run,
)
from fengqiao.registry.imports.errors_workbook import error_report_xlsx
from fengqiao.registry.imports.jobs import (
    ImportResult,
    file_digest,
    imports_folder,
    job_errors,
    job_for,
    job_get,
    job_result,
    upload_save,
)
from fengqiao.registry.imports.reading import RowError
from fengqiao.registry.imports.specs import KINDS, SPECS, spec_for

__all__ = [
    "ALL_OR_NOTHING",
    "BATCH_ROWS",
    "KINDS",
    "MAX_ROWS",
    "MODES",
    "SPECS",
    "VALID_ROWS",
    "ImportResult",
    "RowError",
    "error_report_xlsx",
    "file_digest",
    "import_run",
    "imports_folder",
    "job_errors",
    "job_for",
    "job_get",
    "job_result",
    "spec_for",
    "upload_save",
]
