"""What a notification is made of, and how it is stored: parts (Bot API messages), worded in
every language the bot speaks, so the one its reader reads is chosen when it is sent.

A person may say hello in English after a message for them was queued in the default
language, or switch with /lang while one waits for quiet hours or a retry: the words they get
are those of their language as of sending (issue 14: a person has one language).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from bot.core.i18n import I18n


@dataclass(frozen=True)
class Button:
    label: str
    data: str


@dataclass(frozen=True)
class Part:
    """One Bot API message. `kind` is text, photo, album, location, voice or document."""

    kind: str
    text: str | None = None
    files: tuple[str, ...] = ()
    latitude: float | None = None
    longitude: float | None = None
    buttons: tuple[tuple[Button, ...], ...] = ()
    local: bool = False
    """`files` are paths of files this bot made (a chart, an export), uploaded from disk."""
    image_files: tuple[tuple[str, str | None], ...] = ()
    """(file id, our copy's path or None) of the `files` that are pictures a user sent as a
    file: sent as a photo made from our copy without EXIF, never as the original."""
    render: tuple[str, ...] = ()
    """What the outbox's render hook needs to word the time-dependent part of `text` when it
    is sent rather than when it was queued ("overdue 12 h" after a night held)."""

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Part:
        return cls(
            kind=data["kind"],
            text=data.get("text"),
            files=tuple(data.get("files", ())),
            latitude=data.get("latitude"),
            longitude=data.get("longitude"),
            buttons=tuple(
                tuple(Button(**button) for button in row) for row in data.get("buttons", ())
            ),
            local=data.get("local", False),
            image_files=tuple((file_id, path) for file_id, path in data.get("image_files", ())),
            render=tuple(data.get("render", ())),
        )


Wording = Callable[[str], tuple[Part, ...]]
"""A message as worded in a language (buttons and captions included)."""


@dataclass(frozen=True)
class Worded:
    """A message in each language the bot speaks. `fallback` (the default language's) is for a
    reader with no language yet, or one no version is in; `others` are the other languages'."""

    fallback: tuple[Part, ...]
    others: Mapping[str, tuple[Part, ...]]

    @classmethod
    def each(cls, i18n: I18n, wording: Wording) -> Worded:
        """`wording` in every catalogue's language: a few renderings per message, however many
        read it (the same `Worded` may go to a whole village)."""
        default = i18n.default_language
        return cls(
            wording(default),
            {language: wording(language) for language in i18n.languages if language != default},
        )


def encode(parts: tuple[Part, ...] | Worded, meta: Mapping[str, Any]) -> str:
    """An outbox row's payload: `parts` (the fallback, or the only version), and `in`, the
    other languages' parts. Rows stored before `in` existed read as the fallback alone."""
    body: dict[str, Any] = {"parts": [asdict(part) for part in _fallback(parts)], "meta": meta}
    if isinstance(parts, Worded) and parts.others:
        body["in"] = {
            language: [asdict(part) for part in version]
            for language, version in parts.others.items()
        }
    return json.dumps(body, ensure_ascii=False)


def version_in(payload: Mapping[str, Any], language: str | None) -> list[dict[str, Any]]:
    """The stored parts to send to a reader of `language` (None: not known, the fallback)."""
    versions: Mapping[str, list[dict[str, Any]]] = payload.get("in", {})
    return versions.get(language or "", payload["parts"])


def decode(payload: Mapping[str, Any], language: str | None) -> list[Part]:
    return [Part.from_dict(part) for part in version_in(payload, language)]


def _fallback(parts: tuple[Part, ...] | Worded) -> tuple[Part, ...]:
    return parts.fallback if isinstance(parts, Worded) else parts
