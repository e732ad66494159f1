"""Notice selectors: staff see their jurisdiction, residents the notices that reach them."""

import pytest

from fengqiao.participation import selectors
from fengqiao.regions.models import Region

pytestmark = pytest.mark.django_db


def test_resident_sees_notices_of_own_village_and_regions_above(
    residents, village_a, village_b, make_notice
):
    county = Region.objects.get(level="county")
    own = make_notice(village_a, title="本村通知")
    township = make_notice(village_a.parent, title="本镇通知")
    whole_county = make_notice(county, title="全县通知")
    make_notice(village_b, title="乙村通知")
    make_notice(village_a, title="草稿", publish=False)
    seen = set(selectors.notice_list_for_resident(residents["alice"]))
    assert seen == {own, township, whole_county}
    carol_sees = {n.title for n in selectors.notice_list_for_resident(residents["carol"])}
    assert "本村通知" not in carol_sees and "乙村通知" in carol_sees and "全县通知" in carol_sees


def test_resident_list_puts_pinned_first_then_newest(residents, village_a, make_notice):
    old_pinned = make_notice(village_a, title="置顶", pinned=True)
    first = make_notice(village_a, title="一")
    second = make_notice(village_a, title="二")
    assert list(selectors.notice_list_for_resident(residents["alice"])) == [
        old_pinned,
        second,
        first,
    ]


def test_resident_list_is_empty_when_user_is_staff(users, village_a, make_notice):
    make_notice(village_a)
    assert not selectors.notice_list_for_resident(users["village_centre"]).exists()


def test_staff_list_holds_own_jurisdiction_only(users, village_a, village_b, make_notice):
    mine = make_notice(village_a, publish=False)
    make_notice(village_b)
    assert list(selectors.notice_list_for_staff(actor=users["village_centre"])) == [mine]
    assert set(selectors.notice_list_for_staff(actor=users["town_centre"])) >= {mine}
    assert not selectors.notice_list_for_staff(actor=users["resident"]).exists()


def test_staff_list_filters_by_status_category_and_text(users, village_a, make_notice):
    draft = make_notice(village_a, title="修路", publish=False, category="village")
    make_notice(village_a, title="收支", category="finance")
    centre = users["village_centre"]
    assert list(selectors.notice_list_for_staff(actor=centre, status="draft")) == [draft]
    assert [n.title for n in selectors.notice_list_for_staff(actor=centre, category="finance")] == [
        "收支"
    ]
    assert list(selectors.notice_list_for_staff(actor=centre, q="修")) == [draft]


def test_resident_list_costs_one_query_once_the_village_is_known(
    residents, village_a, make_notice, django_assert_num_queries
):
    for n in range(5):
        make_notice(village_a, title=f"通知{n}")
    with django_assert_num_queries(2):  # the person's place, then the notices
        assert len(list(selectors.notice_list_for_resident(residents["alice"]))) == 5
    with django_assert_num_queries(1):
        assert len(list(selectors.notice_list_for_resident(residents["alice"]))) == 5


def test_staff_list_costs_one_query_however_many_authors(
    users, village_a, make_notice, django_assert_num_queries
):
    for n in range(4):
        make_notice(village_a, title=f"通知{n}")
    centre = users["village_centre"]
    centre.scope_prefixes()  # the bindings, read once per request
    with django_assert_num_queries(1):
        assert len([n.author.label for n in selectors.notice_list_for_staff(actor=centre)]) == 4
