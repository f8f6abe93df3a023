"""The period chart for the office: reports per week by status, on-time closure per village,
categories. It takes plain labels and numbers (the caller translates) and returns PNG bytes,
drawn in the drawing process (`bot.stats.drawing`) on the shared canvas (`bot.stats.canvas`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.stats.canvas import agg_canvas, empty_drawn, encoded, font_family, new_figure, png
from bot.stats.drawing import DRAWER

if TYPE_CHECKING:
    from matplotlib.artist import Artist
    from matplotlib.axes import Axes
    from matplotlib.collections import PolyCollection
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

STATUS_COLOURS = ("#2e7d32", "#9ccc65", "#ffb300", "#9e9e9e", "#90a4ae")
BAR_ROOM = 1.15
"""A bar panel's width over its longest bar: room for the value written beside it."""
BAR_HEIGHT = 0.8
"""A horizontal bar's thickness, one label's spacing being 1 (matplotlib's default)."""
TITLE_Y = 1.0
"""Panel titles at a fixed height: no tick labels sit above a panel, and matplotlib's search
for a clear place measures every label of the axes on each drawing."""


def _whole_numbers() -> MaxNLocator:
    """Ticks for an axis of counts: 0, 1, 2…, never 0.5 of a report; five steps at most."""
    from matplotlib.ticker import MaxNLocator

    return MaxNLocator(nbins=5, integer=True, min_n_ticks=1)


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
    empty_drawn()
    _prepared.clear()
    framed = _framed(frame)
    changing = _changing(framed)
    for artist in changing:
        artist.set_visible(False)
    canvas = agg_canvas(framed.figure)
    canvas.draw()
    framed.background = canvas.copy_from_bbox(framed.figure.bbox)
    for artist in changing:
        artist.set_visible(True)
    _prepared[frame] = framed


def _period_png(chart: PeriodChart) -> bytes:
    """The chart on its prepared frame (only the rest drawn, over the kept background), or
    drawn whole; the two are the same picture, pixel for pixel."""
    empty_drawn()
    framed = _prepared.pop(chart.frame, None)
    if framed is None or framed.background is None:
        return png(_filled(_framed(chart.frame), chart))
    _filled(framed, chart)
    canvas = agg_canvas(framed.figure)
    canvas.restore_region(framed.background)
    renderer = canvas.get_renderer()
    for artist in _changing(framed):
        artist.draw(renderer)
    return encoded(framed.figure)


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
    figure = new_figure(10, 9)
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
