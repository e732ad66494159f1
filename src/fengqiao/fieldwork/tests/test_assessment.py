"""The grid-worker assessment: figures counted from the month's records only, per worker and
per grid, inside the reader's jurisdiction; the month's XLSX is logged as an export."""

import io
from datetime import datetime, timedelta

import pytest
from django.db.models import Count
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from fengqiao.core import clock
from fengqiao.core.errors import NotAllowed, NotFound, ValidationFailed
from fengqiao.core.models import AccessLog
from fengqiao.fieldwork import assessment, services
from fengqiao.fieldwork.defaults import ensure_default_plans
from fengqiao.registry.models import Household, Person
from fengqiao.registry.services import person_tag


@pytest.fixture
def grid(users):
    """Two elders of the grid worker's grid under the monthly plan; the clock in mid-month."""
    worker = users["grid_worker"]
    households = (
        Person.objects.visible_to(worker)
        .exclude(household=None)
        .values("household_id")
        .annotate(n=Count("pk"))
        .order_by("household_id")
    )
    homes = [Household.objects.get(pk=row["household_id"]) for row in households[:2]]
    elders = [Person.objects.filter(household=h).order_by("pk").first() for h in homes]
    for elder in elders:
        person_tag(actor=users["village_centre"], person=elder, tag_code="elderly_alone")
    ensure_default_plans(worker.bindings.get().code[:6])
    clock.freeze(timezone.make_aware(datetime(2026, 11, 20, 10, 0)))
    return {"worker": worker, "homes": homes, "elders": elders}


def _visit(grid, n: int, at):
    return services.visit_record(
        actor=grid["worker"],
        target="household",
        target_id=grid["homes"][n].pk,
        people=[grid["elders"][n].pk],
        visited_at=at,
    )


def _row(rows, username):
    return next(r for r in rows if r.username == username)


def test_the_month_counts_visits_and_the_people_due_and_seen(users, grid):
    _visit(grid, 0, clock.now() - timedelta(days=3))
    _visit(grid, 0, clock.now() - timedelta(days=2))  # the same elder twice: seen once
    rows = assessment.assessment(
        actor=users["village_centre"], month=assessment.month_of("2026-11")
    )
    mine = _row(rows, "grid_worker")
    assert mine.figures["visits"] == 2
    # Never visited before November: both elders were due in the month; one was seen.
    assert mine.figures["people_due"] >= 2
    assert mine.figures["people_seen"] == 1
    october = assessment.assessment(
        actor=users["village_centre"], month=assessment.month_of("2026-10")
    )
    assert _row(october, "grid_worker").figures["visits"] == 0


def test_a_visit_last_month_puts_the_next_one_due_after_the_plan_interval(users, grid):
    _visit(grid, 1, clock.now() - timedelta(days=19))  # 1 November: due again 1 December
    due_before = _row(
        assessment.assessment(actor=users["village_centre"], month=assessment.month_of("2026-11")),
        "grid_worker",
    ).figures["people_due"]
    december = assessment.assessment(
        actor=users["village_centre"], month=assessment.month_of("2026-12")
    )
    assert _row(december, "grid_worker").figures["people_due"] >= 2
    assert due_before >= 1


def test_per_grid_rows_sum_work_but_not_the_grid_people_twice(users, grid):
    _visit(grid, 0, clock.now() - timedelta(days=1))
    rows = assessment.assessment(
        actor=users["village_centre"], month=assessment.month_of("2026-11")
    )
    grids = assessment.by_grid(rows)
    code = grid["worker"].bindings.get().code
    mine = next(g for g in grids if g.grids == [code])
    assert mine.figures["visits"] == sum(r.figures["visits"] for r in rows if code in r.grids)
    assert mine.figures["people_due"] == max(
        r.figures["people_due"] for r in rows if code in r.grids
    )


def test_only_readers_see_the_assessment_and_only_inside_their_jurisdiction(users, grid):
    month = assessment.month_of("2026-11")
    with pytest.raises(NotAllowed):
        assessment.assessment(actor=grid["worker"], month=month)
    other = assessment.assessment(actor=users["village_centre_b"], month=month)
    assert "grid_worker" not in {r.username for r in other}
    with pytest.raises(NotFound):
        assessment.assessment(
            actor=users["village_centre_b"],
            month=month,
            area=grid["worker"].bindings.get().code,
        )
    own = assessment.assessment(actor=grid["worker"], month=month, own=True)
    assert [r.username for r in own] == ["grid_worker"]


@pytest.mark.parametrize("raw", ["2026-13", "26-11", "2026/11", "x" * 400, "1999-01"])
def test_a_bad_month_names_the_field(raw):
    with pytest.raises(ValidationFailed) as caught:
        assessment.month_of(raw)
    assert caught.value.field == "month"


def test_the_page_the_api_and_the_logged_export(users, grid):
    _visit(grid, 0, clock.now() - timedelta(days=1))
    client = Client()
    client.force_login(users["village_centre"])
    page = client.get("/fieldwork/assessment/?month=2026-11")
    assert page.status_code == 200
    assert 'data-user="grid_worker"' in page.content.decode()
    assert client.get("/fieldwork/assessment/?month=2026-99").status_code == 400
    api = client.get("/api/v1/fieldwork/assessment?month=2026-11")
    assert api.status_code == 200
    assert _api_row(api.json())["figures"]["visits"] == 1
    assert client.get("/api/v1/fieldwork/assessment?month=bad").status_code == 400
    export = client.get("/fieldwork/assessment/export.xlsx?month=2026-11")
    assert export.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(export.streaming_content))).active
    texts = [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
    assert any("网格员考核" in t for t in texts)
    assert AccessLog.objects.filter(object_type="ledger_assessment").count() == 1
    worker = Client()
    worker.force_login(grid["worker"])
    assert worker.get("/api/v1/fieldwork/assessment?month=2026-11").status_code == 403
    mine = worker.get("/m/visits/month/?month=2026-11")
    assert mine.status_code == 200 and 'data-figure="visits"' in mine.content.decode()


def _api_row(rows):
    return next(r for r in rows if r["username"] == "grid_worker")


def test_a_missed_help_plan_contact_counts_as_due_and_not_on_time(users, grid):
    from datetime import date

    from fengqiao.fieldwork.helpplans import helpplan_create

    helpplan_create(
        actor=users["village_centre"],
        person_id=grid["elders"][0].pk,
        kind="mental_illness",
        members=[(grid["worker"].pk, "网格员")],
        starts_on=date(2026, 11, 2),
        contact_every_days=30,
    )
    month = assessment.month_of("2026-11")
    mine = _row(assessment.assessment(actor=users["village_centre"], month=month), "grid_worker")
    assert (mine.figures["help_due"], mine.figures["help_on_time"]) == (1, 0)
    # A leader does not see help plans, so reads no help-plan figures.
    theirs = assessment.assessment(actor=users["leader"], month=month)
    assert "grid_worker" in {r.username for r in theirs}
    assert all(r.figures["help_due"] == 0 for r in theirs)
