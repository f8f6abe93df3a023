"""Translations: gettext catalogues (`bot/locales/<lang>/LC_MESSAGES/messages.po`).

Source strings are English; `zh` (the default) and `en` ship complete. The `.po` files are
compiled with Babel when first seen and the result kept in `bot/locales/__pycache__`, keyed by
the `.po`'s content and the office's name, so a fresh checkout needs no build step, an edited
`.po` is compiled again at once, and adding Zhuang or Cantonese is only a new catalogue.

The office is never named by hand in a catalogue: entries say `{{office}}` (escaped braces, so
it is no `str.format` field) and get `[office] name` in their language when they are loaded;
a message no catalogue has gets the English name in its source text.
"""

from __future__ import annotations

import gettext
import hashlib
import os
import tempfile
from collections.abc import Mapping
from io import BytesIO
from pathlib import Path

LOCALES_DIR = Path(__file__).parent.parent / "locales"
DOMAIN = "messages"
OFFICE = "{{office}}"
"""The token catalogue entries name the office with."""
OFFICE_NAMES = {"zh": "美丽办", "en": "town cleaning office"}
"""The office's name by default, per language (`[office] name`)."""
SOURCE_LANGUAGE = "en"


class I18n:
    """Loads every catalogue once and hands out a translator per language."""

    def __init__(
        self,
        default_language: str,
        locales_dir: Path = LOCALES_DIR,
        office: Mapping[str, str] = OFFICE_NAMES,
    ) -> None:
        self.default_language = default_language
        english = office.get(SOURCE_LANGUAGE, OFFICE_NAMES[SOURCE_LANGUAGE])
        self._untranslated = _Source(english)
        self._catalogues: dict[str, gettext.NullTranslations] = {}
        for po_path in sorted(locales_dir.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
            language = po_path.parent.parent.name
            compiled = _compiled(po_path, language, office.get(language, english))
            catalogue = gettext.GNUTranslations(BytesIO(compiled))
            catalogue.add_fallback(self._untranslated)
            self._catalogues[language] = catalogue

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
        return {catalogue.gettext(message) for catalogue in self._catalogues.values()} | {
            self._untranslated.gettext(message)
        }

    def translator(self, language: str) -> gettext.NullTranslations:
        return self._catalogues.get(language) or self._catalogues.get(
            self.default_language, self._untranslated
        )


class _Source(gettext.NullTranslations):
    """No catalogue has the message: its English source, with the office's English name."""

    def __init__(self, office: str) -> None:
        super().__init__()
        self._office = office

    def gettext(self, message: str) -> str:
        return message.replace(OFFICE, self._office)

    def ngettext(self, msgid1: str, msgid2: str, n: int) -> str:
        return super().ngettext(msgid1, msgid2, n).replace(OFFICE, self._office)

    def pgettext(self, context: str, message: str) -> str:
        return message.replace(OFFICE, self._office)

    def npgettext(self, context: str, msgid1: str, msgid2: str, n: int) -> str:
        return super().npgettext(context, msgid1, msgid2, n).replace(OFFICE, self._office)


def _compiled(po_path: Path, language: str, office: str) -> bytes:
    """The `.mo` of `po_path` with the office named `office`: from the cache when the `.po` and
    the name are those it was made from, else compiled with Babel (and cached if we may)."""
    source = po_path.read_bytes()
    key = hashlib.blake2b(source + b"\0" + office.encode(), digest_size=10).hexdigest()
    cache = po_path.parent.parent.parent / "__pycache__"
    cached = cache / f"{language}.{DOMAIN}.{key}.mo"
    try:
        return cached.read_bytes()
    except OSError:
        pass
    compiled = _compile(source, language, office)
    try:
        cache.mkdir(exist_ok=True)
        for stale in cache.glob(f"{language}.{DOMAIN}.*.mo"):
            stale.unlink(missing_ok=True)
        with tempfile.NamedTemporaryFile(dir=cache, delete=False, suffix=".tmp") as file:
            file.write(compiled)
        os.replace(file.name, cached)
    except OSError:
        pass  # a read-only checkout: compiled again at the next start
    return compiled


def _compile(source: bytes, language: str, office: str) -> bytes:
    """Babel's `.mo` of the `.po` text `source`, each `{{office}}` in it replaced by `office`."""
    from babel.messages.mofile import write_mo  # only when the cache has no copy
    from babel.messages.pofile import read_po

    catalogue = read_po(BytesIO(source), locale=language)
    for message in catalogue:
        if isinstance(message.string, str):
            message.string = message.string.replace(OFFICE, office)
        elif message.string:
            message.string = tuple(form.replace(OFFICE, office) for form in message.string)
    compiled = BytesIO()
    write_mo(compiled, catalogue)
    return compiled.getvalue()


def N_(message: str) -> str:
    """Mark a string for extraction where it is translated later (e.g. button labels)."""
    return message
