"""What the report journeys (tasks, office, reporting, orders) share: running a service step
with its refusal answered, and retiring a button once it has been used."""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable
from typing import TypeVar

from telegram import InlineKeyboardMarkup, Update
from telegram.error import BadRequest

from bot.core.callbacks import CallbackData
from bot.core.errors import Refused
from handlers.context import BotContext
from handlers.refusals import answer_refusal

T = TypeVar("T")


async def attempt(update: Update, context: BotContext, step: Awaitable[T]) -> T | None:
    """The step's result, or None after telling the person why the service refused."""
    try:
        return await step
    except Refused as refusal:
        await answer_refusal(update, context, refusal)
        return None


def without(
    markup: InlineKeyboardMarkup | None, *used: type[CallbackData]
) -> InlineKeyboardMarkup | None:
    """The keyboard without the buttons of the `used` kinds (None if nothing is left)."""
    if markup is None:
        return None
    rows = [
        [
            button
            for button in row
            if not (
                isinstance(button.callback_data, str)
                and any(kind.parse(button.callback_data) for kind in used)
            )
        ]
        for row in markup.inline_keyboard
    ]
    rows = [row for row in rows if row]
    return InlineKeyboardMarkup(rows) if rows else None


async def retire_buttons(context: BotContext, chat_id: int | None, message_id: int | None) -> None:
    """Remove the buttons of an earlier message once what they offered is done (harmless if
    the message is gone or has none)."""
    if chat_id is None or message_id is None:
        return
    with contextlib.suppress(BadRequest):
        await context.bot.edit_message_reply_markup(chat_id, message_id, reply_markup=None)
