"""A raster of square cells over the projected town that answers "which hamlet" for points
well inside one hamlet with two float operations and a list lookup.

A cell is answered only when exactly one hamlet touches it and that hamlet contains all of it
(the cell slightly enlarged, so a point rounded into a neighbouring cell is still covered):
then every point of the cell intersects that hamlet and no other, which is the exact query's
answer. A cell that no hamlet touches (and everything well beyond the grid's bounds) is OUTSIDE:
only the distance to the nearest hamlet is left to compute. A cell on a border lists the
hamlets that touch it (in position order), for an exact test of the point against each.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    import numpy as np
    from shapely.geometry.base import BaseGeometry
    from shapely.strtree import STRtree

CELL_M = 25.0
"""Cell side in metres: small enough that border cells are a few per cent of a hamlet."""
MARGIN_M = 1e-3
"""How much each cell is enlarged on every side before it is tested against the hamlets."""
OUTSIDE = -1
"""A cell's (or a point's) value when no hamlet touches it."""
COARSEST_LEVEL = 5
"""Building starts from blocks of 2**5 × 2**5 cells (800 m) and splits only those on a border."""
UNKNOWN = -2
"""A cell not yet decided while building (None once built)."""
BLOCKS_AT_ONCE = 2048
"""Blocks tested per GEOS call: the finest level has some 17,000, and all their boxes at
once held 6 MiB more at the bot's peak (its first lookup) for no quicker build."""


@dataclass(frozen=True)
class CellIndex:
    """Cells in rows from the south-west corner; each holds a hamlet's position, OUTSIDE, or
    the positions of the hamlets touching it (a border: test the point against each)."""

    west: float
    south: float
    cell: float
    columns: int
    rows: int
    cells: list[int | tuple[int, ...]]

    @classmethod
    def build(cls, hamlets: Sequence[BaseGeometry], tree: STRtree) -> CellIndex:
        """Test blocks of cells from coarse to fine: a block wholly inside one hamlet fills all
        its cells at once, a block touching no hamlet is left to the exact query, and only the
        blocks on a border are split in four and tested again (a few vectorised calls).
        numpy and shapely are imported here: looking a cell up needs neither."""
        import numpy as np
        import shapely

        shapes = np.array(hamlets, dtype=object)
        shapely.prepare(shapes)  # a third of the time, for the `contains` of every block
        west, south, east, north = shapely.total_bounds(shapes)
        columns = int((east - west) / CELL_M) + 1
        rows = int((north - south) / CELL_M) + 1
        owners = np.full((rows, columns), UNKNOWN, dtype=np.int64)
        size = 1 << COARSEST_LEVEL
        grid_rows, grid_columns = np.meshgrid(np.arange(0, rows, size), np.arange(0, columns, size))
        row, column = grid_rows.ravel(), grid_columns.ravel()
        while len(row):
            side = size * CELL_M
            left, bottom = west + column * CELL_M, south + row * CELL_M
            touched, hamlet, touching, candidates, owner, covered = _tested(
                tree, shapes, left, bottom, side
            )
            alone_outside = np.flatnonzero(touching == 0)
            blocks = np.concatenate([candidates[covered], alone_outside])
            values = np.concatenate([owner[covered], np.full(len(alone_outside), OUTSIDE)])
            if size == 1:
                owners[row[blocks], column[blocks]] = values
            else:
                for block, value in zip(blocks.tolist(), values.tolist(), strict=True):
                    owners[row[block] : row[block] + size, column[block] : column[block] + size] = (
                        value
                    )
            split = touching > 0
            split[candidates[covered]] = False
            if size == 1:
                break
            size //= 2
            row, column = row[split], column[split]
            row = np.concatenate([row, row, row + size, row + size])
            column = np.concatenate([column, column + size, column, column + size])
            inside = (row < rows) & (column < columns)
            row, column = row[inside], column[inside]
        cells = cast(list[int | tuple[int, ...]], owners.ravel().tolist())  # no copy
        # The cells left undecided by the last level are the border cells; its query found
        # the hamlets touching each.
        border = split[touched]
        on_border: dict[int, list[int]] = {}
        at = (row * columns + column)[touched[border]]
        for cell, hamlet_position in zip(at.tolist(), hamlet[border].tolist(), strict=True):
            on_border.setdefault(cell, []).append(hamlet_position)
        for cell, hamlets in on_border.items():
            cells[cell] = tuple(sorted(hamlets))
        return cls(west, south, CELL_M, columns, rows, cells)

    def hamlet_at(self, x: float, y: float) -> int | tuple[int, ...] | None:
        """The hamlet's position if the cell holding (x, y) is wholly inside one, OUTSIDE if no
        hamlet touches it, the hamlets touching it on a border. Just beyond the raster's edge
        (where a hamlet's western or southern border lies) is None: ask the exact query."""
        column = (x - self.west) / self.cell
        row = (y - self.south) / self.cell
        if 0 <= column < self.columns and 0 <= row < self.rows:
            return self.cells[int(row) * self.columns + int(column)]
        edge = MARGIN_M / self.cell
        if -edge <= column <= self.columns + edge and -edge <= row <= self.rows + edge:
            return None
        return OUTSIDE


def _tested(
    tree: STRtree, shapes: np.ndarray, left: np.ndarray, bottom: np.ndarray, side: float
) -> tuple[np.ndarray, ...]:
    """For the square blocks with these south-west corners (each enlarged by the margin): the
    (block, hamlet) pairs that touch, how many hamlets touch each block, and of the blocks one
    hamlet alone touches, which, that hamlet, and whether it contains them; the boxes made and
    tested `BLOCKS_AT_ONCE` at a time."""
    import numpy as np
    import shapely

    parts = []
    for first in range(0, len(left), BLOCKS_AT_ONCE):
        x, y = left[first : first + BLOCKS_AT_ONCE], bottom[first : first + BLOCKS_AT_ONCE]
        boxes = shapely.box(x - MARGIN_M, y - MARGIN_M, x + side + MARGIN_M, y + side + MARGIN_M)
        touched, hamlet = tree.query(boxes, predicate="intersects")
        touching = np.bincount(touched, minlength=len(boxes))
        alone = touching[touched] == 1
        candidates, owner = touched[alone], hamlet[alone]
        covered = shapely.contains(shapes[owner], boxes[candidates])
        parts.append((touched + first, hamlet, touching, candidates + first, owner, covered))
    return tuple(np.concatenate(column) for column in zip(*parts, strict=True))
