"""The office sends a notice: /notice (audience → content → translations → preview → when →
confirm), and then watches it go out (`handlers.notice_progress`: the progress message, /notices).

Who may send, cancel or list notices, and the audit entries, are `NoticeService`'s; this module
asks the questions (typed buttons, `handlers.pickers`), keeps a `NoticeDraft` and renders."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from telegram import Update
from telegram.error import BadRequest
from telegram.ext import BaseHandler, CommandHandler, ConversationHandler, MessageHandler, filters

from bot.core.errors import Refused
from bot.core.when import moment_text
from bot.delivery.outbox import PartRefused, Unreachable
from bot.notices.service import Content
from handlers import notice_progress
from handlers import notice_wizard as w
from handlers.buttons import (
    NoticeAbandon,
    NoticeAddLanguage,
    NoticeAudience,
    NoticeConfirm,
    NoticeDepartment,
    NoticeHamlet,
    NoticeHamletVillage,
    NoticePreview,
    NoticeSendLater,
    NoticeSendNow,
    NoticeToggleVillage,
    NoticeVillagesDone,
)
from handlers.context import BotContext, Translate
from handlers.delivery import sender_for
from handlers.drafts import NoticeDraft
from handlers.notice_audience import (
    audience_chosen,
    hamlet_village_chosen,
    place_chosen,
    village_toggled,
    villages_done,
)
from handlers.notice_content import (
    content_received,
    language_chosen,
    language_name,
    translation_received,
)
from handlers.notice_progress import follow_notices
from handlers.notice_wizard import (
    AUDIENCE,
    CONFIRM,
    CONTENT,
    DEPARTMENT,
    HAMLET,
    TIME_FORMAT,
    TRANSLATION,
    TRANSLATIONS,
    VILLAGES,
    WHEN,
)
from handlers.pickers import NOTICE_AUDIENCES, audience_keyboard, button, end_wizard, keyboard
from handlers.refusals import answer_refusal
from handlers.wizard import Step, on
from handlers.wizard import hint as hint_for

log = logging.getLogger(__name__)


async def begin(update: Update, context: BotContext) -> int:
    """Step 1: who should receive it (the office only: asking others would be in vain)."""
    message = update.effective_message
    if message is None:
        return ConversationHandler.END
    try:
        context.services.notices.require_office(context.person.id, command="notice")
    except Refused as refusal:
        await answer_refusal(update, context, refusal)
        return ConversationHandler.END
    _ = context._
    context.keep(NoticeDraft())
    await message.reply_text(
        _("📢 New notice. Who should receive it? (/cancel to stop)"),
        reply_markup=audience_keyboard(_, NOTICE_AUDIENCES, NoticeAudience, NoticeAbandon()),
    )
    return AUDIENCE


async def preview(update: Update, context: BotContext) -> int:
    """Step 3: the notice exactly as recipients will see it, in each language, and how many."""
    query, chat, draft = update.callback_query, update.effective_chat, context.draft(NoticeDraft)
    content = _content(draft) if draft is not None else None
    if query is None or chat is None or draft is None or draft.audience is None or not content:
        return await w.lost(update, context)
    await query.answer()
    found, _ = context.services, context._
    audience = draft.audience.audience()
    languages = await found.notices.languages_of(audience)
    shown = sorted(set(content.texts) | set(languages))
    sender = sender_for(context.bot, found.downloads, found.storage, found.clock)
    await query.edit_message_text(_("Preview — this is what recipients will see:"))
    for language in shown:
        try:
            for part in found.notices.render(content, language):
                await sender.send(chat.id, part)
        except (Unreachable, PartRefused) as error:
            log.warning("could not show the preview: %s", error)
            await context.bot.send_message(chat.id, _("Sorry, I could not show that file."))
            return CONTENT
    total = sum(languages.values())
    by_language = " · ".join(
        f"{language_name(code, context)} {count:,}" for code, count in sorted(languages.items())
    )
    text = _("To: {audience}\nRecipients: {count:,}").format(
        audience=found.notices.describe_audience(audience, context.person.language),
        count=total,
    )
    if by_language:
        text += _(" ({counts})").format(counts=by_language)
    if not total:
        text += "\n" + _("Nobody can receive this notice yet. /cancel and choose another audience.")
    choices = [
        button(_("📤 Send now"), NoticeSendNow()),
        button(_("🕒 Send later"), NoticeSendLater()),
        w.cancel_button(_),
    ]
    await context.bot.send_message(chat.id, text, reply_markup=keyboard(choices, 2))
    return WHEN


async def send_now(update: Update, context: BotContext) -> int:
    """📤 Send now: confirm first; the preview's buttons stop being live."""
    query, draft = update.callback_query, context.draft(NoticeDraft)
    if query is None or draft is None:
        return await w.lost(update, context)
    draft.send_at = None
    context.keep(draft)
    await query.answer()
    with contextlib.suppress(BadRequest):
        await query.edit_message_reply_markup(None)
    return await _ask_confirmation(update, context, draft)


async def ask_time(update: Update, context: BotContext) -> int:
    """🕒 Send later: ask for the local date and time."""
    query = update.callback_query
    if query is None:
        return await w.lost(update, context)
    await query.answer()
    example = context.services.clock.now().astimezone(w.zone(context)).strftime(TIME_FORMAT)
    await query.edit_message_text(
        context._(
            "When should it go out? Send the date and time like {example} (local time)."
        ).format(example=example)
    )
    return WHEN


async def time_received(update: Update, context: BotContext) -> int:
    """The time to send it: read as local time, and not in the past."""
    message, draft = update.effective_message, context.draft(NoticeDraft)
    if message is None or draft is None:
        return await w.lost(update, context)
    _ = context._
    try:
        when = datetime.strptime((message.text or "").strip(), TIME_FORMAT)
    except ValueError:
        await message.reply_text(
            _("Sorry, I could not read that time. Please write it like 2026-12-01 08:00.")
        )
        return WHEN
    when = when.replace(tzinfo=w.zone(context))
    if when <= context.services.clock.now():
        await message.reply_text(_("That time has already passed. Please send a later one."))
        return WHEN
    draft.send_at = when
    context.keep(draft)
    return await _ask_confirmation(update, context, draft)


async def confirmed(update: Update, context: BotContext) -> int:
    """Step 5: store the notice (the service checks the right and audits it); the follow-up
    job sends it, now or at its time."""
    query, draft = update.callback_query, context.draft(NoticeDraft)
    content = _content(draft) if draft is not None else None
    if query is None or draft is None or draft.audience is None or content is None:
        return await w.lost(update, context)
    found, _ = context.services, context._
    context.drop(NoticeDraft)
    try:
        notice = await found.notices.create(
            context.person.id, draft.audience.audience(), content, draft.send_at
        )
    except Refused as refusal:
        await answer_refusal(update, context, refusal)
        with contextlib.suppress(BadRequest):
            await query.edit_message_reply_markup(None)
        return ConversationHandler.END
    await query.answer()
    log.info("office admin %s created notice %d", context.person.id, notice.id)
    if draft.send_at is None:
        await query.edit_message_text(_("✅ Notice #{id} is on its way.").format(id=notice.id))
        await follow_notices(context)
    else:
        await query.edit_message_text(
            _(
                "🕒 Notice #{id} will go out at {when}. "
                "/notices shows it, and it can be cancelled there."
            ).format(
                id=notice.id, when=found.notices.local_time(notice.send_at, context.person.language)
            )
        )
    return ConversationHandler.END


async def abandon(update: Update, context: BotContext) -> int:
    """/cancel or ✖ Cancel: the draft is dropped and nothing is sent."""
    context.drop(NoticeDraft)
    return await end_wizard(update, context._("Stopped. No notice was sent."))


def _hints(_: Translate) -> Mapping[int, str]:
    """What each typed step expects."""
    return {
        CONTENT: _("Please send the notice as text, or as a photo or a PDF file with a caption."),
        TRANSLATION: _("Please send the translation as text."),
        WHEN: _("Please use the buttons above, or send a time like 2026-12-01 08:00."),
    }


def hint(state: int) -> Step:
    """A message that does not fit the current step gets a reminder of what is expected."""
    return hint_for(state, _hints)


async def _ask_confirmation(update: Update, context: BotContext, draft: NoticeDraft) -> int:
    """How many people, and when: ✅ Confirm or ✖ Cancel."""
    chat = update.effective_chat
    if chat is None or draft.audience is None:
        return await w.lost(update, context)
    found, _ = context.services, context._
    plural = found.i18n.translator(context.person.language).ngettext
    count = len(await found.notices.recipients(draft.audience.audience()))
    if draft.send_at is not None:
        when = moment_text(draft.send_at, context.person.language, w.zone(context))
        text = plural(
            "Send this notice to {count:,} person at {when}?",
            "Send this notice to {count:,} people at {when}?",
            count,
        ).format(count=count, when=when)
    else:
        text = plural(
            "Send this notice to {count:,} person now?",
            "Send this notice to {count:,} people now?",
            count,
        ).format(count=count)
    choices = [button(_("✅ Confirm"), NoticeConfirm()), w.cancel_button(_)]
    await chat.send_message(text, reply_markup=keyboard(choices, 2))
    return CONFIRM


def _content(draft: NoticeDraft) -> Content | None:
    """What the notice says, once its content has been received."""
    if draft.kind is None:
        return None
    return Content(draft.kind, dict(draft.texts), draft.file_id)


def build() -> list[BaseHandler[Update, BotContext, Any]]:
    """/notice (the guided flow), /notices and ✖ Cancel this notice."""
    private = filters.ChatType.PRIVATE
    not_command = ~filters.COMMAND
    composing: ConversationHandler[BotContext] = ConversationHandler(
        name="notice",
        persistent=True,
        entry_points=[CommandHandler("notice", begin, filters=private)],
        states={
            AUDIENCE: [on(NoticeAudience, audience_chosen)],
            VILLAGES: [
                on(NoticeToggleVillage, village_toggled),
                on(NoticeVillagesDone, villages_done),
            ],
            HAMLET: [
                on(NoticeHamletVillage, hamlet_village_chosen),
                on(NoticeHamlet, place_chosen),
            ],
            DEPARTMENT: [on(NoticeDepartment, place_chosen)],
            CONTENT: [
                MessageHandler(
                    (filters.TEXT & not_command) | filters.PHOTO | filters.Document.ALL,
                    content_received,
                ),
                MessageHandler(not_command, hint(CONTENT)),
            ],
            TRANSLATIONS: [
                on(NoticeAddLanguage, language_chosen),
                on(NoticePreview, preview),
            ],
            TRANSLATION: [
                MessageHandler(filters.TEXT & not_command, translation_received),
                MessageHandler(not_command, hint(TRANSLATION)),
            ],
            WHEN: [
                on(NoticeSendNow, send_now),
                on(NoticeSendLater, ask_time),
                MessageHandler(filters.TEXT & not_command, time_received),
                MessageHandler(not_command, hint(WHEN)),
            ],
            CONFIRM: [on(NoticeConfirm, confirmed)],
        },
        fallbacks=[CommandHandler("cancel", abandon), on(NoticeAbandon, abandon)],
    )
    return [composing, *notice_progress.build()]
