"""The rejected rows of an import job as a workbook: row, column and reason, for the person to
fix the file and import it again."""

import io

from django.utils.translation import gettext as _

from fengqiao.registry.models import ImportJob


def error_report_xlsx(job: ImportJob) -> bytes:
    """Every rejected row of a job, written row by row (write-only mode). Columns and reasons
    quote the file, so they are written as text cells: never a formula."""
    from openpyxl import Workbook

    from fengqiao.registry.exporter import text_cell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Errors"))
    sheet.column_dimensions["A"].width = 8
    sheet.column_dimensions["B"].width = 20
    sheet.column_dimensions["C"].width = 80
    sheet.append([_("Row"), _("Column"), _("Reason")])
    rows = job.row_errors.order_by("row", "pk").values_list("row", "column", "reason")
    for row, column, reason in rows.iterator(chunk_size=5000):
        sheet.append([row, text_cell(sheet, column), text_cell(sheet, reason)])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
