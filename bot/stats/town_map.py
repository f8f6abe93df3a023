"""The town map for the office: hamlets shaded by open reports and the open reports as points,
from the grid GeoJSON (no tile server). It takes plain labels and numbers (the caller
translates) and returns PNG bytes, drawn in the drawing process (`bot.stats.drawing`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.stats.canvas import empty_drawn, font_family, new_figure, png
from bot.stats.drawing import DRAWER

if TYPE_CHECKING:
    from matplotlib.artist import Artist
    from shapely.geometry.base import BaseGeometry


@dataclass(frozen=True)
class TownMap:
    """The hamlets (boundary, name, open reports) and the open reports' places."""

    title: str
    legend: str
    """The legend's title, e.g. "Open reports per hamlet"."""
    point_label: str
    """The legend's entry for a dot, e.g. "an open report"."""
    boundaries: list[BaseGeometry]
    names: list[str]
    open_counts: list[int]
    points: list[tuple[float, float]]
    """(latitude, longitude) of each open report."""


MAP_WIDTH_INCHES = 10.0
TITLE_INCHES = 0.7
MAX_CLASSES = 5


def count_classes(most: int) -> list[tuple[int, int]]:
    """Whole-number classes for the map's shading, from 0 up to `most`: each count its own
    class up to 4, else 0, 1 and wider ranges ((0, 0), (1, 1), (2, 3), (4, 7), (8, 12))."""
    if most < MAX_CLASSES:
        return [(count, count) for count in range(most + 1)]
    classes, low = [(0, 0), (1, 1)], 2
    wider = MAX_CLASSES - len(classes)
    for index in range(wider):
        high = most if index == wider - 1 else max(low, round(2 + (most - 1) * (index + 1) / wider))
        classes.append((low, high))
        low = high + 1
        if low > most:
            break
    return classes


def town_map(picture: TownMap) -> bytes:
    """The town map as PNG, drawn in the drawing process (`bot.stats.drawing`)."""
    return DRAWER.draw(_town_map_png, picture)


def _town_map_png(picture: TownMap) -> bytes:
    """The town, tight to its outline (true shape: a degree of longitude is shorter than one
    of latitude), hamlets shaded by whole-number classes of open reports with a legend."""
    from matplotlib import colormaps
    from matplotlib.patches import Patch
    from matplotlib.patches import Polygon as PolygonPatch

    empty_drawn()
    family = font_family()
    west, south, east, north = _bounds(picture.boundaries)
    stretch = 1 / math.cos(math.radians((south + north) / 2))
    pad_x, pad_y = (east - west) * 0.015, (north - south) * 0.015
    map_height = (
        MAP_WIDTH_INCHES * (north - south + 2 * pad_y) * stretch / (east - west + 2 * pad_x)
    )
    figure = new_figure(MAP_WIDTH_INCHES, map_height + TITLE_INCHES)
    axes = figure.add_axes((0, 0, 1, map_height / (map_height + TITLE_INCHES)))
    figure.suptitle(
        picture.title, fontfamily=family, fontsize=15, y=1 - 0.15 / (map_height + TITLE_INCHES)
    )
    classes = count_classes(max([*picture.open_counts, 0]))
    shades = colormaps["Reds"]
    colours = [
        shades(0.06 + 0.84 * index / max(len(classes) - 1, 1)) for index in range(len(classes))
    ]
    for boundary, name, count in zip(
        picture.boundaries, picture.names, picture.open_counts, strict=True
    ):
        colour = next(c for (low, high), c in zip(classes, colours, strict=True) if count <= high)
        for polygon in getattr(boundary, "geoms", [boundary]):
            axes.add_patch(
                PolygonPatch(
                    list(polygon.exterior.coords),
                    closed=True,
                    facecolor=colour,
                    edgecolor="#555555",
                    linewidth=0.6,
                )
            )
        centre = boundary.representative_point()
        axes.text(centre.x, centre.y, name, ha="center", va="center", fontsize=6, fontfamily=family)
    handles: list[Artist] = [
        Patch(facecolor=colour, edgecolor="#555555", label=_class_label(low, high))
        for (low, high), colour in zip(classes, colours, strict=True)
    ]
    if picture.points:
        dots = axes.scatter(
            [longitude for _, longitude in picture.points],
            [latitude for latitude, _ in picture.points],
            s=12,
            color="#1565c0",
            edgecolors="white",
            linewidths=0.4,
            zorder=3,
            label=picture.point_label,
        )
        handles.append(dots)
    axes.set_xlim(west - pad_x, east + pad_x)
    axes.set_ylim(south - pad_y, north + pad_y)
    axes.set_aspect(stretch, adjustable="datalim")
    axes.set_axis_off()
    axes.legend(
        handles=handles,
        title=picture.legend,
        loc="lower left",
        prop={"family": family, "size": 9},
        title_fontproperties={"family": family, "size": 9},
        framealpha=0.9,
    )
    return png(figure)


def _bounds(boundaries: Sequence[BaseGeometry]) -> tuple[float, float, float, float]:
    """West, south, east, north of all the hamlets together."""
    boxes = [boundary.bounds for boundary in boundaries] or [(0.0, 0.0, 1.0, 1.0)]
    return (
        min(box[0] for box in boxes),
        min(box[1] for box in boxes),
        max(box[2] for box in boxes),
        max(box[3] for box in boxes),
    )


def _class_label(low: int, high: int) -> str:
    return str(low) if low == high else f"{low}–{high}"
