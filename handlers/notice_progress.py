"""A notice on its way: the one progress message its author watches while it goes out (live
counts, then the totals, with ✖ Cancel while it can be stopped), and /notices, the office's
list of recent notices (villagers get their notice setting there instead).

Who may cancel or list notices is `NoticeService`'s; the audit entry is written there."""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest, TelegramError
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.core.errors import Reason, Refused
from bot.notices.service import Notice, NoticeState
from bot.notices.service import Progress as NoticeProgress
from handlers import news
from handlers.buttons import CancelNotice
from handlers.context import BotContext, Translate
from handlers.pickers import button
from handlers.refusals import NO_LONGER_ACTIVE, answer_refusal

log = logging.getLogger(__name__)


async def follow_notices(context: BotContext) -> None:
    """Every few seconds: start notices that are due, update progress, close finished ones."""
    found = context.services
    await found.notices.start_due()
    for notice in await found.notices.sending():
        if notice.progress_message_id is None:
            await _post_progress(context, notice)
            continue
        progress = await found.notices.progress(notice.id)
        if progress.finished:
            progress = await found.notices.finish(notice.id)
        await _show_progress(context, progress)


async def list_notices(update: Update, context: BotContext) -> None:
    """/notices: the office sees past notices with their counts; villagers switch theirs."""
    message = update.effective_message
    if message is None:
        return
    if context.args:
        await news.notice_settings(update, context)
        return
    found, _, language = context.services, context._, context.person.language
    try:
        recent = await found.notices.recent(context.person.id)
    except Refused as refusal:
        if refusal.reason is Reason.OFFICE_ONLY:  # not the office's: the villager's setting
            await news.notice_settings(update, context)
        else:
            await answer_refusal(update, context, refusal)
        return
    if not recent:
        await message.reply_text(_("No notices yet. /notice writes one."))
        return
    for progress in reversed(recent):
        await message.reply_text(
            found.notices.summary(progress, language),
            reply_markup=_cancel_markup(progress.notice, _),
        )


async def cancel_notice(update: Update, context: BotContext) -> None:
    """✖ Cancel this notice (the service checks the right and audits it)."""
    query = update.callback_query
    if query is None:
        return
    pressed = CancelNotice.parse(query.data)
    found, _ = context.services, context._
    if pressed is None:
        await query.answer(_(NO_LONGER_ACTIVE), show_alert=True)
        return
    try:
        progress = await found.notices.cancel(context.person.id, pressed.notice_id)
    except Refused as refusal:
        await answer_refusal(update, context, refusal)
        return
    log.info("office admin %s cancelled notice %d", context.person.id, pressed.notice_id)
    await query.answer(_("Cancelled."))
    with contextlib.suppress(BadRequest):
        await query.edit_message_text(found.notices.summary(progress, context.person.language))
    if progress.notice.progress_message_id is not None:
        await _show_progress(context, progress)


async def _author_translator(context: BotContext, notice: Notice) -> tuple[str, Translate]:
    """The notice author's language and translator (a job has no person of its own)."""
    found = context.services
    language = found.i18n.pick(await found.storage.users.language(notice.author_id))
    return language, found.i18n.translator(language).gettext


async def _post_progress(context: BotContext, notice: Notice) -> None:
    """The one progress message the author watches, with ✖ Cancel."""
    found = context.services
    language, _ = await _author_translator(context, notice)
    progress = await found.notices.progress(notice.id)
    try:
        async with found.pace:
            message: Message = await context.bot.send_message(
                notice.author_id,
                found.notices.progress_text(progress, language),
                reply_markup=_cancel_markup(notice, _),
            )
    except TelegramError as error:
        log.warning("could not post the progress of notice %d: %s", notice.id, error)
        return
    await found.notices.set_progress_message(notice.id, message.chat_id, message.message_id)


async def _show_progress(context: BotContext, progress: NoticeProgress) -> None:
    """Edit the progress message: live counts while sending, the totals once closed (and then
    its Cancel button stops being live)."""
    found = context.services
    notice = progress.notice
    if notice.progress_message_id is None or notice.progress_chat_id is None:
        return
    language, _ = await _author_translator(context, notice)
    if notice.state == NoticeState.SENDING:
        text = found.notices.progress_text(progress, language)
    else:
        text = found.notices.summary(progress, language)
    try:
        async with found.pace:  # Telegram counts edits too: inside the notice's own budget
            await context.bot.edit_message_text(
                text,
                chat_id=notice.progress_chat_id,
                message_id=notice.progress_message_id,
                reply_markup=_cancel_markup(notice, _),
            )
    except BadRequest as error:
        if "not modified" not in error.message:
            log.warning("could not update the progress of notice %d: %s", notice.id, error)
    except TelegramError as error:
        log.warning("could not update the progress of notice %d: %s", notice.id, error)


def _cancel_markup(notice: Notice, _: Translate) -> InlineKeyboardMarkup | None:
    """✖ Cancel while the notice can still be stopped; nothing after."""
    if notice.state not in (NoticeState.SCHEDULED, NoticeState.SENDING):
        return None
    return InlineKeyboardMarkup([[button(_("✖ Cancel this notice"), CancelNotice(notice.id))]])


def build() -> list[BaseHandler[Update, BotContext, Any]]:
    """/notices and ✖ Cancel this notice."""
    return [
        CommandHandler("notices", list_notices),
        CallbackQueryHandler(cancel_notice, pattern=CancelNotice.pattern()),
    ]
