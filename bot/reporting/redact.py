"""Blanking what identifies a reporter in text shown outside the office.

A villager's words reach their neighbour, the grid member: "我是王芳，电话13812345678" must
arrive as "我是[姓名已隐藏]，电话[电话已隐藏]". `redact` blanks mainland mobile numbers (with or
without +86/0086, spaces, dashes or dots, also in full-width digits), landlines with an area
code, 18-digit resident ID numbers, and the reporter's own name in every form Telegram gives
(first and last name in either order, with or without a space, each CJK part of two or more
characters alone, the @username, the numeric id).

The caller keeps the original for the office and shows the redacted text everywhere else.
The placeholders are words in the reader's language, not a neutral "▒▒▒": the grid member's
language may differ from the reporter's, and a placeholder that says what was there tells them
a phone number was given (the office has it). Redact with the reader's translator when
rendering for them; or, since a forgotten reporter's name can no longer be looked up, redact
once at submission with untranslated placeholders (`_` = identity), store that, and turn the
placeholders into the reader's words with `localise_placeholders` when rendering. Redact the
plain text first, then escape it for HTML.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from bot.core.i18n import N_

Translate = Callable[[str], str]

PHONE_HIDDEN = N_("[phone hidden]")
ID_HIDDEN = N_("[ID number hidden]")
NAME_HIDDEN = N_("[name hidden]")

_DIGIT = "[0-9\uff10-\uff19]"
_SEPARATOR = r"[ \t\u3000\-\u2010-\u2015\u2212\uff0d.\uff0e]"
_GAP = f"{_SEPARATOR}{{0,3}}"
"""Between digit groups: nothing, or a space, dash or dot (" - " counts as one gap)."""
_LATIN = "A-Za-z0-9_\u00c0-\u024f\uff10-\uff19\uff21-\uff3a\uff41-\uff5a"
"""What a Latin-script word is made of: a name or username in it is not the person's."""
_NO_DIGIT_BEFORE = "(?<![0-9\uff10-\uff19])(?<![A-Za-z]-)"
"""Not inside a longer number, nor a report number's digits (R-000123)."""
_NO_DIGIT_AFTER = "(?![0-9\uff10-\uff19])"
_COUNTRY = (
    rf"(?:(?:(?:\+|\uff0b|00|\uff10\uff10){_GAP})?[8\uff18][6\uff16]"
    rf"|[(\uff08][+\uff0b]?[8\uff18][6\uff16][)\uff09])"
)
"""China's country code: +86, 0086, 86 or (+86)."""


def _digit(allowed: str) -> str:
    """A digit class for the ASCII digits in `allowed` and their full-width forms."""
    full = "".join(chr(ord(char) - ord("0") + 0xFF10) for char in allowed)
    return f"[{allowed}{full}]"


_MOBILE = re.compile(
    rf"{_NO_DIGIT_BEFORE}(?:{_COUNTRY}{_GAP})?{_digit('1')}{_GAP}{_digit('3456789')}"
    rf"(?:{_GAP}{_DIGIT}){{9}}{_NO_DIGIT_AFTER}"
)
_AREA = rf"{_digit('0')}{_digit('123456789')}{_DIGIT}{{1,2}}"
"""A mainland area code: 010, 020–029, or 0 and three digits (0771 Nanning)."""
_LANDLINE = re.compile(
    rf"{_NO_DIGIT_BEFORE}(?:"
    rf"(?:{_COUNTRY}{_GAP}\(?{_digit('123456789')}{_DIGIT}{{1,2}}\)?)"
    rf"|(?:[(\uff08]{_AREA}[)\uff09])"
    rf"|{_AREA}"
    rf"){_GAP}{_digit('123456789')}(?:{_GAP}{_DIGIT}){{6,7}}{_NO_DIGIT_AFTER}"
)
_RESIDENT_ID = re.compile(
    rf"{_NO_DIGIT_BEFORE}{_digit('123456789')}{_DIGIT}{{5}}{_GAP}"
    rf"(?:{_digit('1')}{_digit('9')}|{_digit('2')}{_digit('0')}){_DIGIT}{{2}}"
    rf"(?:{_digit('0')}{_digit('123456789')}|{_digit('1')}{_digit('012')})"
    rf"(?:{_digit('0')}{_digit('123456789')}|{_digit('12')}{_DIGIT}|{_digit('3')}{_digit('01')})"
    rf"{_GAP}{_DIGIT}{{3}}[0-9\uff10-\uff19Xx\uff38\uff58]"
    rf"(?![0-9\uff10-\uff19A-Za-z])"
)


@dataclass(frozen=True)
class Identity:
    """What Telegram says about the reporter: their id and the parts of their name."""

    user_id: int
    first_name: str = ""
    last_name: str | None = None
    username: str | None = None


def redact(text: str, identity: Identity | None, _: Translate) -> str:
    """`text` with phone numbers, resident ID numbers and the reporter's own name blanked,
    each by a placeholder in the reader's language (`_` is the reader's gettext)."""
    spans: list[tuple[int, int, str]] = []
    for pattern, placeholder in (
        (_RESIDENT_ID, ID_HIDDEN),
        (_MOBILE, PHONE_HIDDEN),
        (_LANDLINE, PHONE_HIDDEN),
    ):
        spans += [(found.start(), found.end(), placeholder) for found in pattern.finditer(text)]
    if identity is not None:
        name = _name_pattern(identity)
        spans += [(found.start(), found.end(), NAME_HIDDEN) for found in name.finditer(text)]
    pieces: list[str] = []
    position = 0
    for start, end, placeholder in sorted(spans, key=lambda span: (span[0], -span[1])):
        if start < position:  # inside a span already blanked
            continue
        pieces += [text[position:start], _(placeholder)]
        position = end
    pieces.append(text[position:])
    return "".join(pieces)


def localise_placeholders(text: str, _: Translate) -> str:
    """Text redacted with untranslated placeholders (`redact(text, identity, lambda m: m)`,
    e.g. once at submission, while the reporter's name is still known) in the reader's words."""
    for placeholder in (PHONE_HIDDEN, ID_HIDDEN, NAME_HIDDEN):
        text = text.replace(placeholder, _(placeholder))
    return text


def _name_pattern(identity: Identity) -> re.Pattern[str]:
    """One pattern for every form of the reporter's name, the longest forms first."""
    first = _parts(identity.first_name)
    last = _parts(identity.last_name or "")
    forms: set[str] = set()
    for order in ((*first, *last), (*last, *first)):
        joined = "".join(order)
        if len(joined) >= 2 and any(char.isalnum() for char in joined):
            forms.add(r"\s*".join(_loose(part) for part in order))
    for part in (*first, *last):
        if _standalone(part):
            forms.add(_loose(part))
    word_forms = []
    if identity.username:
        word_forms.append("@?" + _loose(identity.username.lstrip("@")))
    word_forms.append(_loose(str(identity.user_id)))
    alternatives = sorted(forms, key=len, reverse=True) + word_forms
    bounded = [
        rf"(?<![{_LATIN}@])(?<![A-Za-z]-){form}(?![{_LATIN}])" if _is_word(form) else form
        for form in alternatives
    ]
    return re.compile("|".join(f"(?:{form})" for form in bounded), re.IGNORECASE)


def _parts(name: str) -> list[str]:
    return [part for part in re.split(r"[\s\u3000]+", name.strip()) if part]


def _standalone(part: str) -> bool:
    """A part that names the person by itself: two or more CJK characters (a given name such
    as 芳芳, a double surname such as 欧阳), or a Latin-script word of three or more letters."""
    cjk = sum(1 for char in part if _is_cjk(char))
    return cjk >= 2 or (cjk == 0 and len(part) >= 3)


def _is_cjk(char: str) -> bool:
    return "\u3400" <= char <= "\u9fff" or "\uf900" <= char <= "\ufaff"


def _is_word(form: str) -> bool:
    """Whether a form should only match as a whole word: anything not in CJK script (CJK text
    has no spaces, so a CJK name is found inside a sentence)."""
    return not any(_is_cjk(char) for char in form)


def _loose(text: str) -> str:
    """A pattern for `text` that also matches its full-width form and any letter case."""
    classes = []
    for char in text:
        variants = {char}
        if "!" <= char <= "~":
            variants.add(chr(ord(char) + 0xFEE0))
        classes.append(
            re.escape(char)
            if len(variants) == 1
            else "[" + "".join(re.escape(v) for v in sorted(variants)) + "]"
        )
    return "".join(classes)
