"""A grid campaign asks every grid of the area for one return: one item per grid (not per
micro-grid), seen and ticked by whoever works in the grid, a micro-grid's worker included."""

from datetime import timedelta

import pytest

from fengqiao.campaigns import selectors, services
from fengqiao.campaigns.models import CampaignItem
from fengqiao.core import clock
from fengqiao.core.errors import ValidationFailed
from fengqiao.regions.models import Grid


@pytest.fixture
def grid_campaign(users):
    centre = users["village_centre"]
    spec = services.CampaignSpec(
        "网格安全自查", centre.bindings.get().code, clock.localdate() + timedelta(days=5), ["ok"]
    )
    return services.campaign_create(actor=centre, kind="grid", spec=spec)


def test_one_item_per_grid_of_the_area(users, grid_campaign):
    village = users["village_centre"].bindings.get().code
    grids = Grid.objects.filter(code__startswith=village, parent__isnull=True)
    assert grid_campaign.item_count == grids.count() > 1
    assert set(grid_campaign.items.values_list("grid_id", flat=True)) == set(
        grids.values_list("pk", flat=True)
    )
    assert grid_campaign in selectors.campaign_list(actor=users["village_centre"])


def test_the_micro_grid_worker_sees_and_ticks_their_grids_item(users, grid_campaign):
    worker = users["grid_worker"]  # bound to a micro-grid of a grid of the village
    (item,) = CampaignItem.objects.visible_to(worker).filter(campaign=grid_campaign)
    assert worker.bindings.get().code.startswith(item.region_code)
    (group,) = selectors.my_items(actor=worker)
    assert [i.pk for i in group.items] == [item.pk]
    checked = services.item_check(actor=worker, item_id=item.pk, result="done", answers={"0": True})
    assert checked.status == "done"
    assert not CampaignItem.objects.visible_to(users["village_centre_b"]).filter(
        campaign=grid_campaign
    )


def test_screening_is_not_a_kind_the_campaign_pages_create(users):
    centre = users["village_centre"]
    spec = services.CampaignSpec(
        "排查", centre.bindings.get().code, clock.localdate() + timedelta(days=5), []
    )
    with pytest.raises(ValidationFailed):
        services.campaign_create(actor=centre, kind="screening", spec=spec)
