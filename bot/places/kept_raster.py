"""The cell raster kept on disk beside the grid check's note, so that every start after the
first answers "which hamlet" for a point inside one without building the raster (some 200 ms
of the first lookup, the event loop blocked) or importing shapely and numpy for it (15 MiB).

The file is named by the grid file's content and by the code and the shapely release that
built it: a changed grid, a changed raster or a new shapely (with the GEOS it brings) never
reads an old file. A file that cannot be read is built again; a folder that cannot be written
is left alone.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
import os
import tempfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from bot.places.grid_index import CellIndex
from bot.places.plane import Segment

BUILT_BY = ("grid.py", "grid_index.py", "plane.py", "shapes.py", "kept_raster.py")
"""The modules of this package whose code decides the raster and the frame it is in."""
PARTIAL = ".partial"
"""The ending of a raster file still being written."""
BORDER = -3
"""In the kept cells, a border cell: its hamlets are listed apart. The cells are kept as runs
of one value (a hamlet's interior is long runs): a tenth of the file, read in a few ms."""


@dataclass(frozen=True)
class KeptRaster:
    """What a lookup inside a hamlet reads: the projection, the cells and each hamlet's edges
    (for the cells on a border), in hamlet position order."""

    origin: tuple[float, float]
    metres_per_degree_lon: float
    cells: CellIndex
    segments: list[tuple[Segment, ...]]


def raster_file(note: Path | None) -> Path | None:
    """Where the raster of the grid file whose check `note` names (`grid-<content>.checked`)
    is kept: beside it, named by that file's content and by this code."""
    if note is None:
        return None
    return note.with_name(f"{note.stem}-{_code_version()}.cells.json")


def read(path: Path | None) -> KeptRaster | None:
    """The raster kept at `path`, or None if there is none or it cannot be read."""
    if path is None:
        return None
    try:
        kept = json.loads(path.read_bytes())
        cells = kept["cells"]
        values: list[int | tuple[int, ...]] = []
        for value, count in cells["runs"]:
            values += [int(value)] * int(count)
        for position, hamlets in cells["border"]:
            values[position] = tuple(hamlets)
        return KeptRaster(
            origin=(float(kept["origin"][0]), float(kept["origin"][1])),
            metres_per_degree_lon=float(kept["metres_per_degree_lon"]),
            cells=CellIndex(
                west=float(cells["west"]),
                south=float(cells["south"]),
                cell=float(cells["cell"]),
                columns=int(cells["columns"]),
                rows=int(cells["rows"]),
                cells=values,
            ),
            segments=[
                tuple((ax, ay, bx, by) for ax, ay, bx, by in edges) for edges in kept["segments"]
            ],
        )
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        return None


def write(path: Path | None, raster: KeptRaster) -> None:
    """Keep the raster at `path`, removing those of other grid files or code."""
    if path is None:
        return
    cells = raster.cells
    kept: dict[str, Any] = {
        "origin": list(raster.origin),
        "metres_per_degree_lon": raster.metres_per_degree_lon,
        "cells": {
            "west": cells.west,
            "south": cells.south,
            "cell": cells.cell,
            "columns": cells.columns,
            "rows": cells.rows,
            "runs": [
                [value, len(list(run))]
                for value, run in itertools.groupby(
                    value if isinstance(value, int) else BORDER for value in cells.cells
                )
            ],
            "border": [
                [position, value]
                for position, value in enumerate(cells.cells)
                if not isinstance(value, int)
            ],
        },
        "segments": raster.segments,
    }
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        for stale in stale_files(path.parent):
            stale.unlink(missing_ok=True)
        # Whole or not at all, even if the bot is killed while writing: a file of its own
        # (another process may be writing too), then renamed.
        handle, partial = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=PARTIAL)
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            json.dump(kept, file, separators=(",", ":"))
        os.replace(partial, path)
    except OSError:
        pass


def stale_files(folder: Path) -> list[Path]:
    """Every kept raster in `folder` and every one left half-written."""
    return [*folder.glob("grid-*.cells.json"), *folder.glob(f"grid-*.cells.json*{PARTIAL}")]


@functools.cache
def _code_version() -> str:
    """A digest of the code in `BUILT_BY` and of the shapely release (GEOS comes with it)."""
    digest = hashlib.blake2b(digest_size=6)
    for name in BUILT_BY:
        digest.update((Path(__file__).parent / name).read_bytes())
    digest.update(metadata.version("shapely").encode())
    return digest.hexdigest()
