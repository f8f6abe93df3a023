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

All of that geometry lives in `bot.places.shapes` and is made on first use: loading the file
reads the villages and hamlets with plain Python, so shapely and numpy are not imported at
start-up unless GEOS has yet to check this file's boundaries (`Grid.load`'s `checked_in`).
The raster, once built, is kept in that folder too (`bot.places.kept_raster`): later starts
read it, and locate points inside hamlets without shapely at all.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.places import kept_raster
from bot.places.grid_index import OUTSIDE
from bot.places.kept_raster import KeptRaster
from bot.places.plane import Segment, covers

if TYPE_CHECKING:
    from shapely.geometry.base import BaseGeometry

    from bot.places.grid_index import CellIndex
    from bot.places.shapes import Shapes

METRES_PER_DEGREE_LAT = 110_574.0
METRES_PER_DEGREE_LON_AT_EQUATOR = 111_320.0
"""The equirectangular projection's scale (longitude's at the equator: times cos latitude)."""


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
    """Villages and hamlets; their geometry (`bot.places.shapes`) is made on first use."""

    def __init__(
        self,
        villages: dict[str, Village],
        hamlets: dict[str, Hamlet],
        geometries: Mapping[str, Mapping[str, Any]],
        *,
        snap_distance_m: float = 300,
        far_outside_m: float = 3000,
        source: str = "grid",
        checked_note: Path | None = None,
    ) -> None:
        """`geometries`: each hamlet's GeoJSON geometry, already found well formed
        (`_well_formed`); `source` names the file in a GEOS validity error; the cell raster is
        kept between starts beside `checked_note` (None: built by each process)."""
        self.villages = villages
        self.hamlets = hamlets
        self.snap_distance_m = snap_distance_m
        self.far_outside_m = far_outside_m
        self._geometries = geometries
        self._source = source
        self._by_position = [hamlets[key] for key in sorted(geometries)]
        self._inside = [Match(Fit.INSIDE, hamlet) for hamlet in self._by_position]
        self._shapes_made: Shapes | None = None
        self._fast: _Fast | None = None
        self._segments: list[tuple[Segment, ...]] = []  # per hamlet, for the border cells
        self._checked_note = checked_note

    @classmethod
    def load(
        cls,
        path: Path,
        *,
        snap_distance_m: float = 300,
        far_outside_m: float = 3000,
        checked_in: Path | None = None,
    ) -> Grid:
        """Read a FeatureCollection with one feature per hamlet (see the sample file), and
        have GEOS check every boundary is valid, unless a note in the folder `checked_in` says
        this very file passed before: the check needs shapely and numpy (about 20 MiB and
        0.1 s), which a start that locates nothing can then do without."""
        try:
            content = path.read_bytes()
            collection = json.loads(content.decode("utf-8"))
        except FileNotFoundError as error:
            raise GridError(f"{path}: file not found") from error
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            raise GridError(f"{path}: not readable GeoJSON ({error})") from error
        features = collection.get("features") if isinstance(collection, dict) else None
        if collection.get("type") != "FeatureCollection" or not isinstance(features, list):
            raise GridError(f"{path}: expected a GeoJSON FeatureCollection")
        villages: dict[str, Village] = {}
        hamlets: dict[str, Hamlet] = {}
        geometries: dict[str, Mapping[str, Any]] = {}
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
                geometry = feature["geometry"]
                well_formed = _well_formed(geometry)
            except (KeyError, TypeError, ValueError, AttributeError) as error:
                raise GridError(f"{where}: missing or invalid {error}") from error
            if not well_formed:
                raise GridError(f"{where}: geometry must be a valid Polygon or MultiPolygon")
            if hamlet.id in hamlets:
                raise GridError(f"{where}: duplicate hamlet id {hamlet.id!r}")
            hamlets[hamlet.id] = hamlet
            villages.setdefault(village.id, village)
            geometries[hamlet.id] = geometry
        if not hamlets:
            raise GridError(f"{path}: no hamlets in the file")
        note = _checked_note(checked_in, content)
        grid = cls(
            villages,
            hamlets,
            geometries,
            snap_distance_m=snap_distance_m,
            far_outside_m=far_outside_m,
            source=str(path),
            checked_note=note,
        )
        if note is None or not note.exists():
            grid._shapes()
            _write_note(note)
        return grid

    def hamlets_of(self, village_id: str) -> list[Hamlet]:
        return [hamlet for hamlet in self.hamlets.values() if hamlet.village_id == village_id]

    def boundary(self, hamlet_id: str) -> BaseGeometry:
        """The hamlet's boundary in longitude/latitude, as the file gave it (for drawing maps)."""
        return self._shapes().boundaries[hamlet_id]

    def representative_point(self, hamlet_id: str) -> tuple[float, float]:
        """(latitude, longitude) of a point surely inside the hamlet."""
        point = self.boundary(hamlet_id).representative_point()
        return point.y, point.x

    def point_outside(self, distance: float) -> tuple[float, float]:
        """(latitude, longitude) about `distance` metres east of the town's eastern edge."""
        ring = self._shapes().town.buffer(distance).exterior
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
        origin_lat, origin_lon, per_lon, cells = self._fast or self._prepare()
        x = (longitude - origin_lon) * per_lon
        y = (latitude - origin_lat) * METRES_PER_DEGREE_LAT
        found = cells.hamlet_at(x, y)
        if isinstance(found, tuple):
            found = self._first_covering(found, x, y)
        if found is None:
            return self._locate_exactly(x, y)
        if found != OUTSIDE:
            return self._inside[found]
        near = self._shapes().nearest_index().nearest(x, y)
        if near is None:
            return self._by_distance(*self._shapes().nearest(x, y))
        return self._by_distance(*near)

    def locate_many(self, points: list[tuple[float, float]]) -> list[Match]:
        """`locate` for many (latitude, longitude) points at once."""
        return [self.locate(latitude, longitude) for latitude, longitude in points]

    @property
    def _projected(self) -> list[BaseGeometry]:
        """The boundaries on the projected plane, in position order (for tests)."""
        return self._shapes().projected

    def _first_covering(self, candidates: tuple[int, ...], x: float, y: float) -> int | None:
        """The first of the candidate hamlets that covers the point, OUTSIDE if none does, None
        if the point is too close to one's border for ray casting to say."""
        segments = self._segments
        for position in candidates:
            inside = covers(segments[position], x, y)
            if inside is None:
                return None
            if inside:
                return position
        return OUTSIDE

    def _locate_exactly(self, x: float, y: float) -> Match:
        """The STRtree answer for a projected point: intersecting hamlet, else by distance."""
        shapes = self._shapes()
        inside = shapes.covering(x, y)
        if inside is not None:
            return self._inside[inside]
        return self._by_distance(*shapes.nearest(x, y))

    def _by_distance(self, nearest: int, distance: float) -> Match:
        """Snap to the nearest hamlet, hand to the office, or refuse, by distance outside."""
        if distance <= self.snap_distance_m:
            return Match(Fit.NEAR, self._by_position[nearest], distance)
        if distance <= self.far_outside_m:
            return Match(Fit.TOWN, distance_m=distance)
        return Match(Fit.FAR, distance_m=distance)

    def _shapes(self) -> Shapes:
        """The geometry, made the first time it is needed (this imports shapely and numpy)."""
        if self._shapes_made is None:
            from bot.places.shapes import InvalidShape, Shapes

            try:
                self._shapes_made = Shapes(self._geometries, self.far_outside_m)
            except InvalidShape as error:
                raise GridError(
                    f"{self._source}: hamlet {error.args[0]!r}: geometry must be a valid "
                    "Polygon or MultiPolygon"
                ) from error
        return self._shapes_made

    def _prepare(self) -> _Fast:
        """What `locate` reads on every call, made on the first lookup: the raster kept by an
        earlier start, else built (and kept)."""
        kept_at = kept_raster.raster_file(self._checked_note)
        raster = kept_raster.read(kept_at)
        if raster is None:
            shapes = self._shapes()
            raster = KeptRaster(
                shapes.origin, shapes.metres_per_degree_lon, shapes.cells(), shapes.segments
            )
            kept_raster.write(kept_at, raster)
        self._segments = raster.segments
        origin_lat, origin_lon = raster.origin
        self._fast = (origin_lat, origin_lon, raster.metres_per_degree_lon, raster.cells)
        return self._fast

    def _cells(self) -> CellIndex:
        """The cell raster (for tests that look at its cells)."""
        return (self._fast or self._prepare())[3]

    def _project_xy(self, latitude: float, longitude: float) -> tuple[float, float]:
        """The projection `locate` uses, on plain floats (no array per point)."""
        origin_lat, origin_lon, per_lon, _ = self._fast or self._prepare()
        return (longitude - origin_lon) * per_lon, (latitude - origin_lat) * METRES_PER_DEGREE_LAT

    def _unproject_xy(self, x: float, y: float) -> tuple[float, float]:
        """(latitude, longitude) of a projected point (the inverse of `_project_xy`)."""
        return self._shapes().unproject(x, y)


_Fast = tuple[float, float, float, "CellIndex"]
"""(origin latitude, origin longitude, metres per degree of longitude, cells)."""


def _checked_note(folder: Path | None, content: bytes) -> Path | None:
    """The note that a grid file of exactly this content passed GEOS's check, in `folder`."""
    if folder is None:
        return None
    return folder / f"grid-{hashlib.blake2b(content, digest_size=10).hexdigest()}.checked"


def _write_note(note: Path | None) -> None:
    """Leave the note, removing those of earlier files; a read-only folder is checked again."""
    if note is None:
        return
    try:
        note.parent.mkdir(parents=True, exist_ok=True)
        for stale in [*note.parent.glob("grid-*.checked"), *kept_raster.stale_files(note.parent)]:
            stale.unlink(missing_ok=True)
        note.touch()
    except OSError:
        pass


def _well_formed(geometry: Mapping[str, Any]) -> bool:
    """Whether a GeoJSON geometry is shaped as a Polygon or MultiPolygon: rings of at least
    four finite positions, closed. Whether the rings cross is GEOS's to say (`Grid.load`)."""
    kind, coordinates = geometry["type"], geometry["coordinates"]
    polygons = [coordinates] if kind == "Polygon" else coordinates if kind == "MultiPolygon" else []
    return (
        isinstance(polygons, list)
        and bool(polygons)
        and all(
            isinstance(polygon, list) and bool(polygon) and all(map(_closed_ring, polygon))
            for polygon in polygons
        )
    )


def _closed_ring(ring: object) -> bool:
    """A GeoJSON linear ring: a list of four or more [x, y] positions, the last the first."""
    return (
        isinstance(ring, list)
        and len(ring) >= 4
        and ring[0] == ring[-1]
        and all(
            isinstance(position, list | tuple)
            and len(position) >= 2
            and all(type(value) in (int, float) and math.isfinite(value) for value in position)
            for position in ring
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
