"""Translations: gettext catalogues (`bot/locales/<lang>/LC_MESSAGES/messages.po`).

Source strings are English; `zh` (the default) and `en` ship complete. The `.po` files are
compiled in memory with Babel when the bot starts, so a fresh checkout needs no build step
and adding Zhuang or Cantonese is only a new catalogue.
"""

from __future__ import annotations

import gettext
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALES_DIR = Path(__file__).parent.parent / "locales"
DOMAIN = "messages"


class I18n:
    """Loads every catalogue once and hands out a translator per language."""

    def __init__(self, default_language: str, locales_dir: Path = LOCALES_DIR) -> None:
        self.default_language = default_language
        self._catalogues: dict[str, gettext.NullTranslations] = {}
        for po_path in sorted(locales_dir.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
            language = po_path.parent.parent.name
            with po_path.open("rb") as po_file:
                catalogue = read_po(po_file, locale=language)
            compiled = BytesIO()
            write_mo(compiled, catalogue)
            compiled.seek(0)
            self._catalogues[language] = gettext.GNUTranslations(compiled)

    @property
    def languages(self) -> list[str]:
        return sorted(self._catalogues)

    def pick(self, *candidates: str | None) -> str:
        """The first candidate we have a catalogue for (`zh-hans` → `zh`), else the default."""
        for candidate in candidates:
            if not candidate:
                continue
            short = candidate.lower().replace("_", "-").split("-")[0]
            if short in self._catalogues:
                return short
        return self.default_language

    def all_translations(self, message: str) -> set[str]:
        """The message in every language: for matching a reply-keyboard press."""
        return {catalogue.gettext(message) for catalogue in self._catalogues.values()} | {message}

    def translator(self, language: str) -> gettext.NullTranslations:
        return self._catalogues.get(language) or self._catalogues.get(
            self.default_language, gettext.NullTranslations()
        )


def N_(message: str) -> str:
    """Mark a string for extraction where it is translated later (e.g. button labels)."""
    return message
