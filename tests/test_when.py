"""Dates and times in one form per language (Babel), and advance reminders that say when
relative to when they are read — never "today" for another day."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.core.i18n import I18n
from bot.core.when import ahead, clock_text, day_text, full_text, moment_text, short_day_text

SANTANG = ZoneInfo("Asia/Shanghai")
I18N = I18n("zh")
SATURDAY_8 = datetime(2026, 12, 5, 8, 0, tzinfo=SANTANG)


def test_one_form_per_language_in_the_towns_timezone() -> None:
    utc = SATURDAY_8.astimezone(ZoneInfo("UTC"))  # stored in UTC, shown in Santang time
    assert moment_text(utc, "zh", SANTANG) == "12月5日 周六 08:00"
    assert moment_text(utc, "en", SANTANG) == "Sat 5 Dec 08:00"
    assert full_text(utc, "zh", SANTANG) == "2026年12月5日 08:00"
    assert full_text(utc, "en", SANTANG) == "5 Dec 2026 08:00"
    assert day_text(date(2026, 12, 5), "zh") == "12月5日 周六"
    assert day_text(date(2026, 12, 5), "en") == "Sat 5 Dec"
    assert short_day_text(date(2026, 11, 2), "en") == "2 Nov"
    assert clock_text(time(8, 0)) == "08:00"


@pytest.mark.parametrize(
    ("before", "zh", "en"),
    [
        (timedelta(minutes=1), "1 分钟后", "in 1 minute"),
        (timedelta(minutes=45), "45 分钟后", "in 45 minutes"),
        (timedelta(hours=1), "1 小时后", "in 1 hour"),
        (timedelta(hours=2), "2 小时后", "in 2 hours"),
        (timedelta(hours=5), "今天 08:00", "today 08:00"),
        (timedelta(hours=14), "明天 08:00", "tomorrow 08:00"),
        (timedelta(days=3), "12月5日 周六 08:00", "on Sat 5 Dec 08:00"),
    ],
)
def test_ahead_says_when_from_where_the_reader_stands(before: timedelta, zh: str, en: str) -> None:
    seen = SATURDAY_8 - before
    assert ahead(SATURDAY_8, seen, "zh", SANTANG, I18N.translator("zh")) == zh
    assert ahead(SATURDAY_8, seen, "en", SANTANG, I18N.translator("en")) == en


def test_never_today_for_another_day() -> None:
    """Every half hour of the two days before the event: "today" only on the event's day."""
    translator = I18N.translator("en")
    for step in range(1, 96):
        seen = SATURDAY_8 - timedelta(minutes=30 * step)
        text = ahead(SATURDAY_8, seen, "en", SANTANG, translator)
        assert "today" not in text or seen.astimezone(SANTANG).date() == SATURDAY_8.date()
        assert "tomorrow" not in text or seen.astimezone(SANTANG).date() == date(2026, 12, 4)
