"""Screening rounds show each viewer only the disputes it may see: no titles of other grids."""

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from fengqiao.accounts.services import user_create
from fengqiao.core.errors import ValidationFailed
from fengqiao.mediation import screening, selectors
from fengqiao.mediation import services as mediation
from fengqiao.regions.models import Grid


def _register(actor, grid: Grid, title: str):
    return mediation.dispute_register(
        actor=actor,
        dispute_type="neighbour_dispute",
        title=title,
        description="双方就围墙位置争执不下。",
        source="screening",
        parties=[
            mediation.PartyIn(side="applicant", name="申请人甲"),
            mediation.PartyIn(side="respondent", name="被申请人乙"),
        ],
        lat=grid.centroid_lat,
        lng=grid.centroid_lng,
    )


@pytest.fixture
def field(world):
    """Round of village A; grid A1 (the demo grid chief's, with the demo grid worker's
    micro-grid) and grid A2 with a worker of its own; one reported dispute in each grid."""
    grid_a1 = world["micro"].parent
    grid_a2 = (
        Grid.objects.filter(village=grid_a1.village, parent__isnull=True)
        .exclude(pk=grid_a1.pk)
        .order_by("code")
        .first()
    )
    worker_a2 = user_create(
        username="grid_worker_a2",
        password="x",
        role="grid_worker",
        jurisdiction=[grid_a2.code],
        check_password=False,
    )
    (round_,) = screening.screening_rounds_open(
        actor=world["village_centre"],
        region=grid_a1.village,
        starts_on=date(2026, 3, 1),
        ends_on=date(2026, 3, 15),
    )
    in_a1 = _register(world["grid_worker"], world["micro"], "甲一格宅基地纠纷")
    in_a2 = _register(worker_a2, grid_a2, "甲二格围墙纠纷")
    for actor, grid, dispute in (
        (world["grid_worker"], grid_a1, in_a1),
        (worker_a2, grid_a2, in_a2),
    ):
        screening.screening_report_file(
            actor=actor,
            round_id=round_.pk,
            grid_id=grid.pk,
            nothing_found=False,
            note=f"{grid.name}排查备注",
            dispute_ids=[dispute.pk],
        )
    return {
        "round": round_,
        "grid_a1": grid_a1,
        "grid_a2": grid_a2,
        "worker_a2": worker_a2,
        "in_a1": in_a1,
        "in_a2": in_a2,
    }


def _round_page(user, round_) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(reverse("mediation:screening_round", args=[round_.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_other_grids_dispute_titles_are_hidden_when_a_grid_worker_reads_the_round(world, field):
    page = _round_page(field["worker_a2"], field["round"])
    assert "甲二格围墙纠纷" in page and field["in_a2"].case.code in page
    assert "甲一格宅基地纠纷" not in page and field["in_a1"].case.code not in page
    assert f"{field['grid_a1'].name}排查备注" not in page
    assert "另有 1 件纠纷不在您的辖区内" in page
    # Coverage still counts the whole village.
    assert field["grid_a1"].code in page


def test_other_grids_dispute_titles_are_hidden_when_a_grid_chief_reads_the_round(world, field):
    page = _round_page(world["grid_chief"], field["round"])
    assert "甲一格宅基地纠纷" in page
    assert "甲二格围墙纠纷" not in page and field["in_a2"].case.code not in page
    assert f"{field['grid_a2'].name}排查备注" not in page


def test_every_finding_shows_when_the_village_centre_reads_the_round(world, field):
    page = _round_page(world["village_centre"], field["round"])
    assert "甲一格宅基地纠纷" in page and "甲二格围墙纠纷" in page
    assert "不在您的辖区内" not in page


def test_finding_out_of_sight_is_refused_when_a_grid_worker_files_it(world, field):
    """A dispute in a sibling micro-grid lies in the reported grid but not in the worker's
    sight: it is refused like an unknown id, so filing is no probe for hidden disputes."""
    sibling = Grid.objects.filter(parent=field["grid_a1"]).exclude(pk=world["micro"].pk).first()
    hidden = _register(world["village_centre"], sibling, "邻格纠纷")
    assert not selectors.dispute_list(actor=world["grid_worker"]).filter(pk=hidden.pk).exists()
    (round_,) = screening.screening_rounds_open(
        actor=world["village_centre"],
        region=field["grid_a1"].village,
        starts_on=date(2026, 4, 1),
        ends_on=date(2026, 4, 15),
    )
    with pytest.raises(ValidationFailed):
        screening.screening_report_file(
            actor=world["grid_worker"],
            round_id=round_.pk,
            grid_id=field["grid_a1"].pk,
            nothing_found=False,
            dispute_ids=[hidden.pk],
        )


def test_mediator_suggestions_are_empty_when_the_dispute_is_out_of_sight(world, field):
    assert selectors.mediator_suggestions(actor=field["worker_a2"], dispute=field["in_a1"]) == []
    assert selectors.mediator_suggestions(actor=world["village_centre"], dispute=field["in_a1"])
