"""Every message the bot sends, in both languages (issue 14): the grand tour
(`tests/grand_tour.py`, `tests/tour_journeys.py`) walks every role's journeys once with everybody
reading Chinese and once English; each text, caption, edit, button label, alert and command
description it showed is checked here — no raw markup, no placeholder left, one script, dates
and times in the forms `bot/core/when.py` makes, no "today" for another day — and the msgids
it looked up must cover the catalogue, beyond a short list of ones no test can reach."""

from __future__ import annotations

import asyncio
import re
from datetime import datetime

import pytest

from bot.core.when import PATTERNS
from tests.grand_tour import Shown, Tour, run_tour
from tests.test_catalogues import (
    ALLOWED_IN_CHINESE,
    CJK,
    LATIN_WORD,
    NOT_WORDS,
    source_ids,
)
from tests.test_recurrence import SANTANG
from tests.tour_journeys import story

LANGUAGES = ("zh", "en")


@pytest.fixture(scope="module")
def tours(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Tour]:
    """Both tours, walked once for every check of this module."""
    return {
        language: asyncio.run(run_tour(language, tmp_path_factory.mktemp(language), story))
        for language in LANGUAGES
    }


def shown(tours: dict[str, Tour], language: str) -> list[Shown]:
    """What the tour in `language` showed, each in the language its reader reads."""
    return tours[language].shown


# -- markup and placeholders ---------------------------------------------------------------

RAW_MARKUP = re.compile(
    r"</?(?:b|i|u|s|a|code|pre|br|tg-spoiler|blockquote)\b[^>]*>"  # a tag shown as text
    r"|&(?:lt|gt|amp|quot|#\d+);"  # an entity shown as text
    r"|\*\*|__"  # Markdown emphasis
    r"|\\[_*\[\]()~`>#+\-=|{}.!]"  # a MarkdownV2 escape
)
PLACEHOLDER = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*(?:[:!][^{}]*)?\}|%\(\w+\)[sd]|%[sd]")


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_message_shows_raw_markup(tours: dict[str, Tour], language: str) -> None:
    raw = [(s.what, s.text) for s in shown(tours, language) if RAW_MARKUP.search(s.text)]
    assert not raw


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_message_has_a_placeholder_left(tours: dict[str, Tour], language: str) -> None:
    left = [(s.what, s.text) for s in shown(tours, language) if PLACEHOLDER.search(s.text)]
    assert not left


# -- one script per message ----------------------------------------------------------------

PEOPLE_AND_PLACES = re.compile(r"[\w.-]+\.(?:xlsx|csv|pdf|png|jpg)|\b[A-Z0-9]{5}-[A-Z0-9]{5}\b")
"""Beyond the catalogue check's NOT_WORDS: file names and invitation codes."""


def mixed_script(seen: Shown, names: set[str]) -> list[str]:
    """The words of the wrong script in what was shown; names from the grid, the config and
    the story (people, villages, hamlets, what villagers typed) are not words of a language."""
    text = PEOPLE_AND_PLACES.sub(" ", NOT_WORDS.sub(" ", seen.text))
    for name in sorted(names, key=len, reverse=True):
        text = text.replace(name, " ")
    if seen.language == "en":
        return CJK.findall(text)
    return sorted(set(LATIN_WORD.findall(text)) - ALLOWED_IN_CHINESE)


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_message_mixes_scripts(tours: dict[str, Tour], language: str) -> None:
    names = tours[language].names
    mixed = [
        (s.what, s.text, words)
        for s in shown(tours, language)
        if (words := mixed_script(s, names))
    ]
    assert not mixed


# -- dates and times -----------------------------------------------------------------------

DAY_ZH = r"\d{1,2}月\d{1,2}日"
WEEKDAY_ZH = r"周[一二三四五六日]"
WEEKDAY_EN = r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)"
MONTH_EN = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
CLOCK = r"(?<![\d:])\d{2}:\d{2}(?![\d:])"
FORMS = {
    # when.py's forms (PATTERNS) as regular expressions, longest first
    "zh": [
        rf"\d{{4}}年{DAY_ZH} {CLOCK}",  # full
        rf"{DAY_ZH} {WEEKDAY_ZH} {CLOCK}",  # moment
        rf"{DAY_ZH} {WEEKDAY_ZH}",  # day
        DAY_ZH,  # short_day
        CLOCK,  # clock_text
    ],
    "en": [
        rf"\b\d{{1,2}} {MONTH_EN} \d{{4}} {CLOCK}",
        rf"\b{WEEKDAY_EN} \d{{1,2}} {MONTH_EN} {CLOCK}",
        rf"\b{WEEKDAY_EN} \d{{1,2}} {MONTH_EN}\b",
        rf"\b\d{{1,2}} {MONTH_EN}\b",
        CLOCK,
    ],
}
DATE_LIKE = re.compile(
    r"\d{1,4}[-/.]\d{1,2}(?:[-/.]\d{1,4})?(?:[ T]\d{1,2}:\d{2})?"  # 12-05, 2026-12-05 08:00
    r"|\d{1,2}:\d{2}(?::\d{2})?"  # a time of day
    r"|\d{1,4}\s*[年月日]"  # 12月, 2026年
    rf"|\b{MONTH_EN}[a-z]*\b|\b{WEEKDAY_EN}[a-z]*\b"  # English month and day names
    r"|周[一二三四五六日]|星期[一二三四五六日天]"
)
TYPED = re.compile(r"\d{4}-Q\d|\d{4}-\d{2}(?!-)|\b\d{4}-\d{2}-\d{2} \d{2}:\d{2}\b")
"""What an admin types, shown as an example of what to type (/stats 2026-Q4, /notice's time)."""


def stray_dates(seen: Shown) -> list[str]:
    """Date- or time-looking pieces of the text that are not in one of when.py's forms."""
    text = TYPED.sub(" ", NOT_WORDS.sub(" ", seen.text))
    for form in FORMS[seen.language]:
        text = re.sub(form, " ", text)
    return DATE_LIKE.findall(text)


def test_the_forms_are_the_ones_when_makes() -> None:
    """The expressions above match what when.py's patterns produce, and nothing else."""
    from bot.core.when import day_text, full_text, moment_text, short_day_text

    moment = datetime(2026, 12, 5, 8, 0, tzinfo=SANTANG)
    assert set(PATTERNS) == {"zh", "en"}
    for language in LANGUAGES:
        made = [
            full_text(moment, language, SANTANG),
            moment_text(moment, language, SANTANG),
            day_text(moment.date(), language),
            short_day_text(moment.date(), language),
        ]
        for text in made:
            assert not stray_dates(Shown(1, language, "text", f"at {text}.", moment)), text
        assert stray_dates(Shown(1, language, "text", "12-05 08:00", moment))
        assert stray_dates(Shown(1, language, "text", "Dec 2026", moment))


@pytest.mark.parametrize("language", LANGUAGES)
def test_dates_and_times_are_in_one_form(tours: dict[str, Tour], language: str) -> None:
    stray = [
        (s.what, s.text, found) for s in shown(tours, language) if (found := stray_dates(s))
    ]
    assert not stray


# -- today is today ------------------------------------------------------------------------

TODAY = {"zh": "今天", "en": "today"}


def days_named(seen: Shown) -> set[tuple[int, int]]:
    """(month, day) of every day the text names in when.py's forms."""
    if seen.language == "zh":
        return {(int(m), int(d)) for m, d in re.findall(r"(\d{1,2})月(\d{1,2})日", seen.text)}
    months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    return {
        (months.index(month) + 1, int(day))
        for day, month in re.findall(rf"\b(\d{{1,2}}) ({MONTH_EN})\b", seen.text)
    }


@pytest.mark.parametrize("language", LANGUAGES)
def test_today_is_only_said_of_today(tours: dict[str, Tour], language: str) -> None:
    wrong = []
    for seen in shown(tours, language):
        if TODAY[seen.language] not in seen.text.lower():
            continue
        local = seen.at.astimezone(SANTANG)
        if days_named(seen) - {(local.month, local.day)}:
            wrong.append((seen.at, seen.text))
    assert not wrong


# -- coverage ------------------------------------------------------------------------------

UNREACHABLE: dict[str, str] = {}
"""msgids no tour reaches, each with why: kept short, and each one still tested elsewhere."""


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_tour_reaches_every_message_template(tours: dict[str, Tour], language: str) -> None:
    missing = source_ids() - tours[language].looked_up - set(UNREACHABLE)
    assert not sorted(missing), f"{len(missing)} msgids not reached by the {language} tour"


def test_the_unreachable_list_names_only_real_unreached_msgids(tours: dict[str, Tour]) -> None:
    reached = set().union(*(tour.looked_up for tour in tours.values()))
    assert set(UNREACHABLE) <= source_ids()
    assert not set(UNREACHABLE) & reached, "reached now: take it off the list"
