"""Moving campaigns out of fieldwork keeps every row (the tables stay, only Django's state
moves), and the screening migration gives each existing round its campaign with one item per
grid, ticked for the grids that had reported."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [
    ("fieldwork", "0006_groups"),
    ("mediation", "0002_petitioner_id_masked_region_and_check_only"),
    ("campaigns", None),
]
AT = datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def _migrate(targets):
    """Migrate to `targets`; the state of every app at that point (the others at their
    newest migration)."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    moved = {app for app, _name in targets}
    others = [n for n in executor.loader.graph.leaf_nodes() if n[0] not in moved]
    return executor.loader.project_state([t for t in targets if t[1]] + others).apps


def _old_world(old):
    Region = old.get_model("regions", "Region")
    village = Region.objects.create(
        code="431202100200", name="甲村", level="village", kind="village"
    )
    Grid = old.get_model("regions", "Grid")
    grids = [
        Grid.objects.create(
            code=f"431202100200{n:03d}", name=f"第{n}网格", kind="comprehensive", village=village
        )
        for n in (1, 2)
    ]
    User = old.get_model("accounts", "User")
    centre = User.objects.create(username="centre", role="centre_staff", password="!")
    return village, grids, centre


def test_campaign_rows_stay_and_rounds_become_screening_campaigns():
    old = _migrate(BEFORE)
    village, grids, centre = _old_world(old)
    Campaign = old.get_model("fieldwork", "Campaign")
    campaign = Campaign.objects.create(
        code="PC20260302AAAAAA",
        title="燃气排查",
        kind="dwelling",
        checklist=["ok"],
        region_code=village.code,
        deadline=date(2026, 3, 20),
        created_by=centre,
        created_at=AT,
    )
    old.get_model("fieldwork", "CampaignItem").objects.create(
        campaign=campaign, region_code=grids[0].code, target_label="一号楼", status="done"
    )
    Round = old.get_model("mediation", "ScreeningRound")
    round_ = Round.objects.create(
        village=village,
        region_code=village.code,
        starts_on=date(2026, 3, 1),
        ends_on=date(2026, 3, 15),
        opened_by=centre,
        opened_at=AT,
    )
    old.get_model("mediation", "ScreeningReport").objects.create(
        round=round_,
        grid=grids[1],
        region_code=grids[1].code,
        nothing_found=True,
        note="未发现",
        reported_by=centre,
        reported_at=AT + timedelta(days=3),
    )

    _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    from fengqiao.campaigns.models import Campaign as Moved
    from fengqiao.mediation.models import ScreeningRound

    kept = Moved.objects.get(code="PC20260302AAAAAA")
    assert kept.pk == campaign.pk and kept.title == "燃气排查"
    assert list(kept.items.values_list("target_label", "status")) == [("一号楼", "done")]
    screening = ScreeningRound.objects.get(pk=round_.pk).campaign
    assert screening.kind == "screening" and screening.deadline == date(2026, 3, 15)
    assert screening.created_by_id == centre.pk and screening.region_code == village.code
    items = {i.grid_id: i for i in screening.items.all()}
    assert set(items) == {g.pk for g in grids}
    assert items[grids[0].pk].status == "pending"
    ticked = items[grids[1].pk]
    assert (ticked.status, ticked.note, ticked.done_by_id) == ("done", "未发现", centre.pk)
