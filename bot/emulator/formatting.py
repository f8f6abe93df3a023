"""Telegram's formatting: `parse_mode` HTML, MarkdownV2 and Markdown into plain text + entities.

The Bot API stores a formatted message as plain text plus MessageEntity objects whose offsets
and lengths count UTF-16 code units, and answers "can't parse entities" for markup its parser
refuses; the error details here follow tdlib's (byte offsets are UTF-8 offsets in the source).
Leading and trailing whitespace is trimmed from the result, as Telegram trims messages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.emulator.base import Json
from bot.emulator.checks import ApiError

HTML_ENTITY_TYPES = {
    **dict.fromkeys(("b", "strong"), "bold"),
    **dict.fromkeys(("i", "em"), "italic"),
    **dict.fromkeys(("u", "ins"), "underline"),
    **dict.fromkeys(("s", "strike", "del"), "strikethrough"),
    **dict.fromkeys(("tg-spoiler", "span"), "spoiler"),
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
"""Every tag Telegram's HTML accepts and the entity type it makes."""
NAMED_CHARACTERS = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
"""The only named HTML entities Telegram decodes; any other `&name;` stays as written."""
MARKDOWN_V2_RESERVED = frozenset("_*[]()~`>#+-=|{}.!")
CODE = ("`", "```")


def units(text: str) -> int:
    """The length of `text` in UTF-16 code units, the unit of MessageEntity offsets."""
    return len(text.encode("utf-16-le")) // 2


def parse(text: str, parse_mode: object, entities: object = None) -> tuple[str, list[Json]]:
    """Plain text and entities of a message sent with `parse_mode` (or explicit `entities`)."""
    mode = str(parse_mode or "").lower()
    if not mode:
        given = entities if isinstance(entities, list) else []
        return _trim(text, [dict(entity) for entity in given if isinstance(entity, dict)])
    if mode == "html":
        builder = _HtmlParser(text).run()
    elif mode == "markdownv2":
        builder = _MarkdownParser(text, version=2).run()
    elif mode == "markdown":
        builder = _MarkdownParser(text, version=1).run()
    else:
        raise ApiError(400, f"Bad Request: unsupported parse_mode {parse_mode}")
    return _trim("".join(builder.pieces), builder.sorted_entities())


def entities_error(detail: str) -> ApiError:
    """The 400 Telegram answers for markup its parser refuses."""
    return ApiError(400, f"Bad Request: can't parse entities: {detail}")


@dataclass
class _Builder:
    """Plain text built piece by piece, with the UTF-16 position and the entities so far."""

    pieces: list[str] = field(default_factory=list)
    position: int = 0
    entities: list[tuple[int, Json]] = field(default_factory=list)  # (creation order, entity)

    def add(self, piece: str) -> None:
        self.pieces.append(piece)
        self.position += units(piece)

    def entity(self, kind: str, start: int, **extra: object) -> None:
        """An entity from `start` to the current position; empty ones are dropped."""
        if self.position > start:
            entity = {"type": kind, "offset": start, "length": self.position - start, **extra}
            self.entities.append((len(self.entities), entity))

    def sorted_entities(self) -> list[Json]:
        """By offset, then the longer (outer) first, as the Bot API lists them."""
        ordered = sorted(self.entities, key=lambda item: (item[1]["offset"], -item[1]["length"]))
        return [entity for _, entity in ordered]


@dataclass
class _OpenTag:
    name: str
    start: int
    attributes: dict[str, str]
    first_piece: int


class _HtmlParser:
    """tdlib's HTML parser: supported tags only, properly nested, four named entities."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.index = 0
        self.out = _Builder()
        self.stack: list[_OpenTag] = []

    def run(self) -> _Builder:
        text = self.source
        while self.index < len(text):
            char = text[self.index]
            if char == "&":
                self.out.add(self._character_reference())
            elif char == "<":
                self._tag()
            else:
                end = self.index
                while end < len(text) and text[end] not in "<&":
                    end += 1
                self.out.add(text[self.index : end])
                self.index = end
        if self.stack:
            raise entities_error(
                f'Can\'t find end tag corresponding to start tag "{self.stack[-1].name}"'
            )
        return self.out

    def _byte_offset(self, index: int) -> int:
        return len(self.source[:index].encode())

    def _character_reference(self) -> str:
        """`&lt;`, `&#60;`, `&#x3c;` decoded; anything else leaves the `&` as it is."""
        match = re.compile(r"&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|[a-zA-Z]{1,10});").match(
            self.source, self.index
        )
        self.index += 1
        if match is None:
            return "&"
        name = match.group(1)
        if name.startswith("#"):
            number = int(name[2:], 16) if name[1] in "xX" else int(name[1:])
            if not 0 < number <= 0x10FFFF or 0xD800 <= number <= 0xDFFF:
                return "&"
            decoded = chr(number)
        elif name in NAMED_CHARACTERS:
            decoded = NAMED_CHARACTERS[name]
        else:
            return "&"
        self.index = match.end()
        return decoded

    def _tag(self) -> None:
        begin = self.index
        offset = self._byte_offset(begin)
        if self.source.startswith("</", begin):
            self._end_tag(begin, offset)
            return
        match = re.compile(r"<([a-zA-Z0-9-]*)").match(self.source, begin)
        name = match.group(1).lower() if match else ""
        if name not in HTML_ENTITY_TYPES:
            raise entities_error(f'Unsupported start tag "{name}" at byte offset {offset}')
        self.index = match.end() if match else begin + 1
        attributes = self._attributes(name, offset)
        if name == "span" and attributes.get("class") != "tg-spoiler":
            raise entities_error(f'Tag "span" must have class "tg-spoiler" at byte offset {offset}')
        if name == "tg-emoji" and not attributes.get("emoji-id", "").isdigit():
            raise entities_error(
                f'Tag "tg-emoji" must have attribute "emoji-id" at byte offset {offset}'
            )
        self.stack.append(_OpenTag(name, self.out.position, attributes, len(self.out.pieces)))

    def _attributes(self, tag: str, offset: int) -> dict[str, str]:
        """Attributes up to the closing `>`; values quoted with " or ' or bare."""
        text, attributes = self.source, dict[str, str]()
        while True:
            while self.index < len(text) and text[self.index].isspace():
                self.index += 1
            if self.index >= len(text):
                raise entities_error(f"Unclosed start tag at byte offset {offset}")
            if text[self.index] == ">":
                self.index += 1
                return attributes
            name_match = re.compile(r"[a-zA-Z0-9_-]+").match(text, self.index)
            if name_match is None:
                raise entities_error(
                    f'Empty attribute name in the tag "{tag}" at byte offset {offset}'
                )
            name = name_match.group().lower()
            self.index = name_match.end()
            if tag == "blockquote" and name == "expandable":
                attributes[name] = ""
                continue
            if not text.startswith("=", self.index):
                raise entities_error(
                    "Expected equal sign in declaration of an attribute of the tag "
                    f'"{tag}" at byte offset {offset}'
                )
            self.index += 1
            attributes[name] = self._attribute_value(offset)

    def _attribute_value(self, offset: int) -> str:
        text = self.source
        if self.index < len(text) and text[self.index] in "\"'":
            quote = text[self.index]
            end = text.find(quote, self.index + 1)
            if end < 0:
                raise entities_error(f"Unclosed start tag at byte offset {offset}")
            raw, self.index = text[self.index + 1 : end], end + 1
        else:
            match = re.compile(r"[a-zA-Z0-9.\-_!~*'()]*").match(text, self.index)
            raw = match.group() if match else ""
            self.index += len(raw)
        return re.sub(r"&(lt|gt|amp|quot);", lambda found: NAMED_CHARACTERS[found.group(1)], raw)

    def _end_tag(self, begin: int, offset: int) -> None:
        end = self.source.find(">", begin)
        if end < 0:
            raise entities_error(f"Unclosed end tag at byte offset {offset}")
        name = self.source[begin + 2 : end].strip().lower()
        self.index = end + 1
        if not self.stack:
            raise entities_error(f"Unexpected end tag at byte offset {offset}")
        opened = self.stack.pop()
        if opened.name != name:
            raise entities_error(
                f'Unmatched end tag at byte offset {offset}, expected "</{opened.name}>", '
                f'found "</{name}>"'
            )
        self._close(opened)

    def _close(self, tag: _OpenTag) -> None:
        kind, extra = HTML_ENTITY_TYPES[tag.name], {}
        if tag.name == "a":
            url = tag.attributes.get("href") or "".join(self.out.pieces[tag.first_piece :])
            extra = {"url": url}
        elif tag.name == "tg-emoji":
            extra = {"custom_emoji_id": tag.attributes["emoji-id"]}
        elif tag.name == "blockquote" and "expandable" in tag.attributes:
            kind = "expandable_blockquote"
        elif tag.name == "code" and self.stack and self.stack[-1].name == "pre":
            language = tag.attributes.get("class", "")
            if language.startswith("language-") and self._spans_whole_pre(tag):
                self.stack[-1].attributes["language"] = language.removeprefix("language-")
                return
        elif tag.name == "pre" and tag.attributes.get("language"):
            extra = {"language": tag.attributes["language"]}
        self.out.entity(kind, tag.start, **extra)

    def _spans_whole_pre(self, code: _OpenTag) -> bool:
        return code.start == self.stack[-1].start


class _MarkdownParser:
    """MarkdownV2 (version 2) or the legacy Markdown (version 1), as tdlib parses them."""

    def __init__(self, source: str, version: int) -> None:
        self.source = source
        self.version = version
        self.index = 0
        self.out = _Builder()
        self.stack: list[tuple[str, int, int]] = []  # (delimiter, output start, byte offset)
        self.pre_language = ""

    def run(self) -> _Builder:
        text = self.source
        while self.index < len(text):
            char = text[self.index]
            verbatim = bool(self.stack) and (self.version == 1 or self.stack[-1][0] in ("`", "```"))
            if (
                char == "\\"
                and self.index + 1 < len(text)
                and self._escapable(text[self.index + 1])
            ):
                self.out.add(text[self.index + 1])
                self.index += 2
            elif verbatim:
                self._inside_verbatim(char)
            elif self._delimiter_at() is not None:
                self._toggle(self._delimiter_at() or "")
            elif char == "[":
                self._open_link()
            elif char == "]" and any(item[0] == "[" for item in self.stack):
                self._close_link()
            elif self.version == 2 and char in MARKDOWN_V2_RESERVED:
                raise entities_error(
                    f"Character '{char}' is reserved and must be escaped with the preceding '\\'"
                )
            else:
                self.out.add(char)
                self.index += 1
        if self.stack:
            offset = self.stack[-1][2]
            raise _unfinished(offset)
        return self.out

    def _escapable(self, char: str) -> bool:
        if self.version == 2:
            return ord(char) < 127 and char in MARKDOWN_V2_RESERVED | {"\\"}
        return char in "_*`["

    def _delimiter_at(self) -> str | None:
        text, index = self.source, self.index
        if text.startswith("```", index):
            return "```"
        if self.version == 2:
            for delimiter in ("__", "||"):
                if text.startswith(delimiter, index):
                    return delimiter
            return text[index] if text[index] in "*_~`" else None
        return text[index] if text[index] in "*_`" else None

    def _toggle(self, delimiter: str) -> None:
        offset = len(self.source[: self.index].encode())
        self.index += len(delimiter)
        if self.stack and self.stack[-1][0] == delimiter:
            _, start, _ = self.stack.pop()
            kind = {"*": "bold", "_": "italic", "__": "underline", "~": "strikethrough"}
            kind |= {"||": "spoiler", "`": "code"}
            self.out.entity(kind[delimiter], start)
        elif any(item[0] == delimiter for item in self.stack):
            raise _unfinished(offset)
        elif delimiter == "```":
            self._open_pre(offset)
        else:
            self.stack.append((delimiter, self.out.position, offset))

    def _open_pre(self, offset: int) -> None:
        newline = self.source.find("\n", self.index)
        first_line = self.source[self.index : newline] if newline >= 0 else ""
        language = first_line if re.fullmatch(r"[A-Za-z0-9+#._-]+", first_line) else ""
        if language or first_line == "":
            self.index = newline + 1 if newline >= 0 else self.index
        self.stack.append(("```", self.out.position, offset))
        self.pre_language = language

    def _inside_verbatim(self, char: str) -> None:
        """Inside code, a pre block or any legacy Markdown entity only its own end counts."""
        delimiter = self.stack[-1][0]
        if delimiter == "[" and char == "]":
            self._close_link()
        elif delimiter != "[" and self.source.startswith(delimiter, self.index):
            self.index += len(delimiter)
            _, start, _ = self.stack.pop()
            if delimiter == "```":
                language = {"language": self.pre_language} if self.pre_language else {}
                self.out.entity("pre", start, **language)
            else:
                kinds = {"*": "bold", "_": "italic", "`": "code"}
                self.out.entity(kinds[delimiter], start)
        else:
            self.out.add(char)
            self.index += 1

    def _open_link(self) -> None:
        self.stack.append(("[", self.out.position, len(self.source[: self.index].encode())))
        self.index += 1

    def _close_link(self) -> None:
        if self.stack[-1][0] != "[":
            offset = self.stack[-1][2]
            raise _unfinished(offset)
        _, start, offset = self.stack.pop()
        match = re.compile(r"\]\(((?:\\.|[^)\\])*)\)").match(self.source, self.index)
        if match is None:
            if self.version == 2:
                raise entities_error(
                    f"Can't find end of the entity starting at byte offset {offset}"
                )
            self.out.add("]")
            self.index += 1
            return
        url = re.sub(r"\\(.)", r"\1", match.group(1))
        self.index = match.end()
        self.out.entity("text_link", start, url=url)


def _unfinished(offset: int) -> ApiError:
    return entities_error(f"Can't find end of the entity starting at byte offset {offset}")


def _trim(text: str, entities: list[Json]) -> tuple[str, list[Json]]:
    """Strip leading and trailing whitespace, moving and clipping entities as Telegram does."""
    stripped_left = text.lstrip()
    shift = units(text) - units(stripped_left)
    result = stripped_left.rstrip()
    end = units(result)
    kept = []
    for entity in entities:
        start = max(int(entity["offset"]) - shift, 0)
        stop = min(int(entity["offset"]) + int(entity["length"]) - shift, end)
        if stop > start:
            kept.append({**entity, "offset": start, "length": stop - start})
    return result, kept
