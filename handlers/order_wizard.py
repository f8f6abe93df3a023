"""The /order wizard's plumbing, shared by its steps (`handlers.orders`,
`handlers.order_deadline`): its states, ✖ Cancel, and the answer to a step whose draft is gone."""

from __future__ import annotations

from datetime import tzinfo

from telegram import InlineKeyboardButton, Update

from handlers import pickers
from handlers.buttons import OrderAbandon
from handlers.context import BotContext

VILLAGE, HAMLET, TEXT, PHOTO, DEADLINE, CONFIRM = range(6)


async def lost(update: Update, context: BotContext) -> int:
    """The draft is gone (finished elsewhere, or from before a change): start again."""
    return await pickers.end_wizard(update, context._("Stopped. No order was issued.") + " /order")


def cancel_button(context: BotContext) -> InlineKeyboardButton:
    """✖ Cancel."""
    return pickers.button(context._(pickers.CANCEL), OrderAbandon())


def zone(context: BotContext) -> tzinfo:
    """The town's time zone (deadlines are local)."""
    zone: tzinfo = context.services.config.general.tz
    return zone
