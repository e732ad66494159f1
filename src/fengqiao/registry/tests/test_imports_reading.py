"""Reading import files: encodings (charset-normalizer), damaged and hostile files, headers."""

import io

import openpyxl
import pytest
from django.utils import translation

from fengqiao.core.errors import ValidationFailed
from fengqiao.registry import imports
from fengqiao.registry.imports import engine
from fengqiao.registry.imports.encoding import detect_encoding
from fengqiao.registry.models import Dwelling, ImportJob, ImportRowError, Person
from fengqiao.registry.tests.conftest import POINT_A1, id_number
from fengqiao.registry.tests.importing import csv_bytes, import_file, run, xlsx_bytes

DWELLINGS = [
    ["房屋编号", "地址", "纬度", "经度", "用途"],
    ["A1-301", "甲村一组301号", *POINT_A1, "出租"],
    ["A1-302", "甲村一组302号（东）", POINT_A1[0], POINT_A1[1] + 1e-5, "商住两用"],
]


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


# --- encodings -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [
        ("gbk", "gb18030"),
        ("gb18030", "gb18030"),
        ("utf-8", "utf-8-sig"),
        ("utf-8-sig", "utf-8-sig"),
        ("utf-16", "utf-16"),
    ],
)
def test_encoding_is_detected_when_csv_is_written_in_it(encoding, expected):
    assert detect_encoding(csv_bytes(DWELLINGS, encoding), complete=True) == expected


def test_short_gbk_file_is_read_as_gbk_when_it_could_pass_for_utf16():
    # Two words in GBK are also four valid UTF-16 characters; with no NUL byte they are not.
    assert detect_encoding("姓名\r\n张三\r\n".encode("gbk"), complete=True) == "gb18030"


def test_utf8_is_detected_when_the_sample_ends_inside_a_character():
    content = ("姓名,地址\r\n" + "张三,甲村一组\r\n" * 5000).encode()
    cut = content[: (1 << 16) + 1]  # the sample a large file gives: a character cut in two
    assert detect_encoding(cut) == "utf-8-sig"


@pytest.mark.parametrize("content", [bytes(range(256)) * 8, b"\x00\x01\x02\xff" * 500])
def test_clear_error_is_raised_when_bytes_are_no_text(content):
    with pytest.raises(ValidationFailed, match="neither an Excel workbook"):
        detect_encoding(content, complete=True)


@pytest.mark.parametrize("encoding", ["gbk", "utf-8-sig", "utf-16"])
def test_dwellings_are_created_when_csv_is_in_encoding(centre_a, encoding):
    result = import_file(centre_a, "dwellings", csv_bytes(DWELLINGS, encoding))

    assert (result.ok, result.created) == (True, 2), result.errors
    assert Dwelling.objects.get(code="A1-302").address == "甲村一组302号（东）"
    assert Dwelling.objects.get(code="A1-302").use == Dwelling.Use.MIXED


def test_clear_error_is_raised_when_encoding_changes_after_the_sample(centre_a, dwelling_a1):
    rows = [["姓名", "身份证号", "房屋编号"]]
    rows += [[f"人{n}", id_number(n % 1000), "A1-001"] for n in range(1, 2000)]
    content = csv_bytes(rows) + "张三,x,A1-001\r\n".encode("gbk")
    assert len(content) > 1 << 16

    with pytest.raises(ValidationFailed, match="changes its text encoding"):
        run(centre_a, "people", content, mode="valid_rows")
    assert ImportJob.objects.get().state == "failed"


# --- whole-file errors ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("filename", "content", "expected"),
    [
        ("p.csv", b"", "empty"),
        ("p.csv", bytes(range(256)) * 8, "neither"),
        ("p.xlsx", b"not a workbook", "not an Excel workbook"),
        ("p.xlsx", b"PK\x03\x04garbage", "could not be read"),
        ("p.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, ".xls"),
        ("p.csv", b"\r\n\r\n", "no header"),
        ("p.csv", "姓名,身份证号,房屋编号\r\n".encode(), "no data rows"),
    ],
)
def test_clear_error_is_raised_when_file_is_empty_or_garbage(centre_a, filename, content, expected):
    with pytest.raises(ValidationFailed) as caught:
        import_file(centre_a, "people", content, filename)

    assert expected in str(caught.value.message)
    assert caught.value.field == "file"


def test_header_is_found_below_a_title_line_when_sheet_has_one(centre_a, dwelling_a1):
    rows = [
        ["甲村实有人口登记表"],
        [],
        ["姓名", "身份证号", "房屋编号"],
        ["张三", id_number(95), "A1-001"],
        ["", id_number(96), "A1-001"],
    ]
    result = import_file(centre_a, "people", xlsx_bytes(rows), "p.xlsx")

    assert [(e.row, e.column) for e in result.errors] == [(5, "A 姓名")]


def test_clear_error_is_raised_when_file_has_too_many_rows(centre_a, monkeypatch):
    monkeypatch.setattr(engine, "MAX_ROWS", 3)
    rows = [["姓名", "身份证号", "房屋编号"]] + [["张三", id_number(i), "A1-001"] for i in range(5)]

    with pytest.raises(ValidationFailed, match="more than 3 rows"):
        import_file(centre_a, "people", csv_bytes(rows), "p.csv")


def test_missing_and_found_columns_are_listed_when_required_header_is_missing(centre_a):
    content = csv_bytes([["姓名", "手机号", "房屋编号"], ["张三", "13800138000", "A1-001"]])
    with pytest.raises(ValidationFailed) as caught:
        import_file(centre_a, "people", content, "p.csv")

    message = str(caught.value.message)
    assert "身份证号/id_number" in message
    assert "姓名, 手机号, 房屋编号" in message
    assert "姓名/name" not in message


def test_clear_error_is_raised_when_a_cell_is_huge(centre_a):
    content = b"name,id_number,dwelling_code\r\n" + b'"' + b"x" * 200_000 + b'",1,2\r\n'
    with pytest.raises(ValidationFailed, match="malformed"):
        import_file(centre_a, "people", content)


def test_clear_error_is_raised_when_xlsx_parts_are_damaged(centre_a):
    content = bytearray(xlsx_bytes([["姓名", "身份证号", "房屋编号"], ["张三", "1", "A1"]]))
    at = content.find(b"sheet1.xml") + 40
    content[at : at + 200] = b"\x00" * 200
    with pytest.raises(ValidationFailed) as caught:
        import_file(centre_a, "people", bytes(content), "p.xlsx")
    assert caught.value.field == "file"


def test_all_or_nothing_limit_does_not_apply_when_mode_is_valid_rows(
    centre_a, dwelling_a1, monkeypatch
):
    monkeypatch.setattr(engine, "MAX_ROWS", 3)
    rows = [["姓名", "身份证号", "房屋编号"]] + [
        [f"人{i}", id_number(i), "A1-001"] for i in range(5)
    ]
    assert run(centre_a, "people", csv_bytes(rows), mode="valid_rows").created == 5
    assert Person.objects.count() == 5


# --- the error workbook --------------------------------------------------------------------


def test_error_workbook_writes_formulas_as_text_when_cells_quote_the_file(centre_a):
    job = ImportJob.objects.create(actor=centre_a, filename="p.csv", file_hash="0" * 64)
    ImportRowError.objects.create(job=job, row=2, column="=1+1", reason='=HYPERLINK("x")')
    ImportRowError.objects.create(job=job, row=3, column="C 民族", reason="bad\x07bell")

    sheet = openpyxl.load_workbook(io.BytesIO(imports.error_report_xlsx(job))).worksheets[0]
    cells = list(sheet.iter_rows(min_row=2))
    assert [c.value for c in cells[0]] == [2, "=1+1", '=HYPERLINK("x")']
    assert all(c.data_type != "f" for row in cells for c in row)
    assert cells[1][2].value == "badbell"
