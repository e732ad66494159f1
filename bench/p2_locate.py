"""P2: point → micro-grid location through the real locator path (`locate_many` on an index from
`index_from_shapes`) over a generated city; reference: a plain loop of `polygon.contains` over
an STRtree hit list. No database: the polygons are made in memory, seeded and reproducible.

The city: 77,312 micro-grids as a Voronoi tiling of random seeds, merged into 16,001 grids
(each micro-grid joins the grid whose seed is nearest) and those into 3,000 villages, with
codes shaped like real ones (village 12 digits, grid +3, micro-grid +2). Points fall uniformly
on the city's box widened by 2 % a side, so some lie outside every village.
"""

import logging
import os
import shutil
import tempfile
import time
from itertools import pairwise

import numpy as np
import shapely
from shapely.geometry import Point

from bench.figures import Figure

MICRO_GRIDS, GRIDS, VILLAGES = 77_312, 16_001, 3_000
SEED = 20_240_601
SIDE = 1.5  # degrees at full scale; the area follows --scale, so polygons keep their size (~600 m)
WEST, SOUTH = 109.5, 26.5
MARGIN = 0.02
REFERENCE_SAMPLE = 30_000
REPEATS = 3


def _merge(rng, parts: np.ndarray, seeds: np.ndarray, count: int):
    """Group `parts` by nearest of `count` seeds drawn from their own; return owner, unions."""
    chosen = rng.choice(len(seeds), size=count, replace=False)
    owner = shapely.STRtree(shapely.points(seeds[chosen])).nearest(shapely.points(seeds))
    order = np.argsort(owner, kind="stable")
    bounds = np.searchsorted(owner[order], np.arange(count + 1))
    unions = np.array(
        [shapely.coverage_union_all(parts[order[a:b]]) for a, b in pairwise(bounds)],
        dtype=object,
    )
    return owner, unions, seeds[chosen]


def city(scale: float = 1.0, seed: int = SEED):
    """(grid shapes, village shapes) as `index_from_shapes` takes them, and the city's box."""
    from fengqiao.regions.locator import Location

    rng = np.random.default_rng(seed)
    side = SIDE * scale**0.5
    box = (WEST, SOUTH, WEST + side, SOUTH + side)
    n_micro, n_grid = max(int(MICRO_GRIDS * scale), 4), max(int(GRIDS * scale), 2)
    n_village = max(int(VILLAGES * scale), 1)
    seeds = rng.uniform(box[:2], box[2:], size=(n_micro, 2))
    extent = shapely.box(*box)
    cells = shapely.voronoi_polygons(shapely.multipoints(seeds), extend_to=extent, ordered=True)
    micro = shapely.intersection(shapely.get_parts(cells), extent)
    grid_of_micro, grids, grid_seeds = _merge(rng, micro, seeds, n_grid)
    village_of_grid, villages, _ = _merge(rng, grids, grid_seeds, n_village)

    village_codes = [f"431202{100 + v // 200:03d}{200 + v % 200:03d}" for v in range(n_village)]
    grid_codes = _serials(village_of_grid, village_codes, 3)
    micro_codes = _serials(grid_of_micro, grid_codes, 2)
    pk = iter(range(1, n_micro + n_grid + n_village + 1))
    village_shapes = [
        (Location(None, None, code, next(pk), code), geom)
        for code, geom in zip(village_codes, villages, strict=True)
    ]
    village_ids = [location.village_id for location, _geom in village_shapes]
    grid_shapes = []
    grid_village = []
    for g, (code, geom) in enumerate(zip(grid_codes, grids, strict=True)):
        v = int(village_of_grid[g])
        grid_village.append(v)
        grid_shapes.append((Location(code, next(pk), village_codes[v], village_ids[v], code), geom))
    for m, (code, geom) in enumerate(zip(micro_codes, micro, strict=True)):
        v = grid_village[int(grid_of_micro[m])]
        grid_shapes.append((Location(code, next(pk), village_codes[v], village_ids[v], code), geom))
    return grid_shapes, village_shapes, box


def _serials(owner: np.ndarray, owner_codes: list[str], width: int) -> list[str]:
    """Codes owner code + serial (from 1) for items in the order given."""
    seen = np.zeros(len(owner_codes), dtype=np.int64)
    codes = []
    for o in owner:
        seen[o] += 1
        if seen[o] >= 10**width:
            raise ValueError("too many children for one code")
        codes.append(f"{owner_codes[o]}{seen[o]:0{width}d}")
    return codes


def random_points(count: int, box: tuple, seed: int = SEED + 1) -> np.ndarray:
    """(lat, lng) rows, uniform on the box widened by MARGIN of its size on every side."""
    west, south, east, north = box
    pad_x, pad_y = (east - west) * MARGIN, (north - south) * MARGIN
    rng = np.random.default_rng(seed)
    lngs = rng.uniform(west - pad_x, east + pad_x, count)
    lats = rng.uniform(south - pad_y, north + pad_y, count)
    return np.column_stack([lats, lngs])


def reference_loop(grid_shapes, village_shapes, points: np.ndarray) -> list:
    """The naive peer: per point, the STRtree's bounding-box hits tried with contains, in the
    locator's order (deepest grid, then code; then villages by code)."""
    grids = sorted(grid_shapes, key=lambda e: (-len(e[0].grid_code), e[0].grid_code))
    villages = sorted(village_shapes, key=lambda e: e[0].village_code)
    layers = []
    for entries in (grids, villages):
        geoms = [geom for _location, geom in entries]
        layers.append((shapely.STRtree(geoms), geoms, [location for location, _g in entries]))
    found = []
    for lat, lng in points:
        point = Point(lng, lat)
        answer = None
        for tree, geoms, locations in layers:
            for i in sorted(tree.query(point)):
                if geoms[i].contains(point):
                    answer = locations[i]
                    break
            if answer is not None:
                break
        found.append(answer)
    return found


def _best_rate(count: int, call, repeats: int = REPEATS):
    best, result = float("inf"), None
    for _ in range(repeats):
        started = time.perf_counter()
        result = call()
        best = min(best, time.perf_counter() - started)
    return count / best, result


def run(*, points: int = 1_000_000, scale: float = 1.0, **_options) -> list[Figure]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fengqiao.settings")
    home = None
    if "FENGQIAO_HOME" not in os.environ:
        home = tempfile.mkdtemp(prefix="fq-bench-p2-")
        os.environ["FENGQIAO_HOME"] = home
    try:
        import django

        django.setup()  # the locator reads Django's cache; nothing here touches a database
        return _measure(points=points, scale=scale)
    finally:
        if home is not None:
            shutil.rmtree(home, ignore_errors=True)


def _measure(*, points: int, scale: float) -> list[Figure]:
    from fengqiao.regions import locator

    logging.getLogger(locator.__name__).setLevel(logging.WARNING)  # no build log between lines

    grid_shapes, village_shapes, box = city(scale)
    started = time.perf_counter()
    index = locator.index_from_shapes(grids=grid_shapes, villages=village_shapes)
    build = time.perf_counter() - started
    started = time.perf_counter()
    layers = index.layers  # built by the first long call otherwise; timed apart here
    layers_build = time.perf_counter() - started
    coordinates = random_points(points, box)
    sample = coordinates[: min(points, REFERENCE_SAMPLE)]
    exact_sample = coordinates[: min(points, 10 * REFERENCE_SAMPLE)]

    reference, expected = _best_rate(
        len(sample), lambda: reference_loop(grid_shapes, village_shapes, sample), repeats=1
    )
    rate, located = _best_rate(points, lambda: locator.locate_many(coordinates, index=index))
    pairs = [tuple(row) for row in coordinates.tolist()]
    list_rate, _ = _best_rate(points, lambda: locator.locate_many(pairs, index=index))
    exact_rate, _ = _best_rate(
        len(exact_sample),
        lambda: locator._exact_positions(index, exact_sample[:, 1], exact_sample[:, 0]),
        repeats=1,
    )
    disagreements = sum(
        1 for got, want in zip(located[: len(sample)], expected, strict=True) if got != want
    )
    outside = sum(1 for location in located if location is None)

    micro = sum(1 for location, _geom in grid_shapes if len(location.grid_code) == 17)
    polygons = (
        f"{micro:,} micro-grids + {len(grid_shapes) - micro:,} grids "
        f"+ {len(village_shapes):,} villages"
    )
    ref = {"reference": reference, "reference_name": "contains loop"}
    return [
        Figure(
            f"p2 locate_many, {points:,} points (numpy array), {polygons}", rate, "points/s", **ref
        ),
        Figure("p2 locate_many, same points as (lat, lng) tuples", list_rate, "points/s", **ref),
        Figure(
            f"p2 STRtree query path (locate_many before issue 6), {len(exact_sample):,} points",
            exact_rate,
            "points/s",
            **ref,
        ),
        Figure("p2 index build from shapes (order, STRtrees)", build, "s"),
        Figure("p2 numpy layers build (on the first long call)", layers_build, "s"),
        Figure(
            "p2 numpy layers in memory",
            sum(layer.nbytes for layer, _offset in layers) / 2**20,
            "MiB",
        ),
        Figure(
            f"p2 disagreements with the reference on its {len(sample):,}-point sample",
            disagreements,
            "points",
        ),
        Figure("p2 points outside every village", outside, "points"),
    ]
