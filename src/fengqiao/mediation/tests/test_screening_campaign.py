"""A screening round is a campaign of kind "screening" (fengqiao.campaigns): opening a round
makes the campaign with one item per grid, a grid's report ticks its item through the
engine, and coverage, the grids still to report and the reminders are the engine's."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse

from fengqiao.campaigns import selectors as campaign_selectors
from fengqiao.campaigns.services import item_check, remind_stragglers
from fengqiao.cases.models import Notification
from fengqiao.core import clock
from fengqiao.core.audit import AuditEntry
from fengqiao.core.errors import Conflict
from fengqiao.mediation import screening, selectors
from fengqiao.mediation.tests.test_screening_scope import _register
from fengqiao.regions.models import Grid

START = datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def opened(world):
    clock.freeze(START)
    village = world["micro"].village
    (round_,) = screening.screening_rounds_open(
        actor=world["village_centre"],
        region=village,
        starts_on=date(2026, 3, 1),
        ends_on=date(2026, 3, 15),
    )
    grids = list(Grid.objects.filter(village=village, parent__isnull=True).order_by("code"))
    return round_, grids


def test_opening_a_round_makes_a_screening_campaign_with_an_item_per_grid(world, opened):
    round_, grids = opened
    campaign = round_.campaign
    assert campaign.kind == "screening" and campaign.is_open
    assert campaign.region_code == round_.region_code
    assert campaign.deadline == round_.ends_on
    items = list(campaign.items.order_by("region_code"))
    assert [i.grid_id for i in items] == [g.pk for g in grids]
    assert {i.status for i in items} == {"pending"}
    assert AuditEntry.objects.filter(
        entity_type="mediation.screeninground", entity_id=str(round_.pk), action="create"
    ).exists()
    assert AuditEntry.objects.filter(
        entity_type="campaigns.campaign", entity_id=str(campaign.pk), action="create"
    ).exists()
    # Fieldwork's campaign pages run their own campaigns, not the screening rounds.
    listed = campaign_selectors.campaign_list(actor=world["village_centre"])
    assert campaign not in listed


def test_a_report_ticks_the_grids_item_with_the_findings_linked(world, opened):
    round_, _grids = opened
    grid = world["micro"].parent
    dispute = _register(world["grid_worker"], world["micro"], "宅基地纠纷")
    report = screening.screening_report_file(
        actor=world["grid_worker"],
        round_id=round_.pk,
        grid_id=grid.pk,
        nothing_found=False,
        note="走访发现一起",
        dispute_ids=[dispute.pk],
    )
    item = round_.campaign.items.get(grid=grid)
    assert item.status == "done" and item.done_by == world["grid_worker"]
    assert item.note == "走访发现一起"
    assert list(report.findings.values_list("pk", flat=True)) == [dispute.pk]
    for entity_type, pk in (
        ("campaigns.campaignitem", item.pk),
        ("mediation.screeningreport", report.pk),
    ):
        assert AuditEntry.objects.filter(entity_type=entity_type, entity_id=str(pk)).exists()
    # The item is the round's: the campaign pages' check does not tick it.
    other = round_.campaign.items.exclude(grid=grid).first()
    if other is not None:
        with pytest.raises(Conflict):
            item_check(actor=world["village_centre"], item_id=other.pk, result="done")


def test_progress_reaches_100_percent_when_every_grid_reported(world, opened):
    round_, grids = opened
    for number, grid in enumerate(grids):
        progress = selectors.screening_progress(
            actor=world["village_centre"], screening_round=round_
        )
        assert progress.total.percent == (100 * number) // len(grids)
        assert [u.code for u in progress.stragglers] != []
        screening.screening_report_file(
            actor=world["village_centre"], round_id=round_.pk, grid_id=grid.pk, nothing_found=True
        )
    progress = selectors.screening_progress(actor=world["village_centre"], screening_round=round_)
    assert progress.total.percent == 100 and progress.stragglers == []
    assert not selectors.screening_missing_grids(screening_round=round_).exists()
    (row,) = [r for r in selectors.screening_rounds(actor=world["village_centre"]) if r == round_]
    assert row.report_count == row.grid_count == len(grids)


def test_the_engines_sweep_reminds_the_grids_still_to_report(world, opened):
    round_, _grids = opened
    near = START + timedelta(days=12)
    sent = remind_stragglers(near)["campaign_reminders"]
    assert sent >= 1
    assert Notification.objects.filter(
        recipient=world["grid_worker"], dedup_key__startswith=f"campaign:{round_.campaign_id}:"
    ).exists()
    screening.screening_report_file(
        actor=world["grid_worker"],
        round_id=round_.pk,
        grid_id=world["micro"].parent_id,
        nothing_found=True,
    )
    remind_stragglers(near + timedelta(days=1))
    reminded = Notification.objects.filter(
        recipient=world["grid_worker"], dedup_key__startswith=f"campaign:{round_.campaign_id}:"
    )
    assert reminded.count() == 1  # their grid reported: no second reminder


def test_another_villages_round_is_not_found(world, opened):
    round_, _grids = opened
    client = Client()
    client.force_login(world["village_centre_b"])
    page = reverse("mediation:screening_round", args=[round_.pk])
    assert client.get(page).status_code == 404
    assert (
        client.post(page, {"grid": world["micro"].parent_id, "nothing_found": "1"}).status_code
        == 404
    )
    client.force_login(world["village_centre"])
    html = client.get(page).content.decode()
    assert 'id="coverage"' in html and round_.campaign.code in html
