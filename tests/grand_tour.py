"""The grand tour (issue 14): one fixture story through the real bot and the emulator that walks
every role's journeys, in one language for everybody, and keeps everything the bot showed —
each message and caption as sent and as edited, button labels, alerts and the command menus —
with the msgids the story looked up. `tests/test_every_message.py` checks what it kept."""

from __future__ import annotations

import gettext
import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from bot.core.i18n import I18n
from bot.emulator import BotApiEmulator
from tests.conftest import Adapt, Town, start_town

Json = dict[str, Any]


@dataclass(frozen=True)
class Shown:
    """One thing the bot put in front of someone: a text, a caption, a label, an alert."""

    chat_id: int
    language: str
    what: str  # "text", "caption", "button", "alert", "command"
    text: str
    at: datetime  # the bot's clock when it was shown


@dataclass
class Tour:
    """What one tour in one language showed, and which msgids it looked up."""

    language: str
    shown: list[Shown] = field(default_factory=list)
    looked_up: set[str] = field(default_factory=set)
    names: set[str] = field(default_factory=set)
    """Names of people, places and departments, and what people typed: no language's words."""

    def texts(self, mark: str) -> list[Shown]:
        return [seen for seen in self.shown if mark in seen.text]

    def merged(self, other: Tour) -> Tour:
        """This tour and another in the same language (another town's), as one."""
        assert other.language == self.language
        return Tour(
            self.language,
            [*self.shown, *other.shown],
            self.looked_up | other.looked_up,
            self.names | other.names,
        )


class Recorder:
    """Observes every gettext/ngettext of the bot's catalogues while the story runs, except the
    ones the story itself makes to find a button's words (`quiet`) and the reply-keyboard
    matching of `I18n.all_translations`, which renders nothing."""

    def __init__(self) -> None:
        self.looked_up: set[str] = set()
        self._quiet = threading.local()

    def _record(self, msgid: str) -> None:
        if not getattr(self._quiet, "on", False):
            self.looked_up.add(msgid)

    @contextmanager
    def quiet(self) -> Iterator[None]:
        self._quiet.on = True
        try:
            yield
        finally:
            self._quiet.on = False

    @contextmanager
    def installed(self) -> Iterator[None]:
        original_gettext = gettext.GNUTranslations.gettext
        original_ngettext = gettext.GNUTranslations.ngettext
        original_all = I18n.all_translations
        recorder = self

        def observed_gettext(self: gettext.GNUTranslations, message: str) -> str:
            recorder._record(message)
            return original_gettext(self, message)

        def observed_ngettext(
            self: gettext.GNUTranslations, singular: str, plural: str, n: int
        ) -> str:
            recorder._record(singular)
            return original_ngettext(self, singular, plural, n)

        def unobserved_all(self: I18n, message: str) -> set[str]:
            with recorder.quiet():
                return original_all(self, message)

        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(gettext.GNUTranslations, "gettext", observed_gettext)
            patch.setattr(gettext.GNUTranslations, "ngettext", observed_ngettext)
            patch.setattr(I18n, "all_translations", unobserved_all)
            yield


def _labels(message: Json) -> list[str]:
    markup = message.get("reply_markup") or {}
    rows = markup.get("inline_keyboard") or markup.get("keyboard") or []
    return [b if isinstance(b, str) else b.get("text", "") for row in rows for b in row]


class Witness:
    """Keeps what the emulator delivered, as it was at each send and edit."""

    def __init__(self, tour: Tour, town: Town) -> None:
        self.tour, self.emulator, self.clock = tour, town.emulator, town.clock
        self.town = town  # its bot changes when the story restarts it
        self.known: dict[int, str] = {}  # the last language the bot held for each chat
        self.emulator.on_bot_message.append(self.message)

    async def held(self, chat_id: int) -> str | None:
        """The language the bot holds for a person now (None: not yet, or forgotten)."""
        stored = await self.town.bot.storage.users.language(chat_id) if chat_id > 0 else None
        if stored:
            self.known[chat_id] = stored
        return stored

    def reader(self, chat_id: int) -> str:
        """The person's language as last known; the default for a group or a stranger."""
        return self.town.bot.i18n.pick(self.known.get(chat_id))

    async def message(self, message: Json) -> None:
        chat = message["chat"]["id"]
        # a reply quoted in a group speaks the language of the person it answers
        answered = (message.get("reply_to_message") or {}).get("from", {}).get("id", chat)
        language = await self.held(answered if chat < 0 else chat) or ""  # "": see `finish`
        texts = [(what, message[what]) for what in ("text", "caption") if message.get(what)]
        for what, text in [*texts, *(("button", label) for label in _labels(message))]:
            self.tour.shown.append(Shown(chat, language, what, text, self.clock.now()))

    async def finish(self) -> None:
        """The language of what reached someone before the bot had stored theirs (a first
        reply): the one it stored afterwards; then the alerts and toasts of button presses,
        and the command menus. What the bot sends after this (while stopping) is not kept."""
        self.emulator.on_bot_message.remove(self.message)
        for chat in {s.chat_id for s in self.tour.shown}:
            await self.held(chat)
        self.tour.shown = [
            Shown(s.chat_id, s.language or self.reader(s.chat_id), s.what, s.text, s.at)
            for s in self.tour.shown
        ]
        for method, params in self.emulator.requests:
            if method.lower() == "answercallbackquery" and params.get("text"):
                # the presser is not in the parameters; every presser in a tour reads its language
                self.tour.shown.append(
                    Shown(1, self.tour.language, "alert", params["text"], self.clock.now())
                )
        for (scope, language), commands in self.emulator.commands.items():
            chat = json.loads(scope).get("chat_id")
            reader = language or (self.reader(chat) if chat else "zh")
            for command in commands:
                self.tour.shown.append(
                    Shown(chat or 1, reader, "command", command["description"], self.clock.now())
                )


Story = Callable[..., Any]


def _config_names(value: object) -> Iterator[str]:
    """Every string under a "name" key of the config (people, departments, categories)."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key in ("name", "label", "title") and isinstance(item, str):
                yield item
            elif key in ("name", "label", "title") and isinstance(item, dict):
                yield from (text for text in item.values() if isinstance(text, str))
            else:
                yield from _config_names(item)
    elif isinstance(value, list):
        for item in value:
            yield from _config_names(item)


def names_in(town: Town) -> set[str]:
    grid = town.bot.grid
    places = [*grid.villages.values(), *grid.hamlets.values()]
    people = [
        text
        for chat in town.emulator.chats.values()
        for text in (getattr(chat, "first_name", None), getattr(chat, "username", None))
        if text
    ]
    found = {name for place in places for name in (place.name, place.name_en)}
    return found | set(people) | set(_config_names(town.config.model_dump()))


async def run_tour(language: str, tmp_path: Path, story: Story, adapt: Adapt | None = None) -> Tour:
    """Start a town (the sample, or what `adapt` makes of its config), walk
    `story(town, words)` through it with everybody reading `language`, and return what it
    showed; `words(msgid)` is a msgid in that language, unrecorded."""
    tour = Tour(language)
    recorder = Recorder()
    with recorder.installed():
        emulator = BotApiEmulator()
        await emulator.start()
        try:
            town = await start_town(tmp_path, emulator, language, adapt)
            witness = Witness(tour, town)
            translator = town.bot.i18n.translator(language)

            def words(msgid: str) -> str:
                with recorder.quiet():
                    return translator.gettext(msgid)

            try:
                typed = await story(town, words)
                tour.names = names_in(town) | set(typed or ())
                await witness.finish()
            finally:
                await town.bot.stop()
        finally:
            await emulator.stop()
    tour.looked_up = recorder.looked_up
    return tour
