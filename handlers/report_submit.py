"""The second half of a report: the category, the summary with ✅ Submit (a typed text or a
voice note adds the optional description), and Submit itself, once per draft."""

from __future__ import annotations

import contextlib
import logging
import uuid
from html import escape

from telegram import Update
from telegram.constants import ParseMode
from telegram.error import Forbidden, TelegramError, TimedOut
from telegram.ext import ConversationHandler

from bot.core.errors import Refused
from bot.core.text import clean_text
from bot.reporting.lifecycle import State
from bot.reporting.service import Reporter
from bot.reporting.voice import OFFICE_ONLY
from handlers import photos, pickers, voice
from handlers.buttons import ReportCategory, SubmitReport
from handlers.context import BotContext
from handlers.drafts import ReportDraft, StoredFile
from handlers.main_menu import main_keyboard
from handlers.pickers import drop_buttons
from handlers.refusals import wording_for, words
from handlers.report_place import begin, inline
from handlers.report_states import CATEGORY, CONFIRM, draft_of
from handlers.report_steps import acknowledge, answered, reply, retire_buttons, show

log = logging.getLogger(__name__)


async def category_chosen(update: Update, context: BotContext) -> int:
    found = context.services
    pressed = await answered(update, ReportCategory)
    key = pressed.category if pressed else None
    if key not in found.config.categories:
        return CATEGORY
    draft = draft_of(context)
    draft.category = key
    context.keep(draft)
    return await ask_confirm(update, context, in_place=True)


async def ask_confirm(update: Update, context: BotContext, *, in_place: bool = False) -> int:
    """The summary with Submit; typing or a voice note adds the optional description. With
    `in_place` the pressed question becomes the summary (one message and one call fewer)."""
    found = context.services
    language = context.person.language
    _ = found.i18n.translator(language).gettext
    draft = draft_of(context)
    hamlet = found.grid.hamlets.get(draft.hamlet_id or "")
    if hamlet:
        village = found.grid.villages[hamlet.village_id]
        place = f"{hamlet.label(language)} · {village.label(language)}"
    else:
        place = _("to be routed by the town office")
    lines = [
        "<b>" + _("Please check your report:") + "</b>",
        _("📷 Photos: {count}").format(count=len(draft.photos)),
        _("📍 Place: {place}").format(place=escape(place)),
        _("🗂 Category: {category}").format(
            category=found.notifier.category_label(draft.category or "", language)
        ),
    ]
    if draft.description:
        lines.append(_("📝 Description: {text}").format(text=escape(draft.description)))
    if draft.voice:
        lines.append(_("🎤 Voice note attached"))
    lines.append("")
    lines.append(
        _("You may add a few words — type them or send a voice note (optional). Then tap Submit.")
    )
    keyboard = inline([pickers.button(_("✅ Submit"), SubmitReport())], 1, _)
    chat = update.effective_chat
    query = update.callback_query
    pressed = query.message if in_place and query is not None else None
    summary_id = pressed.message_id if pressed is not None else None
    if chat is not None and draft.summary_message_id not in (None, summary_id):
        await retire_buttons(context, chat.id, draft.summary_message_id)  # only the newest submits
    sent = await show(
        update, "\n".join(lines), keyboard, parse_mode=ParseMode.HTML, new_message=pressed is None
    )
    draft.summary_message_id = sent.message_id if sent is not None else summary_id
    context.keep(draft)
    return CONFIRM


async def receive_description(update: Update, context: BotContext) -> int:
    message = update.effective_message
    assert message is not None and message.text is not None
    found = context.services
    _ = context._
    text = clean_text(message.text)
    limit = found.config.reporting.max_description_chars
    if len(text) > limit:
        await reply(
            update,
            _("That is {length} characters; please keep it under {limit}.").format(
                length=len(text), limit=limit
            ),
        )
        return CONFIRM
    draft = draft_of(context)
    draft.description = text or None
    context.keep(draft)
    return await ask_confirm(update, context)


async def receive_voice(update: Update, context: BotContext) -> int:
    message = update.effective_message
    assert message is not None and message.voice is not None
    found = context.services
    if found.media.too_big(message.voice.file_size):
        _ = context._
        await reply(update, _("That voice note is too long for me. Please keep it short."))
        return CONFIRM
    draft = draft_of(context)
    kept = await photos.keep_draft_file(
        update,
        context,
        file_id=message.voice.file_id,
        file_unique_id=message.voice.file_unique_id,
        suffix="ogg",
        size=message.voice.file_size,
    )
    if kept is None:  # refused politely: too many draft files
        return CONFIRM
    draft.voice = StoredFile.of(kept)
    draft.voice_audience = OFFICE_ONLY  # a new voice note: only the office, until tapped
    context.keep(draft)
    await voice.ask_audience(update, context)
    return await ask_confirm(update, context)


async def submit(update: Update, context: BotContext) -> int:
    """Store the report (committed before anyone is told) and say what happens next.
    Submitting the same draft again (a re-delivered tap) shows the same number again."""
    found = context.services
    query = update.callback_query
    user = update.effective_user
    assert query is not None and user is not None
    language = context.person.language
    _ = found.i18n.translator(language).gettext
    draft = draft_of(context)
    if not draft.photos or draft.category is None:
        await acknowledge(query, _("Something is missing; let's go through it again."))
        return await begin(update, context)
    if draft.id is None:  # a draft started before drafts had ids
        draft.id = uuid.uuid4().hex
    try:
        result = await found.reports.submit(
            Reporter(
                user.id,
                user.first_name,
                user.last_name,
                user.username,
                language=context.person.language,
            ),
            draft.domain(),
        )
    except Refused as refusal:
        context.drop(ReportDraft)
        await acknowledge(query)
        await reply(update, words(refusal, _, wording_for(context)), main_keyboard(_))
        return ConversationHandler.END
    # Stored and committed: from here on a Telegram failure must not look like a lost report.
    context.drop(ReportDraft)
    with contextlib.suppress(TelegramError):
        await query.answer()
        await drop_buttons(update)
    report = result.report
    if result.duplicate_of is not None:
        text = _(
            "🙏 Thank you! This spot is already known as {original} and is being handled. "
            "Your report {number} was added to it (+1)."
        ).format(original=result.duplicate_of.number, number=report.number)
    elif report.state == State.ASSIGNED:
        assert report.fix_due_at is not None
        text = _(
            "✅ Thank you! Your report is number {number}.\n"
            "It has gone to the grid member of {place}, who should fix it by {when}. "
            "You will get a message when it is fixed, and you can check it with 📋 My reports.\n"
            "Your name is not shown to them."
        ).format(
            number=report.number,
            place=found.notifier.place(report, language),
            when=found.notifier.local_time(report.fix_due_at, language),
        )
    else:
        text = _(
            "✅ Thank you! Your report is number {number}.\n"
            "The town office will pass it to the person responsible. "
            "You will get a message when something happens."
        ).format(number=report.number)
    try:
        await reply(update, text, main_keyboard(_), parse_mode=ParseMode.HTML)
    except TimedOut:
        log.warning("the confirmation of %s timed out; it may have arrived", report.number)
    except Forbidden:
        log.info("the reporter of %s blocked the bot right after submitting", report.number)
    except TelegramError as error:
        log.warning(
            "could not confirm %s directly (%s); it goes through the outbox", report.number, error
        )
        await found.reports.tell_later(user.id, text)
    return ConversationHandler.END
