"""The import engine: streamed reading, batches, checkpoints and resume, sealing workers, the
import job pages."""

import csv
import io
import os
import random
from datetime import date

import openpyxl
import pytest
from django.utils import translation

from fengqiao.core.crypto import decrypt, lookup_hash
from fengqiao.core.errors import ValidationFailed
from fengqiao.core.idnumbers import check_character, is_valid_id_number
from fengqiao.registry import imports
from fengqiao.registry.imports import batch_sealing
from fengqiao.registry.imports.sql import SqlWriter
from fengqiao.registry.models import Household, ImportJob, ImportRowError, Person, PersonTagging
from fengqiao.registry.sealing import birth_date_of
from fengqiao.registry.tests.conftest import id_number

HEADER = [
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
    with translation.override("en"):
        yield


def csv_file(rows: list[list], encoding: str = "utf-8") -> io.BytesIO:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return io.BytesIO(out.getvalue().encode(encoding))


def xlsx_file(rows: list[list]) -> io.BytesIO:
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    out.seek(0)
    return out


def person_row(seq: int, dwelling="A1-001", household="", relation="", tags="") -> list:
    return [f"人{seq}", id_number(seq), "13800138000", household, relation, dwelling, "", "", tags]


def run(actor, fh, name="p.csv", **kwargs) -> ImportJob:
    return imports.import_run(actor=actor, kind="people", filename=name, fh=fh, **kwargs)


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-16", "utf-8-sig"])
def test_people_are_created_when_csv_is_streamed_in_encoding(centre_a, dwelling_a1, encoding):
    rows = [HEADER, person_row(1, household="H-1", relation="户主"), person_row(2, household="H-1")]
    job = run(centre_a, csv_file(rows, encoding))
    assert (job.state, job.rows_done, job.created, job.error_rows) == ("done", 2, 2, 0)
    head = Person.objects.get(name="人1")
    assert head.household.head_id == head.pk
    assert Person.objects.get(name="人2").household_id == head.household_id
    assert decrypt(head.id_number_sealed) == id_number(1)
    assert head.id_number_hash == lookup_hash(id_number(1))
    assert head.phone_hash == lookup_hash("13800138000")
    assert decrypt(head.phone_sealed) == "13800138000"
    assert head.id_number_masked == id_number(1)[:6] + "*" * 11 + id_number(1)[-1]
    assert head.birth_year == 1980
    assert birth_date_of(head) == date(1980, 5, 17)
    assert head.sex == ("M" if int(id_number(1)[16]) % 2 else "F")


def test_people_are_created_when_file_is_xlsx(centre_a, dwelling_a1, tag_elderly):
    rows = [["甲村实有人口登记表"], HEADER, person_row(1, tags="空巢老人"), person_row(2)]
    job = run(centre_a, xlsx_file(rows), name="p.xlsx", batch_rows=1)
    assert (job.rows_done, job.created, job.batches) == (2, 2, 2)
    tagging = PersonTagging.objects.get()
    assert tagging.tag == tag_elderly and tagging.person.name == "人1"


@pytest.mark.parametrize("workers", [0, 2])
def test_errors_name_row_and_column_when_rows_are_bad(centre_a, dwelling_a1, workers):
    bad_check = id_number(3)[:17] + ("0" if id_number(3)[17] != "0" else "1")
    rows = [
        HEADER,
        person_row(1),
        ["", id_number(2), "", "", "", "A1-001", "", "", ""],
        ["人3", bad_check, "", "", "", "A1-001", "", "", ""],
        ["人4", id_number(4), "12", "", "", "NO-SUCH", "", "", ""],
        ["人5", id_number(5), "", "", "老板", "A1-001", "火星", "", ""],
    ]
    job = run(centre_a, xlsx_file(rows), name="p.xlsx", batch_rows=2, workers=workers)
    assert (job.created, job.error_rows, job.rows_done) == (1, 4, 5)
    errors = {(e.row, e.column): e.reason for e in imports.job_errors(job)}
    assert errors[(3, "A 姓名")] == "Name is required."
    assert "check character" in errors[(4, "B 身份证号")]
    assert "5 to 15 digits" in errors[(5, "C 手机号")]
    assert "NO-SUCH" in errors[(5, "F 房屋编号")]
    assert "老板" in errors[(6, "E 与户主关系")]
    assert "火星" in errors[(6, "G 居住类型")]
    report = openpyxl.load_workbook(io.BytesIO(imports.error_report_xlsx(job)), read_only=True)
    assert len(list(report.active.iter_rows(values_only=True))) == 1 + len(errors)


@pytest.mark.parametrize("workers", [0, 2])
def test_duplicate_is_rejected_when_id_repeats_within_and_across_batches(
    centre_a, dwelling_a1, workers
):
    rows = [HEADER, person_row(1), person_row(1), person_row(2), person_row(1)]
    job = run(centre_a, csv_file(rows), batch_rows=3, workers=workers)
    assert job.created == 2 and Person.objects.count() == 2
    errors = [(e.row, e.reason) for e in imports.job_errors(job)]
    assert errors == [
        (3, "The same ID number is already on row 2."),
        (5, "The same ID number is already on an earlier row of this file."),
    ]


def test_known_person_counts_as_unchanged_when_already_in_database(centre_a, dwelling_a1):
    run(centre_a, csv_file([HEADER, person_row(1)]))
    job = run(centre_a, csv_file([HEADER, person_row(1), person_row(2)]))
    assert (job.created, job.unchanged, job.error_rows) == (1, 1, 0)
    assert Person.objects.count() == 2


def test_person_outside_jurisdiction_is_refused_when_known_elsewhere(
    centre_a, centre_b, dwelling_a1, dwelling_b1
):
    run(centre_b, csv_file([HEADER, person_row(1, dwelling="B1-001")]))
    job = run(centre_a, csv_file([HEADER, person_row(1)]))
    assert job.created == 0
    assert "outside your jurisdiction" in imports.job_errors(job)[0].reason


def test_household_head_is_checked_when_head_comes_in_a_later_batch(centre_a, dwelling_a1):
    rows = [
        HEADER,
        person_row(1, household="H-1", relation="户主"),
        person_row(2, household="H-1", relation="配偶"),
        person_row(3, household="H-1", relation="户主"),
    ]
    job = run(centre_a, csv_file(rows), batch_rows=2)
    assert job.created == 2
    assert imports.job_errors(job)[0].reason == "Household H-1 already has a head."
    household = Household.objects.get()
    assert household.members.count() == 2 and household.head.name == "人1"


@pytest.mark.parametrize("workers", [0, 2])
def test_import_resumes_after_crash_between_batches(centre_a, dwelling_a1, workers):
    rows = [HEADER, *[person_row(n) for n in range(1, 11)], person_row(1)]
    content = csv_file(rows).getvalue()

    def crash(batches: int) -> None:
        if batches == 2:
            raise RuntimeError("power cut")

    with pytest.raises(RuntimeError):
        run(centre_a, io.BytesIO(content), batch_rows=3, after_batch=crash, workers=workers)
    job = ImportJob.objects.get()
    assert (job.state, job.last_row, job.created) == ("failed", 7, 6)
    assert Person.objects.count() == 6

    job = run(centre_a, io.BytesIO(content), batch_rows=3)
    assert ImportJob.objects.count() == 1
    assert (job.state, job.rows_done, job.created, job.error_rows) == ("done", 11, 10, 1)
    assert Person.objects.count() == 10
    assert ImportRowError.objects.count() == 1


def test_sealed_people_are_the_same_when_sealing_runs_in_worker_processes(centre_a, dwelling_a1):
    rows = [HEADER, *[person_row(n, household=f"H-{n}", relation="户主") for n in range(1, 8)]]
    job = run(centre_a, csv_file(rows), batch_rows=2, workers=2)
    assert (job.state, job.created, job.error_rows, job.batches) == ("done", 7, 0, 4)
    for person in Person.objects.order_by("pk"):
        number = id_number(int(person.name[1:]))
        assert decrypt(person.id_number_sealed) == number
        assert person.id_number_hash == lookup_hash(number)
        assert decrypt(person.phone_sealed) == "13800138000"
        assert person.household.head_id == person.pk


def test_worker_failure_fails_the_job_with_the_rows_when_sealing_raises(
    centre_a, dwelling_a1, monkeypatch
):
    seal, importer = batch_sealing._seal_batch, os.getpid()

    def broken_in_workers(*args):
        if os.getpid() != importer:  # the first batch is sealed in the importing process
            raise ValueError("no entropy")
        return seal(*args)

    monkeypatch.setattr(batch_sealing, "_seal_batch", broken_in_workers)  # forks inherit it
    rows = [HEADER, *[person_row(n) for n in range(1, 6)]]
    with pytest.raises(batch_sealing.WorkerFailed) as failure:
        run(centre_a, csv_file(rows), batch_rows=2, workers=1)
    message = "Sealing rows 4-5 failed in a worker process: ValueError: no entropy"
    assert failure.value.message == message
    job = ImportJob.objects.get()
    assert (job.state, job.message, job.last_row) == ("failed", message, 3)
    assert Person.objects.count() == 2


def test_half_written_batch_is_rolled_back_when_writing_fails(centre_a, dwelling_a1, monkeypatch):
    rows = [HEADER, *[person_row(n) for n in range(1, 6)]]
    content = csv_file(rows).getvalue()
    insert = SqlWriter.insert
    batches = []

    def failing(self, table, columns, values):
        insert(self, table, columns, values)
        if table == "registry_person":
            batches.append(1)
            if len(batches) == 2:
                raise OSError("disk full")

    monkeypatch.setattr(SqlWriter, "insert", failing)
    with pytest.raises(OSError):
        run(centre_a, io.BytesIO(content), batch_rows=2)
    assert Person.objects.count() == 2
    assert ImportJob.objects.get().last_row == 3
    monkeypatch.setattr(SqlWriter, "insert", insert)
    assert run(centre_a, io.BytesIO(content), batch_rows=2).created == 5
    assert Person.objects.count() == 5


def test_rerun_of_finished_file_adds_nothing_when_run_again(centre_a, dwelling_a1):
    content = csv_file([HEADER, person_row(1), person_row(2)]).getvalue()
    run(centre_a, io.BytesIO(content))
    job = run(centre_a, io.BytesIO(content))
    assert (job.created, job.unchanged) == (0, 2)
    assert Person.objects.count() == 2


def test_bad_file_fails_the_job_when_columns_are_missing(centre_a):
    with pytest.raises(ValidationFailed, match="Missing required columns"):
        run(centre_a, csv_file([["姓名"], ["张三"]]))
    assert ImportJob.objects.get().state == "failed"


def test_vector_id_check_agrees_with_parser_when_numbers_are_random():
    rng = random.Random(7)
    numbers = []
    for _ in range(3000):
        first17 = f"{rng.choice(['43', '11', '99', '71', '00'])}{rng.randrange(10**4):04d}"
        first17 += f"{rng.choice([1899, 1950, 2000, 2023, 2999])}{rng.randrange(0, 14):02d}"
        first17 += f"{rng.randrange(0, 33):02d}{rng.randrange(1000):03d}"
        last = check_character(first17) if rng.random() < 0.7 else rng.choice("0123456789X")
        numbers.append(first17 + last)
    numbers += ["４３１２０２１９８００５１７００１Ｘ", "43120219800517001x", "431202800517001", ""]
    today = date(2025, 1, 1)
    fast = batch_sealing.ids_plainly_valid(numbers, today)
    for number, ok in zip(numbers, fast, strict=True):
        if ok:
            assert is_valid_id_number(number, today=today), number
    checked = [n for n in numbers if n.isascii() and len(n) == 18 and n[17] != "x"]
    assert sum(fast) == sum(is_valid_id_number(n, today=today) for n in checked) > 100


def test_import_page_runs_a_job_and_shows_its_counters_when_mode_is_valid_rows(
    centre_a, dwelling_a1, settings, tmp_path
):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client

    settings.FENGQIAO_HOME = tmp_path
    client = Client(HTTP_ACCEPT_LANGUAGE="en")  # assertions read the English msgids
    client.force_login(centre_a)
    content = csv_file([HEADER, person_row(1), person_row(1)]).getvalue()
    page = client.post(
        "/registry/import/",
        {"kind": "people", "mode": "valid_rows", "file": SimpleUploadedFile("p.csv", content)},
    )
    job = ImportJob.objects.get()
    body = page.content.decode()
    assert page.status_code == 200 and job.state == "queued"
    assert f"/registry/import/jobs/{job.pk}/run/" in body and 'hx-trigger="every 1s"' in body

    done = client.post(f"/registry/import/jobs/{job.pk}/run/").content.decode()
    assert "every 1s" not in done and "2 rows done: 1 created" in done
    poll = client.get(f"/registry/import/jobs/{job.pk}/").content.decode()
    assert "errors.xlsx" in poll
    report = client.get(f"/registry/import/jobs/{job.pk}/errors.xlsx")
    rows = list(
        openpyxl.load_workbook(io.BytesIO(report.content)).active.iter_rows(values_only=True)
    )
    assert rows[1][0] == 3
    assert Person.objects.count() == 1


def test_import_job_is_hidden_when_another_user_asks(centre_a, centre_b, dwelling_a1):
    from django.test import Client

    job = run(centre_a, csv_file([HEADER, person_row(1)]))
    client = Client()
    client.force_login(centre_b)
    assert client.get(f"/registry/import/jobs/{job.pk}/").status_code == 404


# --- all or nothing: the same batches, staged in one transaction -----------------------------


@pytest.mark.parametrize("workers", [0, 2])
def test_crash_leaves_nothing_and_rerun_starts_over_when_all_or_nothing(
    centre_a, dwelling_a1, workers
):
    rows = [HEADER, *[person_row(n, household=f"H-{n}", relation="户主") for n in range(1, 8)]]
    content = csv_file(rows).getvalue()

    def crash(batches: int) -> None:
        if batches == 2:
            raise RuntimeError("power cut")

    with pytest.raises(RuntimeError):
        run(
            centre_a,
            io.BytesIO(content),
            batch_rows=3,
            after_batch=crash,
            workers=workers,
            mode="all_or_nothing",
        )
    job = ImportJob.objects.get()
    assert (job.state, job.last_row, job.created, job.rows_done) == ("failed", 0, 0, 0)
    assert Person.objects.count() == Household.objects.count() == 0

    job = run(centre_a, io.BytesIO(content), batch_rows=3, workers=workers, mode="all_or_nothing")
    assert ImportJob.objects.count() == 1
    assert (job.state, job.rows_done, job.created, job.batches) == ("done", 7, 7, 3)
    assert Person.objects.count() == Household.objects.count() == 7


def test_head_in_a_later_batch_is_refused_and_nothing_saved_when_all_or_nothing(
    centre_a, dwelling_a1
):
    rows = [
        HEADER,
        person_row(1, household="H-1", relation="户主"),
        person_row(2, household="H-1", relation="配偶"),
        person_row(3, household="H-1", relation="户主"),
    ]
    job = run(centre_a, csv_file(rows), batch_rows=2, mode="all_or_nothing")
    assert (job.state, job.created, job.error_rows, job.rows_done) == ("rejected", 0, 1, 3)
    assert [(e.row, e.reason) for e in imports.job_errors(job)] == [
        (4, "Household H-1 already has a head.")
    ]
    assert Person.objects.count() == Household.objects.count() == 0


def test_rejected_file_is_checked_again_when_imported_again(centre_a, dwelling_a1):
    content = csv_file([HEADER, person_row(1), person_row(1)]).getvalue()
    first = run(centre_a, io.BytesIO(content), mode="all_or_nothing")
    second = run(centre_a, io.BytesIO(content), mode="all_or_nothing")
    assert (first.state, second.state) == ("rejected", "rejected")
    assert first.pk != second.pk and ImportRowError.objects.filter(job=second).count() == 1
    assert Person.objects.count() == 0
