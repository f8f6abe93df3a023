"""Blocks of 50 m around the town, each listing the few hamlet edges that can be nearest to
any point in it, so a point outside every hamlet finds its nearest with a handful of float
operations instead of an STRtree query.

For a block with centre c and half-diagonal h, the nearest edge s of any point p in the block
satisfies dist(c, s) ≤ dist(p, s) + h = D(p) + h ≤ D(c) + 2h (D, the distance to the town, moves
by at most |p − c|): those edges are the block's candidates, sorted by dist(c, s) − h, a lower
bound of dist(p, s), so the search stops at the first edge that cannot be nearer. Each block is
filled the first time a point falls in it (two STRtree queries), so start-up pays nothing. A
tie between two hamlets, or a point beyond the blocks, is left to the exact query (its choice
among equals is its own).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry
from shapely.strtree import STRtree

from bot.places.plane import segments_of

BLOCK_M = 50.0
"""Block side in metres: a few edges per block."""
HALF_DIAGONAL_M = BLOCK_M * math.sqrt(2) / 2
SLACK_M = 1.0
"""Added to each block's reach so float rounding cannot drop the nearest edge."""

Edge = tuple[int, float, float, float, float, float, float, float, float]
"""(hamlet position, ax, ay, bx, by, bx − ax, by − ay, squared length, length)."""
Candidate = tuple[float, Edge]
"""(a lower bound of the edge's distance to any point of the block, the edge)."""


class NearestIndex:
    """Candidate edges per block, in rows from the south-west corner of the covered area."""

    def __init__(self, hamlets: Sequence[BaseGeometry], margin_m: float) -> None:
        """Blocks over the hamlets' bounds widened by `margin_m` on every side."""
        self._edges: list[Edge] = []
        for position, hamlet in enumerate(hamlets):
            for ax, ay, bx, by in segments_of(hamlet):
                dx, dy = bx - ax, by - ay
                length2 = dx * dx + dy * dy
                self._edges.append((position, ax, ay, bx, by, dx, dy, length2, math.sqrt(length2)))
        self._lines = STRtree(shapely.linestrings([[edge[1:3], edge[3:5]] for edge in self._edges]))
        shapes = np.array(hamlets, dtype=object)
        self._town = shapely.union_all(shapes)
        shapely.prepare(self._town)
        west, south, east, north = shapely.total_bounds(shapes)
        self._west, self._south = float(west - margin_m), float(south - margin_m)
        self._columns = int((east + margin_m - self._west) / BLOCK_M) + 1
        self._rows = int((north + margin_m - self._south) / BLOCK_M) + 1
        self._blocks: list[tuple[Candidate, ...] | None] = [None] * (self._columns * self._rows)

    def nearest(self, x: float, y: float) -> tuple[int, float] | None:
        """(hamlet position, distance) of the hamlet nearest to (x, y), which lies in no hamlet;
        None if two hamlets are equally near or the point is beyond the blocks. The distance
        repeats GEOS's `Distance::pointToSegment` operation for operation (see `plane`)."""
        column = (x - self._west) / BLOCK_M
        row = (y - self._south) / BLOCK_M
        if not (0 <= column < self._columns and 0 <= row < self._rows):
            return None
        block = int(row) * self._columns + int(column)
        edges = self._blocks[block] or self._fill(block)
        best, best_distance, tied = -1, math.inf, False
        for bound, (position, ax, ay, bx, by, dx, dy, length2, length) in edges:
            if bound > best_distance:
                break
            px, py = x - ax, y - ay
            along = (px * dx + py * dy) / length2 if length2 else 0.0
            if along <= 0.0:
                distance = math.sqrt(px * px + py * py)
            elif along >= 1.0:
                distance = math.sqrt((x - bx) * (x - bx) + (y - by) * (y - by))
            else:
                distance = abs(((ay - y) * dx - (ax - x) * dy) / length2) * length
            if distance < best_distance:
                best, best_distance, tied = position, distance, False
            elif distance == best_distance and position != best:
                tied = True
        if tied or best < 0:
            return None
        return best, best_distance

    def _fill(self, block: int) -> tuple[Candidate, ...]:
        """The block's candidate edges: those within D(c) + 2h of its centre c, nearest first."""
        row, column = divmod(block, self._columns)
        centre = shapely.Point(
            self._west + (column + 0.5) * BLOCK_M, self._south + (row + 0.5) * BLOCK_M
        )
        reach = shapely.distance(centre, self._town) + 2 * HALF_DIAGONAL_M + SLACK_M
        found = self._lines.query(centre, predicate="dwithin", distance=reach)
        lines = self._lines.geometries.take(found)
        bounds = shapely.distance(centre, lines) - HALF_DIAGONAL_M - SLACK_M
        edges = tuple(
            sorted(zip(bounds.tolist(), (self._edges[hit] for hit in found.tolist()), strict=True))
        )
        self._blocks[block] = edges
        return edges
