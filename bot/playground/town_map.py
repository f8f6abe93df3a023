"""The town as SVG paths drawn from the grid GeoJSON: offline there is no tile server.

The page shows it to pick a place (a click becomes a shared location) and to draw the pins the
bot sends. One SVG unit is ten metres; `Projection` turns longitude/latitude into SVG x/y and
the page inverts it, so a click lands on the same hamlet the bot's routing finds.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from bot.places.grid import METRES_PER_DEGREE_LAT, METRES_PER_DEGREE_LON_AT_EQUATOR, Grid, GridError

METRES_PER_UNIT = 10
MARGIN_M = 1500  # room around the town, so a click just outside it is possible too


@dataclass(frozen=True)
class Projection:
    """Longitude/latitude → SVG x/y: x grows east from `west`, y grows south from `north`."""

    west: float
    north: float
    x_per_degree: float
    y_per_degree: float

    def xy(self, longitude: float, latitude: float) -> tuple[float, float]:
        return (
            round((longitude - self.west) * self.x_per_degree, 1),
            round((self.north - latitude) * self.y_per_degree, 1),
        )


def town_map(grid: Grid, rivers: Path | None = None) -> dict[str, Any]:
    """Hamlets, villages (outline and label), rivers and the projection, ready for the page."""
    hamlet_shapes = {hamlet_id: grid.boundary(hamlet_id) for hamlet_id in grid.hamlets}
    town = shapely.union_all(list(hamlet_shapes.values()))
    west, south, east, north = town.bounds
    middle = math.radians((south + north) / 2)
    x_per_degree = METRES_PER_DEGREE_LON_AT_EQUATOR * math.cos(middle) / METRES_PER_UNIT
    y_per_degree = METRES_PER_DEGREE_LAT / METRES_PER_UNIT
    margin_x = MARGIN_M / METRES_PER_UNIT / x_per_degree
    margin_y = MARGIN_M / METRES_PER_UNIT / y_per_degree
    projection = Projection(west - margin_x, north + margin_y, x_per_degree, y_per_degree)
    width, height = projection.xy(east + margin_x, south - margin_y)

    hamlets = []
    for hamlet in grid.hamlets.values():
        latitude, longitude = grid.representative_point(hamlet.id)
        hamlets.append(
            {
                "id": hamlet.id,
                "name": hamlet.name,
                "name_en": hamlet.name_en,
                "village_id": hamlet.village_id,
                "path": svg_path(hamlet_shapes[hamlet.id], projection),
                "label": projection.xy(longitude, latitude),
            }
        )
    villages = []
    for village in grid.villages.values():
        outline = shapely.union_all(
            [hamlet_shapes[hamlet.id] for hamlet in grid.hamlets_of(village.id)]
        )
        point = outline.representative_point()
        villages.append(
            {
                "id": village.id,
                "name": village.name,
                "name_en": village.name_en,
                "path": svg_path(outline, projection),
                "label": projection.xy(point.x, point.y),
            }
        )
    return {
        "width": width,
        "height": height,
        "projection": asdict(projection),
        "hamlets": hamlets,
        "villages": villages,
        "rivers": _rivers(rivers, projection) if rivers else [],
    }


def svg_path(geometry: BaseGeometry, projection: Projection) -> str:
    """An SVG path `d` for a (multi)polygon's rings or a (multi)line."""
    pieces = []
    for part in getattr(geometry, "geoms", [geometry]):
        if part.geom_type == "Polygon":
            for ring in (part.exterior, *part.interiors):
                pieces.append(_line(ring.coords, projection) + "Z")
        else:
            pieces.append(_line(part.coords, projection))
    return "".join(pieces)


def _line(coords: Any, projection: Projection) -> str:
    points = [projection.xy(longitude, latitude) for longitude, latitude, *_ in coords]
    return "M" + "L".join(f"{x:g},{y:g}" for x, y in points)


def _rivers(path: Path, projection: Projection) -> list[dict[str, str]]:
    try:
        features = json.loads(path.read_text(encoding="utf-8"))["features"]
        return [
            {
                "name": str(feature["properties"].get("name", "")),
                "name_en": str(feature["properties"].get("name_en", "")),
                "path": svg_path(shape(feature["geometry"]), projection),
            }
            for feature in features
        ]
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
        raise GridError(f"{path}: not readable river GeoJSON ({error})") from error
