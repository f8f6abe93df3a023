"""The office's reminders that run themselves: /schedules lists them with their next run and
last firing, with Pause / Resume / Delete buttons, and ➕ to add one (`handlers.new_schedule`)."""

from __future__ import annotations

import contextlib
import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
)

from bot.core import callbacks
from bot.schedules.service import Schedule, ScheduleNotFound, ScheduleState
from handlers.common import Translate, language_of, services, translator
from handlers.new_schedule import NEW

PAUSE, RESUME, DELETE, DELETE_YES, DELETE_NO = "sp", "su", "sdl", "sdy", "sdn"


async def list_schedules(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/schedules: each schedule with its next run, last firing and buttons; then ➕."""
    found = services(context)
    user = update.effective_user
    language = await language_of(update, context)
    _ = found.i18n.translator(language).gettext
    if user is None or not found.people.is_office(user.id):
        await update.effective_message.reply_text(_("Sorry, /schedules is for the town office."))
        return
    for schedule in await found.schedules.listed():
        await update.effective_message.reply_text(
            await _card(context, schedule, language),
            parse_mode=ParseMode.HTML,
            reply_markup=_card_buttons(schedule, _),
        )
    add = InlineKeyboardButton(_("➕ New schedule"), callback_data=callbacks.encode(NEW))
    await update.effective_message.reply_text(
        _("Cleanup days, inspections and other reminders go out by themselves."),
        reply_markup=InlineKeyboardMarkup([[add]]),
    )


async def pause(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await _change(update, context, PAUSE)


async def resume(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await _change(update, context, RESUME)


async def ask_delete(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    schedule = await _pressed_schedule(update, context)
    if schedule is None:
        return
    _ = await translator(update, context)
    await update.callback_query.answer()
    buttons = [
        InlineKeyboardButton(
            _("🗑 Yes, delete it"), callback_data=callbacks.encode(DELETE_YES, schedule.id)
        ),
        InlineKeyboardButton(_("Keep it"), callback_data=callbacks.encode(DELETE_NO, schedule.id)),
    ]
    with contextlib.suppress(BadRequest):
        await update.callback_query.edit_message_reply_markup(InlineKeyboardMarkup([buttons]))


async def delete(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await _change(update, context, DELETE_YES)


async def keep(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await _change(update, context, DELETE_NO)


async def _change(update: Update, context: ContextTypes.DEFAULT_TYPE, action: str) -> None:
    """Pause, resume, delete or keep the pressed schedule, and show its card as it is now."""
    schedule = await _pressed_schedule(update, context)
    if schedule is None:
        return
    found = services(context)
    language = await language_of(update, context)
    _ = found.i18n.translator(language).gettext
    operations = {
        PAUSE: (found.schedules.pause, _("Paused.")),
        RESUME: (found.schedules.resume, _("Running again.")),
        DELETE_YES: (found.schedules.delete, _("Deleted.")),
        DELETE_NO: (found.schedules.get, None),
    }
    operation, answer = operations[action]
    schedule = await operation(schedule.id)
    if answer is not None:
        await found.audit.record(
            update.effective_user.id, f"schedule_{schedule.state}", f"#{schedule.id}"
        )
    await update.callback_query.answer(answer)
    if schedule.state == ScheduleState.DELETED:
        text = _("🗑 Deleted: {title}").format(
            title=html.escape(found.schedules.title(schedule, language))
        )
        markup = None
    else:
        text, markup = await _card(context, schedule, language), _card_buttons(schedule, _)
    with contextlib.suppress(BadRequest):
        await update.callback_query.edit_message_text(
            text, parse_mode=ParseMode.HTML, reply_markup=markup
        )


async def _pressed_schedule(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Schedule | None:
    """The schedule the button names, if the presser is office and it still exists."""
    found = services(context)
    query = update.callback_query
    data = callbacks.decode(query.data)
    schedule_id = data.int_arg() if data else None
    _ = await translator(update, context)
    if not found.people.is_office(update.effective_user.id):
        await query.answer(_("Sorry, this is not yours to do."), show_alert=True)
        return None
    try:
        return await found.schedules.get(schedule_id or 0)
    except ScheduleNotFound:
        await query.answer(_("This schedule no longer exists."), show_alert=True)
        return None


async def _card(context: ContextTypes.DEFAULT_TYPE, schedule: Schedule, language: str) -> str:
    found = services(context)
    _ = found.i18n.translator(language).gettext
    schedules = found.schedules
    state = {
        ScheduleState.ACTIVE: _("▶ running"),
        ScheduleState.PAUSED: _("⏸ paused"),
        ScheduleState.FINISHED: _("✔ finished"),
        ScheduleState.DELETED: _("🗑 deleted"),
    }[schedule.state]
    lines = [f"#{schedule.id} · {state}", schedules.describe(schedule, language)]
    upcoming = schedules.next_event(schedule)
    if upcoming is not None:
        lines.append(_("Next: {when}").format(when=schedules.local_time(upcoming, language)))
    last = await schedules.last_firing(schedule.id)
    if last is not None:
        what = {
            "sent": found.i18n.translator(language)
            .ngettext("sent to {count} chat", "sent to {count} chats", last.recipients)
            .format(count=last.recipients),
            "missed": _("missed (the bot was not running)"),
            "skipped": _("reminder skipped"),
        }[last.outcome]
        lines.append(
            _("Last: {when}, {what}").format(
                when=schedules.local_time(last.due_at, language), what=what
            )
        )
    return "\n".join(lines)


def _card_buttons(schedule: Schedule, _: Translate) -> InlineKeyboardMarkup:
    row = []
    if schedule.state == ScheduleState.ACTIVE:
        row.append(
            InlineKeyboardButton(_("⏸ Pause"), callback_data=callbacks.encode(PAUSE, schedule.id))
        )
    elif schedule.state == ScheduleState.PAUSED:
        row.append(
            InlineKeyboardButton(_("▶ Resume"), callback_data=callbacks.encode(RESUME, schedule.id))
        )
    row.append(
        InlineKeyboardButton(_("🗑 Delete"), callback_data=callbacks.encode(DELETE, schedule.id))
    )
    return InlineKeyboardMarkup([row])


def build() -> list:
    on_button = CallbackQueryHandler
    return [
        CommandHandler("schedules", list_schedules),
        on_button(pause, pattern=callbacks.pattern(PAUSE)),
        on_button(resume, pattern=callbacks.pattern(RESUME)),
        on_button(ask_delete, pattern=callbacks.pattern(DELETE)),
        on_button(delete, pattern=callbacks.pattern(DELETE_YES)),
        on_button(keep, pattern=callbacks.pattern(DELETE_NO)),
    ]
