"""The period's figures as files: an XLSX workbook (reports, and the indicators per hamlet,
village, grid member and category) and the two main sheets as CSV. No reporter and no
description is ever exported."""

from __future__ import annotations

import csv
import io
from typing import TypeVar

from bot.core.i18n import N_
from bot.stats.indicators import Figures, moment
from bot.stats.labels import Labels, list_separator
from bot.stats.service import TOWN, PeriodFigures

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


class StatsExport(Labels):
    """The export's rows and files, in the reader's language."""

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
