"""The period's figures as messages (HTML): the summary /stats and the digest open with,
the ranking, and a grid member's and a village lead's monthly lines."""

from __future__ import annotations

from html import escape

from bot.core.when import full_text
from bot.stats.labels import Labels, list_separator, number, percent
from bot.stats.ranking import Ranked
from bot.stats.service import PeriodFigures, Scope


class StatsTexts(Labels):
    """The texts, in the reader's language."""

    def summary_text(self, figures: PeriodFigures, scope: Scope, language: str) -> str:
        """The short summary /stats and the digest open with (HTML), written once per
        complete period, scope and language."""
        return figures.kept(
            figures.texts,
            ("summary", scope.village_id or "", scope.hamlet_id or "", language),
            lambda: self._summary(figures, scope, language),
        )

    def _summary(self, figures: PeriodFigures, scope: Scope, language: str) -> str:
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
