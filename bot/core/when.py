"""Dates and times as a person reads them, in their own language, through Babel.

One place decides the form, so every message agrees: zh "12月5日 周六 08:00", en "Sat 5 Dec
08:00". Every moment is shown in the town's timezone. `ahead` words an advance reminder
relative to when it is read: "tomorrow 08:00", "in 1 hour", "on Sat 5 Dec 08:00".
"""

from __future__ import annotations

import gettext
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime, format_time

PATTERNS = {
    "zh": {
        "moment": "M月d日 EEE HH:mm",
        "day": "M月d日 EEE",
        "short_day": "M月d日",
        "full": "y年M月d日 HH:mm",
    },
    "en": {
        "moment": "EEE d MMM HH:mm",
        "day": "EEE d MMM",
        "short_day": "d MMM",
        "full": "d MMM y HH:mm",
    },
}
"""Babel (CLDR) patterns per language; a language without its own row uses the English forms
with its own month and day names."""


def _pattern(language: str, form: str) -> str:
    return PATTERNS.get(language, PATTERNS["en"])[form]


def moment_text(moment: datetime, language: str, tz: ZoneInfo) -> str:
    """A moment this year or near it: "12月5日 周六 08:00" / "Sat 5 Dec 08:00"."""
    return format_datetime(moment.astimezone(tz), _pattern(language, "moment"), locale=language)


def full_text(moment: datetime, language: str, tz: ZoneInfo) -> str:
    """A moment with its year, for logs and lists that span years: "2026年12月5日 08:00"."""
    return format_datetime(moment.astimezone(tz), _pattern(language, "full"), locale=language)


def day_text(day: date, language: str) -> str:
    """A calendar day: "12月5日 周六" / "Sat 5 Dec"."""
    return format_date(day, _pattern(language, "day"), locale=language)


def short_day_text(day: date, language: str) -> str:
    """A day where space is short (a chart's axis): "12月5日" / "5 Dec"."""
    return format_date(day, _pattern(language, "short_day"), locale=language)


def clock_text(at: time) -> str:
    """A time of day, the same in every language: "08:00"."""
    return format_time(at, "HH:mm", locale="en")


def ahead(
    event: datetime,
    seen: datetime,
    language: str,
    tz: ZoneInfo,
    translator: gettext.NullTranslations,
) -> str:
    """When `event` is, seen from `seen`: "in 45 min" / "in 2 hours" within three hours,
    "today 20:00", "tomorrow 08:00", else "on Sat 5 Dec 08:00". Never "today" for another day."""
    _, ngettext = translator.gettext, translator.ngettext
    left = event - seen
    at = clock_text(event.astimezone(tz).time())
    if timedelta(0) <= left < timedelta(hours=3):
        minutes = max(1, round(left.total_seconds() / 60))
        if minutes % 60 == 0:
            hours = minutes // 60
            return ngettext("in {count} hour", "in {count} hours", hours).format(count=hours)
        return ngettext("in {count} minute", "in {count} minutes", minutes).format(count=minutes)
    days = (event.astimezone(tz).date() - seen.astimezone(tz).date()).days
    if days == 0:
        return _("today {time}").format(time=at)
    if days == 1:
        return _("tomorrow {time}").format(time=at)
    return _("on {moment}").format(moment=moment_text(event, language, tz))
