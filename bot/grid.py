"""The town's grid: villages and hamlets from GeoJSON, and which hamlet a point lies in.

Geometry is projected once to a local metric plane (metres around the town's centre) so
that distances are plain Euclidean ones; over a town a few kilometres wide the error of
this equirectangular projection is far below GPS noise.
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
        self._town = shapely.union_all(projected)
        shapely.prepare(self._town)

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
        origin_lat, origin_lon = self._origin
        return (
            origin_lat + east[1] / METRES_PER_DEGREE_LAT,
            origin_lon + east[0] / self._metres_per_degree_lon,
        )

    def locate(self, latitude: float, longitude: float) -> Match:
        """Which hamlet covers the point; else the nearest within the snap distance."""
        if not _is_coordinate(latitude, longitude):
            return Match(Fit.FAR)
        point = self._project(latitude, longitude)
        inside = self._tree.query(point, predicate="intersects")
        if len(inside):
            key = self._order[min(inside)]
            return Match(Fit.INSIDE, self.hamlets[key])
        nearest, distances = self._tree.query_nearest(
            point, return_distance=True, all_matches=False
        )
        distance = float(distances[0])
        if distance <= self.snap_distance_m:
            return Match(Fit.NEAR, self.hamlets[self._order[int(nearest[0])]], distance)
        if distance <= self.far_outside_m:
            return Match(Fit.TOWN, distance_m=distance)
        return Match(Fit.FAR, distance_m=distance)

    def _project(self, latitude: float, longitude: float) -> Point:
        return Point(self._project_array(np.array([[longitude, latitude]]))[0])

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
