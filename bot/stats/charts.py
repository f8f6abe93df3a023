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
from typing import TYPE_CHECKING, Protocol

from bot.stats.drawing import DRAWER

if TYPE_CHECKING:
    from matplotlib.artist import Artist
    from matplotlib.axes import Axes
    from matplotlib.backend_bases import RendererBase
    from matplotlib.collections import PolyCollection
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator
    from matplotlib.transforms import BboxBase
    from shapely.geometry.base import BaseGeometry

FONT_FILE = Path(__file__).parent / "fonts" / "wqy-microhei.ttf"
DPI = 100
STATUS_COLOURS = ("#2e7d32", "#9ccc65", "#ffb300", "#9e9e9e", "#90a4ae")
BAR_ROOM = 1.15
"""A bar panel's width over its longest bar: room for the value written beside it."""
BAR_HEIGHT = 0.8
"""A horizontal bar's thickness, one label's spacing being 1 (matplotlib's default)."""
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
    """Have the drawing process load matplotlib and the font (starting it if none runs): for
    a picture about to be asked for, while its figures are computed."""
    DRAWER.ahead(_loaded, None)


def _loaded(_: None) -> None:
    """In the drawing process: what every picture needs first (matplotlib, Agg, the font)."""
    font_family()
    _figure(1, 1)


def _figure(width: float, height: float) -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), dpi=DPI)
    FigureCanvasAgg(figure)
    return figure


class _AggCanvas(Protocol):
    """What is used here of matplotlib's Agg canvas (its module has no type hints)."""

    def draw(self) -> None: ...

    def buffer_rgba(self) -> memoryview: ...

    def copy_from_bbox(self, bbox: BboxBase) -> object: ...

    def restore_region(self, region: object) -> None: ...

    def get_renderer(self) -> RendererBase: ...


def _canvas(figure: Figure) -> _AggCanvas:
    """The Agg canvas `_figure` gave the figure."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = figure.canvas
    assert isinstance(canvas, FigureCanvasAgg)
    return canvas


def _whole_numbers() -> MaxNLocator:
    """Ticks for an axis of counts: 0, 1, 2…, never 0.5 of a report; five steps at most."""
    from matplotlib.ticker import MaxNLocator

    return MaxNLocator(nbins=5, integer=True, min_n_ticks=1)


def _png(figure: Figure) -> bytes:
    """The figure drawn and encoded (`_encoded`)."""
    figure.canvas.draw()
    return _encoded(figure)


def _encoded(figure: Figure) -> bytes:
    """The canvas as it stands, as PNG compressed lightly (a chart of flat colours is hardly
    larger, and quicker) and without the alpha channel (every picture is opaque: 11 % smaller
    and 7 ms quicker); the figure is emptied by the drawing process's next task."""
    import numpy
    from PIL import Image

    buffer = io.BytesIO()
    pixels = numpy.asarray(_canvas(figure).buffer_rgba())[..., :3]
    Image.fromarray(pixels).save(buffer, format="png", compress_level=1, dpi=(DPI, DPI))
    _drawn.append(figure)
    return buffer.getvalue()


_drawn: list[Figure] = []
"""In the drawing process: figures whose picture has been handed back, to be emptied."""


def _empty_drawn() -> None:
    """Empty the figures drawn before, so most of their artists go at once rather than at the
    next collection of reference cycles: a chart's took 30 ms, no longer spent between its
    drawing and its photo (each task of the drawing process starts here)."""
    while _drawn:
        _drawn.pop().clear()


@dataclass(frozen=True)
class ChartFrame:
    """What the period chart shows before its figures are known, already in the reader's
    language: titles, weeks, statuses and places (a prepared frame is found by it)."""

    title: str
    weeks_title: str
    week_labels: tuple[str, ...]
    status_labels: tuple[str, ...]
    on_time_title: str
    place_labels: tuple[str, ...]
    categories_title: str
    no_data: str


@dataclass(frozen=True)
class PeriodChart:
    """Everything the period chart shows: its frame and the figures in it."""

    frame: ChartFrame
    counts_by_status: list[list[int]]
    """One list per status, one count per week."""
    on_time_percent: list[float | None]
    """One per place of the frame."""
    category_labels: list[str]
    category_counts: list[int]


@dataclass
class _Framed:
    """A period chart's figure with its frame and no figures yet."""

    figure: Figure
    weeks: Axes
    columns: list[PolyCollection]
    """One collection of rectangles per status, empty until the counts are known."""
    on_time: Axes
    categories: Axes
    background: object | None = None
    """The frame drawn ahead without what the figures change or cover (`_prepare`)."""


_prepared: dict[ChartFrame, _Framed] = {}
"""In the drawing process: the frame drawn ahead for the chart about to be asked for (one at
most; a newer one replaces it)."""


def prepare_period_chart(frame: ChartFrame) -> None:
    """Have the drawing process draw the chart's frame now, while the figures are computed,
    so that the chart then only adds them (see `_prepare`)."""
    DRAWER.ahead(_prepare, frame)


def period_chart(chart: PeriodChart) -> bytes:
    """The period chart as PNG, drawn in the drawing process (`bot.stats.drawing`) on its
    prepared frame if there is one."""
    return DRAWER.draw(_period_png, chart)


def _prepare(frame: ChartFrame) -> None:
    """Build the frame and draw, and keep, what the figures never touch: the titles, the
    weeks and the places with their labels (half of the chart's text). The first drawing
    also creates the ticks and measures the labels, which matplotlib keeps."""
    _empty_drawn()
    _prepared.clear()
    framed = _framed(frame)
    changing = _changing(framed)
    for artist in changing:
        artist.set_visible(False)
    canvas = _canvas(framed.figure)
    canvas.draw()
    framed.background = canvas.copy_from_bbox(framed.figure.bbox)
    for artist in changing:
        artist.set_visible(True)
    _prepared[frame] = framed


def _period_png(chart: PeriodChart) -> bytes:
    """The chart on its prepared frame (only the rest drawn, over the kept background), or
    drawn whole; the two are the same picture, pixel for pixel."""
    _empty_drawn()
    framed = _prepared.pop(chart.frame, None)
    if framed is None or framed.background is None:
        return _png(_filled(_framed(chart.frame), chart))
    _filled(framed, chart)
    canvas = _canvas(framed.figure)
    canvas.restore_region(framed.background)
    renderer = canvas.get_renderer()
    for artist in _changing(framed):
        artist.draw(renderer)
    return _encoded(framed.figure)


def _changing(framed: _Framed) -> list[Artist]:
    """What of the chart the figures change or are drawn under, in matplotlib's drawing order:
    in the two panels of the frame everything but their backgrounds, titles and frame labels
    (the weeks, the places), which lie outside the plotting area; all of the categories."""
    changing: list[Artist] = []
    for axes, labels in (
        (framed.weeks, framed.weeks.xaxis),
        (framed.on_time, framed.on_time.yaxis),
    ):
        kept = {axes.patch, axes.title, labels}
        if not axes.axison:
            kept.update([axes.xaxis, axes.yaxis, *axes.spines.values()])
        changing += sorted(
            (
                artist
                for artist in axes.get_children()
                if artist not in kept and artist.get_visible()
            ),
            key=lambda artist: artist.get_zorder(),
        )
    return [*changing, framed.categories]


def period_figure(chart: PeriodChart) -> Figure:
    """Weeks by status on top, on-time closure per place and categories below."""
    return _filled(_framed(chart.frame), chart)


def _framed(frame: ChartFrame) -> _Framed:
    """The chart without its figures: titles, the weeks, the legend, the places."""
    from matplotlib.collections import PolyCollection

    family = font_family()
    figure = _figure(10, 9)
    figure.suptitle(frame.title, fontfamily=family, fontsize=15)
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
    # One collection of rectangles per status (a year's 265 bars as separate patches cost
    # most of the chart's drawing time).
    columns = [
        PolyCollection([], facecolors=colour, label=label)
        for label, colour in zip(frame.status_labels, STATUS_COLOURS, strict=False)
    ]
    for collection in columns:
        weeks.add_collection(collection)
    positions = list(range(len(frame.week_labels)))
    weeks.set_xlim(-0.6, max(len(positions), 1) - 0.4)
    step = max(1, len(positions) // 13)
    weeks.set_xticks(positions[::step], frame.week_labels[::step], fontfamily=family, fontsize=8)
    weeks.set_title(frame.weeks_title, fontfamily=family, y=TITLE_Y)
    weeks.yaxis.set_major_locator(_whole_numbers())
    weeks.legend(
        prop={"family": family, "size": 8}, ncols=len(frame.status_labels), loc="upper left"
    )
    on_time = figure.add_subplot(grid[1, 0])
    on_time.set_title(frame.on_time_title, fontfamily=family, y=TITLE_Y)
    _bar_panel(on_time, frame.place_labels, family, frame.no_data)
    on_time.set_xlim(0, 100 * BAR_ROOM)
    categories = figure.add_subplot(grid[1, 1])
    categories.set_title(frame.categories_title, fontfamily=family, y=TITLE_Y)
    categories.xaxis.set_visible(False)
    return _Framed(figure, weeks, columns, on_time, categories)


def _filled(framed: _Framed, chart: PeriodChart) -> Figure:
    """The figures drawn into the frame: columns, on-time bars, categories."""
    family = font_family()
    bottoms = [0] * len(chart.frame.week_labels)
    for columns, counts in zip(framed.columns, chart.counts_by_status, strict=False):
        columns.set_verts(
            [
                _column(week, bottom, count)
                for week, (bottom, count) in enumerate(zip(bottoms, counts, strict=True))
                if count
            ]
        )
        bottoms = [bottom + count for bottom, count in zip(bottoms, counts, strict=True)]
    framed.weeks.set_ylim(0, max([*bottoms, 1]) * 1.25)  # headroom for the legend
    _bars(
        framed.on_time,
        [value or 0.0 for value in chart.on_time_percent],
        [f"{value:.0f}%" if value is not None else "–" for value in chart.on_time_percent],
        top=100,
    )
    if _bar_panel(framed.categories, chart.category_labels, family, chart.frame.no_data):
        top = max(max(chart.category_counts), 1)
        framed.categories.set_xlim(0, top * BAR_ROOM)
        _bars(
            framed.categories,
            [float(count) for count in chart.category_counts],
            [str(count) for count in chart.category_counts],
            top=top,
        )
    return framed.figure


def _column(week: int, bottom: int, count: int) -> list[tuple[float, int]]:
    """The corners of one status's part of a week's column."""
    return [
        (week - 0.4, bottom),
        (week + 0.4, bottom),
        (week + 0.4, bottom + count),
        (week - 0.4, bottom + count),
    ]


def _bar_panel(axes: Axes, labels: Sequence[str], family: str, no_data: str) -> bool:
    """Make `axes` a panel of one horizontal bar per label, top to bottom, each bar with its
    value written beside it (so no value axis); `no_data` instead, and False, if no labels."""
    axes.xaxis.set_visible(False)
    if not labels:
        axes.text(0.5, 0.5, no_data, ha="center", va="center", fontfamily=family)
        axes.set_axis_off()
        return False
    axes.set_yticks(range(len(labels))[::-1], labels, fontfamily=family, fontsize=8)
    # The limits the bars would be autoscaled to, fixed before they exist: the frame's labels
    # are drawn ahead (`_prepare`) where the bars will later sit beside them.
    low, high = -BAR_HEIGHT / 2, len(labels) - 1 + BAR_HEIGHT / 2
    margin = (high - low) * axes.get_ymargin()
    axes.set_ylim(low - margin, high + margin)
    return True


def _bars(axes: Axes, values: Sequence[float], texts: Sequence[str], top: float) -> None:
    """The bars of a panel made by `_bar_panel`, with their values; `top` is its scale."""
    if not values:
        return
    positions = range(len(values))[::-1]
    axes.barh(positions, values, height=BAR_HEIGHT, color="#42a5f5")
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

    _empty_drawn()
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
