"""Plain-float geometry on the projected plane: a hamlet's boundary as segments, whether a
point lies inside it (ray casting), and a point's distance to a segment.

These answer the cell raster's border cells and the distance to the nearest hamlet without
creating shapely objects per point. The distance repeats GEOS's `Distance::pointToSegment`
operation for operation, so it is bit for bit the distance the STRtree reports.
"""

from __future__ import annotations

import math
from itertools import pairwise
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from shapely.geometry.base import BaseGeometry

Segment = tuple[float, float, float, float]
"""(ax, ay, bx, by): one edge of a hamlet's boundary, in projected metres."""

ON_BORDER_M = 1e-6
"""Closer than this to a boundary, ray casting is not trusted: the caller asks shapely."""


def segments_of(geometry: BaseGeometry) -> tuple[Segment, ...]:
    """Every edge of every ring (exteriors and holes) of a Polygon or MultiPolygon."""
    polygons = getattr(geometry, "geoms", [geometry])
    segments: list[Segment] = []
    for polygon in polygons:
        for ring in [polygon.exterior, *polygon.interiors]:
            segments.extend((ax, ay, bx, by) for (ax, ay), (bx, by) in pairwise(ring.coords))
    return tuple(segments)


def covers(segments: tuple[Segment, ...], x: float, y: float) -> bool | None:
    """Whether the polygon of these edges contains (x, y) by even-odd ray casting; None when
    the point is so close to an edge that only an exact predicate can say."""
    inside = False
    for ax, ay, bx, by in segments:
        if segment_distance(x, y, ax, ay, bx, by) < ON_BORDER_M:
            return None
        if (ay > y) != (by > y) and x < ax + (y - ay) * (bx - ax) / (by - ay):
            inside = not inside
    return inside


def segment_distance(x: float, y: float, ax: float, ay: float, bx: float, by: float) -> float:
    """Distance from (x, y) to the segment, computed exactly as GEOS computes it."""
    if ax == bx and ay == by:
        return math.sqrt((x - ax) * (x - ax) + (y - ay) * (y - ay))
    length2 = (bx - ax) * (bx - ax) + (by - ay) * (by - ay)
    along = ((x - ax) * (bx - ax) + (y - ay) * (by - ay)) / length2
    if along <= 0.0:
        return math.sqrt((x - ax) * (x - ax) + (y - ay) * (y - ay))
    if along >= 1.0:
        return math.sqrt((x - bx) * (x - bx) + (y - by) * (y - by))
    across = ((ay - y) * (bx - ax) - (ax - x) * (by - ay)) / length2
    return abs(across) * math.sqrt(length2)
