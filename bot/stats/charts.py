"""Pictures for the office, drawn headless with matplotlib's Agg canvas (no pyplot, no display):
the period chart (reports per week by status, on-time closure per village, categories) and
the town map (hamlets shaded by open reports, open reports as points, from the grid GeoJSON —
no tile server). Chinese labels use the WenQuanYi Micro Hei font shipped in `fonts/`, so no
machine needs a CJK font installed. Functions take plain labels and numbers (the caller
translates) and return PNG bytes.

matplotlib (about 28 MiB) is imported on the first picture, not at start-up: most runs of the
bot never draw one.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from shapely.geometry.base import BaseGeometry

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

FONT_FILE = Path(__file__).parent / "fonts" / "wqy-microhei.ttf"
DPI = 100
STATUS_COLOURS = ("#2e7d32", "#9ccc65", "#ffb300", "#9e9e9e", "#90a4ae")


def font_family() -> str:
    """Register the shipped CJK font once and return its family name."""
    from matplotlib import font_manager

    if not any(entry.fname == str(FONT_FILE) for entry in font_manager.fontManager.ttflist):
        font_manager.fontManager.addfont(str(FONT_FILE))
    return font_manager.FontProperties(fname=str(FONT_FILE)).get_name()


def _figure(width: float, height: float) -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), dpi=DPI)
    FigureCanvasAgg(figure)
    return figure


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
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
    weeks.set_title(chart.weeks_title, fontfamily=family)
    weeks.legend(prop={"family": family, "size": 8}, ncols=len(chart.status_labels))
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
    )
    return _png(figure)


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
    axes.set_ylim(0, max([*bottoms, 1]) * 1.05)


def _horizontal_bars(
    axes: Axes,
    title: str,
    labels: Sequence[str],
    values: Sequence[float],
    texts: Sequence[str],
    family: str,
    no_data: str,
    limit: float | None = None,
) -> None:
    axes.set_title(title, fontfamily=family)
    if not labels:
        axes.text(0.5, 0.5, no_data, ha="center", va="center", fontfamily=family)
        axes.set_axis_off()
        return
    positions = list(range(len(labels)))[::-1]
    axes.barh(positions, values, color="#42a5f5")
    axes.set_yticks(positions, labels, fontfamily=family, fontsize=8)
    top = limit or max(max(values), 1.0)
    axes.set_xlim(0, top * 1.15)
    for position, value, text in zip(positions, values, texts, strict=True):
        axes.text(value + top * 0.01, position, text, va="center", fontsize=7)


@dataclass(frozen=True)
class TownMap:
    """The hamlets (boundary, name, open reports) and the open reports' places."""

    title: str
    legend: str
    boundaries: list[BaseGeometry]
    names: list[str]
    open_counts: list[int]
    points: list[tuple[float, float]]
    """(latitude, longitude) of each open report."""


def town_map(picture: TownMap) -> bytes:
    from matplotlib import colormaps
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import Normalize
    from matplotlib.patches import Polygon as PolygonPatch

    family = font_family()
    figure = _figure(10, 10)
    axes = figure.add_axes((0.02, 0.02, 0.82, 0.9))
    axes.set_title(picture.title, fontfamily=family, fontsize=15)
    colours = colormaps["Reds"]
    scale = Normalize(vmin=0, vmax=max([*picture.open_counts, 1]))
    for boundary, name, count in zip(
        picture.boundaries, picture.names, picture.open_counts, strict=True
    ):
        polygons = getattr(boundary, "geoms", [boundary])
        for polygon in polygons:
            axes.add_patch(
                PolygonPatch(
                    list(polygon.exterior.coords),
                    closed=True,
                    facecolor=colours(0.08 + 0.8 * scale(count)),
                    edgecolor="#555555",
                    linewidth=0.6,
                )
            )
        centre = boundary.representative_point()
        axes.text(centre.x, centre.y, name, ha="center", va="center", fontsize=6, fontfamily=family)
    if picture.points:
        axes.scatter(
            [longitude for _, longitude in picture.points],
            [latitude for latitude, _ in picture.points],
            s=12,
            color="#1565c0",
            edgecolors="white",
            linewidths=0.4,
            zorder=3,
        )
    axes.autoscale_view()
    axes.set_aspect("equal", adjustable="datalim")
    axes.set_xticks([])
    axes.set_yticks([])
    colourbar = figure.colorbar(
        ScalarMappable(norm=scale, cmap=colours), cax=figure.add_axes((0.88, 0.25, 0.03, 0.5))
    )
    colourbar.set_label(picture.legend, fontfamily=family)
    return _png(figure)
