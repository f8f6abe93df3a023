"""What the real Bot API refuses, so the bot meets those refusals in tests, not in production.

Telegram answers these with 400 Bad Request: text that is empty or too long, captions that are
too long, HTML its parser rejects, and callback data outside 1–64 bytes. MarkdownV2 is not
checked.
"""

from __future__ import annotations

import html
import re

MAX_TEXT, MAX_CAPTION = 4096, 1024
HTML_TAGS = frozenset(
    {"a", "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "code", "pre"}
    | {"tg-spoiler", "tg-emoji", "blockquote"}
)
_TAG = re.compile(r"<(/?)([^\s>/]*)[^>]*(>?)")


class ApiError(Exception):
    """Answer the current request with a Bot API error (HTTP status = error_code)."""

    def __init__(self, code: int, description: str) -> None:
        super().__init__(description)
        self.code = code
        self.description = description


def check_markup(markup: object) -> None:
    """Telegram refuses callback data that is empty or longer than 64 bytes."""
    if not isinstance(markup, dict):
        return
    for row in markup.get("inline_keyboard", []):
        for button in row:
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode()) <= 64:
                raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")


def check_text(text: str, parse_mode: object, *, caption: bool = False) -> None:
    """Refuse what Telegram refuses: broken HTML, an empty text, or too many visible characters."""
    visible = html_visible_text(text) if str(parse_mode).lower() == "html" else text
    if caption:
        if len(visible) > MAX_CAPTION:
            raise ApiError(400, "Bad Request: message caption is too long")
    elif not visible.strip():
        raise ApiError(400, "Bad Request: message text is empty")
    elif len(visible) > MAX_TEXT:
        raise ApiError(400, "Bad Request: message is too long")


def html_visible_text(text: str) -> str:
    """The text an HTML-formatted message shows; ApiError where Telegram's parser would fail.

    Like Telegram, every `<` must open or close a supported tag (a literal `<` must be written
    `&lt;`), and tags must nest properly.
    """
    open_tags: list[str] = []
    pieces: list[str] = []
    position = 0
    for match in _TAG.finditer(text):
        pieces.append(text[position : match.start()])
        position = match.end()
        closing, name, closed = match.group(1) == "/", match.group(2).lower(), match.group(3)
        offset = len(text[: match.start()].encode())
        if not closing and name not in HTML_TAGS:
            raise _entities_error(f'Unsupported start tag "{name}" at byte offset {offset}')
        if not closed:
            kind = "end" if closing else "start"
            raise _entities_error(f"Unclosed {kind} tag at byte offset {offset}")
        if not closing:
            open_tags.append(name)
        elif not open_tags:
            raise _entities_error(f"Unexpected end tag at byte offset {offset}")
        elif (expected := open_tags.pop()) != name:
            raise _entities_error(
                f'Unmatched end tag at byte offset {offset}, expected "</{expected}>", '
                f'found "</{name}>"'
            )
    if open_tags:
        raise _entities_error(f'Can\'t find end tag corresponding to start tag "{open_tags[-1]}"')
    pieces.append(text[position:])
    return html.unescape("".join(pieces))


def _entities_error(detail: str) -> ApiError:
    return ApiError(400, f"Bad Request: can't parse entities: {detail}")
