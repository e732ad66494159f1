"""Duplicate reports: near in place and time, same category, similar Chinese text."""

from datetime import timedelta

import pytest
from django.utils import timezone

from fengqiao.cases import duplicates, services
from fengqiao.cases.models import Category, Status
from fengqiao.core import clock
from fengqiao.regions.models import Grid

FIRST = "小区门口垃圾堆放无人清理"
SAME_THING = "小区门口的垃圾堆了好几天没人清理"


@pytest.mark.parametrize(
    ("a", "b", "similar"),
    [
        (FIRST, SAME_THING, True),
        (FIRST, "路灯不亮", False),
        ("3号楼楼道堆满杂物，消防通道堵塞", "三号楼楼道杂物堵塞消防通道", True),
        ("楼上深夜噪音扰民", "村口道路坑洼积水", False),
        ("", FIRST, False),
    ],
)
def test_similarity_tells_chinese_reports_apart_when_they_share_wording(a, b, similar):
    score = duplicates.similarity(a, b)
    assert (score >= duplicates.MIN_SIMILARITY) is similar, score
    assert score == duplicates.similarity(b, a)


def test_similarity_ignores_punctuation_and_case_when_comparing():
    assert duplicates.similarity("垃圾，堆放！", "垃圾堆放") == 1.0
    assert duplicates.similarity("Garbage PILE", "garbage pile") == 1.0


@pytest.fixture
def w(world):
    """The demo world a month after its seeded case history, so only this test's own
    reports are recent enough to be duplicates."""
    clock.freeze(timezone.now() + timedelta(days=30))
    return world


def report(world, title, *, category=None, lat=None, lng=None, who="village_centre"):
    point = world["point"]
    return services.case_report(
        actor=world[who],
        category=category or world["garbage"],
        title=title,
        lat=point["lat"] if lat is None else lat,
        lng=point["lng"] if lng is None else lng,
    )


def test_second_report_is_flagged_when_it_is_near_an_open_case_of_the_same_category(w):
    first = report(w, FIRST)
    assert first.duplicate_candidates == []
    second = report(
        w, SAME_THING, lat=w["point"]["lat"] + 0.0005, who="grid_worker"
    )  # about 55 m north
    [candidate] = second.duplicate_candidates
    assert (candidate["id"], candidate["code"]) == (first.pk, first.code)
    assert candidate["similarity"] >= duplicates.MIN_SIMILARITY
    assert 40 <= candidate["distance_m"] <= 70
    event = second.events.get(action="report")
    assert event.data["candidates"] == second.duplicate_candidates


def test_report_is_not_flagged_when_it_is_far_away(w):
    micro = w["micro"]
    far = next(
        grid
        for grid in Grid.objects.filter(village=micro.village).exclude(pk=micro.pk)
        if duplicates.distance_m(
            micro.centroid_lat, micro.centroid_lng, grid.centroid_lat, grid.centroid_lng
        )
        > duplicates.RADIUS_M * 2
    )
    report(w, FIRST)
    second = report(w, FIRST, lat=far.centroid_lat, lng=far.centroid_lng)
    assert second.duplicate_candidates == []


def test_report_is_not_flagged_when_the_category_differs(w):
    report(w, FIRST)
    second = report(w, FIRST, category=Category.objects.get(code="sanitation"))
    assert second.duplicate_candidates == []


def test_report_is_not_flagged_when_the_text_is_about_something_else(w):
    report(w, FIRST)
    second = report(w, "路灯不亮")
    assert second.duplicate_candidates == []


def test_report_is_not_flagged_when_the_first_came_long_before(w):
    report(w, FIRST)
    clock.freeze(clock.now() + duplicates.WINDOW + timedelta(hours=1))
    second = report(w, SAME_THING)
    assert second.duplicate_candidates == []


def test_report_is_not_flagged_when_the_first_case_is_closed(w):
    first = report(w, FIRST)
    services.case_reject(actor=w["village_centre"], case_id=first.pk, reason="不属实")
    second = report(w, SAME_THING)
    assert second.duplicate_candidates == []


def test_candidates_rank_the_closest_wording_first_when_several_match(w):
    loose = report(w, "小区门口垃圾")
    close = report(w, FIRST)
    third = report(w, FIRST + "，请尽快处理")
    assert [c["id"] for c in third.duplicate_candidates] == [close.pk, loose.pk]


def test_merging_links_the_duplicate_to_its_master_when_the_centre_accepts_the_proposal(w):
    first = report(w, FIRST)
    second = report(w, SAME_THING)
    master_id = second.duplicate_candidates[0]["id"]

    merged = services.case_merge(actor=w["village_centre"], case_id=second.pk, master_id=master_id)

    assert (merged.status, merged.master_id) == (Status.MERGED, first.pk)
    assert list(first.duplicates.all()) == [merged]
    assert first.events.order_by("-seq").first().data == {"merged": merged.code}
    assert not merged.is_open and first.is_open
    # a merged case is no longer a candidate for later reports
    third = report(w, SAME_THING)
    assert [c["id"] for c in third.duplicate_candidates] == [first.pk]
