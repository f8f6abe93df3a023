"""The grid's geometry in shapely: the hamlets' boundaries, projected to a local metric plane,
an STRtree over them for the exact queries, and the plain-float indexes built from them.

`bot.places.grid` makes this on first use, so a start that locates nothing never imports
shapely and numpy (about 20 MiB and 0.1 s). GEOS's validity check runs here too: `Grid.load`
checks only the GeoJSON's shape, with plain Python.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import shapely
from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry
from shapely.strtree import STRtree

from bot.places.grid import METRES_PER_DEGREE_LAT, METRES_PER_DEGREE_LON_AT_EQUATOR
from bot.places.grid_index import CellIndex
from bot.places.nearest import NearestIndex
from bot.places.plane import Segment, segments_of


class InvalidShape(ValueError):
    """A hamlet's geometry is not a valid Polygon or MultiPolygon by GEOS; args: its id."""


class Shapes:
    """The hamlets' boundaries in longitude/latitude, and projected in position order (by id)."""

    def __init__(self, geometries: Mapping[str, Mapping[str, Any]], far_outside_m: float) -> None:
        """`geometries`: the GeoJSON geometry of each hamlet id, in the file's order."""
        boundaries: dict[str, BaseGeometry] = {}
        for hamlet_id, geometry in geometries.items():
            try:
                boundary = shape(geometry)
            except (ValueError, TypeError, shapely.errors.GEOSException) as error:
                raise InvalidShape(hamlet_id) from error
            if boundary.geom_type not in ("Polygon", "MultiPolygon") or not boundary.is_valid:
                raise InvalidShape(hamlet_id)
            boundaries[hamlet_id] = boundary
        self.boundaries = boundaries
        centre = shapely.union_all(list(boundaries.values())).centroid
        self.origin: tuple[float, float] = (centre.y, centre.x)
        self.metres_per_degree_lon = METRES_PER_DEGREE_LON_AT_EQUATOR * math.cos(
            math.radians(centre.y)
        )
        self.projected = [
            shapely.transform(boundaries[key], self._project_array) for key in sorted(boundaries)
        ]
        self.tree = STRtree(self.projected)
        self.town = shapely.union_all(self.projected)
        shapely.prepare(self.town)
        self.segments: list[tuple[Segment, ...]] = [segments_of(each) for each in self.projected]
        self._far_outside_m = far_outside_m
        self._cells: CellIndex | None = None
        self._nearest: NearestIndex | None = None

    def cells(self) -> CellIndex:
        """The cell raster, built when first asked for (a few hundred ms), not for drawing a
        map; a later start reads the one `bot.places.kept_raster` kept."""
        if self._cells is None:
            self._cells = CellIndex.build(self.projected, self.tree)
        return self._cells

    def nearest_index(self) -> NearestIndex:
        """The nearest-edge blocks, built on the first lookup outside every hamlet."""
        if self._nearest is None:
            self._nearest = NearestIndex(self.projected, self._far_outside_m)
        return self._nearest

    def covering(self, x: float, y: float) -> int | None:
        """The first hamlet (by position) the projected point intersects, by the exact query."""
        inside = self.tree.query(Point(x, y), predicate="intersects")
        return int(min(inside)) if len(inside) else None

    def nearest(self, x: float, y: float) -> tuple[int, float]:
        """(position, distance) of the hamlet nearest to the projected point, exactly."""
        nearest, distances = self.tree.query_nearest(
            Point(x, y), return_distance=True, all_matches=False
        )
        return int(nearest[0]), float(distances[0])

    def unproject(self, x: float, y: float) -> tuple[float, float]:
        """(latitude, longitude) of a projected point."""
        origin_lat, origin_lon = self.origin
        return origin_lat + y / METRES_PER_DEGREE_LAT, origin_lon + x / self.metres_per_degree_lon

    def _project_array(self, coords: np.ndarray) -> np.ndarray:
        """Longitude/latitude pairs to metres east/north of the town's centre."""
        origin_lat, origin_lon = self.origin
        return np.column_stack(
            (
                (coords[:, 0] - origin_lon) * self.metres_per_degree_lon,
                (coords[:, 1] - origin_lat) * METRES_PER_DEGREE_LAT,
            )
        )
