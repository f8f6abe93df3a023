"""The /notice wizard's plumbing, shared by its steps (`handlers.notice_audience`,
`handlers.notice_content`, `handlers.notices`): its states and the answer to a button or
message the wizard can no longer use."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, Update
from telegram.ext import ConversationHandler

from handlers.buttons import NoticeAbandon
from handlers.context import BotContext, Translate
from handlers.drafts import NoticeDraft
from handlers.pickers import CANCEL, button
from handlers.refusals import NO_LONGER_ACTIVE

AUDIENCE, VILLAGES, HAMLET, DEPARTMENT, CONTENT, TRANSLATIONS, TRANSLATION, WHEN, CONFIRM = range(9)

TIME_FORMAT = "%Y-%m-%d %H:%M"
"""How a time to send is typed (local time)."""


async def lost(update: Update, context: BotContext) -> int:
    """A button or message the flow can no longer use (its draft is gone, or the data is not
    a button of this step): say so and end the flow."""
    context.drop(NoticeDraft)
    text = context._(NO_LONGER_ACTIVE)
    if update.callback_query is not None:
        await update.callback_query.answer(text, show_alert=True)
    elif update.effective_message is not None:
        await update.effective_message.reply_text(text)
    return ConversationHandler.END


def cancel_button(_: Translate) -> InlineKeyboardButton:
    """✖ Cancel, the last button of every step."""
    return button(_(CANCEL), NoticeAbandon())


def zone(context: BotContext) -> ZoneInfo:
    return context.services.config.general.tz
