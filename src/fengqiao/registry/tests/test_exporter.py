"""Tests for registry.exporter: scope, masking, visible tags, access log, roles."""

import io

import openpyxl
import pytest

from fengqiao.core.errors import NotAllowed
from fengqiao.core.models import AccessLog
from fengqiao.registry.exporter import (
    DWELLING_HEADERS,
    PEOPLE_HEADERS,
    export_dwellings_xlsx,
    export_people_xlsx,
)
from fengqiao.registry.models import Person
from fengqiao.registry.services import (
    household_add_member,
    household_create,
    person_create,
    person_tag,
)
from fengqiao.registry.tests.conftest import id_number
from fengqiao.registry.tests.importing import import_file


def read_rows(content: bytes) -> list[list]:
    sheet = openpyxl.load_workbook(io.BytesIO(content)).worksheets[0]
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


@pytest.fixture
def people_a_and_b(centre_a, centre_b, dwelling_a1, dwelling_b1, tag_elderly, tag_sensitive):
    zhang = person_create(
        actor=centre_a,
        name="张三",
        id_number=id_number(1),
        phone="13800138000",
        dwelling=dwelling_a1,
    )
    li = person_create(actor=centre_a, name="李四", id_number=id_number(2), dwelling=dwelling_a1)
    wang = person_create(
        actor=centre_b,
        name="王五",
        id_number=id_number(3),
        phone="13900139000",
        dwelling=dwelling_b1,
    )
    household = household_create(actor=centre_a, number="H-001", dwelling=dwelling_a1)
    household_add_member(actor=centre_a, household=household, person=zhang, relation="head")
    person_tag(actor=centre_a, person=zhang, tag_code=tag_elderly.code)
    person_tag(actor=centre_a, person=zhang, tag_code=tag_sensitive.code)
    return zhang, li, wang


def test_people_export_holds_masked_numbers_only_when_actor_is_centre_staff(
    centre_a, people_a_and_b
):
    rows = read_rows(export_people_xlsx(actor=centre_a))

    assert rows[0] == PEOPLE_HEADERS
    assert sorted(r[0] for r in rows[1:]) == ["张三", "李四"]
    cells = [str(v) for row in rows for v in row if v is not None]
    for sequence in (1, 2, 3):
        assert not any(id_number(sequence) in c for c in cells)
    assert not any("13800138000" in c for c in cells)
    zhang = next(r for r in rows if r[0] == "张三")
    assert zhang[1] == id_number(1)[:6] + "*" * 11 + id_number(1)[-1]
    assert zhang[5] == "138****8000"
    assert (zhang[7], zhang[8], zhang[9]) == ("H-001", "户主", "A1-001")
    assert zhang[12] == "社区矫正、空巢老人"


def test_people_export_is_logged_when_it_succeeds(centre_a, people_a_and_b):
    export_people_xlsx(actor=centre_a, ip="10.0.0.8")

    log = AccessLog.objects.get()
    assert (log.actor, log.action, log.object_type) == (centre_a, AccessLog.Action.EXPORT, "person")
    assert log.detail == "rows=2"
    assert log.region_code == centre_a.bindings.get().code
    assert log.ip == "10.0.0.8"


def test_people_export_stays_in_jurisdiction_when_given_queryset_crosses_it(
    centre_b, people_a_and_b
):
    rows = read_rows(export_people_xlsx(actor=centre_b, queryset=Person.objects.all()))

    assert [r[0] for r in rows[1:]] == ["王五"]
    assert AccessLog.objects.get().detail == "rows=1"


@pytest.mark.parametrize("who", ["grid_worker_a", "leader_a"])
def test_not_allowed_is_raised_when_role_may_not_export(request, who, people_a_and_b):
    actor = request.getfixturevalue(who)
    with pytest.raises(NotAllowed):
        export_people_xlsx(actor=actor)
    with pytest.raises(NotAllowed):
        export_dwellings_xlsx(actor=actor)
    assert not AccessLog.objects.exists()


def test_people_export_query_count_stays_flat_when_rows_grow(
    centre_a, dwelling_a1, tag_elderly, django_assert_max_num_queries
):
    for sequence in range(40):
        person = person_create(
            actor=centre_a,
            name=f"居民{sequence}",
            id_number=id_number(100 + sequence),
            dwelling=dwelling_a1,
        )
        person_tag(actor=centre_a, person=person, tag_code=tag_elderly.code)
    centre_a.refresh_from_db()

    with django_assert_max_num_queries(8):
        rows = read_rows(export_people_xlsx(actor=centre_a))

    assert len(rows) == 41
    assert all(r[12] == "空巢老人" for r in rows[1:])


def test_formula_like_text_is_exported_as_text_when_a_name_starts_with_equals(
    centre_a, dwelling_a1
):
    person_create(actor=centre_a, name="=1+1", id_number=id_number(9), dwelling=dwelling_a1)

    sheet = openpyxl.load_workbook(io.BytesIO(export_people_xlsx(actor=centre_a))).worksheets[0]

    assert (sheet["A2"].value, sheet["A2"].data_type) == ("=1+1", "s")


def test_dwellings_export_holds_only_jurisdiction_when_actor_is_centre_b(
    centre_b, dwelling_a1, dwelling_a2, dwelling_b1
):
    rows = read_rows(export_dwellings_xlsx(actor=centre_b))

    assert rows[0] == DWELLING_HEADERS
    assert [r[0] for r in rows[1:]] == ["B1-001"]
    log = AccessLog.objects.get()
    assert (log.object_type, log.detail) == ("dwelling", "rows=1")


def test_dwellings_export_imports_back_unchanged_when_fed_to_the_importer(
    centre_a, dwelling_a1, dwelling_a2
):
    content = export_dwellings_xlsx(actor=centre_a)
    rows = read_rows(content)
    assert [r[4] for r in rows[1:]] == ["自住", "出租"]

    result = import_file(centre_a, "dwellings", content, "export.xlsx")

    assert result.ok, result.errors
    assert (result.created, result.unchanged) == (0, 2)
