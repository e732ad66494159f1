"""Tests for the GeoJSON and Excel import of the region and grid tree, most of them round trips
through the export."""

import json
import math
from io import BytesIO

import pytest
from openpyxl import Workbook, load_workbook

from fengqiao.core.errors import NotAllowed, ValidationFailed
from fengqiao.regions import locator, tree_export, tree_import
from fengqiao.regions.models import Grid, Region

from .conftest import square

BOWTIE = {
    "type": "Polygon",
    "coordinates": [
        [[111.0, 27.0], [111.01, 27.01], [111.01, 27.0], [111.0, 27.01], [111.0, 27.0]]
    ],
}


def snapshot() -> list[tuple]:
    regions = [
        (
            r.code,
            r.name,
            r.level,
            r.kind,
            r.parent.code if r.parent else None,
            r.boundary,
            r.centroid_lat,
            r.centroid_lng,
        )
        for r in Region.objects.select_related("parent").order_by("code")
    ]
    grids = [
        (
            g.code,
            g.name,
            g.kind,
            g.village.code,
            g.parent.code if g.parent else None,
            g.depth,
            g.boundary,
            g.centroid_lat,
            g.centroid_lng,
        )
        for g in Grid.objects.select_related("village", "parent").order_by("code")
    ]
    return regions + grids


def delete_tree() -> None:
    for grid in sorted(Grid.objects.all(), key=lambda g: -len(g.code)):
        grid.delete()
    for level in ("village", "township", "county", "city", "province"):
        Region.objects.filter(level=level).delete()


def feature(code, name, geometry, parent_code=None, **properties) -> dict:
    return {
        "type": "Feature",
        "geometry": geometry,
        "properties": {"code": code, "name": name, "parent_code": parent_code, **properties},
    }


# --- GeoJSON ----------------------------------------------------------------------------------


def test_same_tree_restored_when_geojson_exported_deleted_and_imported(
    tree, root, django_capture_on_commit_callbacks
):
    before = snapshot()
    data = json.dumps(tree_export.export_geojson(actor=root, root_code="430521")).encode()
    delete_tree()

    with django_capture_on_commit_callbacks(execute=True):
        report = tree_import.import_geojson(actor=_admin(), data=data)

    assert report.ok, report.errors
    assert (report.created, report.updated, report.unchanged) == (15, 0, 0)
    assert snapshot() == before
    assert locator.locate(27.005, 111.002).grid_code == tree.m1.code


def test_nothing_created_when_same_geojson_imported_twice(tree, root):
    data = (
        b"\xef\xbb\xbf"
        + json.dumps(tree_export.export_geojson(actor=root, root_code="430521")).encode()
    )
    before = snapshot()

    report = tree_import.import_geojson(actor=_admin(), data=data)

    assert report.ok
    assert (report.created, report.updated, report.unchanged) == (0, 0, 15)
    assert snapshot() == before


def test_rows_updated_in_place_when_name_or_boundary_differ(tree, root):
    data = tree_export.export_geojson(actor=root, root_code="430521")
    by_code = {f["properties"]["code"]: f for f in data["features"]}
    by_code[tree.village_b1.code]["properties"]["name"] = "Village B1 (renamed)"
    by_code[tree.h2.code]["geometry"] = square(111.015, 27.0, 111.02, 27.005)

    report = tree_import.import_geojson(actor=_admin(), data=data)

    assert (report.created, report.updated, report.unchanged) == (0, 2, 13)
    tree.village_b1.refresh_from_db()
    tree.h2.refresh_from_db()
    assert tree.village_b1.name == "Village B1 (renamed)"
    assert tree.h2.centroid_lat == pytest.approx(27.0025)


def test_stored_boundary_kept_when_file_has_no_geometry(tree):
    data = {
        "type": "FeatureCollection",
        "features": [
            feature(tree.village_b1.code, "Village B1", None),
        ],
    }

    report = tree_import.import_geojson(actor=_admin(), data=data)

    assert (report.created, report.updated, report.unchanged) == (0, 0, 1)
    tree.village_b1.refresh_from_db()
    assert tree.village_b1.boundary is not None


def test_parents_written_first_when_file_lists_children_first(db):
    data = {
        "type": "FeatureCollection",
        "features": [
            feature("43052110020100101", "Micro", square(111.0, 27.0, 111.005, 27.01)),
            feature("430521100201001", "Grid", square(111.0, 27.0, 111.01, 27.01)),
            feature("430521100201", "Village", square(111.0, 27.0, 111.01, 27.02)),
            feature("430521100", "Town", None),
            feature("430521", "County", None),
        ],
    }

    report = tree_import.import_geojson(actor=_admin(), data=data)

    assert report.ok, report.errors
    micro = Grid.objects.get(code="43052110020100101")
    assert micro.parent.code == "430521100201001"
    assert micro.depth == 2
    assert micro.kind == Grid.Kind.MICRO
    assert Region.objects.get(code="430521100201").parent.parent.code == "430521000000"


def test_nothing_written_and_row_reported_when_one_feature_is_bad(tree, root):
    data = tree_export.export_geojson(actor=root, root_code="430521")
    data["features"][0]["properties"]["name"] = "Renamed county"
    data["features"].append(
        feature("430521200201001", "New B1 grid", square(111.02, 27.0, 111.03, 27.01))
    )
    data["features"].append(feature("430521200202001", "Bow tie", BOWTIE))
    before = snapshot()

    report = tree_import.import_geojson(actor=_admin(), data=data)

    assert not report.ok
    assert len(report.errors) == 1
    error = report.errors[0]
    assert (error.row, error.column) == (16, "geometry")
    assert "Self-intersection" in error.reason
    assert (report.created, report.updated) == (0, 0)
    assert snapshot() == before


@pytest.mark.parametrize(
    ("bad", "column", "reason"),
    [
        (feature(None, "No code", None), "code", "missing"),
        (feature("43x", "Bad code", None), "code", "only digits"),
        (feature("4305211002010", "Bad length", None), "code", "2, 4, 6, 9 or 12"),
        (
            feature("430521300201", "Orphan", None, parent_code="430521300"),
            "parent_code",
            "neither in this file nor on record",
        ),
        (
            feature("430521300201001", "Orphan grid", square(111.0, 27.0, 111.01, 27.01)),
            "code",
            "neither in this file nor on record",
        ),
        (
            feature("430521200201", "Wrong parent", None, parent_code="430521100"),
            "parent_code",
            "430521200000",
        ),
        (
            feature("430521200201001", "Outside", square(111.025, 27.0, 111.035, 27.01)),
            "geometry",
            "inside Village B1",
        ),
        (
            feature("430521100202005", "Overlap", square(111.012, 27.0, 111.014, 27.01)),
            "geometry",
            "430521100202001",
        ),
        (feature("430521200201001", "No polygon", None), "geometry", "needs a boundary"),
        (feature("430521200201", "Bad level", None, level="township"), "level", "township"),
        (feature("430521200201", "Bad kind", None, kind="town"), "kind", "town"),
        (feature("430521200201", " ", None), "name", "name is required"),
        ({"type": "Point"}, "type", "not a GeoJSON Feature"),
        ({"type": "Feature", "geometry": None}, "properties", "no properties"),
    ],
)
def test_error_reported_with_row_and_column_when_feature_invalid(tree, bad, column, reason):
    data = {
        "type": "FeatureCollection",
        "features": [
            feature("430521200202001", "Fine", square(111.03, 27.0, 111.04, 27.01)),
            bad,
        ],
    }

    report = tree_import.import_geojson(actor=_admin(), data=data)

    assert [(e.row, e.column) for e in report.errors] == [(1, column)]
    assert reason in report.errors[0].reason
    assert not Grid.objects.filter(code="430521200202001").exists()


def test_later_feature_blamed_when_two_new_grids_overlap(tree):
    data = {
        "type": "FeatureCollection",
        "features": [
            feature("430521200202001", "First", square(111.03, 27.0, 111.04, 27.01)),
            feature("430521200202002", "Second", square(111.03, 27.005, 111.04, 27.015)),
        ],
    }

    report = tree_import.import_geojson(actor=_admin(), data=data)

    assert [(e.row, e.column) for e in report.errors] == [(1, "geometry")]
    assert "430521200202001" in report.errors[0].reason


def test_error_reported_when_duplicate_code_in_file(tree):
    data = {
        "type": "FeatureCollection",
        "features": [
            feature("430521200202001", "First", square(111.03, 27.0, 111.04, 27.01)),
            feature("430521200202001", "Again", square(111.03, 27.01, 111.04, 27.02)),
        ],
    }

    report = tree_import.import_geojson(actor=_admin(), data=data)

    assert [(e.row, e.column) for e in report.errors] == [(1, "code")]


def test_grids_moved_together_when_file_redraws_neighbours_at_once(tree):
    # h1 and h2 swap their shared edge; checked one by one against the stored shapes, each
    # would overlap the other, but the final state is sound.
    data = {
        "type": "FeatureCollection",
        "features": [
            feature(tree.h1.code, tree.h1.name, square(111.01, 27.0, 111.017, 27.01)),
            feature(tree.h2.code, tree.h2.name, square(111.017, 27.0, 111.02, 27.01)),
        ],
    }

    report = tree_import.import_geojson(actor=_admin(), data=data)

    assert report.ok, report.errors
    assert report.updated == 2


def test_error_reported_on_village_when_its_new_boundary_leaves_a_stored_grid_out(tree):
    data = {
        "type": "FeatureCollection",
        "features": [
            feature(tree.village_a2.code, "Village A2", square(111.01, 27.0, 111.02, 27.01)),
        ],
    }

    report = tree_import.import_geojson(actor=_admin(), data=data)

    assert [(e.row, e.column) for e in report.errors] == [(0, "geometry"), (0, "geometry")]
    assert tree.h3.code in report.errors[0].reason
    assert tree.h4.code in report.errors[1].reason


@pytest.mark.parametrize(
    "data", [b"{not json", b"[]", {"type": "Feature"}, {"type": "FeatureCollection"}]
)
def test_validation_failed_when_file_is_not_a_feature_collection(db, data):
    with pytest.raises(ValidationFailed) as caught:
        tree_import.import_geojson(actor=_admin(), data=data)
    assert caught.value.field == "file"


# --- Excel ------------------------------------------------------------------------------------


def test_same_tree_restored_when_xlsx_exported_deleted_and_imported(tree, root):
    before = snapshot()
    content = tree_export.export_xlsx(actor=root, root_code="430521")
    delete_tree()

    report = tree_import.import_xlsx(actor=_admin(), content=content)

    assert report.ok, report.errors
    assert report.created == 15
    assert snapshot() == before


def test_nothing_created_when_same_xlsx_imported_twice(tree, root):
    content = tree_export.export_xlsx(actor=root, root_code="430521")

    report = tree_import.import_xlsx(actor=_admin(), content=content)

    assert (report.created, report.updated, report.unchanged) == (0, 0, 15)


def test_long_boundary_split_over_columns_when_longer_than_an_excel_cell(tree, root):
    ring = [
        [
            111.03 + 0.004 * math.cos(a / 2000 * math.tau) + 0.005,
            27.0 + 0.004 * math.sin(a / 2000 * math.tau) + 0.005,
        ]
        for a in range(2000)
    ]
    ring.append(ring[0])
    circle = {"type": "Polygon", "coordinates": [ring]}
    assert tree_import.import_geojson(
        actor=_admin(),
        data={
            "type": "FeatureCollection",
            "features": [
                feature("430521200202001", "Round", circle),
            ],
        },
    ).ok

    content = tree_export.export_xlsx(actor=root, root_code="430521200202")
    sheet = load_workbook(BytesIO(content))["grids"]
    headers = [c.value for c in sheet[1]]
    assert headers[6:] == ["boundary_2", "boundary_3"]

    report = tree_import.import_xlsx(actor=_admin(), content=content)
    assert (report.created, report.updated, report.unchanged) == (0, 0, 2)


def test_nothing_written_and_cell_reported_when_one_xlsx_row_is_bad(tree, root):
    workbook = load_workbook(BytesIO(tree_export.export_xlsx(actor=root, root_code="430521")))
    workbook["regions"]["B2"] = "Renamed county"
    workbook["grids"]["F3"] = json.dumps(BOWTIE)
    workbook["grids"].append(
        ["430521200202001", "New", "", "", "", json.dumps(square(111.03, 27.0, 111.04, 27.01))]
    )
    out = BytesIO()
    workbook.save(out)
    before = snapshot()

    report = tree_import.import_xlsx(actor=_admin(), content=out.getvalue())

    assert [(e.sheet, e.row, e.column) for e in report.errors] == [("grids", 3, "F (boundary)")]
    assert snapshot() == before


def _workbook(regions: list[list], grids: list[list], headers=tree_export.COLUMNS) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows in (("regions", regions), ("grids", grids)):
        sheet = workbook.create_sheet(title)
        sheet.append(list(headers))
        for row in rows:
            sheet.append(row)
    out = BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_errors_name_sheet_row_and_column_when_cells_invalid(tree):
    content = _workbook(
        regions=[
            ["430521200203", "Fine village"],
            [],
            ["430521200201001", "Grid on the wrong sheet"],
            ["430521200204", "Bad parent", "", "", "430521100"],
        ],
        grids=[
            ["430521200203001", "Bad JSON", "", "", "", "{oops"],
            [430521200202001123, "Code typed as a number", "", "", "", ""],
            ["430521", "Region on the grids sheet", "", "", "", ""],
        ],
    )

    report = tree_import.import_xlsx(actor=_admin(), content=content)

    assert [(e.sheet, e.row, e.column) for e in report.errors] == [
        ("regions", 4, "A (code)"),
        ("regions", 5, "E (parent_code)"),
        ("grids", 2, "F (boundary)"),
        ("grids", 3, "A (code)"),
        ("grids", 4, "A (code)"),
    ]
    assert not Region.objects.filter(code="430521200203").exists()


def test_numeric_region_code_accepted_when_excel_kept_every_digit(tree):
    report = tree_import.import_xlsx(
        actor=_admin(), content=_workbook(regions=[[430521200203, "Typed"]], grids=[])
    )

    assert report.ok, report.errors
    assert Region.objects.get(code="430521200203").parent == tree.township_b


def test_validation_failed_when_file_is_not_xlsx(db):
    with pytest.raises(ValidationFailed, match="not an Excel workbook"):
        tree_import.import_xlsx(actor=_admin(), content=b"code,name\n430521,County\n")


def test_validation_failed_when_sheet_missing(db):
    workbook = Workbook()
    workbook.active.title = "regions"
    out = BytesIO()
    workbook.save(out)

    with pytest.raises(ValidationFailed, match="missing: grids"):
        tree_import.import_xlsx(actor=_admin(), content=out.getvalue())


def test_validation_failed_when_header_missing(db):
    content = _workbook(regions=[], grids=[], headers=("code", "title"))

    with pytest.raises(ValidationFailed, match="regions lacks the column"):
        tree_import.import_xlsx(actor=_admin(), content=content)


def _admin():
    from fengqiao.accounts.models import User

    user, _created = User.objects.get_or_create(
        username="geo-admin", defaults={"role": "admin", "is_superuser": True}
    )
    return user


def test_import_refused_when_actor_not_admin(alice):
    with pytest.raises(NotAllowed):
        tree_import.import_geojson(actor=alice, data={"type": "FeatureCollection", "features": []})


def test_import_reports_rows_outside_jurisdiction_when_admin_is_bound(tree, root):
    from fengqiao.accounts.models import JurisdictionBinding, User

    county_admin = User.objects.create_user(username="county-admin", role="admin")
    JurisdictionBinding.objects.create(
        user=county_admin, region=tree.village_a1, code=tree.village_a1.code
    )
    data = tree_export.export_geojson(actor=root, root_code=tree.township_b.code)
    report = tree_import.import_geojson(actor=county_admin, data=data)
    assert not report.ok
    assert all("outside your jurisdiction" in e.reason for e in report.errors)
