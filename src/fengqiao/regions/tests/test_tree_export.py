"""Tests for the GeoJSON and Excel export of the region and grid tree."""

import json
from io import BytesIO

import pytest
from openpyxl import load_workbook

from fengqiao.core.errors import NotFound
from fengqiao.regions import tree_export


def test_every_region_and_grid_exported_when_root_is_county(tree, root):
    data = tree_export.export_geojson(actor=root, root_code="430521")

    assert data["type"] == "FeatureCollection"
    properties = [f["properties"] for f in data["features"]]
    assert len(properties) == 7 + 8
    assert properties[0] == {
        "code": "430521000000",
        "name": "Shaoyang County",
        "level": "county",
        "kind": "county",
        "parent_code": None,
    }
    by_code = {p["code"]: p for p in properties}
    assert by_code[tree.m1.code]["level"] == "micro_grid"
    assert by_code[tree.m1.code]["parent_code"] == tree.g1.code
    assert by_code[tree.g1.code]["level"] == "grid"
    assert by_code[tree.g1.code]["parent_code"] == tree.village_a1.code


def test_only_the_subtree_exported_when_root_is_a_grid(tree, root):
    data = tree_export.export_geojson(actor=root, root_code=tree.g1.code)

    assert [f["properties"]["code"] for f in data["features"]] == [
        tree.g1.code,
        tree.m1.code,
        tree.m2.code,
    ]


def test_not_found_when_exporting_outside_jurisdiction(tree, alice):
    with pytest.raises(NotFound):
        tree_export.export_geojson(actor=alice, root_code="430521")


def test_own_village_exported_when_staff_bound_to_village(tree, alice):
    data = tree_export.export_geojson(actor=alice, root_code=tree.village_a1.code)

    assert len(data["features"]) == 1 + 4


def test_sheets_hold_codes_as_text_when_exported(tree, root):
    workbook = load_workbook(BytesIO(tree_export.export_xlsx(actor=root, root_code="430521")))

    regions, grids = workbook["regions"], workbook["grids"]
    assert [c.value for c in regions[1]] == list(tree_export.COLUMNS)
    assert regions["A2"].value == "430521000000"
    assert grids.max_row == 1 + 8
    assert json.loads(grids["F2"].value)["type"] == "Polygon"
