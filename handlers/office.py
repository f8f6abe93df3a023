"""The office routes what nobody could: /queue, Assign (village → hamlet) and Reject (reason)."""

from __future__ import annotations

from telegram import ForceReply, InlineKeyboardButton, Update
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
from bot.core.models import Report, format_number
from bot.core.text import clean_text
from bot.delivery.notifier import ASSIGN, REJECT
from bot.reporting.lifecycle import Action, next_state
from bot.reporting.service import NotAllowed, ReportNotFound
from handlers.common import (
    attempt,
    grid_markup,
    inline_markup,
    language_of,
    report_id_of,
    services,
    translator,
)

REASON = 0
ASSIGN_VILLAGE, ASSIGN_HAMLET = "oav", "oah"
REJECTING = "rejecting"


async def show_queue(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Reports nobody could be routed to, each with Assign / Reject."""
    found = services(context)
    user = update.effective_user
    message = update.effective_message
    assert user is not None and message is not None
    language = await language_of(update, context)
    _ = found.i18n.translator(language).gettext
    if not found.people.is_office(user.id):
        await message.reply_text(_("Sorry, /queue is for the town office."))
        return
    queue = await found.reports.queue()
    if not queue:
        await message.reply_text(_("📭 The office queue is empty."))
        return
    await message.reply_text(
        found.i18n.translator(language)
        .ngettext(
            "{count} report waits for the office:",
            "{count} reports wait for the office:",
            len(queue),
        )
        .format(count=len(queue))
    )
    for report in queue:
        await message.reply_text(
            f"<b>{report.number}</b>\n{found.notifier.describe(report, language)}",
            parse_mode=ParseMode.HTML,
            reply_markup=inline_markup(found.notifier.queue_buttons(report.id, language)),
        )


async def choose_village(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Assign, step 1: which village (the message's buttons turn into a picker)."""
    report = await _office_report(update, context, Action.ASSIGN)
    if report is None:
        return
    found = services(context)
    language = await language_of(update, context)
    buttons = [
        InlineKeyboardButton(
            village.label(language),
            callback_data=callbacks.encode(ASSIGN_VILLAGE, report.id, village.id),
        )
        for village in sorted(found.grid.villages.values(), key=lambda village: village.id)
    ]
    await update.callback_query.answer()
    await update.callback_query.edit_message_reply_markup(grid_markup(buttons, 3))


async def choose_hamlet(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Assign, step 2: which hamlet of that village (only hamlets with a grid member)."""
    report = await _office_report(update, context, Action.ASSIGN)
    if report is None:
        return
    found = services(context)
    language = await language_of(update, context)
    data = callbacks.decode(update.callback_query.data)
    village_id = data.str_arg(1) if data else None
    buttons = [
        InlineKeyboardButton(
            hamlet.label(language),
            callback_data=callbacks.encode(ASSIGN_HAMLET, report.id, hamlet.id),
        )
        for hamlet in sorted(found.grid.hamlets_of(village_id or ""), key=lambda hamlet: hamlet.id)
        if found.people.grid_members_of(hamlet.id)
    ]
    _ = found.i18n.translator(language).gettext
    if not buttons:
        await update.callback_query.answer(
            _("No hamlet of that village has a grid member."), show_alert=True
        )
        return
    await update.callback_query.answer()
    await update.callback_query.edit_message_reply_markup(grid_markup(buttons, 2))


async def assign(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    user = update.effective_user
    data = callbacks.decode(query.data if query else None)
    assert query is not None and user is not None
    report_id = data.int_arg(0) if data else None
    hamlet_id = data.str_arg(1) if data else None
    if report_id is None or hamlet_id is None:
        await query.answer()
        return
    found = services(context)
    report = await attempt(update, context, found.reports.assign(report_id, user.id, hamlet_id))
    if report is None:
        return
    language = await language_of(update, context)
    _ = found.i18n.translator(language).gettext
    await query.answer(_("Assigned."))
    await query.edit_message_text(
        _("📌 {number} assigned to {place}.").format(
            number=report.number, place=found.notifier.place(report, language)
        ),
        parse_mode=ParseMode.HTML,
    )


# -- reject ---------------------------------------------------------------------------------------


async def ask_reject_reason(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    report = await _office_report(update, context, Action.REJECT)
    if report is None:
        return ConversationHandler.END
    context.user_data[REJECTING] = report.id
    _ = await translator(update, context)
    await update.callback_query.answer()
    await update.effective_chat.send_message(
        _(
            "Why is {number} rejected? The reporter will read this, so please be polite. "
            "(/cancel to stop)"
        ).format(number=report.number),
        reply_markup=ForceReply(selective=True),
    )
    return REASON


async def reject(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    message = update.effective_message
    user = update.effective_user
    assert message is not None and message.text is not None and user is not None
    reason = clean_text(message.text, 300)
    if not reason:
        _ = await translator(update, context)
        await message.reply_text(_("Please write the reason in a few words, or /cancel."))
        return REASON
    report_id = context.user_data.pop(REJECTING, None)
    if report_id is None:
        return ConversationHandler.END
    report = await attempt(
        update, context, services(context).reports.reject(report_id, user.id, reason)
    )
    if report is not None:
        _ = await translator(update, context)
        await message.reply_text(
            _("🚫 {number} rejected; the reporter was told.").format(
                number=format_number(report_id)
            )
        )
    return ConversationHandler.END


async def cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    context.user_data.pop(REJECTING, None)
    _ = await translator(update, context)
    await update.effective_chat.send_message(_("Stopped. The report is unchanged."))
    return ConversationHandler.END


# -- helpers --------------------------------------------------------------------------------------


async def _office_report(
    update: Update, context: ContextTypes.DEFAULT_TYPE, action: Action
) -> Report | None:
    """The pressed report, if the presser is office and the action still applies."""
    found = services(context)
    user = update.effective_user
    report_id = report_id_of(update)
    assert user is not None

    async def check() -> Report:
        if not found.people.is_office(user.id):
            raise NotAllowed()
        report = await found.reports.get(report_id) if report_id else None
        if report is None:
            raise ReportNotFound(report_id)
        next_state(report.state, action)
        return report

    return await attempt(update, context, check())


def build() -> list:
    rejecting = ConversationHandler(
        name="rejecting",
        persistent=True,
        entry_points=[CallbackQueryHandler(ask_reject_reason, pattern=callbacks.pattern(REJECT))],
        states={REASON: [MessageHandler(filters.TEXT & ~filters.COMMAND, reject)]},
        fallbacks=[CommandHandler("cancel", cancel)],
    )
    return [
        rejecting,
        CommandHandler("queue", show_queue),
        CallbackQueryHandler(choose_village, pattern=callbacks.pattern(ASSIGN)),
        CallbackQueryHandler(choose_hamlet, pattern=callbacks.pattern(ASSIGN_VILLAGE)),
        CallbackQueryHandler(assign, pattern=callbacks.pattern(ASSIGN_HAMLET)),
    ]
