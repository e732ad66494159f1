"""Tests for scoped reads of regions and grids."""

import pytest
from django.contrib.auth.models import AnonymousUser

from fengqiao.accounts.models import JurisdictionBinding, User
from fengqiao.core.errors import NotFound, ValidationFailed
from fengqiao.regions import selectors


def codes(qs) -> list[str]:
    return [row.code for row in qs]


def test_only_own_village_listed_when_staff_bound_to_village(tree, alice):
    assert codes(selectors.region_list(actor=alice)) == [tree.village_a1.code]


def test_township_and_its_villages_listed_when_staff_bound_to_township(tree, bob):
    assert codes(selectors.region_list(actor=bob)) == [
        tree.township_b.code,
        tree.village_b1.code,
        tree.village_b2.code,
    ]


def test_everything_listed_when_superuser(tree, root):
    assert len(codes(selectors.region_list(actor=root))) == 7


def test_nothing_listed_when_anonymous(tree):
    assert codes(selectors.region_list(actor=AnonymousUser())) == []
    assert codes(selectors.grid_list(actor=AnonymousUser())) == []


def test_regions_filtered_when_parent_level_and_query_given(tree, root):
    assert codes(selectors.region_list(actor=root, parent_code="430521100")) == [
        tree.village_a1.code,
        tree.village_a2.code,
    ]
    assert codes(selectors.region_list(actor=root, level="township")) == [
        tree.town_a.code,
        tree.township_b.code,
    ]
    assert codes(selectors.region_list(actor=root, q="B2")) == [tree.village_b2.code]
    assert codes(selectors.region_list(actor=root, q="4305212")) == [
        tree.township_b.code,
        tree.village_b1.code,
        tree.village_b2.code,
    ]


def test_validation_failed_when_level_unknown(tree, root):
    with pytest.raises(ValidationFailed) as caught:
        selectors.region_list(actor=root, level="planet")
    assert caught.value.field == "level"


def test_region_returned_when_inside_jurisdiction(tree, bob):
    assert selectors.region_get(actor=bob, code="430521200201") == tree.village_b1


def test_not_found_when_region_outside_jurisdiction(tree, alice):
    with pytest.raises(NotFound):
        selectors.region_get(actor=alice, code=tree.town_a.code)


def test_validation_failed_when_region_code_malformed(tree, root):
    with pytest.raises(ValidationFailed):
        selectors.region_get(actor=root, code="43x")


def test_region_list_runs_one_query_when_scope_known(tree, bob, django_assert_num_queries):
    bob.scope_prefixes()  # the binding lookup is cached on the user for the request

    with django_assert_num_queries(1):
        rows = list(selectors.region_list(actor=bob))
        [row.parent for row in rows]


def test_own_grids_listed_when_staff_bound_to_village(tree, alice, bob):
    assert codes(selectors.grid_list(actor=alice)) == [
        tree.g1.code,
        tree.m1.code,
        tree.m2.code,
        tree.g2.code,
    ]
    assert codes(selectors.grid_list(actor=bob)) == []


def test_direct_children_listed_when_parent_code_given(tree, root):
    assert codes(selectors.grid_list(actor=root, parent_code=tree.village_a1.code)) == [
        tree.g1.code,
        tree.g2.code,
    ]
    assert codes(selectors.grid_list(actor=root, parent_code=tree.g1.code)) == [
        tree.m1.code,
        tree.m2.code,
    ]


def test_grids_filtered_when_village_or_query_given(tree, root):
    assert len(codes(selectors.grid_list(actor=root, village_code=tree.village_a2.code))) == 4
    assert codes(selectors.grid_list(actor=root, q="micro 2")) == [tree.m2.code]


def test_grid_returned_when_inside_jurisdiction(tree, alice):
    assert selectors.grid_get(actor=alice, code=tree.m2.code) == tree.m2


def test_not_found_when_grid_outside_jurisdiction(tree, alice):
    with pytest.raises(NotFound):
        selectors.grid_get(actor=alice, code=tree.h1.code)


def test_ancestors_include_regions_above_jurisdiction_when_code_inside_it(tree, alice):
    chain = selectors.region_ancestors_visible(actor=alice, code=tree.m1.code)

    assert codes(chain) == [tree.county.code, tree.town_a.code, tree.village_a1.code]


def test_parent_grids_listed_when_code_is_a_micro_grid(tree, alice):
    assert codes(selectors.grid_ancestors_visible(actor=alice, code=tree.m1.code)) == [tree.g1.code]
    assert selectors.grid_ancestors_visible(actor=alice, code=tree.g1.code) == []


def test_not_found_when_asking_grid_ancestors_outside_jurisdiction(tree, bob):
    with pytest.raises(NotFound):
        selectors.grid_ancestors_visible(actor=bob, code=tree.m1.code)


def test_missing_ancestors_skipped_when_tree_has_no_province(tree, root):
    chain = selectors.region_ancestors_visible(actor=root, code=tree.village_b2.code)

    assert codes(chain) == [tree.county.code, tree.township_b.code]


def test_not_found_when_asking_ancestors_outside_jurisdiction(tree, alice):
    with pytest.raises(NotFound):
        selectors.region_ancestors_visible(actor=alice, code=tree.village_b1.code)


def test_browse_starts_at_first_binding_when_staff_bound(tree, alice, bob):
    assert selectors.browse_root(actor=alice) == ("region", tree.village_a1.code)
    assert selectors.browse_root(actor=bob) == ("region", tree.township_b.code)


def test_browse_starts_at_grid_when_staff_bound_to_a_grid(tree):
    carol = User.objects.create_user(username="carol", role="grid_worker")
    JurisdictionBinding.objects.create(user=carol, grid=tree.g2, code=tree.g2.code)

    assert selectors.browse_root(actor=carol) == ("grid", tree.g2.code)
    assert codes(selectors.grid_list(actor=carol)) == [tree.g2.code]
    assert codes(selectors.region_list(actor=carol)) == []


def test_browse_starts_at_top_region_when_superuser(tree, root):
    assert selectors.browse_root(actor=root) == ("region", tree.county.code)


def test_browse_has_nowhere_to_start_when_unbound_or_anonymous(tree):
    dave = User.objects.create_user(username="dave", role="centre_staff")

    assert selectors.browse_root(actor=dave) is None
    assert selectors.browse_root(actor=AnonymousUser()) is None
