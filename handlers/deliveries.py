"""/deliveries: the office admins' list of messages that could not be delivered, with Retry;
and the job that tells the office chat about new ones (batched, at most once a minute)."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.core.errors import Refused
from bot.delivery.outbox import Button
from handlers.buttons import RetryDelivery
from handlers.context import BotContext
from handlers.pickers import inline_markup
from handlers.refusals import NO_LONGER_ACTIVE, answer_refusal


async def show_deliveries(update: Update, context: BotContext) -> None:
    """Each failure nobody retried yet: who, which report, why, with a Retry button."""
    found = context.services
    message = update.effective_message
    if message is None:
        return
    language = context.person.language
    _ = context._
    try:
        failures = await found.deliveries.open(context.person.id)
    except Refused as refusal:
        await answer_refusal(update, context, refusal)
        return
    if not failures:
        await message.reply_text(_("✅ Every message was delivered."))
        return
    await message.reply_text(
        found.i18n.translator(language)
        .ngettext(
            "{count} message could not be delivered:",
            "{count} messages could not be delivered:",
            len(failures),
        )
        .format(count=len(failures))
    )
    for failure in failures:
        await message.reply_text(
            found.deliveries.describe(failure, language),
            parse_mode=ParseMode.HTML,
            reply_markup=inline_markup(
                ((Button(_("🔁 Retry"), RetryDelivery(failure.id).pack()),),)
            ),
        )


async def retry(update: Update, context: BotContext) -> None:
    """Retry: the delivery is queued again and the button goes away."""
    query = update.callback_query
    if query is None:
        return
    found = context.services
    pressed = RetryDelivery.parse(query.data)
    _ = context._
    if pressed is None:
        await query.answer(_(NO_LONGER_ACTIVE))
        return
    try:
        failure = await found.deliveries.retry(context.person.id, pressed.failure_id)
    except Refused as refusal:
        await answer_refusal(update, context, refusal)
        return
    if failure is None:
        await query.answer(_("Already retried."))
        return
    await query.answer(_("Sending it again."))
    await query.edit_message_reply_markup(None)


async def tell_office(context: BotContext) -> None:
    """The job: one batched line to the office about new failures."""
    await context.services.deliveries.tell_office()


def build() -> list[BaseHandler[Update, BotContext, Any]]:
    """/deliveries and its Retry button."""
    return [
        CommandHandler("deliveries", show_deliveries),
        CallbackQueryHandler(retry, pattern=RetryDelivery.pattern()),
    ]
