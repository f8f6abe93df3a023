"""Before the bot starts on a real token: does Telegram accept it, and can we reach Telegram?

A rejected token is one line and exit code 2; an unreachable Telegram is a clear line and a
retry with backoff that Ctrl-C interrupts at once. Nothing printed here ever quotes the token.
The check is the getMe of the bot's own client: accepted, the client stays initialized (the
Application does not ask again) with its connection open for the first calls.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from enum import Enum

from telegram import Bot
from telegram.error import InvalidToken, NetworkError, TelegramError

log = logging.getLogger(__name__)

REJECTED = "Telegram rejected the bot token; check BOT_TOKEN"
FIRST_WAIT_SECONDS = 1.0
LONGEST_WAIT_SECONDS = 60.0


class Answer(Enum):
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    STOPPED = "stopped"


async def check_telegram(
    bot: Bot, base_url: str, stop: asyncio.Event, *, say: Callable[[str], None] = print
) -> Answer:
    """Ask Telegram who we are (`bot`'s getMe) until it answers; `stop` (Ctrl-C) ends the
    wait. Unless the answer is ACCEPTED, `bot` is shut down. `base_url` is only for `say`:
    the client's own address holds the token."""
    answer = await _until_answered(bot, base_url, stop, say)
    if answer is not Answer.ACCEPTED:
        with contextlib.suppress(Exception):
            await bot.shutdown()
    return answer


async def _until_answered(
    bot: Bot, base_url: str, stop: asyncio.Event, say: Callable[[str], None]
) -> Answer:
    wait = FIRST_WAIT_SECONDS
    while True:
        outcome = await _first_of(_get_me(bot), stop)
        if outcome is not None:
            return outcome
        if stop.is_set():
            return Answer.STOPPED
        say(f"Cannot reach Telegram at {base_url}; trying again in {wait:g} s (Ctrl-C to stop)")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), wait)
        if stop.is_set():
            return Answer.STOPPED
        wait = min(wait * 2, LONGEST_WAIT_SECONDS)


async def _get_me(bot: Bot) -> Answer | None:
    """ACCEPTED or REJECTED, or None when Telegram could not be reached (the next try reuses
    the client: only its getMe is asked again)."""
    try:
        await bot.initialize()  # calls getMe
    except InvalidToken:
        return Answer.REJECTED
    except NetworkError as error:  # TimedOut too; the message never holds the token
        log.debug("getMe failed: %s", type(error).__name__)
        return None
    except TelegramError as error:
        log.warning("Telegram answered getMe with an error: %s", error.message)
        return None
    return Answer.ACCEPTED


async def _first_of(probe: Awaitable[Answer | None], stop: asyncio.Event) -> Answer | None:
    """The probe's answer, or STOPPED as soon as `stop` is set (the probe is cancelled)."""
    probing = asyncio.ensure_future(probe)
    stopping = asyncio.ensure_future(stop.wait())
    done, _ = await asyncio.wait({probing, stopping}, return_when=asyncio.FIRST_COMPLETED)
    for task in (probing, stopping):
        if task not in done:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
    if probing in done:
        return probing.result()
    return Answer.STOPPED
