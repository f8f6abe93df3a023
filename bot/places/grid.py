"""The town's grid: villages and hamlets from GeoJSON, and which hamlet a point lies in.

Geometry is projected once to a local metric plane (metres around the town's centre) so
that distances are plain Euclidean ones; over a town a few kilometres wide the error of
this equirectangular projection is far below GPS noise.

Most points fall well inside one hamlet: a raster of square cells over the town answers those
with two float operations and a list lookup (`bot.places.grid_index`). Points in cells on a
border are tested against the few hamlets there by ray casting, and points outside every
hamlet find the nearest among a few candidate edges (`bot.places.nearest`), both on plain
floats (`bot.places.plane`). Only what those cannot decide (a point within a micrometre of a
border, two hamlets equally near, a point far away) goes to the exact STRtree query.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry
from shapely.strtree import STRtree

from bot.places.grid_index import OUTSIDE, CellIndex
from bot.places.nearest import NearestIndex
from bot.places.plane import covers, segments_of

METRES_PER_DEGREE_LAT = 110_574.0
METRES_PER_DEGREE_LON_AT_EQUATOR = 111_320.0


class GridError(Exception):
    """The grid file cannot be used; the message names the file and the problem."""


@dataclass(frozen=True)
class Village:
    id: str
    name: str
    name_en: str

    def label(self, language: str) -> str:
        return self.name_en if language == "en" else self.name


@dataclass(frozen=True)
class Hamlet:
    id: str
    name: str
    name_en: str
    village_id: str
    households: int

    def label(self, language: str) -> str:
        return self.name_en if language == "en" else self.name


class Fit(StrEnum):
    """How a point relates to the grid."""

    INSIDE = "inside"  # within (or on the border of) a hamlet
    NEAR = "near"  # just outside every hamlet, close enough to snap to the nearest
    TOWN = "town"  # around the town but no hamlet close: the office decides
    FAR = "far"  # far outside the town, or not a usable coordinate


@dataclass(frozen=True)
class Match:
    fit: Fit
    hamlet: Hamlet | None = None
    distance_m: float = 0.0


class Grid:
    """Villages and hamlets with an STRtree over the hamlets' boundaries."""

    def __init__(
        self,
        villages: dict[str, Village],
        hamlets: dict[str, Hamlet],
        boundaries: dict[str, BaseGeometry],
        *,
        snap_distance_m: float = 300,
        far_outside_m: float = 3000,
    ) -> None:
        self.villages = villages
        self.hamlets = hamlets
        self.snap_distance_m = snap_distance_m
        self.far_outside_m = far_outside_m
        centre = shapely.union_all(list(boundaries.values())).centroid
        self._origin = (centre.y, centre.x)
        self._metres_per_degree_lon = METRES_PER_DEGREE_LON_AT_EQUATOR * math.cos(
            math.radians(centre.y)
        )
        self._order = sorted(boundaries)
        self._boundaries = boundaries
        projected = [self._project_geometry(boundaries[key]) for key in self._order]
        self._tree = STRtree(projected)
        self._projected = projected
        self._town = shapely.union_all(projected)
        shapely.prepare(self._town)
        self._by_position = [hamlets[key] for key in self._order]
        self._inside = [Match(Fit.INSIDE, hamlet) for hamlet in self._by_position]
        self._segments = [segments_of(geometry) for geometry in projected]
        self._index: tuple[CellIndex, NearestIndex] | None = None

    @classmethod
    def load(cls, path: Path, *, snap_distance_m: float = 300, far_outside_m: float = 3000) -> Grid:
        """Read a FeatureCollection with one feature per hamlet (see the sample file)."""
        try:
            collection = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as error:
            raise GridError(f"{path}: file not found") from error
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            raise GridError(f"{path}: not readable GeoJSON ({error})") from error
        features = collection.get("features") if isinstance(collection, dict) else None
        if collection.get("type") != "FeatureCollection" or not isinstance(features, list):
            raise GridError(f"{path}: expected a GeoJSON FeatureCollection")
        villages: dict[str, Village] = {}
        hamlets: dict[str, Hamlet] = {}
        boundaries: dict[str, BaseGeometry] = {}
        for index, feature in enumerate(features):
            where = f"{path}: features[{index}]"
            try:
                props = feature["properties"]
                hamlet = Hamlet(
                    id=str(props["id"]),
                    name=str(props["name"]),
                    name_en=str(props.get("name_en") or props["name"]),
                    village_id=str(props["village_id"]),
                    households=int(props.get("households", 0)),
                )
                village = Village(
                    id=hamlet.village_id,
                    name=str(props["village_name"]),
                    name_en=str(props.get("village_name_en") or props["village_name"]),
                )
                geometry = shape(feature["geometry"])
            except (KeyError, TypeError, ValueError, AttributeError) as error:
                raise GridError(f"{where}: missing or invalid {error}") from error
            if geometry.geom_type not in ("Polygon", "MultiPolygon") or not geometry.is_valid:
                raise GridError(f"{where}: geometry must be a valid Polygon or MultiPolygon")
            if hamlet.id in hamlets:
                raise GridError(f"{where}: duplicate hamlet id {hamlet.id!r}")
            hamlets[hamlet.id] = hamlet
            villages.setdefault(village.id, village)
            boundaries[hamlet.id] = geometry
        if not hamlets:
            raise GridError(f"{path}: no hamlets in the file")
        return cls(
            villages,
            hamlets,
            boundaries,
            snap_distance_m=snap_distance_m,
            far_outside_m=far_outside_m,
        )

    def hamlets_of(self, village_id: str) -> list[Hamlet]:
        return [hamlet for hamlet in self.hamlets.values() if hamlet.village_id == village_id]

    def boundary(self, hamlet_id: str) -> BaseGeometry:
        """The hamlet's boundary in longitude/latitude, as the file gave it (for drawing maps)."""
        return self._boundaries[hamlet_id]

    def representative_point(self, hamlet_id: str) -> tuple[float, float]:
        """(latitude, longitude) of a point surely inside the hamlet."""
        point = self._boundaries[hamlet_id].representative_point()
        return point.y, point.x

    def point_outside(self, distance: float) -> tuple[float, float]:
        """(latitude, longitude) about `distance` metres east of the town's eastern edge."""
        ring = self._town.buffer(distance).exterior
        east = max(ring.coords, key=lambda xy: xy[0])
        return self._unproject_xy(east[0], east[1])

    def locate(self, latitude: float, longitude: float) -> Match:
        """Which hamlet covers the point; else the nearest within the snap distance. The cell
        raster first, then plain floats (`_first_covering`, `nearest`), then the exact query."""
        if not (
            type(latitude) is float
            and type(longitude) is float
            and -90.0 <= latitude <= 90.0
            and -180.0 <= longitude <= 180.0
        ) and not _is_coordinate(latitude, longitude):
            return Match(Fit.FAR)
        origin_lat, origin_lon = self._origin
        x = (longitude - origin_lon) * self._metres_per_degree_lon
        y = (latitude - origin_lat) * METRES_PER_DEGREE_LAT
        cells, nearest = self._index or self._indexes()
        found = cells.hamlet_at(x, y)
        if isinstance(found, tuple):
            found = self._first_covering(found, x, y)
        if found is None:
            return self._locate_exactly(x, y)
        if found != OUTSIDE:
            return self._inside[found]
        near = nearest.nearest(x, y)
        if near is None:
            return self._nearest(Point(x, y))
        return self._by_distance(*near)

    def locate_many(self, points: list[tuple[float, float]]) -> list[Match]:
        """`locate` for many (latitude, longitude) points at once."""
        return [self.locate(latitude, longitude) for latitude, longitude in points]

    def _first_covering(self, candidates: tuple[int, ...], x: float, y: float) -> int | None:
        """The first of the candidate hamlets that covers the point, OUTSIDE if none does, None
        if the point is too close to one's border for ray casting to say."""
        for position in candidates:
            inside = covers(self._segments[position], x, y)
            if inside is None:
                return None
            if inside:
                return position
        return OUTSIDE

    def _locate_exactly(self, x: float, y: float) -> Match:
        """The STRtree answer for a projected point: intersecting hamlet, else by distance."""
        point = Point(x, y)
        inside = self._tree.query(point, predicate="intersects")
        if len(inside):
            return self._inside[int(min(inside))]
        return self._nearest(point)

    def _nearest(self, point: Point) -> Match:
        """The answer for a projected point outside every hamlet, by the nearest's distance."""
        nearest, distances = self._tree.query_nearest(
            point, return_distance=True, all_matches=False
        )
        return self._by_distance(int(nearest[0]), float(distances[0]))

    def _by_distance(self, nearest: int, distance: float) -> Match:
        """Snap to the nearest hamlet, hand to the office, or refuse, by distance outside."""
        if distance <= self.snap_distance_m:
            return Match(Fit.NEAR, self._by_position[nearest], distance)
        if distance <= self.far_outside_m:
            return Match(Fit.TOWN, distance_m=distance)
        return Match(Fit.FAR, distance_m=distance)

    def _cells(self) -> CellIndex:
        """The cell raster (for tests that look at its cells)."""
        return self._indexes()[0]

    def _indexes(self) -> tuple[CellIndex, NearestIndex]:
        """The cell raster and the nearest-edge blocks, built on first use (a few hundred ms)
        so start-up does not wait."""
        if self._index is None:
            self._index = (
                CellIndex.build(self._projected, self._tree),
                NearestIndex(self._projected, self.far_outside_m),
            )
        return self._index

    def _project_xy(self, latitude: float, longitude: float) -> tuple[float, float]:
        """The same arithmetic as `_project_array`, on plain floats (no array per point)."""
        origin_lat, origin_lon = self._origin
        return (
            (longitude - origin_lon) * self._metres_per_degree_lon,
            (latitude - origin_lat) * METRES_PER_DEGREE_LAT,
        )

    def _unproject_xy(self, x: float, y: float) -> tuple[float, float]:
        """(latitude, longitude) of a projected point (the inverse of `_project_xy`)."""
        origin_lat, origin_lon = self._origin
        return origin_lat + y / METRES_PER_DEGREE_LAT, origin_lon + x / self._metres_per_degree_lon

    def _project_geometry(self, geometry: BaseGeometry) -> BaseGeometry:
        return shapely.transform(geometry, self._project_array)

    def _project_array(self, coords: np.ndarray) -> np.ndarray:
        """Longitude/latitude pairs to metres east/north of the town's centre."""
        origin_lat, origin_lon = self._origin
        return np.column_stack(
            (
                (coords[:, 0] - origin_lon) * self._metres_per_degree_lon,
                (coords[:, 1] - origin_lat) * METRES_PER_DEGREE_LAT,
            )
        )


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine), for duplicate detection."""
    radius = 6_371_000.0
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi = phi2 - phi1
    d_lambda = math.radians(lon2 - lon1)
    a = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * radius * math.asin(math.sqrt(a))


def _is_coordinate(latitude: float, longitude: float) -> bool:
    return (
        isinstance(latitude, int | float)
        and isinstance(longitude, int | float)
        and math.isfinite(latitude)
        and math.isfinite(longitude)
        and -90 <= latitude <= 90
        and -180 <= longitude <= 180
    )
