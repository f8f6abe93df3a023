"""Pictures for the office, drawn headless with matplotlib's Agg canvas (no pyplot, no display):
the period chart (reports per week by status, on-time closure per village, categories) and
the town map (hamlets shaded by open reports, open reports as points, from the grid GeoJSON —
no tile server). Chinese labels use the WenQuanYi Micro Hei font shipped in `fonts/`, so no
machine needs a CJK font installed. Functions take plain labels and numbers (the caller
translates) and return PNG bytes.

matplotlib (about 34 MiB) is imported only in the drawing process (`bot.stats.drawing`), which
`period_chart` and `town_map` hand their work to: the bot itself never holds it.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bot.stats.drawing import DRAWER

if TYPE_CHECKING:
    from matplotlib.artist import Artist
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator
    from shapely.geometry.base import BaseGeometry

FONT_FILE = Path(__file__).parent / "fonts" / "wqy-microhei.ttf"
DPI = 100
STATUS_COLOURS = ("#2e7d32", "#9ccc65", "#ffb300", "#9e9e9e", "#90a4ae")
TITLE_Y = 1.0
"""Panel titles at a fixed height: no tick labels sit above a panel, and matplotlib's search
for a clear place measures every label of the axes on each drawing."""


def font_family() -> str:
    """Register the shipped CJK font once and return its family name."""
    from matplotlib import font_manager

    if not any(entry.fname == str(FONT_FILE) for entry in font_manager.fontManager.ttflist):
        font_manager.fontManager.addfont(str(FONT_FILE))
    return font_manager.FontProperties(fname=str(FONT_FILE)).get_name()


def warm_up() -> None:
    """Start the drawing process, if it is not running, with matplotlib and the font loaded:
    for a picture about to be asked for, while its figures are computed."""
    DRAWER.warm(_loaded)


def _loaded() -> None:
    """In the drawing process: what every picture needs first (matplotlib, Agg, the font)."""
    font_family()
    _figure(1, 1)


def _figure(width: float, height: float) -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), dpi=DPI)
    FigureCanvasAgg(figure)
    return figure


def _whole_numbers() -> MaxNLocator:
    """Ticks for an axis of counts: 0, 1, 2…, never 0.5 of a report."""
    from matplotlib.ticker import MaxNLocator

    return MaxNLocator(integer=True, min_n_ticks=1)


def _png(figure: Figure) -> bytes:
    """The PNG, compressed lightly (a chart of flat colours is hardly larger, and quicker);
    the figure is emptied afterwards, so most of its artists go at once rather than at the
    next collection of reference cycles."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, pil_kwargs={"compress_level": 1})
    figure.clear()
    return buffer.getvalue()


@dataclass(frozen=True)
class PeriodChart:
    """Everything the period chart shows, already in the reader's language."""

    title: str
    weeks_title: str
    week_labels: list[str]
    status_labels: list[str]
    counts_by_status: list[list[int]]
    """One list per status, one count per week."""
    on_time_title: str
    place_labels: list[str]
    on_time_percent: list[float | None]
    categories_title: str
    category_labels: list[str]
    category_counts: list[int]
    no_data: str


def period_chart(chart: PeriodChart) -> bytes:
    """The period chart as PNG, drawn in the drawing process (`bot.stats.drawing`)."""
    return DRAWER.draw(_period_png, chart)


def _period_png(chart: PeriodChart) -> bytes:
    return _png(period_figure(chart))


def period_figure(chart: PeriodChart) -> Figure:
    """Weeks by status on top, on-time closure per place and categories below."""
    family = font_family()
    figure = _figure(10, 9)
    figure.suptitle(chart.title, fontfamily=family, fontsize=15)
    # Fixed margins (a layout engine would measure every label twice): room on the left of
    # each bottom panel for village names and category labels.
    grid = figure.add_gridspec(
        2,
        2,
        height_ratios=(1, 1.2),
        left=0.16,
        right=0.97,
        top=0.91,
        bottom=0.05,
        hspace=0.28,
        wspace=0.62,
    )
    weeks = figure.add_subplot(grid[0, :])
    positions = list(range(len(chart.week_labels)))
    _stacked_columns(weeks, positions, chart.status_labels, chart.counts_by_status)
    step = max(1, len(positions) // 13)
    weeks.set_xticks(positions[::step], chart.week_labels[::step], fontfamily=family, fontsize=8)
    weeks.set_title(chart.weeks_title, fontfamily=family, y=TITLE_Y)
    weeks.yaxis.set_major_locator(_whole_numbers())
    weeks.legend(
        prop={"family": family, "size": 8}, ncols=len(chart.status_labels), loc="upper left"
    )
    _horizontal_bars(
        figure.add_subplot(grid[1, 0]),
        chart.on_time_title,
        chart.place_labels,
        [value or 0.0 for value in chart.on_time_percent],
        [f"{value:.0f}%" if value is not None else "–" for value in chart.on_time_percent],
        family,
        chart.no_data,
        limit=100,
    )
    _horizontal_bars(
        figure.add_subplot(grid[1, 1]),
        chart.categories_title,
        chart.category_labels,
        [float(count) for count in chart.category_counts],
        [str(count) for count in chart.category_counts],
        family,
        chart.no_data,
        whole_numbers=True,
    )
    return figure


def _stacked_columns(
    axes: Axes, positions: list[int], labels: Sequence[str], counts_by_status: list[list[int]]
) -> None:
    """The weekly columns, one collection of rectangles per status (a year's 265 bars as
    separate patches cost most of the chart's drawing time)."""
    from matplotlib.collections import PolyCollection

    bottoms = [0] * len(positions)
    for label, counts, colour in zip(labels, counts_by_status, STATUS_COLOURS, strict=False):
        rectangles = [
            [
                (x - 0.4, bottom),
                (x + 0.4, bottom),
                (x + 0.4, bottom + count),
                (x - 0.4, bottom + count),
            ]
            for x, bottom, count in zip(positions, bottoms, counts, strict=True)
            if count
        ]
        axes.add_collection(PolyCollection(rectangles, facecolors=colour, label=label))
        bottoms = [bottom + count for bottom, count in zip(bottoms, counts, strict=True)]
    axes.set_xlim(-0.6, max(len(positions), 1) - 0.4)
    axes.set_ylim(0, max([*bottoms, 1]) * 1.25)  # headroom for the legend above the columns


def _horizontal_bars(
    axes: Axes,
    title: str,
    labels: Sequence[str],
    values: Sequence[float],
    texts: Sequence[str],
    family: str,
    no_data: str,
    limit: float | None = None,
    whole_numbers: bool = False,
) -> None:
    """One bar per label with its value written beside it; counts get whole-number ticks."""
    axes.set_title(title, fontfamily=family, y=TITLE_Y)
    if not labels:
        axes.text(0.5, 0.5, no_data, ha="center", va="center", fontfamily=family)
        axes.set_axis_off()
        return
    positions = list(range(len(labels)))[::-1]
    axes.barh(positions, values, color="#42a5f5")
    axes.set_yticks(positions, labels, fontfamily=family, fontsize=8)
    top = limit or max(max(values), 1.0)
    axes.set_xlim(0, top * 1.15)
    if whole_numbers:
        axes.xaxis.set_major_locator(_whole_numbers())
    for position, value, text in zip(positions, values, texts, strict=True):
        axes.text(value + top * 0.01, position, text, va="center", fontsize=7)


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

    family = font_family()
    west, south, east, north = _bounds(picture.boundaries)
    stretch = 1 / math.cos(math.radians((south + north) / 2))
    pad_x, pad_y = (east - west) * 0.015, (north - south) * 0.015
    map_height = (
        MAP_WIDTH_INCHES * (north - south + 2 * pad_y) * stretch / (east - west + 2 * pad_x)
    )
    figure = _figure(MAP_WIDTH_INCHES, map_height + TITLE_INCHES)
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
    return _png(figure)


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
