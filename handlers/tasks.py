"""A grid member works a report: /tasks, Accept, Not my area (with a reason), Fixed (with an
after-photo and an optional note)."""

from __future__ import annotations

from dataclasses import asdict

from telegram import ForceReply, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.core import callbacks
from bot.core.models import MediaRef, Report, format_number
from bot.core.text import clean_text
from bot.delivery.notifier import ACCEPT, FIXED, NOT_MY_AREA
from bot.reporting.lifecycle import TASK_STATES, Action, TransitionNotAllowed, next_state
from bot.reporting.service import NotAllowed, ReportNotFound
from handlers.common import (
    attempt,
    drop_buttons,
    inline_markup,
    keep_picture,
    language_of,
    report_id_of,
    services,
    translator,
)

REASON, AFTER_PHOTO, NOTE = range(3)
SKIP_NOTE = "fsk"
WORKING_ON = "working_on"


async def list_tasks(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Open assignments, nearest deadline first, each with its buttons."""
    found = services(context)
    user = update.effective_user
    message = update.effective_message
    assert user is not None and message is not None
    language = await language_of(update, context)
    _ = found.i18n.translator(language).gettext
    if not found.people.is_grid_member(user.id) and not found.reports.villages_led_by(user.id):
        await message.reply_text(
            _("/tasks is for grid members. To report a problem, tap 📷 Report dumping.")
        )
        return
    tasks = await found.reports.tasks_for(user.id)
    if not tasks:
        await message.reply_text(_("🎉 No open tasks in your hamlets."))
        return
    await message.reply_text(
        found.i18n.translator(language)
        .ngettext(
            "You have {count} open task, nearest deadline first:",
            "You have {count} open tasks, nearest deadline first:",
            len(tasks),
        )
        .format(count=len(tasks))
    )
    for report in tasks[:20]:
        await message.reply_text(
            await card(report, language, context),
            parse_mode=ParseMode.HTML,
            reply_markup=inline_markup(found.notifier.task_buttons(report.id, language)),
        )


async def list_overdue(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/overdue, for the office: work past its deadlines, with how far up the grid it went."""
    found = services(context)
    user = update.effective_user
    message = update.effective_message
    language = await language_of(update, context)
    _ = found.i18n.translator(language).gettext
    if user is None or not found.people.is_office(user.id):
        await message.reply_text(_("Sorry, /overdue is for the town office."))
        return
    overdue = await found.reports.overdue()
    if not overdue:
        await message.reply_text(_("🎉 Nothing is overdue."))
        return
    await message.reply_text(
        found.i18n.translator(language)
        .ngettext(
            "{count} report past a deadline, the longest overdue first:",
            "{count} reports past a deadline, the longest overdue first:",
            len(overdue),
        )
        .format(count=len(overdue))
    )
    for report in overdue:
        await message.reply_text(await card(report, language, context), parse_mode=ParseMode.HTML)


async def card(report: Report, language: str, context: ContextTypes.DEFAULT_TYPE) -> str:
    """The report as a task: status, what and where, deadlines, overdue and escalation."""
    found = services(context)
    lines = [f"<b>{report.number}</b> · {found.notifier.status_label(report.state, language)}"]
    lines.append(found.notifier.describe(report, language))
    events = await found.reports.events(report.id)
    lines += found.notifier.deadline_status(report, events, found.clock.now(), language)
    return "\n".join(lines)


async def accept(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    user = update.effective_user
    report_id = report_id_of(update)
    assert query is not None and user is not None
    if report_id is None:
        await query.answer()
        return
    report = await attempt(update, context, services(context).reports.accept(report_id, user.id))
    if report is None:
        return
    _ = await translator(update, context)
    await query.answer(_("Accepted. The reporter has been told someone is on it."))
    await _append_line(update, _("✅ Accepted by you."))


# -- not my area ------------------------------------------------------------------------------


async def ask_reason(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    if not await _may_start(update, context, Action.NOT_MY_AREA):
        return ConversationHandler.END
    _ = await translator(update, context)
    await update.callback_query.answer()
    await update.effective_chat.send_message(
        _("In a few words: why is {number} not your area? (/cancel to stop)").format(
            number=_number(context)
        ),
        reply_markup=ForceReply(selective=True),
    )
    return REASON


async def receive_reason(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    message = update.effective_message
    user = update.effective_user
    assert message is not None and message.text is not None and user is not None
    _ = await translator(update, context)
    reason = clean_text(message.text, 300)
    if not reason:
        await message.reply_text(_("Please write the reason in a few words, or /cancel."))
        return REASON
    report_id = context.user_data.pop(WORKING_ON, None)
    if report_id is None:
        return ConversationHandler.END
    report = await attempt(
        update, context, services(context).reports.not_my_area(report_id, user.id, reason)
    )
    if report is not None:
        await message.reply_text(
            _("Thank you. {number} went back to the town office, which will route it.").format(
                number=report.number
            )
        )
    return ConversationHandler.END


# -- fixed --------------------------------------------------------------------------------------


async def ask_after_photo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    if not await _may_start(update, context, Action.FIX):
        return ConversationHandler.END
    _ = await translator(update, context)
    await update.callback_query.answer()
    await update.effective_chat.send_message(
        _(
            "📷 Please send one photo of the place now that it is clean ({number}). "
            "/cancel to stop."
        ).format(number=_number(context)),
        reply_markup=ForceReply(selective=True),
    )
    return AFTER_PHOTO


async def receive_after_photo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    message = update.effective_message
    assert message is not None
    ref = await keep_picture(context, message)
    context.user_data["after_photo"] = asdict(ref)
    _ = await translator(update, context)
    await message.reply_text(
        _("Got the photo. Add a short note if you like (what was done), or tap Skip."),
        reply_markup=InlineKeyboardMarkup(
            [[InlineKeyboardButton(_("Skip ➡"), callback_data=callbacks.encode(SKIP_NOTE))]]
        ),
    )
    return NOTE


async def need_photo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    _ = await translator(update, context)
    await update.effective_message.reply_text(
        _("A photo of the cleaned place is required. Please send one, or /cancel.")
    )
    return AFTER_PHOTO


async def receive_note(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    message = update.effective_message
    assert message is not None and message.text is not None
    return await _finish_fix(update, context, clean_text(message.text, 500) or None)


async def skip_note(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    query = update.callback_query
    assert query is not None
    await query.answer()
    await drop_buttons(update)
    return await _finish_fix(update, context, None)


async def _finish_fix(update: Update, context: ContextTypes.DEFAULT_TYPE, note: str | None) -> int:
    user = update.effective_user
    assert user is not None
    report_id = context.user_data.pop(WORKING_ON, None)
    photo = context.user_data.pop("after_photo", None)
    if report_id is None or photo is None:
        return ConversationHandler.END
    report = await attempt(
        update, context, services(context).reports.fix(report_id, user.id, MediaRef(**photo), note)
    )
    if report is not None:
        _ = await translator(update, context)
        await update.effective_chat.send_message(
            _("🧹 Thank you! {number} is marked fixed; the reporter is asked to confirm.").format(
                number=report.number
            )
        )
    return ConversationHandler.END


async def cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    context.user_data.pop(WORKING_ON, None)
    context.user_data.pop("after_photo", None)
    _ = await translator(update, context)
    await update.effective_chat.send_message(_("Stopped. The task is unchanged."))
    return ConversationHandler.END


# -- helpers -------------------------------------------------------------------------------------


async def _may_start(update: Update, context: ContextTypes.DEFAULT_TYPE, action: Action) -> bool:
    """Check person and state before asking for anything, so nobody types a reason in vain."""
    found = services(context)
    query = update.callback_query
    user = update.effective_user
    report_id = report_id_of(update)
    assert query is not None and user is not None

    async def check() -> Report:
        report = await found.reports.get(report_id) if report_id else None
        if report is None:
            raise ReportNotFound(report_id)
        if not found.reports.may_handle(report, user.id):
            raise NotAllowed()
        if report.state not in TASK_STATES:
            raise TransitionNotAllowed(report.state, action)
        next_state(report.state, action)
        return report

    report = await attempt(update, context, check())
    if report is None:
        return False
    context.user_data[WORKING_ON] = report.id
    return True


def _number(context: ContextTypes.DEFAULT_TYPE) -> str:
    return format_number(context.user_data[WORKING_ON])


async def _append_line(update: Update, line: str) -> None:
    query = update.callback_query
    message = query.message if query else None
    if message is None or not getattr(message, "text_html", None):
        return
    await query.edit_message_text(
        f"{message.text_html}\n{line}", parse_mode=ParseMode.HTML, reply_markup=message.reply_markup
    )


def build() -> list:
    """The grid member's handlers: two short conversations and the Accept button."""
    photo = filters.PHOTO | filters.Document.IMAGE
    reason = ConversationHandler(
        name="not_my_area",
        persistent=True,
        entry_points=[CallbackQueryHandler(ask_reason, pattern=callbacks.pattern(NOT_MY_AREA))],
        states={REASON: [MessageHandler(filters.TEXT & ~filters.COMMAND, receive_reason)]},
        fallbacks=[CommandHandler("cancel", cancel)],
    )
    fixing = ConversationHandler(
        name="fixing",
        persistent=True,
        entry_points=[CallbackQueryHandler(ask_after_photo, pattern=callbacks.pattern(FIXED))],
        states={
            AFTER_PHOTO: [
                MessageHandler(photo, receive_after_photo),
                MessageHandler(~filters.COMMAND, need_photo),
            ],
            NOTE: [
                MessageHandler(filters.TEXT & ~filters.COMMAND, receive_note),
                CallbackQueryHandler(skip_note, pattern=callbacks.pattern(SKIP_NOTE)),
            ],
        },
        fallbacks=[CommandHandler("cancel", cancel)],
    )
    return [
        reason,
        fixing,
        CommandHandler("tasks", list_tasks),
        CommandHandler("overdue", list_overdue),
        CallbackQueryHandler(accept, pattern=callbacks.pattern(ACCEPT)),
    ]
