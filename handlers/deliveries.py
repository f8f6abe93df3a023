"""/deliveries: the office admins' list of messages that could not be delivered, with Retry;
and the job that tells the office chat about new ones (batched, at most once a minute)."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, ContextTypes

from bot.core import callbacks
from bot.delivery.failures import NotOffice
from bot.delivery.outbox import Button
from handlers.common import inline_markup, language_of, services

RETRY = "dlr"


async def show_deliveries(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Each failure nobody retried yet: who, which report, why, with a Retry button."""
    found = services(context)
    message = update.effective_message
    user = update.effective_user
    assert message is not None and user is not None
    language = await language_of(update, context)
    _ = found.i18n.translator(language).gettext
    try:
        failures = await found.deliveries.open(user.id)
    except NotOffice:
        await message.reply_text(_("Sorry, /deliveries is for the town office."))
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
                ((Button(_("🔁 Retry"), callbacks.encode(RETRY, failure.id)),),)
            ),
        )


async def retry(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Retry: the delivery is queued again and the button goes away."""
    query = update.callback_query
    found = services(context)
    data = callbacks.decode(query.data)
    failure_id = data.int_arg() if data else None
    _ = found.i18n.translator(await language_of(update, context)).gettext
    if failure_id is None:
        await query.answer(_("This button is no longer active."))
        return
    try:
        failure = await found.deliveries.retry(update.effective_user.id, failure_id)
    except NotOffice:
        await query.answer(_("Sorry, this is for the town office."), show_alert=True)
        return
    if failure is None:
        await query.answer(_("Already retried."))
        return
    await query.answer(_("Sending it again."))
    await query.edit_message_reply_markup(None)


async def tell_office(context: ContextTypes.DEFAULT_TYPE) -> None:
    """The job: one batched line to the office about new failures."""
    await services(context).deliveries.tell_office()


def build() -> list[BaseHandler]:
    return [
        CommandHandler("deliveries", show_deliveries),
        CallbackQueryHandler(retry, pattern=callbacks.pattern(RETRY)),
    ]
