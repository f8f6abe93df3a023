"""What the report journeys (tasks, office, reporting, orders) share: running a service step
with its refusal answered, a list command's first reply, retiring a button once it has been
used, and answering in the chat (a reply, a button press answered, a picker shown in place of
the pressed message)."""

from __future__ import annotations

import contextlib
import gettext
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from telegram import CallbackQuery, ForceReply, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest

from bot.core.callbacks import CallbackData
from bot.core.errors import Refused
from handlers.context import BotContext
from handlers.pickers import ReplyMarkup
from handlers.refusals import NO_LONGER_ACTIVE, answer_refusal

T = TypeVar("T")
B = TypeVar("B", bound=CallbackData)

log = logging.getLogger(__name__)

NOT_MODIFIED = "message is not modified"
"""Telegram's refusal of an edit to what the message already says (PTB capitalises it)."""


async def attempt(update: Update, context: BotContext, step: Awaitable[T]) -> T | None:
    """The step's result, or None after telling the person why the service refused."""
    try:
        return await step
    except Refused as refusal:
        await answer_refusal(update, context, refusal)
        return None


async def listed(
    update: Update,
    context: BotContext,
    step: Awaitable[Sequence[T]],
    *,
    empty: str,
    heading: Callable[[gettext.NullTranslations, int], str],
) -> tuple[Message, Sequence[T]] | None:
    """A list command's start: the service's list (a refusal answered), `empty` said when it
    has nothing, else `heading` (a plural with the count); None when nothing more is to show."""
    message = update.effective_message
    assert message is not None
    items = await attempt(update, context, step)
    if items is None:
        return None
    if not items:
        await message.reply_text(empty)
        return None
    translator = context.services.i18n.translator(context.person.language)
    await message.reply_text(heading(translator, len(items)).format(count=len(items)))
    return message, items


async def ask_for_reply(update: Update, question: str) -> None:
    """Answer the pressed button and ask `question` in the chat, with the reply box open: the
    next step reads the person's answer as a reply."""
    query = update.callback_query
    chat = update.effective_chat
    assert query is not None and chat is not None
    await query.answer()
    await chat.send_message(question, reply_markup=ForceReply(selective=True))


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


async def stale_or(update: Update, context: BotContext, kind: type[B]) -> B | None:
    """The pressed button, if it is a `kind`; a press of anything else (an old or foreign
    payload) is answered "no longer active" and gives None."""
    query = update.callback_query
    assert query is not None
    button = kind.parse(query.data)
    if button is None:
        await query.answer(context._(NO_LONGER_ACTIVE))
    return button


async def answered(update: Update, kind: type[B]) -> B | None:
    """The pressed button if it is a `kind` (None if not), the press answered either way."""
    query = update.callback_query
    assert query is not None
    button = kind.parse(query.data)
    await acknowledge(query)
    return button


async def reply(
    update: Update,
    text: str,
    markup: ReplyMarkup | None = None,
    *,
    parse_mode: str | None = None,
) -> Message:
    """Send `text` to the chat of the update, with a keyboard if given."""
    chat = update.effective_chat
    assert chat is not None
    return await chat.send_message(text, reply_markup=markup, parse_mode=parse_mode)


async def acknowledge(query: CallbackQuery, text: str | None = None) -> None:
    """Answer a button press. A press handled again after a restart is too old to answer
    (Telegram refuses it); the press itself is still carried out."""
    try:
        await query.answer(text)
    except BadRequest as error:
        log.info("could not answer a button press (%s); carrying it out anyway", error)


async def show(
    update: Update,
    text: str,
    markup: InlineKeyboardMarkup,
    *,
    parse_mode: str | None = None,
    new_message: bool = False,
) -> Message | None:
    """Edit the message whose button was pressed (fewer messages), else send a new one (and
    return it). An edit Telegram refuses (the message is gone or no longer editable) is sent
    as a new message instead, so the step still moves on."""
    query = update.callback_query
    if query is not None and not new_message and query.message is not None:
        try:
            await query.edit_message_text(text, reply_markup=markup, parse_mode=parse_mode)
        except BadRequest as error:
            if NOT_MODIFIED in error.message.lower():
                return None  # already shown: the press is handled again after a restart
            log.info("could not edit the pressed message (%s); sending it anew", error)
        else:
            return None
    return await reply(update, text, markup, parse_mode=parse_mode)
