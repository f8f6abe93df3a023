"""The period's figures as pictures: the chart (weeks by status, on-time closure per
place, categories) and the town map, labelled in the reader's language and kept with a
complete period's figures (drawing is in `bot.stats.charts` and `bot.stats.town_map`)."""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from collections.abc import Callable

from bot.core.when import full_text, short_day_text
from bot.stats import canvas, charts, town_map
from bot.stats.labels import STATUS_GROUPS, Labels
from bot.stats.periods import Period
from bot.stats.service import TOWN, PeriodFigures, Scope, Sums

_GROUP_OF: dict[str, int] = {
    state: index for index, (_label, states) in enumerate(STATUS_GROUPS) for state in states
}
"""Each state's place in `STATUS_GROUPS` (the chart's colours)."""


def chart_key(scope: Scope, language: str) -> tuple[str, ...]:
    """What a chart shows, as it is kept (and known once sent) with a complete period."""
    return ("chart", scope.village_id or "", scope.hamlet_id or "", language)


class StatsPictures(Labels):
    """The chart and the map as PNG bytes."""

    def chart_png(self, figures: PeriodFigures, scope: Scope, language: str) -> bytes:
        """Reports per week by status, on-time closure per place, reports per category
        (drawn once per complete period, scope and language)."""
        return figures.kept(
            figures.pictures,
            chart_key(scope, language),
            lambda: charts.period_chart(self.chart_of(figures, scope, language)),
        )

    def warm_up(self) -> None:
        """Have the drawing process started and loaded for a picture about to be asked for."""
        canvas.warm_up()

    def prepare_chart(self, period: Period, scope: Scope, language: str) -> None:
        """Have the drawing process draw the frame of the chart about to be asked for, while
        its figures are computed."""
        charts.prepare_period_chart(self.chart_frame(period, scope, language))

    def chart_drawing(self, sums: Sums, scope: Scope, language: str) -> Callable[[], bytes]:
        """The chart's drawing, to run in a worker thread while the figures are finished:
        what it shows is taken from the sums now (see `StatsService.figures`)."""
        chart = self.chart_of(sums, scope, language)
        return lambda: charts.period_chart(chart)

    def keep_chart(self, figures: PeriodFigures, scope: Scope, language: str, png: bytes) -> bytes:
        """A chart drawn from the figures' sums, kept with them as `chart_png` keeps its own."""
        return figures.kept(figures.pictures, chart_key(scope, language), lambda: png)

    def chart_frame(self, period: Period, scope: Scope, language: str) -> charts.ChartFrame:
        """The chart's titles and labels, in the reader's language (no figures needed)."""
        _ = self._(language)
        tz = self._config.general.tz
        return charts.ChartFrame(
            title=_("{place} · {period}").format(
                place=self.place_label(scope, language), period=period.label(language)
            ),
            weeks_title=_("Reports received per week, by status now"),
            week_labels=tuple(
                short_day_text(week.astimezone(tz).date(), language) for week in period.weeks()
            ),
            status_labels=tuple(_(label) for label, _states in STATUS_GROUPS),
            on_time_title=_("On-time closure rate (%)"),
            place_labels=tuple(label for label, _id in self._chart_places(scope, language)),
            categories_title=_("Reports by category"),
            no_data=_("No reports"),
        )

    def chart_of(
        self, figures: PeriodFigures | Sums, scope: Scope, language: str
    ) -> charts.PeriodChart:
        """What the chart shows, labelled in the reader's language."""
        facts = [facts for facts in figures.facts_in(scope) if facts.received]
        week_starts = [week.timestamp() for week in figures.period.weeks()]
        counts = [[0] * len(week_starts) for _group in STATUS_GROUPS]
        for report in facts:
            week = bisect_right(week_starts, report.received_at) - 1
            counts[_GROUP_OF[report.state]][week] += 1
        groups = figures.villages if scope == TOWN else figures.hamlets
        on_time = [groups[key].on_time_rate for _label, key in self._chart_places(scope, language)]
        by_category = Counter(report.category for report in facts)
        ordered = sorted(by_category.items(), key=lambda item: (-item[1], item[0]))
        return charts.PeriodChart(
            frame=self.chart_frame(figures.period, scope, language),
            counts_by_status=counts,
            on_time_percent=[rate * 100 if rate is not None else None for rate in on_time],
            category_labels=[self.category_label(key, language) for key, _n in ordered],
            category_counts=[count for _key, count in ordered],
        )

    def _chart_places(self, scope: Scope, language: str) -> list[tuple[str, str]]:
        """(label, id) of the places the chart compares: the town's villages, or a village's
        hamlets."""
        if scope == TOWN:
            return [(village.label(language), village.id) for village in self._villages()]
        hamlets = self._grid.hamlets_of(scope.village_id or "")
        return [(h.label(language), h.id) for h in sorted(hamlets, key=lambda h: h.id)]

    def map_png(self, figures: PeriodFigures, language: str) -> bytes:
        """Hamlets shaded by the reports open at the end of the period, and their places."""
        return figures.kept(
            figures.pictures, ("map", language), lambda: self._draw_map(figures, language)
        )

    def _draw_map(self, figures: PeriodFigures, language: str) -> bytes:
        _ = self._(language)
        still_open = [facts for facts in figures.facts if facts.is_open]
        per_hamlet = Counter(facts.hamlet_id for facts in still_open)
        hamlets = sorted(self._grid.hamlets.values(), key=lambda hamlet: hamlet.id)
        picture = town_map.TownMap(
            title=_("Open reports · {period} (as at {when})").format(
                period=figures.period.label(language),
                when=full_text(figures.as_at, language, self._config.general.tz),
            ),
            legend=_("Open reports per hamlet"),
            point_label=_("an open report"),
            boundaries=[self._grid.boundary(hamlet.id) for hamlet in hamlets],
            names=[hamlet.label(language) for hamlet in hamlets],
            open_counts=[per_hamlet.get(hamlet.id, 0) for hamlet in hamlets],
            points=[
                (facts.latitude, facts.longitude)
                for facts in still_open
                if facts.latitude is not None and facts.longitude is not None
            ],
        )
        return town_map.town_map(picture)
