"""The catalogues people read: every entry translated in every language (no empty or fuzzy
entry), the same placeholders as its source, and one script per message — no Chinese in an
English message, no English words in a Chinese one, beyond a short, explicit allow-list."""

from __future__ import annotations

import re
from pathlib import Path
from string import Formatter

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po

LOCALES = Path(__file__).parent.parent / "bot" / "locales"
LANGUAGES = ("zh", "en")

CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")
ALLOWED_IN_CHINESE = {
    # product and file names people see as they are
    "Telegram",
    "GPS",
    "CSV",
    "XLSX",
    "PDF",
    "PNG",
    "ID",
    "Bot",
    "API",
    # units and report numbers
    "h",
    "min",
    "km",
    "m",
    "MB",
    "R",
}
"""Latin words a Chinese message may contain besides commands, placeholders, markup and @names."""
NOT_WORDS = re.compile(
    r"/[a-z_]+(?: [A-Za-z0-9-]+)*"  # commands and what is typed after them: /notices off
    r"|R-\d+"  # report numbers: R-000123
    r"|\d{4}-Q\d"  # quarters as typed: 2026-Q4
    r"|[\w-]+\.toml"  # the configuration file
    r"|\{[^{}]*\}"  # placeholders: {number}
    r"|<[^<>]*>"  # markup: <b>, <a href="…">
    r"|&[a-z]+;"  # entities: &lt;
    r"|@\w+"  # @usernames
    r"|https?://\S+"
)


def catalogue(language: str) -> Catalog:
    path = LOCALES / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as po_file:
        return read_po(po_file, locale=language)


def entries(language: str) -> list[Message]:
    return [message for message in catalogue(language) if message.id]


def source_ids() -> set[str]:
    with (LOCALES / "messages.pot").open("rb") as pot_file:
        template = read_po(pot_file)
    return {_key(message) for message in template if message.id}


def _key(message: Message) -> str:
    return message.id if isinstance(message.id, str) else message.id[0]


def _strings(message: Message) -> list[str]:
    return list(message.string) if isinstance(message.string, tuple) else [message.string]


def placeholders(text: str) -> set[str]:
    """The field names of a `str.format` template: "{count:,} of {total}" → {count, total}."""
    return {name for _, name, _, _ in Formatter().parse(text) if name is not None}


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_entry_is_translated_and_none_is_fuzzy(language: str) -> None:
    messages = entries(language)
    assert source_ids() <= {_key(message) for message in messages}, "missing from the catalogue"
    untranslated = [_key(m) for m in messages if not all(s.strip() for s in _strings(m))]
    fuzzy = [_key(m) for m in messages if m.fuzzy]
    assert not untranslated and not fuzzy


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_translation_has_the_placeholders_of_its_source(language: str) -> None:
    wrong = []
    for message in entries(language):
        sources = [message.id] if isinstance(message.id, str) else list(message.id)
        expected = set().union(*(placeholders(source) for source in sources))
        for text in _strings(message):
            found = placeholders(text)
            # a plural form may leave the count out ("one report"), nothing else
            if not found <= expected or expected - found - {"count"}:
                wrong.append((_key(message), text))
    assert not wrong


def test_no_english_message_has_chinese_in_it() -> None:
    mixed = [
        (_key(message), text)
        for message in entries("en")
        for text in _strings(message)
        if CJK.search(NOT_WORDS.sub("", text))
    ]
    assert not mixed


def test_no_chinese_message_has_english_words_in_it() -> None:
    mixed = []
    for message in entries("zh"):
        for text in _strings(message):
            words = set(LATIN_WORD.findall(NOT_WORDS.sub(" ", text))) - ALLOWED_IN_CHINESE
            if words:
                mixed.append((_key(message), sorted(words)))
    assert not mixed


def test_counts_use_plural_forms_not_parentheses() -> None:
    """ "1 task(s)" reads badly: a count is shown through `ngettext` ("1 task", "2 tasks")."""
    parenthesised = {
        _key(message)
        for message in entries("en")
        if any("(s)" in text for text in [_key(message), *_strings(message)])
    }
    assert not parenthesised, parenthesised
    plural = [message for message in entries("en") if isinstance(message.id, tuple)]
    assert len(plural) >= 8 and all(len(message.string) == 2 for message in plural)


def test_the_checks_catch_what_they_are_for() -> None:
    """The patterns themselves: a mixed message is found, a clean one is not."""
    assert CJK.search(NOT_WORDS.sub("", "Please send the English版本"))
    assert not CJK.search(NOT_WORDS.sub("", "Use /report, <b>R-000001</b> · {count:,}"))
    assert set(LATIN_WORD.findall(NOT_WORDS.sub(" ", "请发送通知的English版本 task(s)"))) == {
        "English",
        "task",
        "s",
    }
    assert placeholders("{count:,} of {total}") == {"count", "total"}
