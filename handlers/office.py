"""The office routes what nobody could: /queue, Assign (village → hamlet, with ⬅ Back and
✖ Cancel) and Reject (reason). Whether the office may is `ReportService`'s to say."""

from __future__ import annotations

import logging
from dataclasses import replace
from html import escape

from telegram import Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.core.models import MediaRef, Report, format_number
from bot.core.text import clean_text
from bot.reporting.buttons import AssignBack, AssignCancel, AssignReport, RejectReport
from bot.reporting.lifecycle import Action, State
from handlers import pickers
from handlers.buttons import AssignHamlet, AssignVillage
from handlers.context import BotContext
from handlers.drafts import RejectDraft
from handlers.pickers import inline_markup
from handlers.refusals import NO_LONGER_ACTIVE
from handlers.report_steps import ask_for_reply, attempt, listed, retire_buttons, stale_or

log = logging.getLogger(__name__)

REASON = 0


async def show_queue(update: Update, context: BotContext) -> None:
    """Reports nobody could be routed to, each with its photo, where the villager said it was,
    the grid member's reason if handed back, and Assign / Reject."""
    found = context.services
    _ = context._
    listing = await listed(
        update,
        context,
        found.reports.waiting(context.person.id),
        empty=_("📭 The office queue is empty."),
        heading=lambda t, count: t.ngettext(
            "{count} report waits for the office:", "{count} reports wait for the office:", count
        ),
    )
    if listing is None:
        return
    message, queue = listing
    language = context.person.language
    for waiting in queue:
        report = waiting.shown
        await _send_photos(message, waiting.photos, report.number)
        lines = [f"<b>{report.number}</b>"]
        if waiting.handed_back is not None:
            lines = [
                "<b>"
                + _("↩️ {number}: the grid member says it is not their area").format(
                    number=report.number
                )
                + "</b>",
                _("Reason: {reason}").format(reason=escape(waiting.handed_back)),
            ]
        lines.append(found.notifier.describe(report, language, for_office=True))
        await message.reply_text(
            "\n".join(lines),
            parse_mode=ParseMode.HTML,
            reply_markup=inline_markup(found.notifier.queue_buttons(report.id, language)),
        )


async def _send_photos(message: Message, photos: list[MediaRef], number: str) -> None:
    """The report's photos above its card (the office may see a picture sent as a file as
    it came); a photo Telegram no longer has does not keep the card from coming."""
    for photo in photos:
        try:
            if photo.kind == "document":
                await message.reply_document(photo.file_id, caption=number)
            else:
                await message.reply_photo(photo.file_id, caption=number)
        except BadRequest as error:
            log.info("could not show a photo of %s in the queue: %s", number, error)


def _places(context: BotContext, report_id: int) -> pickers.PlacePicker:
    """The Assign picker for this report: hamlets with a grid member, ⬅ Back, ✖ Cancel."""
    people = context.services.people
    return replace(
        pickers.assign_places(report_id, lambda hamlet: bool(people.grid_members_of(hamlet.id))),
        back=AssignBack(report_id),
        cancel=AssignCancel(report_id),
        back_from_hamlets=True,
        own_row=True,
    )


async def choose_village(update: Update, context: BotContext) -> None:
    """Assign, step 1 (and ⬅ Back from step 2): which village; the card's buttons turn into
    the picker."""
    query = update.callback_query
    assert query is not None
    pressed = AssignReport.parse(query.data) or AssignBack.parse(query.data)
    if pressed is None:
        await query.answer(context._(NO_LONGER_ACTIVE))
        return
    report = await _office_report(update, context, pressed.report_id, Action.ASSIGN)
    if report is None:
        return
    markup = _places(context, report.id).villages(
        context.services.grid, context.person.language, context._
    )
    await query.answer()
    await query.edit_message_reply_markup(markup)


async def choose_hamlet(update: Update, context: BotContext) -> None:
    """Assign, step 2: which hamlet of that village (only hamlets with a grid member)."""
    query = update.callback_query
    assert query is not None
    pressed = await stale_or(update, context, AssignVillage)
    if pressed is None:
        return
    report = await _office_report(update, context, pressed.report_id, Action.ASSIGN)
    if report is None:
        return
    markup = _places(context, report.id).hamlets(
        context.services.grid, pressed.village_id, context.person.language, context._
    )
    if markup is None:
        await query.answer(
            context._("No hamlet of that village has a grid member."), show_alert=True
        )
        return
    await query.answer()
    await query.edit_message_reply_markup(markup)


async def stop_assigning(update: Update, context: BotContext) -> None:
    """✖ Cancel in the Assign picker: the card shows Assign / Reject again, nothing changed."""
    query = update.callback_query
    assert query is not None
    pressed = await stale_or(update, context, AssignCancel)
    if pressed is None:
        return
    found = context.services
    report = await found.reports.get(pressed.report_id)
    waiting = report is not None and report.state == State.SUBMITTED
    buttons = found.notifier.queue_buttons(pressed.report_id, context.person.language)
    await query.answer()
    await query.edit_message_reply_markup(inline_markup(buttons) if waiting else None)


async def assign(update: Update, context: BotContext) -> None:
    """Assign, done: the report goes to the hamlet's grid members."""
    query = update.callback_query
    assert query is not None
    pressed = await stale_or(update, context, AssignHamlet)
    if pressed is None:
        return
    found = context.services
    report = await attempt(
        update,
        context,
        found.reports.assign(pressed.report_id, context.person.id, pressed.hamlet_id),
    )
    if report is None:
        return
    _ = context._
    await query.answer(_("Assigned."))
    await query.edit_message_text(
        _("📌 {number} assigned to {place}.").format(
            number=report.number, place=found.notifier.place(report, context.person.language)
        ),
        parse_mode=ParseMode.HTML,
    )


# -- reject ---------------------------------------------------------------------------------------


async def ask_reject_reason(update: Update, context: BotContext) -> int:
    """🚫 Reject: ask why (the reporter reads it)."""
    query = update.callback_query
    assert query is not None
    pressed = await stale_or(update, context, RejectReport)
    if pressed is None:
        return ConversationHandler.END
    report = await _office_report(update, context, pressed.report_id, Action.REJECT)
    if report is None:
        return ConversationHandler.END
    card = query.message
    context.keep(
        RejectDraft(
            report_id=report.id, card_message_id=card.message_id if card is not None else None
        )
    )
    await ask_for_reply(
        update,
        context._(
            "Why is {number} rejected? The reporter will read this, so please be polite. "
            "(/cancel to stop)"
        ).format(number=report.number),
    )
    return REASON


async def reject(update: Update, context: BotContext) -> int:
    """The reason: the report closes as rejected and the card's buttons go."""
    message = update.effective_message
    assert message is not None and message.text is not None
    reason = clean_text(message.text, 300)
    if not reason:
        await message.reply_text(context._("Please write the reason in a few words, or /cancel."))
        return REASON
    draft = context.draft(RejectDraft)
    context.drop(RejectDraft)
    if draft is None:
        return ConversationHandler.END
    found = context.services
    report = await attempt(
        update, context, found.reports.reject(draft.report_id, context.person.id, reason)
    )
    if report is not None:
        await retire_buttons(context, message.chat_id, draft.card_message_id)
        await message.reply_text(
            context._("🚫 {number} rejected; the reporter was told.").format(
                number=format_number(report.id)
            )
        )
    return ConversationHandler.END


async def cancel(update: Update, context: BotContext) -> int:
    """/cancel while rejecting: nothing changes."""
    context.drop(RejectDraft)
    chat = update.effective_chat
    assert chat is not None
    await chat.send_message(context._("Stopped. The report is unchanged."))
    return ConversationHandler.END


# -- helpers --------------------------------------------------------------------------------------


async def _office_report(
    update: Update, context: BotContext, report_id: int, action: Action
) -> Report | None:
    """The pressed report, if the service says the office may take this step on it now."""
    found = context.services
    return await attempt(
        update, context, found.reports.check_office_action(context.person.id, report_id, action)
    )


def build() -> list[BaseHandler[Update, BotContext, object]]:
    """The office's handlers: the reject conversation, /queue and the Assign picker."""
    rejecting: ConversationHandler[BotContext] = ConversationHandler(
        name="rejecting",
        persistent=True,
        entry_points=[CallbackQueryHandler(ask_reject_reason, pattern=RejectReport.pattern())],
        states={REASON: [MessageHandler(filters.TEXT & ~filters.COMMAND, reject)]},
        fallbacks=[CommandHandler("cancel", cancel)],
    )
    return [
        rejecting,
        CommandHandler("queue", show_queue),
        CallbackQueryHandler(choose_village, pattern=AssignReport.pattern()),
        CallbackQueryHandler(choose_village, pattern=AssignBack.pattern()),
        CallbackQueryHandler(choose_hamlet, pattern=AssignVillage.pattern()),
        CallbackQueryHandler(stop_assigning, pattern=AssignCancel.pattern()),
        CallbackQueryHandler(assign, pattern=AssignHamlet.pattern()),
    ]
