"""The translation layer: catalogues compiled once and kept (an edited `.po` counts at once), and
the office named in every message by `[office] name`, never by hand in a catalogue."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

import bot.core.i18n
from bot.app import CleanVillageBot
from bot.core.config import ConfigError, load_config
from bot.core.i18n import LOCALES_DIR, OFFICE, I18n
from tests.conftest import ROOT

SAMPLE_NAME = 'name = { zh = "美丽办", en = "town cleaning office" }'
QUEUE_REFUSAL = "Sorry, /queue is for the town office."


def configured(tmp_path: Path, name: str) -> Path:
    text = (ROOT / "config.toml").read_text(encoding="utf-8")
    assert SAMPLE_NAME in text
    text = text.replace(SAMPLE_NAME, name).replace(
        'geojson = "bot/sample/', f'geojson = "{ROOT}/bot/sample/'
    )
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_configured_office_name_is_in_the_messages(tmp_path: Path) -> None:
    config = load_config(
        configured(tmp_path, 'name = { zh = "三塘清洁站", en = "Santang office" }')
    )
    i18n = CleanVillageBot(config).i18n
    assert i18n.translator("zh").gettext(QUEUE_REFUSAL) == "抱歉，/queue 只供三塘清洁站使用。"
    assert (
        i18n.translator("en").gettext(QUEUE_REFUSAL) == "Sorry, /queue is for the Santang office."
    )
    # A message no catalogue has yet: its source text, with the English name.
    assert i18n.translator("zh").gettext(f"Ask the {OFFICE}.") == "Ask the Santang office."


def test_the_default_name_is_the_one_in_the_sample_config() -> None:
    i18n = I18n("zh")
    assert i18n.translator("zh").gettext(QUEUE_REFUSAL) == "抱歉，/queue 只供美丽办使用。"
    assert (
        i18n.translator("en").gettext(QUEUE_REFUSAL)
        == "Sorry, /queue is for the town cleaning office."
    )


@pytest.mark.parametrize(
    ("english", "problem"),
    [("{office}", "plain name"), ("x" * 41, "at most 40 characters")],
)
def test_an_office_name_that_cannot_stand_in_every_message_is_a_config_error(
    tmp_path: Path, english: str, problem: str
) -> None:
    with pytest.raises(ConfigError, match=rf"office\.name\.en: .*{problem}"):
        load_config(configured(tmp_path, f'name = {{ zh = "美丽办", en = "{english}" }}'))


SPELT_BY_HAND = {"zh": re.compile("美丽办|清洁办|镇办|办公室"), "en": re.compile(r"(?i)\boffice")}


@pytest.mark.parametrize("language", sorted(SPELT_BY_HAND))
def test_no_catalogue_entry_names_the_office_by_hand(language: str) -> None:
    with (LOCALES_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as po_file:
        catalogue = read_po(po_file, locale=language)
    by_hand = [
        text
        for message in catalogue
        if message.id
        for text in (message.string if isinstance(message.string, tuple) else [message.string])
        if SPELT_BY_HAND[language].search(text.replace(OFFICE, ""))
    ]
    assert not by_hand
    assert sum(OFFICE in str(message.string) for message in catalogue) > 50


def test_a_compiled_catalogue_is_kept_and_an_edited_one_compiled_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    po_path = tmp_path / "locales" / "en" / "LC_MESSAGES" / "messages.po"
    po_path.parent.mkdir(parents=True)
    shutil.copy(LOCALES_DIR / "en" / "LC_MESSAGES" / "messages.po", po_path)
    assert I18n("en", tmp_path / "locales").translator("en").gettext("Change language") == (
        "Change language"
    )
    assert len(list((tmp_path / "locales" / "__pycache__").glob("en.*.mo"))) == 1

    def no_babel(*arguments: object) -> bytes:
        raise AssertionError("compiled again, although nothing changed")

    monkeypatch.setattr(bot.core.i18n, "_compile", no_babel)
    assert I18n("en", tmp_path / "locales").translator("en").gettext("Change language") == (
        "Change language"
    )
    monkeypatch.undo()

    text = po_path.read_text(encoding="utf-8")
    po_path.write_text(
        text.replace('msgstr "Change language"', 'msgstr "Choose a language"'), encoding="utf-8"
    )
    assert I18n("en", tmp_path / "locales").translator("en").gettext("Change language") == (
        "Choose a language"
    )
    assert len(list((tmp_path / "locales" / "__pycache__").glob("en.*.mo"))) == 1
