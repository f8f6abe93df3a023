"""The reporter's voice: who may hear it, and the office passing it on in words.

When a villager adds a voice note to a report, one tap says who may hear it: only the office
(the default; a voice identifies its speaker and the grid member is a neighbour) or the grid
member too. The office's card of such a report carries a button that asks the office admin for
a short text and sends it to the grid member as the office's words (`bot.reporting.voice`).
"""

from __future__ import annotations

import contextlib

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.core.callbacks import CallbackData
from bot.core.errors import Refused
from bot.core.text import clean_text
from bot.reporting.voice import (
    MAX_RELAY_CHARS,
    MEMBER_TOO,
    OFFICE_ONLY,
    RelayVoice,
    VoiceAudience,
    VoiceRelay,
)
from handlers.context import BotContext
from handlers.drafts import ReportDraft
from handlers.refusals import NO_LONGER_ACTIVE, answer_refusal
from handlers.report_steps import ask_for_reply

WORDS = 0
RELAYING = "voice_relay_report"


class ChooseVoiceAudience(CallbackData, prefix="vaud"):
    """The reporter says who may hear their voice note: the grid member too, or the office."""

    member_too: bool


async def ask_audience(update: Update, context: BotContext) -> None:
    """Below a new voice note: who may hear it, "only the office" ticked (the default)."""
    message = update.effective_message
    assert message is not None
    await message.reply_text(
        _audience_text(context, OFFICE_ONLY), reply_markup=_audience_buttons(context, OFFICE_ONLY)
    )


async def audience_chosen(update: Update, context: BotContext) -> None:
    """Keep the choice on the draft and tick it; a stale button changes nothing."""
    query = update.callback_query
    assert query is not None
    choice = ChooseVoiceAudience.parse(query.data)
    draft = context.draft(ReportDraft)
    if choice is None or draft is None or draft.voice is None:
        await query.answer(context._(NO_LONGER_ACTIVE), show_alert=True)
        return
    audience: VoiceAudience = MEMBER_TOO if choice.member_too else OFFICE_ONLY
    draft.voice_audience = audience
    context.keep(draft)
    await query.answer()
    with contextlib.suppress(BadRequest):  # the same choice again: already as it should be
        await query.edit_message_text(
            _audience_text(context, audience), reply_markup=_audience_buttons(context, audience)
        )


def _audience_text(context: BotContext, audience: str) -> str:
    _ = context._
    if audience == MEMBER_TOO:
        return _(
            "🎤 The grid member may hear your voice note too. Your voice can tell who you are."
        )
    return _(
        "🎤 Only the town office hears your voice note; the grid member is told that it "
        "exists. Tap to change who may hear it."
    )


def _audience_buttons(context: BotContext, audience: str) -> InlineKeyboardMarkup:
    _ = context._
    office, member = _("🔒 Only the office"), _("👂 The grid member too")
    ticked = "✓ "
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    (ticked if audience == OFFICE_ONLY else "") + office,
                    callback_data=ChooseVoiceAudience(member_too=False).pack(),
                ),
                InlineKeyboardButton(
                    (ticked if audience == MEMBER_TOO else "") + member,
                    callback_data=ChooseVoiceAudience(member_too=True).pack(),
                ),
            ]
        ]
    )


# -- the office relays the voice in words ---------------------------------------------------


def relay_service(context: BotContext) -> VoiceRelay:
    """The relay service, from the bot's services (it holds no state of its own)."""
    found = context.services
    return VoiceRelay(
        storage=found.storage,
        people=found.people,
        notifier=found.notifier,
        audit=found.audit,
        clock=found.clock,
    )


async def ask_words(update: Update, context: BotContext) -> int:
    """An office admin tapped "pass the voice on": ask for the words, in the same chat."""
    query = update.callback_query
    assert query is not None and context.user_data is not None
    button = RelayVoice.parse(query.data)
    if button is None:
        await query.answer(context._(NO_LONGER_ACTIVE), show_alert=True)
        return ConversationHandler.END
    try:
        report = await relay_service(context).may_relay(button.report_id, context.person.id)
    except Refused as refusal:
        await answer_refusal(update, context, refusal)
        return ConversationHandler.END
    context.user_data[RELAYING] = report.id
    await ask_for_reply(
        update,
        context._(
            "In a few words, what does the voice description of {number} say? I send it to "
            "the grid member as the office's words, so leave out anything that tells who "
            "reported. (/cancel to stop)"
        ).format(number=report.number),
    )
    return WORDS


async def receive_words(update: Update, context: BotContext) -> int:
    """Send the office's words to the grid member (kept on the report, audited)."""
    message = update.effective_message
    assert message is not None and message.text is not None and context.user_data is not None
    words = clean_text(message.text, MAX_RELAY_CHARS)
    if not words:
        await message.reply_text(context._("Please write it in a few words, or /cancel."))
        return WORDS
    report_id = context.user_data.pop(RELAYING, None)
    if report_id is None:
        return ConversationHandler.END
    try:
        report = await relay_service(context).relay(report_id, context.person.id, words)
    except Refused as refusal:
        await answer_refusal(update, context, refusal)
        return ConversationHandler.END
    await message.reply_text(
        context._("🗣 Sent to the grid member of {number} as the office's words.").format(
            number=report.number
        )
    )
    return ConversationHandler.END


async def stop_relaying(update: Update, context: BotContext) -> int:
    message = update.effective_message
    assert message is not None and context.user_data is not None
    context.user_data.pop(RELAYING, None)
    await message.reply_text(context._("Nothing was sent to the grid member."))
    return ConversationHandler.END


def build() -> list[BaseHandler]:
    """The audience buttons (answered outside the report conversation, which has no handler for
    them) and the office's relay conversation."""
    relay = ConversationHandler(
        name="voice_relay",
        persistent=True,
        entry_points=[CallbackQueryHandler(ask_words, pattern=RelayVoice.pattern())],
        states={WORDS: [MessageHandler(filters.TEXT & ~filters.COMMAND, receive_words)]},
        fallbacks=[CommandHandler("cancel", stop_relaying)],
    )
    return [
        CallbackQueryHandler(audience_chosen, pattern=ChooseVoiceAudience.pattern()),
        relay,
    ]
