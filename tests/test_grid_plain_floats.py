"""Ray casting and the nearest-edge blocks give exactly the STRtree's answers (hamlet and
distance, bit for bit), also on and just beside the hamlets' edges where floats are fragile."""

from __future__ import annotations

import random

import pytest

from bot.places.grid import Grid
from bot.places.plane import segments_of
from tests.test_grid_fast_path import exact, grid

__all__ = ["grid"]  # the fast-path tests' fixture, shared

OFFSETS_M = [0.0, 1e-9, -1e-9, 1e-7, -1e-7, 1e-6, -1e-6, 1e-3, -1e-3, 0.5, -0.5, 30.0, -30.0]


def beside_edges(grid: Grid, seed: int) -> list[tuple[float, float]]:
    """Points along every hamlet edge, on it and pushed off it on either side by tiny to
    large offsets, plus every vertex pushed a little in eight directions."""
    rng = random.Random(seed)
    points = []
    for geometry in grid._projected:
        for ax, ay, bx, by in segments_of(geometry):
            length = ((bx - ax) ** 2 + (by - ay) ** 2) ** 0.5
            normal = ((ay - by) / length, (bx - ax) / length)
            for offset in OFFSETS_M:
                along = rng.random()
                x, y = ax + along * (bx - ax), ay + along * (by - ay)
                points.append(grid._unproject_xy(x + offset * normal[0], y + offset * normal[1]))
            for dx in (-1e-4, 0.0, 1e-4):
                for dy in (-1e-4, 0.0, 1e-4):
                    points.append(grid._unproject_xy(ax + dx, ay + dy))
    return points


def test_random_points_agree_with_the_exact_query(grid: Grid) -> None:
    rng = random.Random(11)
    points = [(rng.uniform(22.78, 23.02), rng.uniform(108.26, 108.54)) for _ in range(30_000)]
    assert [grid.locate(*point) for point in points] == [exact(grid, *p) for p in points]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_points_on_and_beside_edges_agree_with_the_exact_query(grid: Grid, seed: int) -> None:
    points = beside_edges(grid, seed)
    assert [grid.locate(*point) for point in points] == [exact(grid, *p) for p in points]
    assert grid.locate_many(points) == [exact(grid, *p) for p in points]


def test_points_equally_near_two_hamlets_agree_with_the_exact_query(grid: Grid) -> None:
    """Outside the town, straight out from a vertex two hamlets share, both are equally near:
    the exact query's own choice is kept."""
    shared: dict[tuple[float, float], set[int]] = {}
    for position, geometry in enumerate(grid._projected):
        for ax, ay, _, _ in segments_of(geometry):
            shared.setdefault((ax, ay), set()).add(position)
    points = []
    for (x, y), owners in shared.items():
        if len(owners) > 1:
            for step in (50.0, 200.0, 1000.0):
                for dx, dy in ((1, 0), (-1, 0), (0, 1), (0, -1)):
                    points.append(grid._unproject_xy(x + dx * step, y + dy * step))
    assert points
    assert [grid.locate(*point) for point in points] == [exact(grid, *p) for p in points]
