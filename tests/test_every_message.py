"""Every message the bot sends, in both languages (issue 14): the grand tour
(`tests/grand_tour.py`, `tests/tour_journeys.py`, and a second town configured otherwise,
`tests/tour_second_town.py`) walks every role's journeys once with everybody reading Chinese
and once English; each text, caption, edit, button label, alert and command description it
showed is checked here — no raw markup, no placeholder left, one script, dates and times in
the forms `bot/core/when.py` makes, no "today" for another day — and the msgids it looked up
must cover the catalogue, beyond a short list of ones no test can reach."""

from __future__ import annotations

import asyncio
import re
from datetime import datetime

import pytest

from bot.core.i18n import I18n
from bot.core.when import PATTERNS
from tests.conftest import OFFICE_ADMIN
from tests.grand_tour import Shown, Tour, run_tour
from tests.test_catalogues import (
    ALLOWED_IN_CHINESE,
    CJK,
    LATIN_WORD,
    NOT_WORDS,
    _key,
    _strings,
    entries,
    source_ids,
)
from tests.test_deadline_story import NABI_LEAD
from tests.test_recurrence import SANTANG
from tests.tour_journeys import story
from tests.tour_office_more import QUIET_LEAD
from tests.tour_people import FIRST_MYDATA, LATE
from tests.tour_second_town import second_story, second_town
from tests.tour_steps import SECOND_VILLAGER

LANGUAGES = ("zh", "en")


def tour_of(language: str, tmp_path_factory: pytest.TempPathFactory) -> Tour:
    """The sample town's story and the second town's, in `language`, as one tour."""
    sample = asyncio.run(run_tour(language, tmp_path_factory.mktemp(language), story))
    folder = tmp_path_factory.mktemp(f"{language}-second")
    return sample.merged(asyncio.run(run_tour(language, folder, second_story, second_town)))


@pytest.fixture(scope="module")
def tours(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Tour]:
    """Both tours, walked once for every check of this module."""
    return {language: tour_of(language, tmp_path_factory) for language in LANGUAGES}


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
LANGUAGE_NAMES = {"中文", "English"}
"""/lang names each language in itself, so a reader of the other one can find theirs."""

# -- what the checks above leave out, and the test of each -------------------------------------
# A narrow pattern or set of chats, each with its own test below.

DASHED_MOMENT = re.compile(r"\b(?:\d{4}-)?\d{2}-\d{2} \d{2}:\d{2}\b")
"""A moment written with strftime ("12-05 10:00", "2026-12-05 10:00") instead of when.py's
"12月5日 周六 10:00" / "Sat 5 Dec 10:00"; only an example of what to type may look like that
(`test_no_moment_is_written_with_dashes`), so the other checks leave these out."""
TELEGRAM_ERROR = re.compile(r"(?:Chat not found|Forbidden: [a-z ]+|Bad Request: [a-z ]+)")
"""/deliveries says why in the office's words, never Telegram's own English error text."""
LANGUAGE_CODES = re.compile(r"\((?:(?:zh|en) [\d,]+(?: · )?)+\)")
"""The notice preview counts recipients by language name in the reader's language, never by
raw code ("收件人数：3 (zh 3)")."""
KNOWN_BUGS = (DASHED_MOMENT,)
NOTHING_KEPT = {FIRST_MYDATA}
"""Someone whose first message is /mydata: by design the bot keeps nothing about them, not even
their language, so the tour cannot know it (they are answered in it). Not a bug."""


def without_known_bugs(text: str) -> str:
    for bug in KNOWN_BUGS:
        text = bug.sub(" ", text)
    return text


HEADINGS = {
    language: I18n("zh")
    .translator(language)
    .gettext("📢 <b>Notice from the town office</b>")
    .replace("<b>", "")
    .replace("</b>", "")
    for language in LANGUAGES
}


def written_in(seen: Shown) -> str:
    """The language a message is written in: its reader's, except the office admin's preview
    of a notice's version in another language (the notice as those readers will get it)."""
    for language, heading in HEADINGS.items():
        if seen.chat_id == OFFICE_ADMIN and seen.text.startswith(heading):
            return language
    return seen.language


def mixed_script(seen: Shown, names: set[str]) -> list[str]:
    """The words of the wrong script in what was shown; names from the grid, the config and
    the story (people, villages, hamlets, what villagers typed) are not words of a language."""
    # invitation codes first: "BYXHR-7FG6U" holds what NOT_WORDS reads as a report number
    text = NOT_WORDS.sub(" ", PEOPLE_AND_PLACES.sub(" ", without_known_bugs(seen.text)))
    for name in sorted(names | LANGUAGE_NAMES, key=len, reverse=True):
        text = text.replace(name, " ")
    if written_in(seen) == "en":
        return CJK.findall(text)
    return sorted(set(LATIN_WORD.findall(text)) - ALLOWED_IN_CHINESE)


def test_an_invitation_code_is_neither_a_word_nor_a_date() -> None:
    """Codes are random: one may hold "R-7" (a report number's shape) or "6-7" (a date's)."""
    moment = datetime(2026, 12, 5, 8, 0, tzinfo=SANTANG)
    for code in ("BYXHR-7FG6U", "HSRU6-7CH6Q", "WT8H9-89BKY"):
        seen = Shown(1, "zh", "text", f"邀请码：{code}\n/join {code}", moment)
        assert not mixed_script(seen, set()) and not stray_dates(seen), code


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_message_mixes_scripts(tours: dict[str, Tour], language: str) -> None:
    names = tours[language].names
    mixed = [
        (s.chat_id, s.what, s.text, words)
        for s in shown(tours, language)
        if s.chat_id not in NOTHING_KEPT and (words := mixed_script(s, names))
    ]
    assert not mixed


# -- one name for the office ----------------------------------------------------------------

OTHER_OFFICE_NAMES = re.compile(r"清洁办|办公室|镇办(?!法)")
"""The office is 美丽办 (镇美丽办) in Chinese; a villager told 镇清洁办 in one message, 办公室 in
another and 镇办 in a third cannot know it is the same office."""


def test_the_office_has_one_name_in_chinese() -> None:
    others = [
        (_key(message), text)
        for message in entries("zh")
        for text in _strings(message)
        if OTHER_OFFICE_NAMES.search(text)
    ]
    assert not others


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_chinese_message_names_the_office_otherwise(
    tours: dict[str, Tour], language: str
) -> None:
    others = [s.text for s in shown(tours, language) if s.language == "zh"]
    assert not [text for text in others if OTHER_OFFICE_NAMES.search(text)]


# -- dates and times -----------------------------------------------------------------------

DAY_ZH = r"\d{1,2}月\d{1,2}日"
WEEKDAY_ZH = r"周[一二三四五六日]"
WEEKDAY_EN = r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)"
MONTH_EN = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
WEEKDAY_NAME = r"\b(?:Mon|Tues?|Wed(?:nes)?|Thu(?:rs)?|Fri|Sat(?:ur)?|Sun)(?:day)?\b"
MONTH_NAME = (
    r"\b(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t|tember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\b"
)
CLOCK = r"(?<![\d:])\d{2}:\d{2}(?![\d:])"
FORMS = {
    # when.py's forms (PATTERNS) as regular expressions, longest first
    "zh": [
        rf"\d{{4}}年{DAY_ZH} {CLOCK}",  # full
        rf"{DAY_ZH} {WEEKDAY_ZH} {CLOCK}",  # moment
        rf"{DAY_ZH} {WEEKDAY_ZH}",  # day
        DAY_ZH,  # short_day
        r"\d{4}年(?:\d{1,2}月)?",  # a year or month of the office's numbers (bot/stats/periods.py)
        WEEKDAY_ZH,  # a weekday of a recurrence: 每周 周六
        CLOCK,  # clock_text
    ],
    "en": [
        rf"\b\d{{1,2}} {MONTH_EN} \d{{4}} {CLOCK}",
        rf"\b{WEEKDAY_EN} \d{{1,2}} {MONTH_EN} {CLOCK}",
        rf"\b{WEEKDAY_EN} \d{{1,2}} {MONTH_EN}\b",
        rf"\b\d{{1,2}} {MONTH_EN}\b",
        rf"\b{MONTH_EN} \d{{4}}\b",
        rf"\b{WEEKDAY_EN}\b",
        CLOCK,
    ],
}
DATE_LIKE = re.compile(
    r"\d{1,4}[-/]\d{1,2}(?:[-/]\d{1,4})?(?:[ T]\d{1,2}:\d{2})?"  # 12-05, 2026-12-05 08:00
    r"|\d{1,4}\.\d{1,2}\.\d{1,4}"  # 5.12.2026 (not a percentage: 33.3)
    r"|\d{1,2}:\d{2}(?::\d{2})?"  # a time of day
    r"|\d{1,4}\s*[年月日]"  # 12月, 2026年
    rf"|{MONTH_NAME}|{WEEKDAY_NAME}"  # English month and day names
    r"|周[一二三四五六日]|星期[一二三四五六日天]"
)
TYPED = re.compile(
    r"\d{4}-Q\d|\d{4}-\d{2}(?!-)|\b\d{1,2}(?:/\d{1,2}){2,}(?: ?月)?|每月 ?\d{1,2} ?日"
    r"|\d{4}-\d{2}-\d{2}(?= ?[（(])"  # /order: "write a date like 2026-12-20 (18:00 that day)"
    r"|\d{4}-\d{2}-\d{2}(?=[.,。，]| 的格式)"  # "Please write it like 2026-12-05."
    r"|（\d{1,2}(?:、\d{1,2}){3} 月）"  # a quarter's months: 每季第 1 个月（1、4、7、10 月）
    rf"|\((?:{MONTH_EN}, ){{3}}{MONTH_EN}\)"  # 1st month (Jan, Apr, Jul, Oct)
)
"""What an admin types, shown as an example of what to type (/stats 2026-Q4, a bare date like
2026-12-05), and a list of months ("3/6/9/12 月", "1、4、7、10 月": a quarterly schedule)."""


def stray_dates(seen: Shown, names: frozenset[str] = frozenset()) -> list[str]:
    """Date- or time-looking pieces of the text that are not in one of when.py's forms
    (what people typed, in `names`, aside)."""
    # a random invitation code can look like a date (9-89) or hold a report number
    text = PEOPLE_AND_PLACES.sub(" ", without_known_bugs(seen.text))
    text = TYPED.sub(" ", NOT_WORDS.sub(" ", text))
    for name in sorted(names, key=len, reverse=True):
        text = text.replace(name, " ")
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
        assert stray_dates(Shown(1, language, "text", "12/05 08:00", moment))
        assert stray_dates(Shown(1, language, "text", "December 5", moment))
        # an invitation code is random letters and digits, never a date: "HSRU6-7CH6Q"
        assert not stray_dates(Shown(1, language, "text", "HSRU6-7CH6Q", moment))


@pytest.mark.parametrize("language", LANGUAGES)
def test_dates_and_times_are_in_one_form(tours: dict[str, Tour], language: str) -> None:
    stray = [
        (s.chat_id, s.what, s.text, found)
        for s in shown(tours, language)
        if (found := stray_dates(s))
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
    """Line by line: a line that says today names no other day ("Recipients today: 4" on one
    line and the next runs on another are fine)."""
    wrong = []
    for seen in shown(tours, language):
        local = seen.at.astimezone(SANTANG)
        for line in seen.text.splitlines():
            if TODAY[seen.language] not in line.lower():
                continue
            if days_named(Shown(seen.chat_id, seen.language, seen.what, line, seen.at)) - {
                (local.month, local.day)
            }:
                wrong.append((seen.at, line))
    assert not wrong


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_day_before_reminder_says_tomorrow(tours: dict[str, Tour], language: str) -> None:
    """Friday 18:00, for Saturday 08:00: tomorrow, never today; an hour before: in 1 hour."""
    reminders = [s for s in tours[language].texts("三塘清洁日") if "⏰" in s.text]
    tomorrow = {"zh": "明天 08:00", "en": "tomorrow 08:00"}[language]
    soon = {"zh": "1 小时后", "en": "in 1 hour"}[language]
    assert any(tomorrow in s.text for s in reminders), [s.text for s in reminders]
    assert any(soon in s.text for s in reminders), [s.text for s in reminders]


# -- the known bugs, one strict xfail each ---------------------------------------------------


def showing(tours: dict[str, Tour], bug: re.Pattern[str]) -> list[str]:
    example = re.compile(  # what to type: "send a time like 2026-12-01 08:00", "请按 … 的格式"
        r"\d{4}-\d{2}-\d{2} \d{2}:\d{2} ?[（(]|(?:like|按) \d{4}-\d{2}-\d{2} \d{2}:\d{2}"
    )
    return [
        s.text
        for tour in tours.values()
        for s in tour.shown
        if bug.search(s.text) and not example.search(s.text)
    ]


def test_no_moment_is_written_with_dashes(tours: dict[str, Tour]) -> None:
    assert not showing(tours, DASHED_MOMENT)


def test_deliveries_do_not_show_telegrams_own_words(tours: dict[str, Tour]) -> None:
    assert not showing(tours, TELEGRAM_ERROR)


def test_the_notice_preview_names_languages(tours: dict[str, Tour]) -> None:
    assert not showing(tours, LANGUAGE_CODES)


def test_someone_whose_first_message_is_join_keeps_their_language(tours: dict[str, Tour]) -> None:
    late = [s for s in tours["en"].shown if s.chat_id == LATE and s.what == "text"]
    assert late and all(s.language == "en" for s in late), [(s.language, s.text) for s in late]


def test_what_waited_for_someone_speaks_the_language_they_said_hello_in(
    tours: dict[str, Tour],
) -> None:
    lead = [s for s in tours["en"].shown if s.chat_id == NABI_LEAD and s.what == "text"]
    assert lead and not [s.text for s in lead if mixed_script(s, tours["en"].names)]


def test_a_lead_whose_first_message_is_area_reads_their_figures_in_their_language(
    tours: dict[str, Tour],
) -> None:
    """Named in the configuration, they never /start: the month's figures still speak the
    language their /area was answered in (their one language, issue 14 item 13)."""
    quiet = [s for s in tours["en"].shown if s.chat_id == QUIET_LEAD and s.what == "text"]
    assert any("📊" in s.text for s in quiet), [s.text for s in quiet]
    names = tours["en"].names
    assert not [s.text for s in quiet if s.language != "en" or mixed_script(s, names)]


def test_a_villager_who_starts_with_report_hears_of_it_in_their_language(
    tours: dict[str, Tour],
) -> None:
    taken = [s.text for s in tours["en"].shown if s.chat_id == SECOND_VILLAGER and "👷" in s.text]
    assert taken and all(not CJK.search(text) for text in taken), taken


# -- coverage ------------------------------------------------------------------------------

TYPED_PERIOD = (
    "a period word the office types after /stats, /ranking, /map or /export, only matched in "
    "every language (I18n.all_translations, which renders nothing); the usage text that names "
    "them is its own msgid, reached"
)
UNREACHABLE: dict[str, str] = {
    **dict.fromkeys(
        ("month", "quarter", "year", "last-month", "last-quarter", "last-year"), TYPED_PERIOD
    ),
    "a reminder would come after the event": (
        "the wizard offers only reminders before the event (the day before at 18:00, 2 h and "
        "1 h before) and a seeded schedule with one after it stops the bot at start-up, naming "
        "its key (test_schedules.py): no chat can be told this"
    ),
}
"""msgids no tour can reach, each with why."""
SOMETIMES: dict[str, str] = {
    "about {minutes:,} min left": "a notice's progress says it only while sending is slow",
}
"""msgids the tour reaches or not depending on the machine's speed: required by neither check."""


def test_the_tour_reaches_every_message_template(tours: dict[str, Tour]) -> None:
    reached = set().union(*(tour.looked_up for tour in tours.values()))
    missing = source_ids() - reached - set(UNREACHABLE) - set(SOMETIMES)
    assert not sorted(missing), f"{len(missing)} msgids the tour does not reach"


def test_the_lists_name_only_real_unreached_msgids(tours: dict[str, Tour]) -> None:
    reached = set().union(*(tour.looked_up for tour in tours.values()))
    listed = set(UNREACHABLE)
    assert listed <= source_ids(), "no longer in the catalogue: take it off the list"
    assert not listed & reached, "reached now: take it off the list"
