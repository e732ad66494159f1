"""P3 set-up, run inside a benchmark installation (`python -m bench.p3_accounts SEED`): one grid
worker per micro-grid with an API token, and points inside that micro-grid for its reports.
Prints JSON: [{"token": …, "points": [[lat, lng], …]}, …]."""

import json
import random
import sys

POINTS_PER_WORKER = 64


def main(seed: int) -> None:
    import django

    django.setup()
    import shapely
    from shapely.geometry import shape

    from fengqiao.accounts.services import token_issue, user_create
    from fengqiao.core.roles import Role
    from fengqiao.regions.models import Grid

    rng = random.Random(seed)
    micro_grids = [g for g in Grid.objects.order_by("code") if not g.children.exists()]
    workers = []
    for n, grid in enumerate(micro_grids):
        user = user_create(
            username=f"p3_worker_{n:04d}",
            password="p3-bench-not-secret",  # noqa: S106 - a throwaway installation
            role=Role.GRID_WORKER,
            jurisdiction=[grid.code],
            display_name=f"P3 网格员 {n}",
            check_password=False,
        )
        key, _token = token_issue(user=user)
        polygon = shape(grid.boundary)
        # Well inside the micro-grid: points on a shared edge may locate to the neighbour.
        inner = polygon.buffer(-0.1 * (polygon.area**0.5)) or polygon
        shapely.prepare(inner)
        minx, miny, maxx, maxy = inner.bounds
        points = []
        while len(points) < POINTS_PER_WORKER:
            lng, lat = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
            if shapely.contains_xy(inner, lng, lat):
                points.append([lat, lng])
        workers.append({"token": key, "points": points})
    json.dump(workers, sys.stdout)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
