"""Cleaning what people type before it is stored or shown to others.

Direction overrides and invisible characters can make a description read backwards or hide
words in the office's view; they are removed. The joiners that emoji and some scripts need
(U+200C, U+200D) stay. HTML escaping is a separate step, done where text is rendered.
"""

from __future__ import annotations

import re
import unicodedata

_JOINERS = ("\u200c", "\u200d")
_INVISIBLE = re.compile(
    "[\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\u061c\ufeff\u180e\u00ad]"
)


def clean_text(text: str | None, limit: int | None = None) -> str:
    """`text` without direction controls, invisible characters or control codes (newlines and
    tabs stay), trimmed, and cut to `limit` characters if given."""
    if not text:
        return ""
    visible = _INVISIBLE.sub("", text)
    visible = "".join(
        char for char in visible if char in "\n\t" or unicodedata.category(char) != "Cc"
    ).strip()
    if not visible.replace(_JOINERS[0], "").replace(_JOINERS[1], "").strip():
        return ""  # joiners alone join nothing
    return visible[:limit] if limit is not None else visible


def without_identity(text: str | None, identifiers: list[str | None]) -> str | None:
    """`text` with the given names, @usernames and ids blanked out (case-insensitive), so a
    reporter who signs their description is not named to the grid member."""
    if not text:
        return text
    for identifier in sorted({i for i in identifiers if i and len(i) >= 2}, key=len, reverse=True):
        text = re.sub(rf"@?{re.escape(identifier)}", "***", text, flags=re.IGNORECASE)
    return text
