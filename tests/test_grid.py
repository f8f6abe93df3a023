"""Point-in-polygon routing over a tiny two-hamlet grid with known geometry."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from bot.places.grid import Fit, Grid, GridError, distance_m

# Two adjacent 0.01° squares (~1.0 km × 1.1 km) near Santang; they share the edge lon=108.41.
WEST = [[108.40, 22.90], [108.41, 22.90], [108.41, 22.91], [108.40, 22.91], [108.40, 22.90]]
EAST = [[108.41, 22.90], [108.42, 22.90], [108.42, 22.91], [108.41, 22.91], [108.41, 22.90]]


def feature(hamlet_id: str, ring: list[list[float]]) -> dict:
    return {
        "type": "Feature",
        "properties": {
            "id": hamlet_id,
            "name": f"{hamlet_id}坡",
            "village_id": "v1",
            "village_name": "测试村",
        },
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }


@pytest.fixture
def grid(tmp_path: Path) -> Grid:
    path = tmp_path / "grid.geojson"
    collection = {"type": "FeatureCollection", "features": [feature("w", WEST), feature("e", EAST)]}
    path.write_text(json.dumps(collection), encoding="utf-8")
    return Grid.load(path, snap_distance_m=300, far_outside_m=3000)


def test_point_inside_a_hamlet(grid: Grid) -> None:
    match = grid.locate(22.905, 108.405)
    assert match.fit == Fit.INSIDE and match.hamlet and match.hamlet.id == "w"


def test_point_on_the_shared_border_goes_to_one_hamlet_deterministically(grid: Grid) -> None:
    first = grid.locate(22.905, 108.41)
    assert first.fit == Fit.INSIDE and first.hamlet is not None
    assert all(grid.locate(22.905, 108.41).hamlet == first.hamlet for _ in range(5))


def test_point_on_the_outer_border_is_inside(grid: Grid) -> None:
    assert grid.locate(22.90, 108.405).fit == Fit.INSIDE


def test_point_just_outside_snaps_to_the_nearest_hamlet(grid: Grid) -> None:
    match = grid.locate(22.905, 108.4215)  # ~150 m east of the east square
    assert match.fit == Fit.NEAR and match.hamlet and match.hamlet.id == "e"
    assert 100 < match.distance_m < 200


def test_point_in_the_surroundings_goes_to_the_office(grid: Grid) -> None:
    match = grid.locate(22.905, 108.435)  # ~1.3 km east
    assert match.fit == Fit.TOWN and match.hamlet is None


@pytest.mark.parametrize(
    ("latitude", "longitude"),
    [
        (22.5, 108.4),
        (0.0, 0.0),
        (90.0, 0.0),
        (-90.0, 180.0),
        (float("nan"), 108.4),
        (22.9, float("inf")),
        (123.0, 108.4),
    ],
)
def test_far_away_or_unusable_points(grid: Grid, latitude: float, longitude: float) -> None:
    assert grid.locate(latitude, longitude).fit == Fit.FAR


def test_hamlets_of_a_village(grid: Grid) -> None:
    assert {hamlet.id for hamlet in grid.hamlets_of("v1")} == {"w", "e"}


def test_distance_is_in_metres() -> None:
    assert distance_m(22.9, 108.4, 22.9, 108.4) == 0
    assert 1000 < distance_m(22.90, 108.40, 22.91, 108.40) < 1120


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "not readable GeoJSON"),
        ('{"type": "Feature"}', "expected a GeoJSON FeatureCollection"),
        ('{"type": "FeatureCollection", "features": []}', "no hamlets"),
        ('{"type": "FeatureCollection", "features": [{"properties": {}}]}', "features[0]"),
    ],
)
def test_bad_grid_files_are_named(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.geojson"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(GridError, match=re.escape(message)) as raised:
        Grid.load(path)
    assert str(path) in str(raised.value)


def test_sample_grid_loads_with_77_hamlets_in_18_villages() -> None:
    grid = Grid.load(Path(__file__).parent.parent / "bot/sample/santang_grid.geojson")
    assert len(grid.hamlets) == 77
    assert len(grid.villages) == 18
