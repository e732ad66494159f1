"""People through the import engine: reading, row rules, households and tags, all or nothing."""

import pytest
from django.db import IntegrityError
from django.utils import translation

from fengqiao.core.crypto import decrypt, lookup_hash
from fengqiao.core.errors import Conflict, NotAllowed
from fengqiao.core.idnumbers import check_character
from fengqiao.registry import imports
from fengqiao.registry.imports.sql import SqlWriter
from fengqiao.registry.models import Household, ImportJob, Person, PersonTagging
from fengqiao.registry.tests.conftest import id_number
from fengqiao.registry.tests.importing import (
    PEOPLE_HEADER,
    csv_bytes,
    import_file,
    workbook_rows,
    xlsx_bytes,
)


@pytest.fixture(autouse=True)
def english():
    """Messages are asserted in English, whatever catalogue the default language has."""
    with translation.override("en"):
        yield


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
    result = import_file(centre_a, "people", content, "people.csv")

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

    result = import_file(centre_a, "people", content, "people.csv")

    assert result.ok, result.errors
    assert set(Person.objects.values_list("name", flat=True)) == {"张三", "李四", "王五"}
    assert Person.objects.get(name="张三").ethnicity == "汉族"


def test_people_are_created_when_file_is_xlsx(centre_a, dwelling_a1, tag_elderly):
    rows = family_rows()
    rows[1][2] = 13800138000  # a phone typed as a number is fine
    result = import_file(centre_a, "people", xlsx_bytes(rows), "people.xlsx")

    assert result.ok, result.errors
    assert result.created == 3
    assert Person.objects.get(name="张三").phone_hash == lookup_hash("13800138000")


def test_people_are_created_when_headers_are_english(centre_a, dwelling_a1):
    rows = [
        ["Name", "ID_Number", "dwelling_code", "relation", "household_number", "residence"],
        ["Zhang San", id_number(21), "A1-001", "head", "H-9", "registered"],
        ["Li Si", id_number(22).lower(), "A1-001", "spouse", "H-9", "floating"],
    ]
    result = import_file(centre_a, "people", csv_bytes(rows), "people.csv")

    assert result.ok, result.errors
    assert Person.objects.get(name="Li Si").relation == Person.Relation.SPOUSE


def test_household_is_created_with_its_head_when_relation_is_head(
    centre_a, dwelling_a1, tag_elderly
):
    import_file(centre_a, "people", csv_bytes(family_rows()), "p.csv")

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
    result = import_file(centre_a, "people", csv_bytes(rows), "p.csv")

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
    result = import_file(centre_a, "people", xlsx_bytes(rows), "p.xlsx")

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
    result = import_file(centre_a, "people", csv_bytes(rows), "p.csv", mode="valid_rows")

    assert result.written
    assert (result.total, result.created) == (4, 2)
    assert [(e.row, e.column) for e in result.errors] == [(4, "身份证号"), (5, "姓名")]
    assert "date" in result.errors[0].reason
    assert set(Person.objects.values_list("name", flat=True)) == {"张三", "李四"}


def test_second_import_adds_nothing_when_same_file_is_imported_twice(
    centre_a, dwelling_a1, tag_elderly
):
    content = xlsx_bytes(family_rows())
    import_file(centre_a, "people", content, "p.xlsx")
    counts = (Person.objects.count(), Household.objects.count(), PersonTagging.objects.count())

    again = import_file(centre_a, "people", content, "p.xlsx")

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
    import_file(centre_a, "people", csv_bytes(family_rows()[:2]), "p.csv")
    rows = [
        PEOPLE_HEADER,
        ["张小三", id_number(15), "", "H-001", "子女", "A1-001", "", "", ""],
        ["赵六", id_number(16), "", "H-001", "户主", "A1-001", "", "", ""],
    ]

    result = import_file(centre_a, "people", csv_bytes(rows), "p.csv", mode="valid_rows")

    assert result.created == 1
    [error] = result.errors
    assert (error.row, error.column) == (3, "与户主关系")
    assert "already has a head" in error.reason
    assert Person.objects.get(name="张小三").household.head.name == "张三"


def test_later_row_is_reported_when_id_number_repeats_in_file(centre_a, dwelling_a1, tag_elderly):
    rows = family_rows()
    rows[3][1] = rows[1][1]
    result = import_file(centre_a, "people", csv_bytes(rows), "p.csv")

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
    result = import_file(centre_a, "people", csv_bytes(rows), "p.csv", mode="valid_rows")

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
    result = import_file(grid_worker_a, "people", csv_bytes(rows), "p.csv")

    assert [(e.row, e.column) for e in result.errors] == [(3, "房屋编号")]
    assert Person.objects.count() == 0


def test_row_error_is_reported_when_person_exists_outside_jurisdiction(
    centre_a, centre_b, dwelling_a1, dwelling_b1
):
    rows = [PEOPLE_HEADER, ["李四", id_number(61), "", "", "", "B1-001", "", "", ""]]
    import_file(centre_b, "people", csv_bytes(rows), "p.csv")
    rows[1][5] = "A1-001"

    result = import_file(centre_a, "people", csv_bytes(rows), "p.csv")

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
    result = import_file(grid_worker_a, "people", csv_bytes(rows), "p.csv")

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
    result = import_file(centre_a, "people", csv_bytes(rows), "p.csv", mode="valid_rows")

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
    result = import_file(centre_a, "people", xlsx_bytes(rows), "p.xlsx")

    [error] = result.errors
    assert error.column == "B 身份证号"
    assert "format the column as text" in error.reason


# --- refusals and failures -----------------------------------------------------------------


def test_not_allowed_is_raised_when_role_may_not_import(leader_a, dwelling_a1):
    with pytest.raises(NotAllowed):
        import_file(leader_a, "people", csv_bytes(family_rows()), "p.csv")
    with pytest.raises(NotAllowed):
        import_file(leader_a, "dwellings", b"code,lat,lng\r\n", "d.csv")


def test_nothing_is_written_when_writing_fails_half_way(
    centre_a, dwelling_a1, tag_elderly, monkeypatch
):
    insert = SqlWriter.insert

    def broken(self, table, columns, rows):
        insert(self, table, columns, rows)
        if table == PersonTagging._meta.db_table:
            raise IntegrityError("simulated")

    monkeypatch.setattr(SqlWriter, "insert", broken)

    with pytest.raises(Conflict):
        import_file(centre_a, "people", csv_bytes(family_rows()), "p.csv")

    assert Person.objects.count() == 0
    assert Household.objects.count() == 0
    assert ImportJob.objects.get().state == "failed"


def test_error_report_lists_row_column_and_reason_when_import_failed(
    centre_a, dwelling_a1, tag_elderly
):
    rows = family_rows()
    rows[2][0] = ""
    rows[3][5] = "NO-SUCH"
    result = import_file(centre_a, "people", xlsx_bytes(rows), "p.xlsx")

    job = ImportJob.objects.get(pk=result.job_id)
    assert (job.state, job.error_rows, result.written) == ("rejected", 2, False)
    values = workbook_rows(imports.error_report_xlsx(job))
    assert values[0] == ["Row", "Column", "Reason"]
    assert [v[:2] for v in values[1:]] == [[3, "A 姓名"], [4, "F 房屋编号"]]
    assert "NO-SUCH" in values[2][2]
