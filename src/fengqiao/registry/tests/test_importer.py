"""Tests for registry.importer: reading CSV/XLSX, row validation, all-or-nothing writes."""

import csv
import io
from decimal import Decimal

import openpyxl
import pytest
from django.db import IntegrityError
from django.utils import translation

from fengqiao.core.crypto import decrypt, lookup_hash
from fengqiao.core.errors import Conflict, NotAllowed, ValidationFailed
from fengqiao.core.idnumbers import check_character
from fengqiao.registry import importer
from fengqiao.registry.importer import error_report_xlsx, import_dwellings, import_people
from fengqiao.registry.models import Dwelling, Household, Person, PersonTagging
from fengqiao.registry.tests.conftest import POINT_A1, POINT_A2, POINT_B1, POINT_NOWHERE, id_number

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


@pytest.fixture(autouse=True)
def english():
    """Messages are asserted in English, whatever catalogue the default language has."""
    with translation.override("en"):
        yield


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


def family_rows(dwelling_code: str = "A1-001") -> list[list]:
    return [
        PEOPLE_HEADER,
        [
            "张三",
            id_number(11),
            "13800138000",
            "H-001",
            "户主",
            dwelling_code,
            "户籍",
            "汉族",
            "空巢老人",
        ],
        ["李四", id_number(12), "", "H-001", "配偶", dwelling_code, "户籍", "汉族", ""],
        ["王五", id_number(13), "", "", "", dwelling_code, "流动", "", ""],
    ]


# --- reading files -------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig"])
def test_people_are_created_when_csv_is_utf8(centre_a, dwelling_a1, tag_elderly, encoding):
    content = csv_bytes(family_rows(), encoding)
    result = import_people(actor=centre_a, filename="people.csv", content=content)

    assert result.ok, result.errors
    assert (result.total, result.created, result.unchanged, result.written) == (3, 3, 0, True)
    head = Person.objects.get(name="张三")
    assert head.id_number_hash == lookup_hash(id_number(11))
    assert decrypt(head.id_number_sealed) == id_number(11)
    assert head.phone_masked == "138****8000"
    assert head.region_code == dwelling_a1.region_code
    assert head.dwelling == dwelling_a1
    assert Person.objects.get(name="王五").residence == Person.Residence.FLOATING


def test_people_are_created_when_csv_is_gbk(centre_a, dwelling_a1, tag_elderly):
    content = csv_bytes(family_rows(), "gbk")
    with pytest.raises(UnicodeDecodeError):
        content.decode("utf-8")

    result = import_people(actor=centre_a, filename="people.csv", content=content)

    assert result.ok, result.errors
    assert set(Person.objects.values_list("name", flat=True)) == {"张三", "李四", "王五"}
    assert Person.objects.get(name="张三").ethnicity == "汉族"


def test_people_are_created_when_file_is_xlsx(centre_a, dwelling_a1, tag_elderly):
    rows = family_rows()
    rows[1][2] = 13800138000  # a phone typed as a number is fine
    result = import_people(actor=centre_a, filename="people.xlsx", content=xlsx_bytes(rows))

    assert result.ok, result.errors
    assert result.created == 3
    assert Person.objects.get(name="张三").phone_hash == lookup_hash("13800138000")


def test_people_are_created_when_headers_are_english(centre_a, dwelling_a1):
    rows = [
        ["Name", "ID_Number", "dwelling_code", "relation", "household_number", "residence"],
        ["Zhang San", id_number(21), "A1-001", "head", "H-9", "registered"],
        ["Li Si", id_number(22).lower(), "A1-001", "spouse", "H-9", "floating"],
    ]
    result = import_people(actor=centre_a, filename="people.csv", content=csv_bytes(rows))

    assert result.ok, result.errors
    assert Person.objects.get(name="Li Si").relation == Person.Relation.SPOUSE


def test_household_is_created_with_its_head_when_relation_is_head(
    centre_a, dwelling_a1, tag_elderly
):
    import_people(actor=centre_a, filename="p.csv", content=csv_bytes(family_rows()))

    household = Household.objects.get(number="H-001")
    assert household.dwelling == dwelling_a1
    assert household.region_code == dwelling_a1.region_code
    assert household.head.name == "张三"
    assert set(household.members.values_list("name", flat=True)) == {"张三", "李四"}
    assert Person.objects.get(name="李四").relation == Person.Relation.SPOUSE


def test_tags_are_assigned_when_given_by_chinese_name_or_code(
    centre_a, dwelling_a1, tag_elderly, tag_sensitive
):
    rows = [
        PEOPLE_HEADER,
        ["张三", id_number(31), "", "", "", "A1-001", "", "", "空巢老人、community_correction"],
    ]
    result = import_people(actor=centre_a, filename="p.csv", content=csv_bytes(rows))

    assert result.ok, result.errors
    person = Person.objects.get()
    plain = PersonTagging.objects.get(person=person, tag=tag_elderly)
    assert plain.region_code == person.region_code
    sealed = PersonTagging.objects.get(person=person, tag__isnull=True)
    assert decrypt(sealed.tag_sealed) == "community_correction"


# --- row errors ----------------------------------------------------------------------------


def test_bad_check_digit_reports_row_and_column_and_writes_nothing_when_mode_is_all_or_nothing(
    centre_a, dwelling_a1, tag_elderly
):
    rows = family_rows()
    good = rows[2][1]
    rows[2][1] = good[:17] + ("0" if good[17] != "0" else "1")
    result = import_people(actor=centre_a, filename="p.xlsx", content=xlsx_bytes(rows))

    assert not result.ok
    assert not result.written
    assert result.created == 0
    [error] = result.errors
    assert error.row == 3
    assert error.column == "B 身份证号"
    assert "check character" in error.reason
    assert Person.objects.count() == 0
    assert Household.objects.count() == 0


def test_good_rows_are_written_when_mode_is_valid_rows(centre_a, dwelling_a1, tag_elderly):
    rows = family_rows()
    first17 = "43120219800230001"  # born 30 February
    rows[3][1] = first17 + check_character(first17)
    rows.append(["", id_number(14), "", "", "", "A1-001", "", "", ""])
    result = import_people(
        actor=centre_a, filename="p.csv", content=csv_bytes(rows), mode="valid_rows"
    )

    assert result.written
    assert (result.total, result.created) == (4, 2)
    assert [(e.row, e.column) for e in result.errors] == [(4, "身份证号"), (5, "姓名")]
    assert "date" in result.errors[0].reason
    assert set(Person.objects.values_list("name", flat=True)) == {"张三", "李四"}


def test_second_import_adds_nothing_when_same_file_is_imported_twice(
    centre_a, dwelling_a1, tag_elderly
):
    content = xlsx_bytes(family_rows())
    import_people(actor=centre_a, filename="p.xlsx", content=content)
    counts = (Person.objects.count(), Household.objects.count(), PersonTagging.objects.count())

    again = import_people(actor=centre_a, filename="p.xlsx", content=content)

    assert again.ok, again.errors
    assert (again.total, again.created, again.unchanged, again.written) == (3, 0, 3, False)
    assert (
        Person.objects.count(),
        Household.objects.count(),
        PersonTagging.objects.count(),
    ) == counts


def test_new_member_joins_existing_household_when_imported_later(
    centre_a, dwelling_a1, tag_elderly
):
    import_people(actor=centre_a, filename="p.csv", content=csv_bytes(family_rows()[:2]))
    rows = [
        PEOPLE_HEADER,
        ["张小三", id_number(15), "", "H-001", "子女", "A1-001", "", "", ""],
        ["赵六", id_number(16), "", "H-001", "户主", "A1-001", "", "", ""],
    ]

    result = import_people(
        actor=centre_a, filename="p.csv", content=csv_bytes(rows), mode="valid_rows"
    )

    assert result.created == 1
    [error] = result.errors
    assert (error.row, error.column) == (3, "与户主关系")
    assert "already has a head" in error.reason
    assert Person.objects.get(name="张小三").household.head.name == "张三"


def test_later_row_is_reported_when_id_number_repeats_in_file(centre_a, dwelling_a1, tag_elderly):
    rows = family_rows()
    rows[3][1] = rows[1][1]
    result = import_people(actor=centre_a, filename="p.csv", content=csv_bytes(rows))

    [error] = result.errors
    assert (error.row, error.column) == (4, "身份证号")
    assert "row 2" in error.reason
    assert Person.objects.count() == 0


def test_row_error_is_reported_when_dwelling_is_outside_actor_village(
    centre_a, dwelling_a1, dwelling_b1
):
    rows = [
        PEOPLE_HEADER,
        ["张三", id_number(41), "", "", "", "A1-001", "", "", ""],
        ["李四", id_number(42), "", "", "", "B1-001", "", "", ""],
        ["王五", id_number(43), "", "", "", "NO-SUCH", "", "", ""],
    ]
    result = import_people(
        actor=centre_a, filename="p.csv", content=csv_bytes(rows), mode="valid_rows"
    )

    assert [(e.row, e.column) for e in result.errors] == [(3, "房屋编号"), (4, "房屋编号")]
    assert "jurisdiction" in result.errors[0].reason
    assert "NO-SUCH" in result.errors[1].reason
    assert list(Person.objects.values_list("name", flat=True)) == ["张三"]


def test_row_error_is_reported_when_grid_worker_imports_into_another_grid(
    grid_worker_a, dwelling_a1, dwelling_a2
):
    rows = [
        PEOPLE_HEADER,
        ["张三", id_number(51), "", "", "", "A1-001", "", "", ""],
        ["李四", id_number(52), "", "", "", "A2-001", "", "", ""],
    ]
    result = import_people(actor=grid_worker_a, filename="p.csv", content=csv_bytes(rows))

    assert [(e.row, e.column) for e in result.errors] == [(3, "房屋编号")]
    assert Person.objects.count() == 0


def test_row_error_is_reported_when_person_exists_outside_jurisdiction(
    centre_a, centre_b, dwelling_a1, dwelling_b1
):
    rows = [PEOPLE_HEADER, ["李四", id_number(61), "", "", "", "B1-001", "", "", ""]]
    import_people(actor=centre_b, filename="p.csv", content=csv_bytes(rows))
    rows[1][5] = "A1-001"

    result = import_people(actor=centre_a, filename="p.csv", content=csv_bytes(rows))

    assert result.unchanged == 0
    assert "outside your jurisdiction" in result.errors[0].reason


def test_row_errors_are_reported_when_tag_is_unknown_or_sensitive_for_the_role(
    grid_worker_a, dwelling_a1, tag_elderly, tag_sensitive
):
    rows = [
        PEOPLE_HEADER,
        ["张三", id_number(71), "", "", "", "A1-001", "", "", "空巢老人,留守儿童"],
        ["李四", id_number(72), "", "", "", "A1-001", "", "", "社区矫正"],
    ]
    result = import_people(actor=grid_worker_a, filename="p.csv", content=csv_bytes(rows))

    assert [(e.row, e.column) for e in result.errors] == [(2, "标签"), (3, "标签")]
    assert "留守儿童" in result.errors[0].reason
    assert "sensitive" in result.errors[1].reason
    assert PersonTagging.objects.count() == 0


def test_row_errors_are_reported_when_labels_or_phone_are_wrong(centre_a, dwelling_a1):
    rows = [
        PEOPLE_HEADER,
        ["张三", id_number(81), "12", "", "朋友", "A1-001", "常来", "", ""],
        ["李四", id_number(82), "", "", "户主", "A1-001", "", "", ""],
    ]
    result = import_people(
        actor=centre_a, filename="p.csv", content=csv_bytes(rows), mode="valid_rows"
    )

    assert [(e.row, e.column) for e in result.errors] == [
        (2, "与户主关系"),
        (2, "居住类型"),
        (2, "手机号"),
        (3, "与户主关系"),
    ]
    assert "household number" in result.errors[3].reason
    assert not result.written


def test_id_number_error_explains_lost_digits_when_xlsx_cell_is_numeric(centre_a, dwelling_a1):
    rows = [PEOPLE_HEADER[:2] + ["房屋编号"], ["张三", float(id_number(91)), "A1-001"]]
    result = import_people(actor=centre_a, filename="p.xlsx", content=xlsx_bytes(rows))

    [error] = result.errors
    assert error.column == "B 身份证号"
    assert "format the column as text" in error.reason


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
        import_people(actor=centre_a, filename=filename, content=content)

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
    result = import_people(actor=centre_a, filename="p.xlsx", content=xlsx_bytes(rows))

    assert [(e.row, e.column) for e in result.errors] == [(5, "A 姓名")]


def test_clear_error_is_raised_when_file_has_too_many_rows(centre_a, monkeypatch):
    monkeypatch.setattr(importer, "MAX_ROWS", 3)
    rows = [["姓名", "身份证号", "房屋编号"]] + [["张三", id_number(i), "A1-001"] for i in range(5)]

    with pytest.raises(ValidationFailed, match="more than 3 rows"):
        import_people(actor=centre_a, filename="p.csv", content=csv_bytes(rows))


def test_missing_and_found_columns_are_listed_when_required_header_is_missing(centre_a):
    content = csv_bytes([["姓名", "手机号", "房屋编号"], ["张三", "13800138000", "A1-001"]])
    with pytest.raises(ValidationFailed) as caught:
        import_people(actor=centre_a, filename="p.csv", content=content)

    message = str(caught.value.message)
    assert "身份证号/id_number" in message
    assert "姓名, 手机号, 房屋编号" in message
    assert "姓名/name" not in message


def test_not_allowed_is_raised_when_role_may_not_import(leader_a, dwelling_a1):
    with pytest.raises(NotAllowed):
        import_people(actor=leader_a, filename="p.csv", content=csv_bytes(family_rows()))
    with pytest.raises(NotAllowed):
        import_dwellings(actor=leader_a, filename="d.csv", content=b"code,lat,lng\r\n")


def test_nothing_is_written_when_writing_fails_half_way(
    centre_a, dwelling_a1, tag_elderly, monkeypatch
):
    def broken(*args, **kwargs):
        raise IntegrityError("simulated")

    monkeypatch.setattr(PersonTagging.objects, "bulk_create", broken)

    with pytest.raises(Conflict):
        import_people(actor=centre_a, filename="p.csv", content=csv_bytes(family_rows()))

    assert Person.objects.count() == 0
    assert Household.objects.count() == 0


def test_error_report_lists_row_column_and_reason_when_import_failed(
    centre_a, dwelling_a1, tag_elderly
):
    rows = family_rows()
    rows[2][0] = ""
    rows[3][5] = "NO-SUCH"
    result = import_people(actor=centre_a, filename="p.xlsx", content=xlsx_bytes(rows))

    sheet = openpyxl.load_workbook(io.BytesIO(error_report_xlsx(result))).worksheets[0]
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0] == ["Row", "Column", "Reason"]
    assert [v[:2] for v in values[1:]] == [[3, "A 姓名"], [4, "F 房屋编号"]]
    assert "NO-SUCH" in values[2][2]


# --- dwellings -----------------------------------------------------------------------------


DWELLING_HEADER = ["房屋编号", "地址", "纬度", "经度", "用途", "类型", "面积", "产权人"]


def dwelling_rows() -> list[list]:
    return [
        DWELLING_HEADER,
        ["A1-101", "甲村一组101号", *POINT_A1, "出租", "自建房", "120.5", "张三"],
        ["A2-101", "甲村二组101号", *POINT_A2, "", "", "", ""],
    ]


def test_dwellings_are_created_in_their_grid_when_file_is_valid(centre_a, grid_a1, grid_a2):
    content = xlsx_bytes(dwelling_rows())
    result = import_dwellings(actor=centre_a, filename="d.xlsx", content=content)

    assert result.ok, result.errors
    assert result.created == 2
    rented = Dwelling.objects.get(code="A1-101")
    assert (rented.grid, rented.region_code) == (grid_a1, grid_a1.code)
    assert rented.use == Dwelling.Use.RENTED
    assert rented.floor_area == Decimal("120.5")
    assert rented.owner_name == "张三"
    plain = Dwelling.objects.get(code="A2-101")
    assert (plain.grid, plain.use, plain.floor_area) == (grid_a2, Dwelling.Use.OWNER, None)


def test_people_can_be_imported_when_their_dwellings_were_imported_first(centre_a, tag_elderly):
    import_dwellings(actor=centre_a, filename="d.csv", content=csv_bytes(dwelling_rows(), "gbk"))
    result = import_people(
        actor=centre_a, filename="p.csv", content=csv_bytes(family_rows("A2-101"))
    )

    assert result.ok, result.errors
    assert Household.objects.get().dwelling.code == "A2-101"


def test_second_dwellings_import_adds_nothing_when_same_file_is_imported_twice(centre_a):
    content = csv_bytes(dwelling_rows())
    import_dwellings(actor=centre_a, filename="d.csv", content=content)

    again = import_dwellings(actor=centre_a, filename="d.csv", content=content)

    assert (again.ok, again.created, again.unchanged, again.written) == (True, 0, 2, False)
    assert Dwelling.objects.count() == 2


def test_dwelling_row_errors_are_reported_when_data_is_wrong(centre_a, dwelling_a1, village_b):
    rows = [
        DWELLING_HEADER,
        ["A1-001", "另一个地址", *POINT_A1, "", "", "", ""],  # exists with other data
        ["A1-201", "", "北纬", POINT_A1[1], "", "", "", ""],  # not a number
        ["A1-202", "", *POINT_B1, "", "", "", ""],  # village B
        ["A1-203", "", *POINT_NOWHERE, "", "", "", ""],  # no village at all
        ["A1-204", "", *POINT_A1, "仓库", "", "-3", ""],  # bad use and area
        ["A1-204", "", *POINT_A1, "", "", "", ""],  # repeated code
        ["", "", *POINT_A1, "", "", "", ""],  # no code
    ]
    result = import_dwellings(
        actor=centre_a, filename="d.csv", content=csv_bytes(rows), mode="valid_rows"
    )

    assert [(e.row, e.column) for e in result.errors] == [
        (2, "房屋编号"),
        (3, "纬度"),
        (4, "纬度"),
        (5, "纬度"),
        (6, "用途"),
        (6, "面积"),
        (7, "房屋编号"),
        (8, "房屋编号"),
    ]
    assert "row 6" in result.errors[6].reason
    assert "jurisdiction" in result.errors[2].reason
    assert result.created == 0
    assert Dwelling.objects.count() == 1


def test_error_is_reported_when_dwelling_code_exists_outside_jurisdiction(centre_a, dwelling_b1):
    rows = [DWELLING_HEADER, ["B1-001", "乙村一组1号", *POINT_B1, "", "", "", ""]]
    result = import_dwellings(actor=centre_a, filename="d.csv", content=csv_bytes(rows))

    assert (result.unchanged, result.errors[0].column) == (0, "房屋编号")
    assert "outside your jurisdiction" in result.errors[0].reason


def test_writes_are_batched_when_file_is_large(centre_a, village_a, monkeypatch):
    monkeypatch.setattr(importer, "BATCH_SIZE", 7)
    rows = [DWELLING_HEADER] + [
        [f"A1-{i:04d}", "", POINT_A1[0], POINT_A1[1] + i * 1e-6, "", "", "", ""] for i in range(30)
    ]
    result = import_dwellings(actor=centre_a, filename="d.csv", content=csv_bytes(rows))

    assert result.created == 30
    assert Dwelling.objects.count() == 30
