"""What the office's wizards (/notice, /newschedule, /order) share beside the pickers: the
shape of a step, a button step, and the one answer to input that does not fit its step."""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Mapping
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.core.callbacks import CallbackData
from bot.core.i18n import N_
from handlers.context import BotContext, Translate

Step = Callable[[Update, BotContext], Coroutine[Any, Any, int]]
"""A step of a wizard: handles one update and says which state comes next."""

USE_THE_BUTTONS = N_("Please use the buttons above, or /cancel.")


def hint(state: int, texts: Callable[[Translate], Mapping[int, str]]) -> Step:
    """A step for input that does not fit `state`: say what is expected there (`texts`, in the
    person's language; else "use the buttons above") and stay at it."""

    async def remind(update: Update, context: BotContext) -> int:
        _ = context._
        if update.effective_message is not None:
            await update.effective_message.reply_text(texts(_).get(state) or _(USE_THE_BUTTONS))
        return state

    return remind


def on(kind: type[CallbackData], callback: Step) -> BaseHandler[Update, BotContext, Any]:
    """A button step: `callback` for presses of `kind`."""
    return CallbackQueryHandler(callback, pattern=kind.pattern())
