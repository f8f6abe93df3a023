"""A grid member works a report: /tasks, Accept, Not my area (with a reason), Fixed (with an
after-photo and an optional note). Who may do what is `ReportService`'s to say."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.core.models import Report, format_number
from bot.core.text import clean_text
from bot.delivery.cards import caption_fits
from bot.reporting.buttons import AcceptTask, MarkFixed, NotMyArea
from bot.reporting.lifecycle import Action
from handlers.buttons import SkipFixNote
from handlers.context import BotContext
from handlers.drafts import FixDraft, StoredFile
from handlers.photos import keep_readable_picture
from handlers.pickers import drop_buttons, inline_markup
from handlers.refusals import NO_LONGER_ACTIVE
from handlers.report_steps import ask_for_reply, attempt, listed, retire_buttons, without

REASON, AFTER_PHOTO, NOTE = range(3)


async def list_tasks(update: Update, context: BotContext) -> None:
    """Open assignments, nearest deadline first, each with its buttons."""
    found = context.services
    listing = await listed(
        update,
        context,
        found.reports.tasks_for(context.person.id),
        empty=context._("🎉 No open tasks in your hamlets."),
        heading=lambda t, count: t.ngettext(
            "You have {count} open task, nearest deadline first:",
            "You have {count} open tasks, nearest deadline first:",
            count,
        ),
    )
    if listing is None:
        return
    message, tasks = listing
    language = context.person.language
    for report in tasks[:20]:
        await message.reply_text(
            await card(report, context),
            parse_mode=ParseMode.HTML,
            reply_markup=inline_markup(found.notifier.task_buttons(report.id, language)),
        )


async def list_overdue(update: Update, context: BotContext) -> None:
    """/overdue, for the office: work past its deadlines, with how far up the grid it went."""
    listing = await listed(
        update,
        context,
        context.services.reports.overdue(context.person.id),
        empty=context._("🎉 Nothing is overdue."),
        heading=lambda t, count: t.ngettext(
            "{count} report past a deadline, the longest overdue first:",
            "{count} reports past a deadline, the longest overdue first:",
            count,
        ),
    )
    if listing is None:
        return
    message, overdue = listing
    for report in overdue:
        await message.reply_text(
            await card(report, context, for_office=True), parse_mode=ParseMode.HTML
        )


def _listed_heading(report: Report) -> str:
    """How a card of /tasks or /overdue begins, before its status: tells it from a pushed card."""
    return f"<b>{report.number}</b> · "


async def card(report: Report, context: BotContext, *, for_office: bool = False) -> str:
    """The report as a task: status, what and where, deadlines, overdue and escalation."""
    found = context.services
    language = context.person.language
    lines = [_listed_heading(report) + found.notifier.status_label(report.state, language)]
    lines.append(found.notifier.describe(report, language, for_office=for_office))
    events = await found.reports.events(report.id)
    lines += found.notifier.deadline_status(report, events, found.clock.now(), language)
    return "\n".join(lines)


async def accept(update: Update, context: BotContext) -> None:
    """✅ Accept: the report is theirs now, and the button goes (the others stay)."""
    query = update.callback_query
    assert query is not None
    pressed = AcceptTask.parse(query.data)
    if pressed is None:
        await query.answer(context._(NO_LONGER_ACTIVE))
        return
    found = context.services
    report = await attempt(
        update, context, found.reports.accept(pressed.report_id, context.person.id)
    )
    if report is None:
        return
    _ = context._
    await query.answer(_("Accepted. The reporter has been told someone is on it."))
    message = query.message
    if isinstance(message, Message) and (message.text_html or "").startswith(
        _listed_heading(report)
    ):
        await _redraw_listed(update, context, report, _("✅ Accepted by you."))
    else:
        await _append_line(update, _("✅ Accepted by you."))


# -- not my area ------------------------------------------------------------------------------


async def ask_reason(update: Update, context: BotContext) -> int:
    """🙅 Not my area: ask why, once the service says this person may hand it back."""
    query = update.callback_query
    assert query is not None
    pressed = NotMyArea.parse(query.data)
    if pressed is None or not await _may_start(
        update, context, pressed.report_id, Action.NOT_MY_AREA
    ):
        return ConversationHandler.END
    await ask_for_reply(
        update,
        context._("In a few words: why is {number} not your area? (/cancel to stop)").format(
            number=format_number(pressed.report_id)
        ),
    )
    return REASON


async def receive_reason(update: Update, context: BotContext) -> int:
    """The reason: the report goes back to the office."""
    message = update.effective_message
    assert message is not None and message.text is not None
    _ = context._
    reason = clean_text(message.text, 300)
    if not reason:
        await message.reply_text(_("Please write the reason in a few words, or /cancel."))
        return REASON
    draft = context.draft(FixDraft)
    context.drop(FixDraft)
    if draft is None:
        return ConversationHandler.END
    found = context.services
    report = await attempt(
        update,
        context,
        found.reports.not_my_area(draft.report_id, context.person.id, reason),
    )
    if report is not None:
        await retire_buttons(context, message.chat_id, draft.card_message_id)
        await message.reply_text(
            _("Thank you. {number} went back to the town office, which will route it.").format(
                number=report.number
            )
        )
    return ConversationHandler.END


# -- fixed --------------------------------------------------------------------------------------


async def ask_after_photo(update: Update, context: BotContext) -> int:
    """🧹 Fixed: ask for the after-photo, once the service says the fix may be reported."""
    query = update.callback_query
    assert query is not None
    pressed = MarkFixed.parse(query.data)
    if pressed is None or not await _may_start(update, context, pressed.report_id, Action.FIX):
        return ConversationHandler.END
    await ask_for_reply(
        update,
        context._(
            "📷 Please send one photo of the place now that it is clean ({number}). "
            "/cancel to stop."
        ).format(number=format_number(pressed.report_id)),
    )
    return AFTER_PHOTO


async def receive_after_photo(update: Update, context: BotContext) -> int:
    """The after-photo, kept; a note may follow, or Skip."""
    message = update.effective_message
    assert message is not None
    draft = context.draft(FixDraft)
    if draft is None:
        return await cancel(update, context)
    ref = await keep_readable_picture(context, message)
    if ref is None:
        return AFTER_PHOTO
    _ = context._
    asked = await message.reply_text(
        _("Got the photo. Add a short note if you like (what was done), or tap Skip."),
        reply_markup=InlineKeyboardMarkup(
            [[InlineKeyboardButton(_("Skip ➡"), callback_data=SkipFixNote().pack())]]
        ),
    )
    draft.after_photo = StoredFile.of(ref)
    draft.skip_message_id = asked.message_id
    context.keep(draft)
    return NOTE


async def need_photo(update: Update, context: BotContext) -> int:
    """Anything but a photo while one is needed."""
    message = update.effective_message
    assert message is not None
    await message.reply_text(
        context._("A photo of the cleaned place is required. Please send one, or /cancel.")
    )
    return AFTER_PHOTO


async def receive_note(update: Update, context: BotContext) -> int:
    """A typed note: the Skip button is no longer needed."""
    message = update.effective_message
    assert message is not None and message.text is not None
    draft = context.draft(FixDraft)
    if draft is not None:
        await retire_buttons(context, message.chat_id, draft.skip_message_id)
    return await _finish_fix(update, context, clean_text(message.text, 500) or None)


async def skip_note(update: Update, context: BotContext) -> int:
    """Skip ➡: no note."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    await drop_buttons(update)
    return await _finish_fix(update, context, None)


async def _finish_fix(update: Update, context: BotContext, note: str | None) -> int:
    """Report the fix; the task card's buttons go, as there is nothing left to press."""
    draft = context.draft(FixDraft)
    context.drop(FixDraft)
    if draft is None or draft.after_photo is None:
        return ConversationHandler.END
    found = context.services
    report = await attempt(
        update,
        context,
        found.reports.fix(draft.report_id, context.person.id, draft.after_photo.ref(), note),
    )
    chat = update.effective_chat
    if report is not None and chat is not None:
        await retire_buttons(context, chat.id, draft.card_message_id)
        await chat.send_message(
            context._(
                "🧹 Thank you! {number} is marked fixed; the reporter is asked to confirm."
            ).format(number=report.number)
        )
    return ConversationHandler.END


async def cancel(update: Update, context: BotContext) -> int:
    """/cancel: nothing changes."""
    context.drop(FixDraft)
    chat = update.effective_chat
    assert chat is not None
    await chat.send_message(context._("Stopped. The task is unchanged."))
    return ConversationHandler.END


# -- helpers -------------------------------------------------------------------------------------


async def _may_start(update: Update, context: BotContext, report_id: int, action: Action) -> bool:
    """Ask the service before asking for anything, so nobody types a reason in vain; keeps
    the report and the card pressed in the person's `FixDraft`."""
    found = context.services
    report = await attempt(
        update, context, found.reports.check_task(context.person.id, report_id, action)
    )
    if report is None:
        return False
    query = update.callback_query
    card_message = query.message if query is not None else None
    context.keep(
        FixDraft(
            report_id=report.id,
            card_message_id=card_message.message_id if card_message is not None else None,
        )
    )
    return True


async def _redraw_listed(update: Update, context: BotContext, report: Report, line: str) -> None:
    """A /tasks card is drawn again from the report as it is now (its status and deadlines
    changed), with `line` below and without its Accept button."""
    query = update.callback_query
    assert query is not None and isinstance(query.message, Message)
    await query.edit_message_text(
        f"{await card(report, context)}\n{line}",
        parse_mode=ParseMode.HTML,
        reply_markup=without(query.message.reply_markup, AcceptTask),
    )


async def _append_line(update: Update, line: str) -> None:
    """Add a line to the pressed task card and take its Accept button away. The card is a text
    or, since issue #15, a photo's caption; a caption the line would make too long keeps its
    words and loses only the button."""
    query = update.callback_query
    message = query.message if query else None
    if query is None or not isinstance(message, Message):
        return
    markup = without(message.reply_markup, AcceptTask)
    if message.text_html:
        await query.edit_message_text(
            f"{message.text_html}\n{line}", parse_mode=ParseMode.HTML, reply_markup=markup
        )
    elif message.caption_html and caption_fits(f"{message.caption_html}\n{line}"):
        await query.edit_message_caption(
            f"{message.caption_html}\n{line}", parse_mode=ParseMode.HTML, reply_markup=markup
        )
    elif message.caption_html:
        await query.edit_message_reply_markup(markup)


def build() -> list[BaseHandler[Update, BotContext, object]]:
    """The grid member's handlers: two short conversations and the Accept button."""
    photo = filters.PHOTO | filters.Document.IMAGE
    reason: ConversationHandler[BotContext] = ConversationHandler(
        name="not_my_area",
        persistent=True,
        entry_points=[CallbackQueryHandler(ask_reason, pattern=NotMyArea.pattern())],
        states={REASON: [MessageHandler(filters.TEXT & ~filters.COMMAND, receive_reason)]},
        fallbacks=[CommandHandler("cancel", cancel)],
    )
    fixing: ConversationHandler[BotContext] = ConversationHandler(
        name="fixing",
        persistent=True,
        entry_points=[CallbackQueryHandler(ask_after_photo, pattern=MarkFixed.pattern())],
        states={
            AFTER_PHOTO: [
                MessageHandler(photo, receive_after_photo),
                MessageHandler(~filters.COMMAND, need_photo),
            ],
            NOTE: [
                MessageHandler(filters.TEXT & ~filters.COMMAND, receive_note),
                CallbackQueryHandler(skip_note, pattern=SkipFixNote.pattern()),
            ],
        },
        fallbacks=[CommandHandler("cancel", cancel)],
    )
    return [
        reason,
        fixing,
        CommandHandler("tasks", list_tasks),
        CommandHandler("overdue", list_overdue),
        CallbackQueryHandler(accept, pattern=AcceptTask.pattern()),
    ]
