"""The period's figures as people read them: texts (summary, ranking, a grid member's and a
village lead's monthly lines), the chart and the map, and the XLSX / CSV export — always in
the reader's language. No reporter identity is ever read here: facts carry none.
"""

from __future__ import annotations

import csv
import io
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from html import escape
from typing import TypeVar

from bot.core.config import Config
from bot.core.i18n import N_, I18n
from bot.core.when import full_text, short_day_text
from bot.people.directory import People
from bot.places.grid import Grid, Village
from bot.reporting.lifecycle import State
from bot.stats import charts
from bot.stats.indicators import Figures, ReportFacts, moment
from bot.stats.ranking import Ranked
from bot.stats.service import TOWN, PeriodFigures, Scope

Translate = Callable[[str], str]

STATUS_GROUPS = (
    (N_("closed"), {State.CLOSED}),
    (N_("fixed, awaiting the reporter"), {State.FIXED}),
    (N_("in progress"), {State.SUBMITTED, State.ASSIGNED, State.ACCEPTED, State.REOPENED}),
    (N_("rejected"), {State.REJECTED}),
    (N_("duplicate (+1)"), {State.DUPLICATE}),
)

T = TypeVar("T")

INDICATOR_COLUMNS = (
    N_("Households"),
    N_("Received"),
    N_("Duplicates (+1)"),
    N_("Rejected"),
    N_("Cases due"),
    N_("Closed"),
    N_("Closed on time"),
    N_("Closure rate"),
    N_("On-time closure rate"),
    N_("Fixes"),
    N_("Reopened"),
    N_("Rework rate"),
    N_("Accept p50 (h)"),
    N_("Accept p90 (h)"),
    N_("Fix p50 (h)"),
    N_("Fix p90 (h)"),
    N_("Overdue at the end"),
    N_("Escalations"),
    N_("Recurrences"),
    N_("Recurrence rate"),
    N_("Reports per 100 households"),
)

REPORT_COLUMNS = (
    N_("Number"),
    N_("Received at"),
    N_("Assigned at"),
    N_("Accepted at"),
    N_("Fixed at"),
    N_("Closed or ended at"),
    N_("Category"),
    N_("Village"),
    N_("Hamlet"),
    N_("Grid member"),
    N_("Status"),
    N_("Fix deadline"),
    N_("Fixed by the deadline"),
    N_("Duplicates (+1)"),
    N_("Times reopened"),
    N_("Escalations"),
)


def percent(value: float | None) -> str:
    return f"{value * 100:.1f}%" if value is not None else "–"


def number(value: float | None) -> str:
    return f"{value:.1f}" if value is not None else "–"


class StatsPresenter:
    def __init__(self, *, config: Config, grid: Grid, people: People, i18n: I18n) -> None:
        self._config = config
        self._grid = grid
        self._people = people
        self._i18n = i18n
        self._member_names = {member.user_id: member.name for member in config.grid_members}

    def _(self, language: str) -> Translate:
        return self._i18n.translator(language).gettext

    # -- names ------------------------------------------------------------------------------

    def place_label(self, scope: Scope, language: str) -> str:
        _ = self._(language)
        if scope.hamlet_id is not None:
            hamlet = self._grid.hamlets[scope.hamlet_id]
            village = self._grid.villages[hamlet.village_id]
            return f"{village.label(language)} · {hamlet.label(language)}"
        if scope.village_id is not None:
            return self._grid.villages[scope.village_id].label(language)
        return _("Santang Town")

    def hamlet_label(self, hamlet_id: str | None, language: str) -> str:
        hamlet = self._grid.hamlets.get(hamlet_id or "")
        return hamlet.label(language) if hamlet else "–"

    def village_label(self, village_id: str | None, language: str) -> str:
        village = self._grid.villages.get(village_id or "")
        return village.label(language) if village else "–"

    def category_label(self, key: str, language: str) -> str:
        category = self._config.categories.get(key)
        return category.label.get(language) if category else key

    def worker_label(self, worker_id: int | None, language: str) -> str:
        if worker_id is None:
            return "–"
        return self._member_names.get(worker_id) or self._(language)("Town office")

    def local(self, when: datetime | None) -> str:
        tz = self._config.general.tz
        return when.astimezone(tz).strftime("%Y-%m-%d %H:%M") if when else "–"

    # -- texts ------------------------------------------------------------------------------

    def summary_text(self, figures: PeriodFigures, scope: Scope, language: str) -> str:
        """The short summary /stats and the digest open with (HTML)."""
        _ = self._(language)
        f = figures.figures_for(scope)
        lines = [
            "<b>"
            + _("📊 {place} · {period}").format(
                place=escape(self.place_label(scope, language)),
                period=figures.period.label(language),
            )
            + "</b>"
        ]
        if figures.as_at < figures.period.end:
            lines.append(
                _("(so far, as at {when})").format(
                    when=full_text(figures.as_at, language, self._config.general.tz)
                )
            )
        lines += [
            _(
                "Reports received: {received} (duplicates “+1”: {duplicates}, rejected: {rejected})"
            ).format(received=f.received, duplicates=f.duplicates, rejected=f.rejected),
            _("Cases due: {due} · closed: {closed} · closed on time: {on_time}").format(
                due=f.due, closed=f.closed, on_time=f.closed_on_time
            ),
            _("Closure rate: {rate} · on-time closure rate: {on_time}").format(
                rate=percent(f.closure_rate), on_time=percent(f.on_time_rate)
            ),
            _("Rework rate: {rate} ({reopens} reopened of {fixes} fixes)").format(
                rate=percent(f.rework_rate), reopens=f.reopens, fixes=f.fixes
            ),
            _("Hours to accept, median / 90%: {p50} / {p90}").format(
                p50=number(f.accept_p50), p90=number(f.accept_p90)
            ),
            _("Hours to fix, median / 90%: {p50} / {p90}").format(
                p50=number(f.fix_p50), p90=number(f.fix_p90)
            ),
            _("Overdue now: {overdue} · escalations: {escalations}").format(
                overdue=f.overdue, escalations=f.escalations
            ),
            _(
                "Recurrence: {count} of {new} new reports came within {radius} m of a spot "
                "closed in the previous {days} days ({rate})"
            ).format(
                count=f.recurrences,
                new=f.new_reports,
                radius=f"{self._config.stats.recurrence_radius_m:g}",
                days=self._config.stats.recurrence_window_days,
                rate=percent(f.recurrence_rate),
            ),
            _("Reports per 100 households: {value}").format(value=number(f.per_100_households)),
        ]
        return "\n".join(lines)

    def ranking_text(self, figures: PeriodFigures, language: str) -> str:
        """Top-N and Bottom-N hamlets with their scores and the figures behind them (HTML)."""
        _ = self._(language)
        ngettext = self._i18n.translator(language).ngettext
        ranking = figures.ranking
        period = figures.period.label(language)
        top = ngettext(
            "🏆 Top {n} hamlet · {period}", "🏆 Top {n} hamlets · {period}", ranking.top_n
        )
        bottom = ngettext(
            "⚠️ Bottom {n} hamlet · {period}", "⚠️ Bottom {n} hamlets · {period}", ranking.top_n
        )
        lines = ["<b>" + top.format(n=ranking.top_n, period=period) + "</b>"]
        lines += [self._ranked_line(entry, language) for entry in ranking.top] or [
            _("No hamlet had enough cases to rank.")
        ]
        if ranking.bottom:
            lines += [
                "",
                "<b>" + bottom.format(n=ranking.top_n, period=period) + "</b>",
            ]
            lines += [self._ranked_line(entry, language) for entry in ranking.bottom]
        if ranking.unjudged:
            names = list_separator(language).join(
                self.hamlet_label(key, language) for key in ranking.unjudged
            )
            lines += [
                "",
                ngettext(
                    "Too few cases to rank (fewer than {n} due): {count} hamlet — {names}",
                    "Too few cases to rank (fewer than {n} due): {count} hamlets — {names}",
                    len(ranking.unjudged),
                ).format(
                    n=self._config.stats.min_cases_to_rank,
                    count=len(ranking.unjudged),
                    names=escape(names),
                ),
            ]
        lines += [
            "",
            _(
                "Score: 100 × weighted on-time closure, low rework, low recurrence and "
                "few reports per 100 households (weights in the configuration)."
            ),
        ]
        return "\n".join(lines)

    def _ranked_line(self, entry: Ranked, language: str) -> str:
        _ = self._(language)
        f = entry.figures
        hamlet = self._grid.hamlets[entry.hamlet_id]
        return _(
            "{rank}. <b>{hamlet}</b> ({village}) {score} — on time {on_time} · rework {rework} "
            "· recurrence {recurrence} · {volume} per 100 households · {due} due"
        ).format(
            rank=entry.rank,
            hamlet=escape(hamlet.label(language)),
            village=escape(self.village_label(hamlet.village_id, language)),
            score=f"{entry.score:.1f}",
            on_time=percent(f.on_time_rate),
            rework=percent(f.rework_rate),
            recurrence=percent(f.recurrence_rate),
            volume=number(f.per_100_households),
            due=f.due,
        )

    def hamlet_line(self, figures: PeriodFigures, hamlet_id: str, language: str) -> str:
        """One hamlet's month for its grid member or village lead: rates and rank."""
        _ = self._(language)
        f = figures.hamlets[hamlet_id]
        entry = figures.ranking.of(hamlet_id)
        rank = (
            _("rank {rank} of {count}").format(rank=entry.rank, count=len(figures.ranking.ranked))
            if entry
            else _("too few cases to rank")
        )
        return _(
            "• <b>{hamlet}</b>: {received} received · closure {closure} · on time {on_time} · "
            "rework {rework} · overdue {overdue} · {rank}"
        ).format(
            hamlet=escape(self.hamlet_label(hamlet_id, language)),
            received=f.received,
            closure=percent(f.closure_rate),
            on_time=percent(f.on_time_rate),
            rework=percent(f.rework_rate),
            overdue=f.overdue,
            rank=rank,
        )

    def member_text(self, figures: PeriodFigures, member_id: int, language: str) -> str:
        _ = self._(language)
        heading = _("📊 Your hamlets in {period}").format(period=figures.period.label(language))
        lines = [f"<b>{heading}</b>"]
        lines += [
            self.hamlet_line(figures, hamlet_id, language)
            for hamlet_id in self._people.hamlets_of_member(member_id)
        ]
        return "\n".join(lines)

    def lead_text(self, figures: PeriodFigures, village_id: str, language: str) -> str:
        _ = self._(language)
        f = figures.villages[village_id]
        heading = _("📊 {village} in {period}").format(
            village=escape(self.village_label(village_id, language)),
            period=figures.period.label(language),
        )
        lines = [
            f"<b>{heading}</b>",
            _(
                "Village: {received} received · closure {closure} · on time {on_time} · "
                "rework {rework} · overdue {overdue}"
            ).format(
                received=f.received,
                closure=percent(f.closure_rate),
                on_time=percent(f.on_time_rate),
                rework=percent(f.rework_rate),
                overdue=f.overdue,
            ),
        ]
        lines += [
            self.hamlet_line(figures, hamlet.id, language)
            for hamlet in sorted(self._grid.hamlets_of(village_id), key=lambda hamlet: hamlet.id)
        ]
        return "\n".join(lines)

    # -- pictures ---------------------------------------------------------------------------

    def chart_png(self, figures: PeriodFigures, scope: Scope, language: str) -> bytes:
        """Reports per week by status, on-time closure per place, reports per category
        (drawn once per complete period, scope and language)."""
        return self._kept_picture(
            figures,
            ("chart", scope.village_id or "", scope.hamlet_id or "", language),
            lambda: self._draw_chart(figures, scope, language),
        )

    def _draw_chart(self, figures: PeriodFigures, scope: Scope, language: str) -> bytes:
        _ = self._(language)
        facts = [facts for facts in figures.facts_in(scope) if facts.received]
        weeks = figures.period.weeks()
        week_starts = [week.timestamp() for week in weeks]
        counts = [[0] * len(weeks) for _group in STATUS_GROUPS]
        for report in facts:
            week = bisect_right(week_starts, report.received_at) - 1
            group = next(
                index
                for index, (_label, states) in enumerate(STATUS_GROUPS)
                if report.state in states
            )
            counts[group][week] += 1
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
        chart = charts.PeriodChart(
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
        return charts.period_chart(chart)

    def map_png(self, figures: PeriodFigures, language: str) -> bytes:
        """Hamlets shaded by the reports open at the end of the period, and their places."""
        return self._kept_picture(
            figures, ("map", language), lambda: self._draw_map(figures, language)
        )

    @staticmethod
    def _kept_picture(
        figures: PeriodFigures, key: tuple[str, ...], draw: Callable[[], bytes]
    ) -> bytes:
        """`draw()`, kept with a complete period's figures (which are dropped together)."""
        if not figures.complete:
            return draw()
        picture = figures.pictures.get(key)
        if picture is None:
            picture = figures.pictures[key] = draw()
        return picture

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

    def _villages(self) -> list[Village]:
        return sorted(self._grid.villages.values(), key=lambda village: village.id)

    # -- exports ----------------------------------------------------------------------------

    def report_rows(
        self, figures: PeriodFigures, duplicates: dict[int, int], language: str
    ) -> list[list[object]]:
        """One row per report received in the period (no reporter, no description)."""
        _ = self._(language)
        rows: list[list[object]] = []
        for report in sorted(figures.facts, key=lambda facts: facts.id):
            if not report.received:
                continue
            on_time: object = "–"
            if report.fixed_at is not None:
                on_time = (
                    _("yes")
                    if (report.deadline is not None and report.fixed_at <= report.deadline)
                    else _("no")
                )
            rows.append(
                [
                    f"R-{report.id:06d}",
                    self.local(moment(report.received_at)),
                    self.local(moment(report.assigned_at)),
                    self.local(moment(report.accepted_at)),
                    self.local(moment(report.fixed_at)),
                    self.local(moment(report.finished_at)),
                    self.category_label(report.category, language),
                    self.village_label(report.village_id, language),
                    self.hamlet_label(report.hamlet_id, language),
                    self.worker_label(report.worker_id, language),
                    self._status(report, language),
                    self.local(moment(report.deadline)),
                    on_time,
                    duplicates.get(report.id, 0),
                    report.reopens,
                    report.escalations,
                ]
            )
        return rows

    def _status(self, report: ReportFacts, language: str) -> str:
        _ = self._(language)
        return next(_(label) for label, states in STATUS_GROUPS if report.state in states)

    def hamlet_table(self, figures: PeriodFigures, language: str) -> list[list[object]]:
        _ = self._(language)
        rows = []
        for hamlet in sorted(self._grid.hamlets.values(), key=lambda h: (h.village_id, h.id)):
            entry = figures.ranking.of(hamlet.id)
            rows.append(
                [
                    self.village_label(hamlet.village_id, language),
                    hamlet.label(language),
                    *indicator_values(figures.hamlets[hamlet.id]),
                    entry.score if entry else "–",
                    entry.rank if entry else _("too few cases to rank"),
                ]
            )
        return rows

    def village_table(self, figures: PeriodFigures, language: str) -> list[list[object]]:
        rows = [
            [village.label(language), *indicator_values(figures.villages[village.id])]
            for village in self._villages()
        ]
        rows.append([self.place_label(TOWN, language), *indicator_values(figures.town)])
        return rows

    def member_table(self, figures: PeriodFigures, language: str) -> list[list[object]]:
        return [
            [
                self._member_names.get(member, "–"),
                list_separator(language).join(
                    self.hamlet_label(key, language)
                    for key in self._people.hamlets_of_member(member)
                ),
                *indicator_values(member_figures),
            ]
            for member, member_figures in figures.members.items()
        ]

    def category_table(self, figures: PeriodFigures, language: str) -> list[list[object]]:
        """Per category, without the households columns: households belong to places, not
        to kinds of dumping (they would be a column of zeros)."""
        return [
            [
                self.category_label(key, language),
                *without_households(indicator_values(figures.categories[key])),
            ]
            for key in self._config.categories
            if key in figures.categories
        ]

    def headers(self, language: str) -> tuple[list[str], list[str], list[str]]:
        _ = self._(language)
        indicators = [_(column) for column in INDICATOR_COLUMNS]
        return (
            [_(column) for column in REPORT_COLUMNS],
            [_("Village"), _("Hamlet"), *indicators, _("Score"), _("Rank")],
            [_("Village"), *indicators],
        )

    def export_xlsx(
        self, figures: PeriodFigures, duplicates: dict[int, int], language: str
    ) -> bytes:
        """A workbook: the period's reports, and the indicators per hamlet, per village and
        the town, per grid member and per category."""
        _ = self._(language)
        report_head, hamlet_head, village_head = self.headers(language)
        from openpyxl import Workbook  # about 6 MiB, only for an export

        workbook = Workbook(write_only=True)
        sheets = [
            (_("Reports"), report_head, self.report_rows(figures, duplicates, language)),
            (_("Hamlets"), hamlet_head, self.hamlet_table(figures, language)),
            (_("Villages"), village_head, self.village_table(figures, language)),
            (
                _("Grid members"),
                [_("Grid member"), _("Their hamlets"), *village_head[1:]],
                self.member_table(figures, language),
            ),
            (
                _("Categories"),
                [_("Category"), *without_households(village_head[1:])],
                self.category_table(figures, language),
            ),
        ]
        for title, head, rows in sheets:
            sheet = workbook.create_sheet(title)
            sheet.append(head)
            for row in rows:
                sheet.append(row)
        buffer = io.BytesIO()
        workbook.save(buffer)
        return buffer.getvalue()

    def export_csv(
        self, figures: PeriodFigures, duplicates: dict[int, int], language: str
    ) -> tuple[bytes, bytes]:
        """The reports sheet and the hamlets sheet as CSV (UTF-8 with a BOM, for Excel)."""
        report_head, hamlet_head, _village_head = self.headers(language)
        return (
            _csv(report_head, self.report_rows(figures, duplicates, language)),
            _csv(hamlet_head, self.hamlet_table(figures, language)),
        )


def indicator_values(figures: Figures) -> list[object]:
    """The indicator columns, rates as fractions (0.875), hours rounded to 0.1."""

    def rounded(value: float | None) -> object:
        return round(value, 1) if value is not None else "–"

    def rate(value: float | None) -> object:
        return round(value, 4) if value is not None else "–"

    return [
        figures.households,
        figures.received,
        figures.duplicates,
        figures.rejected,
        figures.due,
        figures.closed,
        figures.closed_on_time,
        rate(figures.closure_rate),
        rate(figures.on_time_rate),
        figures.fixes,
        figures.reopens,
        rate(figures.rework_rate),
        rounded(figures.accept_p50),
        rounded(figures.accept_p90),
        rounded(figures.fix_p50),
        rounded(figures.fix_p90),
        figures.overdue,
        figures.escalations,
        figures.recurrences,
        rate(figures.recurrence_rate),
        rounded(figures.per_100_households),
    ]


def list_separator(language: str) -> str:
    """Between names in a list: "那笔坡、花围坡" in Chinese, "Nabi Po, Huawei Po" otherwise."""
    return "、" if language == "zh" else ", "


def without_households(columns: list[T]) -> list[T]:
    """The indicator columns but "Households" (the first) and "Reports per 100 households"
    (the last)."""
    return columns[1:-1]


def _csv(head: list[str], rows: list[list[object]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(head)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")
