"""Helpers of the import tests: files built in memory, and the engine run on them."""

import csv
import io

import openpyxl

from fengqiao.registry import imports

PEOPLE_HEADER = [
    "姓名",
    "身份证号",
    "手机号",
    "户号",
    "与户主关系",
    "房屋编号",
    "居住类型",
    "民族",
    "标签",
]


def csv_bytes(rows: list[list], encoding: str = "utf-8") -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_bytes(rows: list[list]) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def run(actor, kind: str, content: bytes, name: str = "f.csv", **options):
    """The engine on `content`; the job."""
    return imports.import_run(
        actor=actor, kind=kind, filename=name, fh=io.BytesIO(content), **options
    )


def import_file(
    actor, kind: str, content: bytes, name: str = "f.csv", mode="all_or_nothing", **options
) -> imports.ImportResult:
    """The engine on `content`, read back as the page and the API show it."""
    return imports.job_result(run(actor, kind, content, name, mode=mode, **options))


def workbook_rows(content: bytes) -> list[list]:
    sheet = openpyxl.load_workbook(io.BytesIO(content)).worksheets[0]
    return [[c.value for c in row] for row in sheet.iter_rows()]
