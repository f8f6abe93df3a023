"""The steps the grand tour's journeys are made of: pressing typed buttons found on the newest
message that shows them, waiting for answers by report number and never by words (so one story
runs in any language), and moving the clock."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

from bot.core.callbacks import CallbackData
from bot.emulator import EmulatedUser
from tests.buttons import button_data, has_button, press
from tests.conftest import Town
from tests.test_recurrence import SANTANG

Json = dict[str, Any]
SECOND_VILLAGER = 555102  # starts with /report, never /start
THIRD_VILLAGER = 555103  # starts with a photo, never /start
Words = Callable[[str], str]
B = TypeVar("B", bound=CallbackData)


def text_of(message: Json) -> str:
    return message.get("text") or message.get("caption") or ""


def mentions(*marks: str) -> Callable[[Json], bool]:
    return lambda message: all(mark in text_of(message) for mark in marks)


async def choose(
    user: EmulatedUser, kind: type[B], which: Callable[[B], bool] = lambda _: True
) -> Json:
    """Press the first `kind` button that `which` accepts, on the newest message showing one
    (waiting for such a message if none does)."""

    def offers(message: Json) -> list[B]:
        options = [kind.parse(data) for data in button_data(message)]
        return [option for option in options if option is not None and which(option)]

    showing = [message for message in user.messages if offers(message)]
    message = showing[-1] if showing else await user.wait_for(lambda m: bool(offers(m)), 10)
    press(user, message, offers(message)[0])
    return message


async def tap(user: EmulatedUser, button: CallbackData) -> Json:
    """Press this button on the newest message showing it, waiting for one if none does."""
    showing = [message for message in user.messages if has_button(button)(message)]
    message = showing[-1] if showing else await user.wait_for(has_button(button), timeout=10)
    press(user, message, button)
    return message


async def at(town: Town, day: int, hour: int, minute: int = 0) -> None:
    """The clock to the last second of that minute of December 2026, and the bot catches up."""
    town.clock.set(datetime(2026, 12, day, hour, minute, 59, tzinfo=SANTANG))
    await town.bot.time_moved()


def town_language(town: Town) -> str:
    return town.villager.language_code or "zh"


async def say(town: Town, user: EmulatedUser, *texts: str) -> None:
    """Send each text and wait for the bot's answer to it, resting now and then (no flood)."""
    for index, text in enumerate(texts):
        if index and index % 8 == 0:
            rest(town)
        user.send_text(text)
        await user.next_message(timeout=10)


def rest(town: Town) -> None:
    """A pause longer than the flood window, so a busy journey is not taken for a flood."""
    town.clock.advance(timedelta(seconds=11))


def count_with(user: EmulatedUser, key: str) -> int:
    return sum(1 for message in user.messages if key in message)


async def wait_until_count(user: EmulatedUser, key: str, count: int) -> None:
    """Wait until `count` of the chat's messages carry `key` (a photo, a document)."""
    for _ in range(300):
        if count_with(user, key) >= count:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"chat {user.chat_id}: fewer than {count} messages with {key}")


def huawei_member(town: Town) -> EmulatedUser:
    """The grid member of 花围坡."""
    owner = town.bot.people.grid_members_of(town.hamlet_id("花围坡"))[0]
    return town.emulator.user(owner, "覃网格", language_code=town_language(town))
