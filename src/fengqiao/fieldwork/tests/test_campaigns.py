"""Campaigns (排查任务): made by the centre for an area inside its jurisdiction, one item per
target row; clues imported from an XLSX with every bad cell reported by row and column;
items checked once per client id by whoever can see them, a problem raising a case; progress
per township, village and grid; the daily reminder to the grids short of 100 %."""

import io
from datetime import timedelta

import pytest
from django.test import Client
from openpyxl import Workbook

from fengqiao.accounts.services import token_issue
from fengqiao.campaigns import selectors, services
from fengqiao.campaigns.clue_import import ClueErrors
from fengqiao.campaigns.models import Campaign, CampaignItem
from fengqiao.campaigns.targets import RaiseCase
from fengqiao.cases.models import Case, Notification
from fengqiao.core import clock
from fengqiao.core.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from fengqiao.core.models import AuditEntry
from fengqiao.core.sweeping import run_all_sweeps
from fengqiao.regions.models import Grid
from fengqiao.registry.models import Dwelling, Household

CHECKLIST = ["是否有租户", "租户是否登记", "消防通道是否畅通"]


@pytest.fixture
def field(users):
    centre = users["village_centre"]
    worker = users["grid_worker"]
    return {
        "centre": centre,
        "worker": worker,
        "chief": users["grid_chief"],
        "other_centre": users["village_centre_b"],
        "village": centre.bindings.get().code,
        "micro": worker.bindings.get().code,
        "other_village": users["village_centre_b"].bindings.get().code,
    }


def _spec(area, **extra):
    given = {
        "title": "出租房屋排查",
        "region_code": area,
        "deadline": clock.localdate() + timedelta(days=10),
        "checklist": CHECKLIST,
        **extra,
    }
    return services.CampaignSpec(**given)


def _campaign(field, kind="dwelling", area=None):
    return services.campaign_create(
        actor=field["centre"], kind=kind, spec=_spec(area or field["village"])
    )


def _item_of(field, campaign):
    return CampaignItem.objects.visible_to(field["worker"]).filter(campaign=campaign).first()


def test_a_campaign_fans_out_one_item_per_row_in_the_area_with_an_audit_row(field):
    campaign = _campaign(field, "household")
    expected = Household.objects.visible_to(field["centre"]).count()
    assert campaign.item_count == expected == campaign.items.count()
    labelled = campaign.items.filter(household__isnull=False).exclude(target_label="")
    assert labelled.count() == expected
    entry = AuditEntry.objects.get(entity_type="campaigns.campaign", entity_id=str(campaign.pk))
    assert entry.changes["items"] == [None, expected]


def test_fan_out_writes_in_batches(field, monkeypatch):
    monkeypatch.setattr(services, "BATCH", 7)
    campaign = _campaign(field, "dwelling")
    assert campaign.items.count() == Dwelling.objects.visible_to(field["centre"]).count() > 7


def test_only_centre_staff_create_campaigns(field):
    with pytest.raises(NotAllowed):
        services.campaign_create(actor=field["worker"], kind="dwelling", spec=_spec(field["micro"]))
    assert not Campaign.objects.exists()


def test_an_area_outside_the_jurisdiction_is_not_found(field):
    with pytest.raises(NotFound) as caught:
        _campaign(field, area=field["other_village"])
    assert caught.value.field == "region_code"
    assert not Campaign.objects.exists()


@pytest.mark.parametrize(
    ("extra", "field_name"),
    [
        ({"deadline": "past"}, "deadline"),
        ({"checklist": ["问"] * 21}, "checklist"),
        ({"checklist": ["问" * 101]}, "checklist"),
        ({"title": " "}, "title"),
    ],
)
def test_bad_campaign_input_is_refused_with_its_field(field, extra, field_name):
    if extra.get("deadline") == "past":
        extra = {"deadline": clock.localdate() - timedelta(days=1)}
    with pytest.raises(ValidationFailed) as caught:
        services.campaign_create(
            actor=field["centre"], kind="dwelling", spec=_spec(field["village"], **extra)
        )
    assert caught.value.field == field_name
    assert not Campaign.objects.exists()


def test_a_check_is_recorded_once_per_client_id(field):
    campaign = _campaign(field)
    item = _item_of(field, campaign)
    first = services.item_check(
        actor=field["worker"],
        item_id=item.pk,
        result="done",
        answers={"0": True, "2": False},
        client_id="tick-1",
    )
    again = services.item_check(
        actor=field["worker"], item_id=item.pk, result="not_found", client_id="tick-1"
    )
    assert first.is_new and not again.is_new and again.pk == first.pk
    item.refresh_from_db()
    assert item.status == "done" and item.answers == {"0": True, "2": False}
    assert item.done_by == field["worker"]
    assert (
        AuditEntry.objects.filter(
            entity_type="campaigns.campaignitem", entity_id=str(item.pk)
        ).count()
        == 1
    )


def test_a_problem_raises_a_case_in_the_same_step(field):
    campaign = _campaign(field)
    item = _item_of(field, campaign)
    checked = services.item_check(
        actor=field["worker"],
        item_id=item.pk,
        result="problem",
        note="消防通道堵塞",
        raise_case=RaiseCase(category="building_hazard", title="消防通道堵塞"),
    )
    case = Case.objects.get(pk=checked.case_id)
    assert case.title == "消防通道堵塞" and "消防通道堵塞" in case.description


def test_a_problem_needs_a_category_and_nothing_is_written_without(field):
    item = _item_of(field, _campaign(field))
    with pytest.raises(ValidationFailed) as caught:
        services.item_check(actor=field["worker"], item_id=item.pk, result="problem")
    assert caught.value.field == "case_category"
    item.refresh_from_db()
    assert item.status == "pending" and not Case.objects.exists()


def test_an_item_outside_the_workers_grid_is_not_found(field):
    campaign = _campaign(field)
    outside = campaign.items.exclude(
        pk__in=CampaignItem.objects.visible_to(field["worker"]).values("pk")
    ).first()
    with pytest.raises(NotFound):
        services.item_check(actor=field["worker"], item_id=outside.pk, result="done")
    with pytest.raises(NotFound):
        services.item_check(actor=field["other_centre"], item_id=outside.pk, result="done")


@pytest.mark.parametrize(
    ("given", "field_name"),
    [
        ({"result": "maybe"}, "result"),
        ({"answers": {"3": True}}, "answers"),
        ({"answers": {"0": "yes"}}, "answers"),
        ({"note": "长" * 2001}, "note"),
        ({"checked_at": "late"}, "checked_at"),
        ({"checked_at": "future"}, "checked_at"),
    ],
)
def test_bad_check_input_is_refused_with_its_field(field, given, field_name):
    item = _item_of(field, _campaign(field))
    moments = {"late": timedelta(days=-31), "future": timedelta(hours=1)}
    if given.get("checked_at") in moments:
        given = {"checked_at": clock.now() + moments[given["checked_at"]]}
    with pytest.raises(ValidationFailed) as caught:
        services.item_check(actor=field["worker"], item_id=item.pk, **{"result": "done", **given})
    assert caught.value.field == field_name


def test_a_check_up_to_30_days_late_is_taken(field):
    item = _item_of(field, _campaign(field))
    at = clock.now() - timedelta(days=29)
    checked = services.item_check(
        actor=field["worker"], item_id=item.pk, result="done", checked_at=at
    )
    assert checked.done_at == at


def test_only_the_centre_corrects_a_checked_item(field):
    item = _item_of(field, _campaign(field))
    services.item_check(actor=field["worker"], item_id=item.pk, result="done", client_id="a")
    with pytest.raises(Conflict):
        services.item_check(
            actor=field["chief"], item_id=item.pk, result="not_found", client_id="b"
        )
    corrected = services.item_check(
        actor=field["centre"], item_id=item.pk, result="not_found", client_id="c"
    )
    assert corrected.status == "not_found" and corrected.done_by == field["centre"]


def test_a_closed_campaign_takes_no_checks_and_only_the_centre_closes(field):
    campaign = _campaign(field)
    with pytest.raises(NotAllowed):
        services.campaign_close(actor=field["worker"], campaign_id=campaign.pk)
    with pytest.raises(NotFound):
        services.campaign_close(actor=field["other_centre"], campaign_id=campaign.pk)
    closed = services.campaign_close(actor=field["centre"], campaign_id=campaign.pk)
    assert closed.status == "closed" and closed.closed_at is not None
    with pytest.raises(Conflict):
        services.item_check(
            actor=field["worker"], item_id=_item_of(field, campaign).pk, result="done"
        )


def test_progress_at_each_level_and_the_stragglers(field):
    campaign = _campaign(field)
    mine = list(CampaignItem.objects.visible_to(field["worker"]).filter(campaign=campaign))
    for n, item in enumerate(mine):
        services.item_check(
            actor=field["worker"], item_id=item.pk, result="not_found" if n == 0 else "done"
        )
    total = campaign.items.count()
    for level in ("township", "village", "grid"):
        progress = selectors.campaign_progress(
            actor=field["centre"], campaign=campaign, level=level
        )
        assert sum(u.total for u in progress.units) == total == progress.total.total
        assert progress.total.done == len(mine) - 1 and progress.total.not_found == 1
    grids = selectors.campaign_progress(actor=field["centre"], campaign=campaign, level="grid")
    grid_code = field["micro"][:15]
    unit = next(u for u in grids.units if u.code == grid_code)
    assert unit.name == Grid.objects.get(code=grid_code).name
    assert [u.percent for u in grids.stragglers] == sorted(u.percent for u in grids.stragglers)
    village = selectors.campaign_progress(actor=field["centre"], campaign=campaign, level="village")
    assert village.units[0].percent == (100 * len(mine)) // total
    with pytest.raises(ValidationFailed):
        selectors.campaign_progress(actor=field["centre"], campaign=campaign, level="street")


def test_the_workers_open_items_and_the_monthly_totals(field):
    campaign = _campaign(field)
    groups = selectors.my_items(actor=field["worker"])
    assert [g.campaign.pk for g in groups] == [campaign.pk]
    mine = groups[0].items
    assert len(mine) == CampaignItem.objects.visible_to(field["worker"]).count()
    services.item_check(actor=field["worker"], item_id=mine[0].pk, result="done")
    assert len(selectors.my_items(actor=field["worker"])[0].items) == len(mine) - 1
    month = clock.localdate().strftime("%Y-%m")
    assert selectors.campaign_totals(actor=field["centre"], month=month) == {field["worker"].pk: 1}
    with pytest.raises(ValidationFailed):
        selectors.campaign_totals(actor=field["centre"], month="9999-12")


def test_a_worker_sees_the_village_campaign_but_another_village_does_not(field):
    campaign = _campaign(field)
    assert list(selectors.campaign_list(actor=field["worker"])) == [campaign]
    assert not selectors.campaign_list(actor=field["other_centre"]).exists()


def test_the_reminder_goes_once_a_day_to_the_grids_short_of_100_percent(field):
    campaign = services.campaign_create(
        actor=field["centre"],
        kind="dwelling",
        spec=_spec(field["village"], deadline=clock.localdate() + timedelta(days=5)),
    )
    assert services.remind_stragglers()["campaign_reminders"] == 0  # too early
    later = clock.now() + timedelta(days=3)
    first = services.remind_stragglers(later)["campaign_reminders"]
    assert first >= 1
    assert Notification.objects.filter(recipient=field["worker"], kind="campaign_due").count() == 1
    assert run_all_sweeps(later)["campaign_reminders"] == 0  # registered; once per day
    for item in CampaignItem.objects.visible_to(field["worker"]).filter(campaign=campaign):
        services.item_check(actor=field["worker"], item_id=item.pk, result="done")
    services.remind_stragglers(later + timedelta(days=1))
    # The worker's grid is at 100 %: no second reminder for them.
    assert Notification.objects.filter(recipient=field["worker"], kind="campaign_due").count() == 1


def test_the_reminders_stop_a_week_after_the_deadline(field):
    deadline = clock.localdate() + timedelta(days=1)
    services.campaign_create(
        actor=field["centre"], kind="dwelling", spec=_spec(field["village"], deadline=deadline)
    )
    week_after = clock.now() + timedelta(days=1 + services.REMIND_AFTER_DAYS)
    assert services.remind_stragglers(week_after)["campaign_reminders"] >= 1
    day_more = week_after + timedelta(days=1)
    assert services.remind_stragglers(day_more)["campaign_reminders"] == 0


# --- clues ------------------------------------------------------------------------------


def _xlsx(rows, header=("线索", "地址", "纬度", "经度", "村代码")):
    book = Workbook()
    sheet = book.active
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    data = io.BytesIO()
    book.save(data)
    data.seek(0)
    return data


def _point_in(field):
    dwelling = Dwelling.objects.visible_to(field["worker"]).exclude(lat=None).first()
    return dwelling.lat, dwelling.lng


def test_clues_are_placed_by_point_or_village(field):
    lat, lng = _point_in(field)
    data = _xlsx(
        [
            ("群租房线索", "某路1号", lat, lng, None),
            (None, None, None, None, None),
            ("无证经营", "某路2号", None, None, field["village"]),
        ]
    )
    campaign = services.campaign_import_clues(
        actor=field["centre"], spec=_spec(field["village"]), file=data
    )
    items = list(campaign.items.order_by("source_row"))
    assert [i.source_row for i in items] == [2, 4]
    assert items[0].region_code == field["micro"] and items[0].grid.code == field["micro"]
    assert items[1].region_code == field["village"] and items[1].grid is None
    assert campaign.kind == "clue"


def test_every_bad_cell_is_reported_with_row_and_column_and_nothing_is_stored(field):
    lat, lng = _point_in(field)
    data = _xlsx(
        [
            ("好线索", "", lat, lng, None),
            ("", "地址", lat, lng, None),  # no clue: A2
            ("线索", "", "北纬", lng, None),  # C4
            ("线索", "", lat, None, None),  # D5
            ("线索", "", None, None, field["other_village"]),  # outside the area: E6
            ("线索", "", None, None, "439901001999"),  # no such village: E7
            ("线索", "", 10.0, 10.0, None),  # outside every village: C8
        ]
    )
    with pytest.raises(ClueErrors) as caught:
        services.campaign_import_clues(
            actor=field["centre"], spec=_spec(field["village"]), file=data
        )
    cells = [(e.row, e.column) for e in caught.value.errors]
    assert cells == [(3, "A"), (4, "C"), (5, "D"), (6, "E"), (7, "E"), (8, "C")]
    assert not Campaign.objects.exists() and not CampaignItem.objects.exists()


def test_a_file_that_is_not_a_workbook_or_lacks_the_clue_column_is_refused(field):
    with pytest.raises(ValidationFailed) as caught:
        services.campaign_import_clues(
            actor=field["centre"], spec=_spec(field["village"]), file=io.BytesIO(b"not xlsx")
        )
    assert caught.value.field == "file"
    with pytest.raises(ValidationFailed):
        services.campaign_import_clues(
            actor=field["centre"],
            spec=_spec(field["village"]),
            file=_xlsx([("x",)], header=("名称",)),
        )


def test_more_than_the_row_limit_is_refused(field, monkeypatch):
    monkeypatch.setattr("fengqiao.campaigns.clue_import.MAX_ROWS", 2)
    data = _xlsx([("线索", "", None, None, field["village"])] * 3)
    with pytest.raises(ValidationFailed) as caught:
        services.campaign_import_clues(
            actor=field["centre"], spec=_spec(field["village"]), file=data
        )
    assert caught.value.field == "file"


# --- API --------------------------------------------------------------------------------


def _api(user) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {token_issue(user=user)[0]}")


def test_api_creates_checks_once_and_answers_200_on_a_resend(field):
    deadline = (clock.localdate() + timedelta(days=7)).isoformat()
    created = _api(field["centre"]).post(
        "/api/v1/campaigns",
        {
            "title": "出租房屋排查",
            "kind": "dwelling",
            "region_code": field["micro"],
            "deadline": deadline,
            "checklist": CHECKLIST,
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    campaign = created.json()
    assert campaign["item_count"] == Dwelling.objects.visible_to(field["worker"]).count()
    worker = _api(field["worker"])
    items = worker.get(f"/api/v1/campaigns/{campaign['id']}/items?status=pending").json()
    item_id = items["items"][0]["id"]
    body = {
        "result": "problem",
        "client_id": "phone-7",
        "answers": {"1": False},
        "case_category": "building_hazard",
        "case_title": "群租隐患",
    }
    first = worker.post(
        f"/api/v1/campaign-items/{item_id}/check", body, content_type="application/json"
    )
    again = worker.post(
        f"/api/v1/campaign-items/{item_id}/check", body, content_type="application/json"
    )
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["case_code"] == again.json()["case_code"] is not None
    assert Case.objects.count() == 1
    progress = worker.get(f"/api/v1/campaigns/{campaign['id']}/progress?level=grid").json()
    assert progress["total"]["problem"] == 1
    assert (
        _api(field["worker"]).post(f"/api/v1/campaigns/{campaign['id']}/close").status_code == 403
    )
    closed = _api(field["centre"]).post(f"/api/v1/campaigns/{campaign['id']}/close")
    assert closed.json()["status"] == "closed"


def test_api_refuses_crafted_input_with_4xx(field):
    campaign = _campaign(field)
    other = _api(field["other_centre"])
    assert other.get(f"/api/v1/campaigns/{campaign.pk}").status_code == 404
    assert other.get(f"/api/v1/campaigns/{campaign.pk}/items").status_code == 404
    worker = _api(field["worker"])
    for path in (
        f"/api/v1/campaigns/{campaign.pk}/progress?level=x",
        f"/api/v1/campaigns/{campaign.pk}/items?status=x",
    ):
        assert worker.get(path).status_code == 400, path
    assert worker.get(f"/api/v1/campaigns/{campaign.pk}/items?grid=9").status_code == 404
    assert worker.get("/api/v1/campaigns/99999999999999999999").status_code in (404, 422)
    big = worker.post(
        "/api/v1/campaign-items/1/check",
        {"result": "done", "note": "x" * 3000},
        content_type="application/json",
    )
    assert big.status_code == 422


def test_api_clue_import_lists_the_bad_cells(field):
    data = _xlsx([("线索", "", None, None, field["other_village"])])
    data.name = "clues.xlsx"
    response = _api(field["centre"]).post(
        "/api/v1/campaigns/import",
        {
            "file": data,
            "title": "线索核查",
            "region_code": field["village"],
            "deadline": (clock.localdate() + timedelta(days=3)).isoformat(),
            "checklist": "是否属实\n是否已处理",
        },
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert [(e["row"], e["column"]) for e in errors] == [(2, "E")] and errors[0]["reason"]
    good = _xlsx([("线索", "", None, None, field["village"])])
    good.name = "clues.xlsx"
    response = _api(field["centre"]).post(
        "/api/v1/campaigns/import",
        {
            "file": good,
            "title": "线索核查",
            "region_code": field["village"],
            "deadline": (clock.localdate() + timedelta(days=3)).isoformat(),
            "checklist": "是否属实\n是否已处理",
        },
    )
    assert response.status_code == 201, response.content
    assert response.json()["checklist"] == ["是否属实", "是否已处理"]


# --- pages ------------------------------------------------------------------------------


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_centre_creates_a_campaign_on_the_workbench_and_drills_down(field):
    centre = _signed_in(field["centre"])
    assert centre.get("/fieldwork/campaigns/").status_code == 200
    response = centre.post(
        "/fieldwork/campaigns/",
        {
            "title": "出租房屋排查",
            "kind": "dwelling",
            "region_code": field["village"],
            "deadline": (clock.localdate() + timedelta(days=5)).isoformat(),
            "checklist": "是否有租户\n租户是否登记",
        },
    )
    campaign = Campaign.objects.get()
    assert response.status_code == 302 and campaign.checklist == ["是否有租户", "租户是否登记"]
    assert response.url == f"/fieldwork/campaigns/{campaign.pk}/"
    page = centre.get(f"/fieldwork/campaigns/{campaign.pk}/")
    assert page.status_code == 200 and page.context["level"] == "grid"
    grid = field["micro"][:15]
    items = centre.get(f"/fieldwork/campaigns/{campaign.pk}/?level=grid&grid={grid}")
    assert (
        items.context["items"].paginator.count
        == campaign.items.filter(region_code__startswith=grid).count()
    )
    assert centre.get(f"/fieldwork/campaigns/{campaign.pk}/?level=x").status_code == 404
    listed = centre.get("/fieldwork/campaigns/")
    assert "0%" in listed.content.decode()
    bad = centre.post("/fieldwork/campaigns/", {"title": "x", "kind": "dwelling", "deadline": "x"})
    assert bad.status_code == 400
    other = _signed_in(field["other_centre"])
    assert other.get(f"/fieldwork/campaigns/{campaign.pk}/").status_code == 404
    assert other.get("/fieldwork/campaigns/99999999999999999999999/").status_code == 404


def test_the_results_ledger_is_an_xlsx_with_one_access_log_row(field):
    from fengqiao.core.models import AccessLog

    campaign = _campaign(field)
    response = _signed_in(field["centre"]).get(f"/fieldwork/campaigns/{campaign.pk}/export.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert AccessLog.objects.filter(object_type="ledger_campaign").count() == 1


def test_the_phone_lists_the_workers_items_and_checks_without_javascript(field):
    campaign = _campaign(field)
    worker = _signed_in(field["worker"])
    page = worker.get("/m/visits/campaigns/")
    assert page.status_code == 200
    items = page.context["groups"][0].items
    assert len(items) == CampaignItem.objects.visible_to(field["worker"]).count()
    item = items[0]
    response = worker.post(
        f"/m/visits/campaigns/{item.pk}/check/",
        {"result": "done", "yes": ["0"], "client_id": "nojs-1"},
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == "done" and item.answers == {"0": True}
    assert campaign.items.filter(status="pending").count() == campaign.items.count() - 1


def test_the_demo_seeds_a_finished_and_an_open_campaign(users):
    from fengqiao.demo.fieldwork_campaigns import seed_campaigns

    assert seed_campaigns(seed=1) == CampaignItem.objects.count() > 0
    rental = Campaign.objects.get(title="出租房屋排查")
    assert rental.status == "closed" and not rental.items.filter(status="pending").exists()
    assert rental.items.filter(status="problem", case__isnull=False).exists()
    disputes = Campaign.objects.get(title="矛盾纠纷排查")
    assert disputes.status == "open"
    assert 0 < disputes.items.filter(status="pending").count() < disputes.items.count()
