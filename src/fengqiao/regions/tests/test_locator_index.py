"""Tests for the locator's in-memory index: the numpy fast path against the GEOS rule."""

import numpy as np
import pytest
import shapely
from shapely.geometry import MultiPolygon, Polygon, box

from fengqiao.regions import locator
from fengqiao.regions.locator import Location
from fengqiao.regions.pointindex import PolygonLayer

VILLAGE = "431202100200"
EAST = "431202100201"


@pytest.fixture(autouse=True)
def numpy_path_always(monkeypatch):
    """Short inputs normally go to GEOS; here every input takes the numpy layers."""
    monkeypatch.setattr(locator, "FEW_POINTS", 0)


def _grid(code: str, geom, village: str = VILLAGE) -> tuple[Location, object]:
    return Location(code, int(code[-4:]), village, int(village[-4:]), code), geom


def _village(code: str, geom) -> tuple[Location, object]:
    return Location(None, None, code, int(code[-4:]), code), geom


def _exact(index, points: np.ndarray) -> list:
    """The GEOS rule alone, for every point: what the fast path must agree with."""
    positions = locator._exact_positions(index, points[:, 1], points[:, 0])
    return [index.locations[p] if p >= 0 else None for p in positions]


def _tiled_city(seed: int = 7):
    """Voronoi micro-grids (sloped edges) in the west village, 180 of them merged into 12
    grids and 60 left without any; over the east village one grid with a hole and one in
    two parts. Returns grid shapes, village shapes and the micro-grids in grid order."""
    rng = np.random.default_rng(seed)
    west = box(111.0, 27.0, 111.05, 27.1)
    seeds = rng.uniform((111.0, 27.0), (111.05, 27.1), size=(240, 2))
    cells = shapely.voronoi_polygons(shapely.multipoints(seeds), extend_to=west, ordered=True)
    micro = shapely.intersection(shapely.get_parts(cells), west)[:180]
    villages = [_village(VILLAGE, west), _village(EAST, box(111.05, 27.0, 111.1, 27.1))]
    grids = []
    for g in range(12):
        members = micro[g * 15 : (g + 1) * 15]
        grid_code = f"{VILLAGE}{g + 1:03d}"
        grids.append(_grid(grid_code, shapely.coverage_union_all(members)))
        for m, cell in enumerate(members):
            grids.append(_grid(f"{grid_code}{m + 1:02d}", cell))
    holed = Polygon(
        [(111.06, 27.01), (111.09, 27.01), (111.09, 27.04), (111.06, 27.04)],
        [[(111.07, 27.02), (111.08, 27.02), (111.08, 27.03), (111.07, 27.03)]],
    )
    parts = MultiPolygon([box(111.06, 27.06, 111.07, 27.07), box(111.06, 27.08, 111.07, 27.09)])
    grids.append(_grid(f"{EAST}001", holed, EAST))
    grids.append(_grid(f"{EAST}002", parts, EAST))
    return grids, villages, micro


def _tricky_points(geometries) -> np.ndarray:
    """(lat, lng) on vertices and edge midpoints, a rounding error off them, a little off
    them (decided by the fast path, so its crossing test is checked right at the edges), and
    random points."""
    coords = shapely.get_coordinates(geometries)
    midpoints = (coords[:-1] + coords[1:]) / 2
    on = np.concatenate([coords, midpoints])
    rng = np.random.default_rng(3)
    random_xy = rng.uniform((110.99, 26.99), (111.11, 27.11), size=(4000, 2))
    xy = np.concatenate([on, on + [1e-15, -1e-15], on + [-1e-10, 1e-10], random_xy])
    return xy[:, ::-1].copy()


def test_fast_path_matches_geos_when_points_are_random_or_on_boundaries():
    grids, villages, micro = _tiled_city()
    index = locator.index_from_shapes(grids=grids, villages=villages)
    points = _tricky_points([geom for _location, geom in grids + villages])

    assert locator.locate_many(points, index=index) == _exact(index, points)


def test_fast_path_decides_points_away_from_boundaries():
    grids, _villages, micro = _tiled_city()
    layer = PolygonLayer([geom for _location, geom in grids if len(_location.grid_code) == 17])
    inner = shapely.get_coordinates(shapely.point_on_surface(micro))

    first, undecided = layer.first_covering(inner[:, 0], inner[:, 1])

    assert not undecided.any()
    assert (first == np.arange(len(micro))).all()


def test_point_in_hole_falls_to_village_when_grid_has_hole():
    grids, villages, _micro = _tiled_city()
    index = locator.index_from_shapes(grids=grids, villages=villages)

    inside_ring, in_hole, in_gap = locator.locate_many(
        [(27.015, 111.065), (27.025, 111.075), (27.075, 111.065)], index=index
    )

    assert inside_ring.grid_code == f"{EAST}001"
    assert in_hole.grid_code is None and in_hole.village_code == EAST
    assert in_gap.grid_code is None and in_gap.village_code == EAST


def test_deepest_then_smallest_code_wins_when_given_in_any_order():
    square = box(111.0, 27.0, 111.01, 27.01)
    half = box(111.0, 27.0, 111.005, 27.01)
    grids = [
        _grid(f"{VILLAGE}002", square),
        _grid(f"{VILLAGE}00101", half),
        _grid(f"{VILLAGE}001", square),
    ]
    index = locator.index_from_shapes(grids=grids, villages=[_village(VILLAGE, square)])

    micro, on_edge, grid = locator.locate_many(
        [(27.005, 111.002), (27.005, 111.005), (27.005, 111.008)], index=index
    )

    assert micro.grid_code == on_edge.grid_code == f"{VILLAGE}00101"
    assert grid.grid_code == f"{VILLAGE}001"


def test_collection_from_make_valid_settled_by_geos_when_grid_has_a_dangling_line():
    # make_valid keeps the spike as a line: points on it are covered, those beside it not.
    spiked = shapely.make_valid(
        Polygon(
            [
                (111.0, 27.0),
                (111.01, 27.0),
                (111.01, 27.01),
                (111.02, 27.01),
                (111.01, 27.01),
                (111.0, 27.01),
            ]
        )
    )
    assert spiked.geom_type == "GeometryCollection"
    index = locator.index_from_shapes(
        grids=[_grid(f"{VILLAGE}001", spiked)],
        villages=[_village(VILLAGE, box(111.0, 27.0, 111.03, 27.02))],
    )
    points = np.array([(27.005, 111.005), (27.01, 111.015), (27.012, 111.015), (27.03, 111.0)])

    located = locator.locate_many(points, index=index)

    assert located == _exact(index, points)
    assert [loc.grid_code if loc else "-" for loc in located] == [
        f"{VILLAGE}001",
        f"{VILLAGE}001",
        None,
        "-",
    ]


def test_array_and_list_give_the_same_locations_when_points_are_equal():
    grids, villages, micro = _tiled_city()
    index = locator.index_from_shapes(grids=grids, villages=villages)
    points = _tricky_points(micro)[:1000]

    assert locator.locate_many(points, index=index) == locator.locate_many(
        [tuple(row) for row in points.tolist()], index=index
    )


def test_everything_outside_when_index_is_empty():
    index = locator.index_from_shapes(grids=[], villages=[])

    assert locator.locate_many(np.array([(27.0, 111.0)]), index=index) == [None]
    assert locator.locate_many(np.empty((0, 2)), index=index) == []


def test_validation_failed_when_array_holds_a_bad_latitude():
    with pytest.raises(locator.ValidationFailed, match="Point 2"):
        locator.locate_many(np.array([(27.0, 111.0), (95.0, 111.0)]))


def test_empty_geometry_refused_when_building_a_layer():
    with pytest.raises(ValueError, match="empty"):
        PolygonLayer([Polygon()])


def test_few_points_located_as_many_are_when_inputs_are_short(monkeypatch):
    grids, villages, micro = _tiled_city()
    index = locator.index_from_shapes(grids=grids, villages=villages)
    points = _tricky_points([geom for _location, geom in grids])[::97]
    numpy_answers = locator.locate_many(points, index=index)
    monkeypatch.setattr(locator, "FEW_POINTS", len(points) + 1)

    assert locator.locate_many(points, index=index) == numpy_answers


def test_layer_stays_linear_and_exact_when_polygons_are_long_diagonal_strips():
    # 60 parallel strips along the diagonal: each bounding box covers nearly the whole layer.
    strips = [
        Polygon(
            [
                (k * 0.01, 0.0),
                (k * 0.01 + 0.005, 0.0),
                (1 + k * 0.01 + 0.005, 1.0),
                (1 + k * 0.01, 1.0),
            ]
        )
        for k in range(60)
    ]
    layer = PolygonLayer(strips)
    rng = np.random.default_rng(5)
    xs, ys = rng.uniform(0, 1.6, 3000), rng.uniform(0, 1, 3000)

    first, undecided = layer.first_covering(xs, ys)

    assert len(layer._candidates) <= 64 * len(strips)
    tree = shapely.STRtree(strips)
    expected = np.full(len(xs), -1)
    point_idx, tree_idx = tree.query(shapely.points(xs, ys), predicate="intersects")
    expected[point_idx] = tree_idx
    assert not undecided.any()
    assert (first == expected).all()
