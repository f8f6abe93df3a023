"""Hamlet lookups per second over the 77 sample hamlets: the exact STRtree query (the
reference, as `locate` worked before the cell raster), `locate` one point at a time, and
`locate_many` for a batch, on the same points, with the ratios (target ≥ 200,000/s).

Two sets of points: uniform over a box around the town (as the issue measured it; about half
fall in no hamlet and need the exact distance to the nearest), and only the points of that
box that lie in a hamlet (where reports are made).

Run: `make bench` (or `.venv/bin/python -m benchmarks.grid_lookup`).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable

from benchmarks.emulated import ROOT
from bot.places.grid import Fit, Grid

TARGET = 200_000
POINTS = 10_000


def rate(points: list[tuple[float, float]], lookup: Callable[[], object], seconds: float) -> float:
    """Points per second of `lookup` (which handles all of `points`), repeated for `seconds`."""
    done = 0
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        lookup()
        done += len(points)
    return done / (time.perf_counter() - started)


def main(seconds: float = 1.0) -> None:
    started = time.perf_counter()
    grid = Grid.load(ROOT / "bot/sample/santang_grid.geojson")
    grid.locate(22.9, 108.4)
    print(
        f"grid loaded and its cell raster built in {(time.perf_counter() - started) * 1000:.0f} ms"
    )
    rng = random.Random(7)
    box = [(rng.uniform(22.85, 22.95), rng.uniform(108.33, 108.47)) for _ in range(POINTS)]
    in_hamlets = [point for point in box if grid.locate(*point).fit == Fit.INSIDE]
    print(
        f"{'hamlet lookups/s, ' + str(len(grid.hamlets)) + ' hamlets':<34} {'exact (ref)':>11} "
        f"{'locate':>9} {'ratio':>6} {'batch':>9} {'ratio':>6}"
    )
    for label, points in [("uniform over the town's box", box), ("in hamlets", in_hamlets)]:

        def exact(points: list[tuple[float, float]] = points) -> None:
            for latitude, longitude in points:
                grid._locate_exactly(*grid._project_xy(latitude, longitude))

        def one_by_one(points: list[tuple[float, float]] = points) -> None:
            for latitude, longitude in points:
                grid.locate(latitude, longitude)

        reference = rate(points, exact, seconds)
        single = rate(points, one_by_one, seconds)
        batch = rate(points, lambda points=points: grid.locate_many(points), seconds)
        print(
            f"{label + f' ({len(points):,})':<34} {reference:>11,.0f} {single:>9,.0f} "
            f"{single / reference:>6.1f} {batch:>9,.0f} {batch / reference:>6.1f}"
        )
    print(f"target ≥ {TARGET:,}/s")


if __name__ == "__main__":
    main()
