"""The grid's geometry is made on first use: a start with a grid file GEOS has already passed
imports neither shapely nor numpy, the first lookup still answers, and a file whose boundaries
are malformed or cross themselves is refused by `Grid.load` as before."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot.places.grid import Fit, Grid, GridError
from tests.conftest import ROOT, config_text_for
from tests.test_grid import EAST, WEST, feature

# A ring crossing itself at its middle: well formed GeoJSON, but no valid Polygon.
BOWTIE = [[108.40, 22.90], [108.41, 22.91], [108.41, 22.90], [108.40, 22.91], [108.40, 22.90]]

START_WITHOUT_GEOMETRY = """
import sys
from pathlib import Path
from bot.app import CleanVillageBot
from bot.core.config import load_config
bot = CleanVillageBot(load_config(Path(sys.argv[1])))
print(sorted({"numpy", "shapely"} & set(sys.modules)))
print(bot.grid.locate(float(sys.argv[2]), float(sys.argv[3])).hamlet.id)
print(sorted({"numpy", "shapely"} & set(sys.modules)))
"""


def grid_file(tmp_path: Path, *rings: list[list[float]]) -> Path:
    path = tmp_path / "grid.geojson"
    features = [feature(f"h{number}", ring) for number, ring in enumerate(rings)]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), "utf-8")
    return path


@pytest.mark.parametrize(
    "ring",
    [
        WEST[:-1],
        WEST[:2] + WEST[:1],
        [*WEST[:2], [108.41, "22.91"], *WEST[3:]],
        [*WEST[:2], [108.41], *WEST[3:]],
    ],
    ids=["not closed", "three positions", "a text coordinate", "one number"],
)
def test_a_malformed_ring_is_refused_at_load(tmp_path: Path, ring: list[list[float]]) -> None:
    path = grid_file(tmp_path, WEST, ring)
    with pytest.raises(GridError, match=r"features\[1\]: geometry must be a valid Polygon"):
        Grid.load(path, checked_in=tmp_path / "notes")


def test_a_ring_crossing_itself_is_refused_at_load(tmp_path: Path) -> None:
    path = grid_file(tmp_path, WEST, BOWTIE)
    with pytest.raises(GridError, match=r"hamlet 'h1': geometry must be a valid Polygon") as raised:
        Grid.load(path, checked_in=tmp_path / "notes")
    assert str(path) in str(raised.value)
    assert not list((tmp_path / "notes").glob("*"))  # refused files leave no note


def test_a_file_that_passed_is_not_checked_again(tmp_path: Path) -> None:
    path = grid_file(tmp_path, WEST, EAST)
    notes = tmp_path / "notes"
    assert Grid.load(path, checked_in=notes)._shapes_made is not None
    grid = Grid.load(path, checked_in=notes)
    assert grid._shapes_made is None
    assert grid.locate(22.905, 108.415).hamlet == grid.hamlets["h1"]
    assert grid.locate(22.905, 108.43).fit == Fit.TOWN
    path.write_text(path.read_text("utf-8").replace("108.42", "108.425"), "utf-8")
    assert Grid.load(path, checked_in=notes)._shapes_made is not None  # a new file: checked
    assert len(list(notes.glob("*"))) == 1


def test_the_bot_starts_without_shapely_once_its_grid_passed(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(config_text_for(tmp_path), "utf-8")
    inside = Grid.load(ROOT / "bot/sample/santang_grid.geojson").representative_point("h01")
    command = [sys.executable, "-c", START_WITHOUT_GEOMETRY, str(config), *map(str, inside)]
    first = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True)
    # GEOS checked the file; the first lookup built the cell raster and kept it.
    assert first.stdout.splitlines() == ["['numpy', 'shapely']", "h01", "['numpy', 'shapely']"]
    again = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True)
    # The raster kept: a point inside a hamlet is located without shapely at all.
    assert again.stdout.splitlines() == ["[]", "h01", "[]"]


def test_the_kept_raster_answers_as_the_one_built(tmp_path: Path) -> None:
    """Every point of a sweep over the sample town, inside, on borders and outside: the grid
    reading the kept raster answers as the grid that built it."""
    sample = ROOT / "bot/sample/santang_grid.geojson"
    built = Grid.load(sample, checked_in=tmp_path)
    south, west, north, east = 22.80, 108.30, 23.00, 108.55
    points = [
        (south + (north - south) * row / 120, west + (east - west) * column / 120)
        for row in range(121)
        for column in range(121)
    ]
    answers = built.locate_many(points)
    assert list(tmp_path.glob("grid-*.cells.json"))
    kept = Grid.load(sample, checked_in=tmp_path)
    assert kept._cells() == built._cells() and kept._shapes_made is None  # read, not built
    assert kept.locate_many(points) == answers


def test_an_unreadable_kept_raster_is_built_again(tmp_path: Path) -> None:
    sample = ROOT / "bot/sample/santang_grid.geojson"
    point = Grid.load(sample, checked_in=tmp_path).representative_point("h01")
    Grid.load(sample, checked_in=tmp_path).locate(*point)
    (kept,) = tmp_path.glob("grid-*.cells.json")
    kept.write_text('{"cells": ', "utf-8")  # cut short
    grid = Grid.load(sample, checked_in=tmp_path)
    assert grid.locate(*point).hamlet == grid.hamlets["h01"]
    assert json.loads(kept.read_text("utf-8"))["cells"]["rows"] > 0  # kept again, whole


def test_only_our_own_grid_files_are_removed_from_the_folder(tmp_path: Path) -> None:
    """A new grid file replaces the old note and raster, and nothing else of the folder's (an
    operator's own `grid-town.json` there included)."""
    path = grid_file(tmp_path, WEST, EAST)
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "grid-town.json").write_text("{}", "utf-8")
    Grid.load(path, checked_in=notes).locate(22.905, 108.415)
    path.write_text(path.read_text("utf-8").replace("108.42", "108.425"), "utf-8")
    Grid.load(path, checked_in=notes)
    assert sorted(file.suffix for file in notes.iterdir()) == [".checked", ".json"]
    assert (notes / "grid-town.json").read_text("utf-8") == "{}"
