"""The cell raster and the batch lookup give exactly the STRtree's answer, on the sample town."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from bot.places.grid import Fit, Grid, Match

SAMPLE = Path(__file__).parent.parent / "bot/sample/santang_grid.geojson"


@pytest.fixture(scope="module")
def grid() -> Grid:
    return Grid.load(SAMPLE)


def exact(grid: Grid, latitude: float, longitude: float) -> Match:
    """The answer without the raster: the STRtree query on the projected point."""
    return grid._locate_exactly(*grid._project_xy(latitude, longitude))


def random_points(count: int, seed: int) -> list[tuple[float, float]]:
    """Points over the town and well beyond it (to reach every kind of answer)."""
    rng = random.Random(seed)
    return [(rng.uniform(22.80, 23.00), rng.uniform(108.28, 108.52)) for _ in range(count)]


def test_the_raster_agrees_with_the_exact_query_on_random_points(grid: Grid) -> None:
    points = random_points(20_000, seed=1)
    assert [grid.locate(*point) for point in points] == [exact(grid, *p) for p in points]


def test_every_kind_of_answer_is_among_the_random_points(grid: Grid) -> None:
    fits = {grid.locate(*point).fit for point in random_points(20_000, seed=1)}
    assert fits == set(Fit)


def test_points_on_cell_edges_and_hamlet_borders_agree(grid: Grid) -> None:
    """Points exactly on cell boundaries (where rounding could pick the neighbouring cell) and
    on hamlets' vertices (shared borders)."""
    cells = grid._cells()
    points = []
    for column in range(0, cells.columns, 7):
        for row in range(0, cells.rows, 7):
            x, y = cells.west + column * cells.cell, cells.south + row * cells.cell
            points.append(grid._unproject_xy(x, y))
    for hamlet_id in grid.hamlets:
        points.extend((lat, lon) for lon, lat in grid.boundary(hamlet_id).exterior.coords)
    assert [grid.locate(*point) for point in points] == [exact(grid, *p) for p in points]


def test_the_batch_lookup_agrees_with_one_at_a_time(grid: Grid) -> None:
    points = [*random_points(5_000, seed=2), (float("nan"), 108.4), (91.0, 108.4), (22.9, 200.0)]
    assert grid.locate_many(points) == [grid.locate(*point) for point in points]


def test_the_batch_lookup_of_nothing_is_nothing(grid: Grid) -> None:
    assert grid.locate_many([]) == []
