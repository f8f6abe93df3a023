"""The period's figures as pictures: the chart (weeks by status, on-time closure per
place, categories) and the town map, labelled in the reader's language and kept with a
complete period's figures (drawing is in `bot.stats.charts`)."""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from collections.abc import Callable

from bot.core.when import full_text, short_day_text
from bot.stats import charts
from bot.stats.labels import STATUS_GROUPS, Labels
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
        """Have the drawing process started and loaded for a chart about to be asked for."""
        charts.warm_up()

    def chart_drawing(self, sums: Sums, scope: Scope, language: str) -> Callable[[], bytes]:
        """The chart's drawing, to run in a worker thread while the figures are finished:
        what it shows is taken from the sums now (see `StatsService.figures`)."""
        chart = self.chart_of(sums, scope, language)
        return lambda: charts.period_chart(chart)

    def keep_chart(self, figures: PeriodFigures, scope: Scope, language: str, png: bytes) -> bytes:
        """A chart drawn from the figures' sums, kept with them as `chart_png` keeps its own."""
        return figures.kept(figures.pictures, chart_key(scope, language), lambda: png)

    def chart_of(
        self, figures: PeriodFigures | Sums, scope: Scope, language: str
    ) -> charts.PeriodChart:
        """What the chart shows, labelled in the reader's language."""
        _ = self._(language)
        facts = [facts for facts in figures.facts_in(scope) if facts.received]
        weeks = figures.period.weeks()
        week_starts = [week.timestamp() for week in weeks]
        counts = [[0] * len(weeks) for _group in STATUS_GROUPS]
        for report in facts:
            week = bisect_right(week_starts, report.received_at) - 1
            counts[_GROUP_OF[report.state]][week] += 1
        tz = self._config.general.tz
        if scope == TOWN:
            places = [(v.label(language), figures.villages[v.id]) for v in self._villages()]
        else:
            village_id = scope.village_id or ""
            places = [
                (hamlet.label(language), figures.hamlets[hamlet.id])
                for hamlet in sorted(self._grid.hamlets_of(village_id), key=lambda h: h.id)
            ]
        by_category = Counter(report.category for report in facts)
        ordered = sorted(by_category.items(), key=lambda item: (-item[1], item[0]))
        return charts.PeriodChart(
            title=_("{place} · {period}").format(
                place=self.place_label(scope, language), period=figures.period.label(language)
            ),
            weeks_title=_("Reports received per week, by status now"),
            week_labels=[short_day_text(week.astimezone(tz).date(), language) for week in weeks],
            status_labels=[_(label) for label, _states in STATUS_GROUPS],
            counts_by_status=counts,
            on_time_title=_("On-time closure rate (%)"),
            place_labels=[label for label, _f in places],
            on_time_percent=[
                f.on_time_rate * 100 if f.on_time_rate is not None else None for _l, f in places
            ],
            categories_title=_("Reports by category"),
            category_labels=[self.category_label(key, language) for key, _n in ordered],
            category_counts=[count for _key, count in ordered],
            no_data=_("No reports"),
        )

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
        picture = charts.TownMap(
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
        return charts.town_map(picture)
