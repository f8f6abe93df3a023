"""The office adds a schedule by answering questions, almost all of them with inline
buttons: kind → recurrence → time (`handlers.schedule_when`) → audience → title → message →
advance reminders → preview → save (`handlers.schedule_what`). Here: who may start, how it
stops, and the conversation that ties the steps together. The draft (`ScheduleDraft`) lives
in persisted user data, so a restart mid-way continues where it was."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, ConversationHandler, MessageHandler, filters

from bot.core.errors import Refused
from bot.schedules.service import ScheduleKind
from handlers import buttons as b
from handlers import schedule_wizard as w
from handlers.context import BotContext, Translate
from handlers.drafts import ScheduleDraft
from handlers.pickers import button, end_wizard, keyboard
from handlers.refusals import wording_for, words
from handlers.schedule_what import (
    audience_chosen,
    hamlet_village_chosen,
    message_received,
    place_chosen,
    preview,
    reminder_toggled,
    save,
    standard_message,
    suggested_title,
    title_received,
)
from handlers.schedule_when import (
    date_received,
    day_chosen,
    kind_chosen,
    month_chosen,
    quarter_month_chosen,
    repeat_chosen,
    time_chosen,
    time_received,
    weekday_toggled,
    weekdays_done,
)
from handlers.schedule_wizard import (
    AUDIENCE,
    DATE,
    DAY,
    KIND,
    MESSAGE,
    MONTH,
    PLACE,
    PREVIEW,
    QUARTER_MONTH,
    REMINDERS,
    REPEAT,
    TIME,
    TITLE,
    WEEKDAYS,
)
from handlers.wizard import USE_THE_BUTTONS, Step, on
from handlers.wizard import hint as hint_for


async def begin(update: Update, context: BotContext) -> int:
    """Step 1: what kind of reminder (the office only: asking others would be in vain)."""
    chat = update.effective_chat
    if update.callback_query is not None:
        await update.callback_query.answer()
    if chat is None:
        return ConversationHandler.END
    _ = context._
    try:
        context.services.schedules.require_office(context.person.id, command="schedules")
    except Refused as refusal:
        await chat.send_message(words(refusal, _, wording_for(context)))
        return ConversationHandler.END
    context.keep(ScheduleDraft())
    kinds = [
        button(
            context.services.schedules.kind_label(kind, context.person.language),
            b.ScheduleKindChosen(kind),
        )
        for kind in ScheduleKind
    ]
    await chat.send_message(
        _("🗓 New schedule. What kind? (/cancel to stop)"),
        reply_markup=keyboard([*kinds, w.cancel_button(context)], 1),
    )
    return KIND


async def abandon(update: Update, context: BotContext) -> int:
    """/cancel or ✖ Cancel: the draft is dropped and nothing is saved."""
    context.drop(ScheduleDraft)
    return await end_wizard(update, context._("Stopped. No schedule was saved."))


def _hints(_: Translate) -> Mapping[int, str]:
    """What each typed step expects."""
    return {
        DATE: _("Please send the date like 2026-12-05, or /cancel."),
        TIME: _("Please tap a time above, or send one like 08:30."),
        TITLE: _("Please send a short title as text, or tap the suggestion above."),
        MESSAGE: _("Please send the message as text."),
    }


def hint(state: int) -> Step:
    """A message that does not fit the current step gets a reminder of what is expected."""
    return hint_for(state, _hints)


async def use_the_buttons(update: Update, context: BotContext) -> None:
    """Typing where a button is expected: say so, and stay at the same step."""
    if update.effective_message is not None:
        await update.effective_message.reply_text(context._(USE_THE_BUTTONS))


def build() -> list[BaseHandler[Update, BotContext, Any]]:
    """/newschedule (and ➕ under /schedules), the wizard's steps, /cancel."""
    private = filters.ChatType.PRIVATE
    text = filters.TEXT & ~filters.COMMAND
    not_command = ~filters.COMMAND
    adding: ConversationHandler[BotContext] = ConversationHandler(
        name="new_schedule",
        persistent=True,
        entry_points=[
            CommandHandler("newschedule", begin, filters=private),
            on(b.NewSchedule, begin),
        ],
        states={
            KIND: [on(b.ScheduleKindChosen, kind_chosen)],
            REPEAT: [on(b.ScheduleRepeat, repeat_chosen)],
            WEEKDAYS: [
                on(b.ScheduleToggleWeekday, weekday_toggled),
                on(b.ScheduleWeekdaysDone, weekdays_done),
            ],
            QUARTER_MONTH: [on(b.ScheduleQuarterMonth, quarter_month_chosen)],
            MONTH: [on(b.ScheduleMonth, month_chosen)],
            DAY: [on(b.ScheduleDay, day_chosen)],
            DATE: [MessageHandler(text, date_received), MessageHandler(not_command, hint(DATE))],
            TIME: [
                on(b.ScheduleTime, time_chosen),
                MessageHandler(text, time_received),
                MessageHandler(not_command, hint(TIME)),
            ],
            AUDIENCE: [on(b.ScheduleAudience, audience_chosen)],
            PLACE: [
                on(b.ScheduleVillage, place_chosen),
                on(b.ScheduleHamletVillage, hamlet_village_chosen),
                on(b.ScheduleHamlet, place_chosen),
                on(b.ScheduleDepartment, place_chosen),
            ],
            TITLE: [
                on(b.ScheduleSuggestedTitle, suggested_title),
                MessageHandler(text, title_received),
                MessageHandler(not_command, hint(TITLE)),
            ],
            MESSAGE: [
                on(b.ScheduleStandardMessage, standard_message),
                MessageHandler(text, message_received),
                MessageHandler(not_command, hint(MESSAGE)),
            ],
            REMINDERS: [
                on(b.ScheduleToggleReminder, reminder_toggled),
                on(b.ScheduleRemindersDone, preview),
            ],
            PREVIEW: [on(b.SaveSchedule, save)],
        },
        fallbacks=[
            CommandHandler("cancel", abandon),
            on(b.ScheduleAbandon, abandon),
            MessageHandler(not_command, use_the_buttons),
        ],
    )
    return [adding]
