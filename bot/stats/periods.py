"""Assessment periods in the town's own time: months, quarters and years (月、季、年度).

A period is a half-open interval of local calendar time, [start, end). Figures for a period
are computed "as at" its end (or now, while it runs), so a month's published numbers never
change afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.core.i18n import N_, I18n


class PeriodKind(StrEnum):
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


MONTHS_IN = {PeriodKind.MONTH: 1, PeriodKind.QUARTER: 3, PeriodKind.YEAR: 12}

# Words the office may type after /stats, /ranking, /map and /export, in every language
# (the catalogues hold e.g. 本月 / 上月). Numbers work too: 2026-11, 2026-Q4, 2026.
THIS_WORDS = {
    PeriodKind.MONTH: N_("month"),
    PeriodKind.QUARTER: N_("quarter"),
    PeriodKind.YEAR: N_("year"),
}
LAST_WORDS = {
    PeriodKind.MONTH: N_("last-month"),
    PeriodKind.QUARTER: N_("last-quarter"),
    PeriodKind.YEAR: N_("last-year"),
}


@dataclass(frozen=True)
class Period:
    """One month, quarter or year, starting on its first local day."""

    kind: PeriodKind
    first_day: date
    tz: ZoneInfo

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first_day, time(), self.tz).astimezone(UTC)

    @property
    def end(self) -> datetime:
        return datetime.combine(self.next().first_day, time(), self.tz).astimezone(UTC)

    def next(self) -> Period:
        return Period(self.kind, _add_months(self.first_day, MONTHS_IN[self.kind]), self.tz)

    def previous(self) -> Period:
        return Period(self.kind, _add_months(self.first_day, -MONTHS_IN[self.kind]), self.tz)

    def as_at(self, now: datetime) -> datetime:
        """The moment the figures describe: the period's end, or now while it runs."""
        return min(self.end, now)

    def ended(self, now: datetime) -> bool:
        return now >= self.end

    @property
    def key(self) -> str:
        """A short stable name: 2026-11, 2026-Q4 or 2026 (file names, digest keys)."""
        day = self.first_day
        if self.kind == PeriodKind.MONTH:
            return f"{day.year}-{day.month:02d}"
        if self.kind == PeriodKind.QUARTER:
            return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
        return f"{day.year}"

    def label(self, language: str) -> str:
        """How people write the period: 2026年11月 / Nov 2026, 2026年第4季度 / 2026 Q4."""
        day = self.first_day
        quarter = (day.month - 1) // 3 + 1
        if language == "zh":
            return {
                PeriodKind.MONTH: f"{day.year}年{day.month}月",
                PeriodKind.QUARTER: f"{day.year}年第{quarter}季度",
                PeriodKind.YEAR: f"{day.year}年",
            }[self.kind]
        return {
            PeriodKind.MONTH: day.strftime("%b %Y"),
            PeriodKind.QUARTER: f"{day.year} Q{quarter}",
            PeriodKind.YEAR: f"{day.year}",
        }[self.kind]

    def weeks(self) -> list[datetime]:
        """Starts (Mondays, local midnight, in UTC) of the weeks that overlap the period."""
        monday = self.first_day - timedelta(days=self.first_day.weekday())
        starts = []
        last = self.next().first_day
        while monday < last:
            starts.append(datetime.combine(monday, time(), self.tz).astimezone(UTC))
            monday += timedelta(days=7)
        return starts


def containing(kind: PeriodKind, moment: datetime, tz: ZoneInfo) -> Period:
    """The period of `kind` that `moment` falls in, in local time."""
    local = moment.astimezone(tz).date()
    month = local.month - (local.month - 1) % MONTHS_IN[kind]
    if kind == PeriodKind.YEAR:
        month = 1
    return Period(kind, date(local.year, month, 1), tz)


def parse_period(
    word: str, now: datetime, tz: ZoneInfo, i18n: I18n, default: PeriodKind = PeriodKind.MONTH
) -> Period | None:
    """`month`/`本月`, `last-month`/`上月` (and quarter, year), `2026-11`, `2026-Q4`, `2026`;
    an empty word is the current `default` period; anything else is None."""
    text = word.strip().lower()
    if not text:
        return containing(default, now, tz)
    for kind, message in THIS_WORDS.items():
        if text in {label.lower() for label in i18n.all_translations(message)}:
            return containing(kind, now, tz)
    for kind, message in LAST_WORDS.items():
        if text in {label.lower() for label in i18n.all_translations(message)}:
            return containing(kind, now, tz).previous()
    return _parse_number(text, tz)


def _parse_number(text: str, tz: ZoneInfo) -> Period | None:
    year_text, _, rest = text.partition("-")
    if not (year_text.isdigit() and len(year_text) == 4 and 2000 <= int(year_text) <= 2999):
        return None
    year = int(year_text)
    if not rest:
        return Period(PeriodKind.YEAR, date(year, 1, 1), tz)
    if rest.startswith("q") and rest[1:].isdigit() and 1 <= int(rest[1:]) <= 4:
        return Period(PeriodKind.QUARTER, date(year, 3 * int(rest[1:]) - 2, 1), tz)
    if rest.isdigit() and 1 <= int(rest) <= 12:
        return Period(PeriodKind.MONTH, date(year, int(rest), 1), tz)
    return None


def ended_since(kind: PeriodKind, since: datetime, now: datetime, tz: ZoneInfo) -> list[Period]:
    """Periods of `kind` that ended after `since` and by `now`, oldest first."""
    periods = []
    period = containing(kind, now, tz).previous()
    while period.end > since:
        periods.append(period)
        period = period.previous()
    return periods[::-1]


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)
