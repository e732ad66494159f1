"""Every kind of registry row through the one import engine: dwellings, households, household
groups, organisations, places, facilities; and the page, the API and the command for each."""

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import translation

from fengqiao.core import crypto
from fengqiao.registry import imports
from fengqiao.registry.models import (
    Dwelling,
    Facility,
    Household,
    HouseholdGroup,
    ImportJob,
    Organization,
    Place,
)
from fengqiao.registry.tests.conftest import (
    POINT_A1,
    POINT_A2,
    POINT_B1,
    POINT_NOWHERE,
    VILLAGE_A_CODE,
    VILLAGE_B_CODE,
)
from fengqiao.registry.tests.importing import csv_bytes, import_file, workbook_rows, xlsx_bytes
from fengqiao.registry.tests.test_imports_people import family_rows


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


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
    result = import_file(centre_a, "dwellings", content, "d.xlsx")

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
    import_file(centre_a, "dwellings", csv_bytes(dwelling_rows(), "gbk"), "d.csv")
    result = import_file(centre_a, "people", csv_bytes(family_rows("A2-101")), "p.csv")

    assert result.ok, result.errors
    assert Household.objects.get().dwelling.code == "A2-101"


def test_second_dwellings_import_adds_nothing_when_same_file_is_imported_twice(centre_a):
    content = csv_bytes(dwelling_rows())
    import_file(centre_a, "dwellings", content, "d.csv")

    again = import_file(centre_a, "dwellings", content, "d.csv")

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
    result = import_file(centre_a, "dwellings", csv_bytes(rows), "d.csv", mode="valid_rows")

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
    result = import_file(centre_a, "dwellings", csv_bytes(rows), "d.csv")

    assert (result.unchanged, result.errors[0].column) == (0, "房屋编号")
    assert "outside your jurisdiction" in result.errors[0].reason


def test_writes_are_batched_when_file_is_large(centre_a, village_a):
    rows = [DWELLING_HEADER] + [
        [f"A1-{i:04d}", "", POINT_A1[0], POINT_A1[1] + i * 1e-6, "", "", "", ""] for i in range(30)
    ]
    result = import_file(centre_a, "dwellings", csv_bytes(rows), "d.csv", batch_rows=7)

    assert result.created == 30
    assert Dwelling.objects.count() == 30
    assert ImportJob.objects.get().batches == 5


# --- every kind ----------------------------------------------------------------------------

# kind → (fixtures, header, good rows, a bad row, the bad row's column, the kind's model)
KINDS = {
    "dwellings": (
        ["village_a"],
        ["房屋编号", "地址", "纬度", "经度"],
        [["A1-901", "甲村一组901号", *POINT_A1], ["A2-901", "", *POINT_A2]],
        ["A1-902", "", *POINT_NOWHERE],
        "纬度",
        Dwelling,
    ),
    "households": (
        ["dwelling_a1"],
        ["户号", "房屋编号"],
        [["H-901", "A1-001"], ["H-902", "A1-001"]],
        ["H-903", "NO-SUCH"],
        "房屋编号",
        Household,
    ),
    "household_groups": (
        ["village_a"],
        ["联户编号", "联户名称", "网格编码"],
        [
            ["G-901", "一组联户", VILLAGE_A_CODE + "001"],
            ["G-902", "二组联户", VILLAGE_A_CODE + "002"],
        ],
        ["G-903", "乙村联户", VILLAGE_B_CODE + "001"],
        "网格编码",
        HouseholdGroup,
    ),
    "organizations": (
        ["village_a"],
        ["单位名称", "单位类型", "联系电话", "从业人数", "地址", "纬度", "经度", "村社区代码"],
        [
            ["甲村合作社", "合作社", "13700137000", "12", "甲村一组", *POINT_A1, ""],
            ["甲村小学", "school", "", "", "甲村二组", "", "", VILLAGE_A_CODE],
        ],
        ["甲村诊所", "诊所", "12", "", "甲村三组", *POINT_A2, ""],
        "联系电话",
        Organization,
    ),
    "places": (
        ["village_a"],
        ["场所名称", "场所类型", "风险等级", "地址", "纬度", "经度"],
        [
            ["甲村农贸市场", "农贸市场", "高", "甲村一组", *POINT_A1],
            ["甲村网吧", "网吧", "", "", *POINT_A2],
        ],
        ["甲村火箭站", "火箭站", "", "", *POINT_A1],
        "场所类型",
        Place,
    ),
    "facilities": (
        ["village_a"],
        ["部件编码", "部件名称", "部件类型", "状态", "纬度", "经度"],
        [
            ["F-901", "一组路灯", "路灯", "正常", *POINT_A1],
            ["F-902", "二组消防栓", "hydrant", "", *POINT_A2],
        ],
        ["F-903", "乙村井盖", "井盖", "", *POINT_B1],
        "纬度",
        Facility,
    ),
}


def _case(request, kind):
    fixtures, header, good, bad, column, model = KINDS[kind]
    for name in fixtures:
        request.getfixturevalue(name)
    return header, good, bad, column, model


@pytest.mark.parametrize("kind", list(KINDS))
def test_rows_are_created_when_file_of_kind_is_valid(request, centre_a, kind):
    header, good, _bad, _column, model = _case(request, kind)
    before = model.objects.count()

    result = import_file(centre_a, kind, xlsx_bytes([header, *good]), "f.xlsx")

    assert (result.ok, result.created, result.written) == (True, 2, True), result.errors
    assert model.objects.count() == before + 2
    new = model.objects.order_by("-pk")[:2]
    assert all(row.region_code.startswith(VILLAGE_A_CODE) for row in new)
    again = import_file(centre_a, kind, csv_bytes([header, *good]))
    assert (again.ok, again.created, again.unchanged) == (True, 0, 2), again.errors


@pytest.mark.parametrize("kind", list(KINDS))
def test_nothing_is_saved_and_bad_row_is_named_when_all_or_nothing_file_has_one(
    request, centre_a, kind
):
    header, good, bad, column, model = _case(request, kind)
    before = model.objects.count()

    result = import_file(centre_a, kind, csv_bytes([header, good[0], bad, good[1]]))

    assert [(e.row, e.column) for e in result.errors] == [(3, column)]
    assert (result.created, result.written, result.total) == (0, False, 3)
    assert model.objects.count() == before
    assert ImportJob.objects.get(pk=result.job_id).state == "rejected"


@pytest.mark.parametrize("kind", list(KINDS))
def test_good_rows_are_saved_and_bad_row_is_named_when_mode_is_valid_rows(request, centre_a, kind):
    header, good, bad, column, model = _case(request, kind)
    before = model.objects.count()

    result = import_file(
        centre_a, kind, csv_bytes([header, good[0], bad, good[1]]), mode="valid_rows"
    )

    assert [(e.row, e.column) for e in result.errors] == [(3, column)]
    assert (result.created, result.written) == (2, True)
    assert model.objects.count() == before + 2


@pytest.mark.parametrize("kind", list(KINDS))
def test_rows_of_another_village_are_refused_when_importer_works_in_village_a(
    request, centre_b, kind
):
    header, good, _bad, _column, model = _case(request, kind)
    before = model.objects.count()

    result = import_file(centre_b, kind, csv_bytes([header, *good]), mode="valid_rows")

    assert result.created == 0 and len(result.errors) == 2
    assert all("jurisdiction" in e.reason for e in result.errors), result.errors
    assert model.objects.count() == before


def test_all_or_nothing_is_kept_across_batches_when_the_bad_row_comes_late(centre_a, village_a):
    header, good, bad, _column, _model = KINDS["facilities"][1:]
    rows = [header] + [
        [f"F-{n:03d}", "路灯", "路灯", "", POINT_A1[0], POINT_A1[1] + n * 1e-6] for n in range(9)
    ]
    rows.append(bad)

    result = import_file(centre_a, "facilities", csv_bytes(rows), batch_rows=3)

    assert [e.row for e in result.errors] == [11]
    assert Facility.objects.count() == 0
    job = ImportJob.objects.get()
    assert (job.state, job.rows_done, job.created, job.last_row) == ("rejected", 10, 0, 0)


def test_repeat_across_batches_is_named_when_all_or_nothing(centre_a, village_a):
    header = ["部件编码", "部件名称", "部件类型", "纬度", "经度"]
    rows = [header] + [["F-1", "灯", "路灯", *POINT_A1]] * 3
    result = import_file(centre_a, "facilities", csv_bytes(rows), batch_rows=2)
    assert [(e.row, e.reason) for e in result.errors] == [
        (3, "The same code is already on row 2."),
        (4, "The same code is already on an earlier row of this file."),
    ]
    assert Facility.objects.count() == 0


def test_organisation_phone_is_sealed_to_its_row_when_imported(centre_a, village_a):
    header, good, _bad, _column, _model = KINDS["organizations"][1:]
    import_file(centre_a, "organizations", csv_bytes([header, *good]))

    org = Organization.objects.get(name="甲村合作社")
    assert crypto.open_field(org, "contact_phone_sealed") == "13700137000"
    assert ":r:" in org.contact_phone_sealed  # bound to its row: a copy elsewhere never opens
    assert org.contact_phone_hash == crypto.lookup_hash("13700137000")
    assert (org.contact_phone_masked, org.kind, org.employees) == (
        "137****7000",
        Organization.Kind.COOPERATIVE,
        12,
    )
    school = Organization.objects.get(name="甲村小学")
    assert (school.region_code, school.grid, school.contact_phone_sealed) == (
        VILLAGE_A_CODE,
        None,
        "",
    )


def test_every_kind_has_a_job_kind_and_chinese_first_headers():
    assert set(imports.KINDS) == set(ImportJob.Kind.values)
    for spec in imports.SPECS.values():
        for column in spec.columns:
            assert not column.headers[0].isascii(), (spec.kind, column.key)
            assert column.key in column.headers, (spec.kind, column.key)


# --- page, API and command ----------------------------------------------------------------


def _client(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def test_import_page_imports_every_kind_when_chosen(centre_a, village_a):
    header, good, _bad, _column, _model = KINDS["places"][1:]
    upload = SimpleUploadedFile("places.csv", csv_bytes([header, *good]))
    page = _client(centre_a).post(
        "/registry/import/", {"kind": "places", "mode": "all_or_nothing", "file": upload}
    )
    body = page.content.decode()
    assert page.status_code == 200 and "2 rows: 2 created" in body
    assert 'value="facilities"' in body and "场所名称" in body
    assert Place.objects.count() == 2


def test_import_page_shows_an_error_when_kind_is_unknown(centre_a):
    upload = SimpleUploadedFile("x.csv", b"a,b\r\n1,2\r\n")
    page = _client(centre_a).post("/registry/import/", {"kind": "<script>", "file": upload})
    assert page.status_code == 200
    assert "Unknown kind of import: &lt;script&gt;" in page.content.decode()


def test_api_imports_every_kind_and_serves_its_errors_when_kind_given(
    centre_a, centre_b, village_a
):
    header, good, bad, _column, _model = KINDS["facilities"][1:]
    upload = SimpleUploadedFile("f.csv", csv_bytes([header, good[0], bad]))
    response = _client(centre_a).post(
        "/api/v1/import", {"kind": "facilities", "mode": "valid_rows", "file": upload}
    )
    body = response.json()
    assert response.status_code == 200, body
    assert (body["kind"], body["created"], body["error_rows"]) == ("facilities", 1, 1)
    assert body["errors"][0]["row"] == 3
    job = _client(centre_a).get(f"/api/v1/import/jobs/{body['job_id']}").json()
    assert (job["state"], job["created"], job["percent"]) == ("done", 1, 100)
    report = _client(centre_a).get(f"/api/v1/import/jobs/{body['job_id']}/errors.xlsx")
    assert workbook_rows(report.content)[1][0] == 3
    for path in (
        f"/api/v1/import/jobs/{body['job_id']}",
        f"/api/v1/import/jobs/{body['job_id']}/errors.xlsx",
    ):
        assert _client(centre_b).get(path).status_code == 404


def test_api_imports_a_file_spooled_to_disk_when_upload_is_large(centre_a, village_a, settings):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 16  # every upload goes to a temporary file
    header, good, _bad, _column, _model = KINDS["places"][1:]
    for name, content in (
        ("p.csv", csv_bytes([header, *good], "gbk")),
        ("p.xlsx", xlsx_bytes([header, *good])),
    ):
        upload = SimpleUploadedFile(name, content)
        response = _client(centre_a).post("/api/v1/import", {"kind": "places", "file": upload})
        assert response.status_code == 200, response.content
    assert Place.objects.count() == 2


@pytest.mark.parametrize(
    ("form", "status", "field"),
    [({"kind": "rockets"}, 400, "kind"), ({"kind": "places", "mode": "maybe"}, 400, "mode")],
)
def test_api_refuses_when_kind_or_mode_is_unknown(centre_a, form, status, field):
    upload = SimpleUploadedFile("f.csv", b"a,b\r\n1,2\r\n")
    response = _client(centre_a).post("/api/v1/import", {**form, "file": upload})
    assert response.status_code == status
    assert response.json()["field"] == field


def test_api_refuses_import_when_role_may_not(leader_a, village_a):
    upload = SimpleUploadedFile("f.csv", csv_bytes([KINDS["places"][1], *KINDS["places"][2]]))
    response = _client(leader_a).post("/api/v1/import", {"kind": "places", "file": upload})
    assert response.status_code == 403
    assert Place.objects.count() == 0


def test_command_imports_every_kind_and_fails_when_all_or_nothing_is_rejected(
    centre_a, village_a, tmp_path
):
    header, good, bad, _column, _model = KINDS["facilities"][1:]
    path = tmp_path / "facilities.csv"
    path.write_bytes(csv_bytes([header, *good]))
    out = io.StringIO()
    call_command("import", "facilities", str(path), user="centre_a", no_progress=True, stdout=out)
    assert "2 created" in out.getvalue()
    assert Facility.objects.count() == 2

    path.write_bytes(csv_bytes([header, bad]))
    errors = tmp_path / "errors.xlsx"
    with pytest.raises(CommandError, match="Nothing was saved"):
        call_command(
            "import",
            "facilities",
            str(path),
            user="centre_a",
            mode="all_or_nothing",
            errors=str(errors),
            no_progress=True,
            stdout=io.StringIO(),
        )
    assert workbook_rows(errors.read_bytes())[1][:2] == [2, "纬度"]


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("从业人数", "9" * 5000),
        ("从业人数", "１２"),
        ("从业人数", "-3"),
        ("纬度", "nan"),
        ("纬度", "inf"),
        ("纬度", "1e999999"),
        ("统一社会信用代码", "91-ABC"),
        ("单位类型", "x" * 100_000),
        ("单位名称", "甲" * 101),
        ("经度", "东经"),
    ],
)
def test_crafted_cell_is_a_row_error_when_organisation_is_imported(
    centre_a, village_a, column, value
):
    header = ["单位名称", "单位类型", "统一社会信用代码", "从业人数", "纬度", "经度", "村社区代码"]
    row = ["甲村合作社", "合作社", "", "", POINT_A1[0], POINT_A1[1], ""]
    row[header.index(column)] = value
    result = import_file(centre_a, "organizations", xlsx_bytes([header, row]), "o.xlsx")

    assert not result.written and result.errors, result
    assert result.errors[0].row == 2 and column in result.errors[0].column
    assert Organization.objects.count() == 0
