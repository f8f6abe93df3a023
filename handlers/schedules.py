"""The office's reminders that run themselves: /schedules lists them with their next run and
last firing, with Pause / Resume / Delete buttons, and ➕ to add one (`handlers.new_schedule`).

Who may change a schedule, and the audit entry, are `ScheduleService`'s: this module parses the
button, calls the service and renders its answer (a `Refused` through `answer_refusal`)."""

from __future__ import annotations

import contextlib
import html
from typing import TypeVar

from telegram import InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.core.callbacks import CallbackData
from bot.core.errors import Refused
from bot.schedules.service import Schedule, ScheduleState
from handlers import buttons
from handlers.context import BotContext, Translate
from handlers.pickers import button
from handlers.refusals import NO_LONGER_ACTIVE, answer_refusal

Pressed = TypeVar("Pressed", bound=CallbackData)


async def list_schedules(update: Update, context: BotContext) -> None:
    """/schedules: each schedule with its next run, last firing and buttons; then ➕."""
    message = update.effective_message
    if message is None:
        return
    found, _ = context.services, context._
    try:
        found.schedules.require_office(context.person.id, "schedules")
    except Refused as refusal:
        await answer_refusal(update, context, refusal)
        return
    for schedule in await found.schedules.listed():
        await message.reply_text(
            await _card(context, schedule),
            parse_mode=ParseMode.HTML,
            reply_markup=_card_buttons(schedule, _),
        )
    add = button(_("➕ New schedule"), buttons.NewSchedule())
    await message.reply_text(
        _("Cleanup days, inspections and other reminders go out by themselves."),
        reply_markup=InlineKeyboardMarkup([[add]]),
    )


async def ask_delete(update: Update, context: BotContext) -> None:
    """🗑: ask before deleting (the schedule must still be there, and the presser office)."""
    query = update.callback_query
    pressed = await _pressed(update, context, buttons.DeleteSchedule)
    if query is None or pressed is None:
        return
    try:
        context.services.schedules.require_office(context.person.id)
        schedule = await context.services.schedules.get(pressed.schedule_id)
    except Refused as refusal:
        await answer_refusal(update, context, refusal)
        return
    _ = context._
    await query.answer()
    choice = [
        button(_("🗑 Yes, delete it"), buttons.DeleteScheduleYes(schedule.id)),
        button(_("Keep it"), buttons.DeleteScheduleNo(schedule.id)),
    ]
    with contextlib.suppress(BadRequest):
        await query.edit_message_reply_markup(InlineKeyboardMarkup([choice]))


async def change(update: Update, context: BotContext) -> None:
    """Pause, resume, delete or keep the pressed schedule, and show its card as it is now."""
    query = update.callback_query
    pressed = await _pressed(update, context, CallbackData)
    if query is None or pressed is None:
        return
    found, _, actor = context.services, context._, context.person.id
    answer: str | None
    try:
        match pressed:
            case buttons.PauseSchedule(schedule_id=schedule_id):
                schedule, answer = await found.schedules.pause(actor, schedule_id), _("Paused.")
            case buttons.ResumeSchedule(schedule_id=schedule_id):
                schedule = await found.schedules.resume(actor, schedule_id)
                answer = _("Running again.")
            case buttons.DeleteScheduleYes(schedule_id=schedule_id):
                schedule, answer = await found.schedules.delete(actor, schedule_id), _("Deleted.")
            case buttons.DeleteScheduleNo(schedule_id=schedule_id):
                found.schedules.require_office(actor)
                schedule, answer = await found.schedules.get(schedule_id), None
            case _:
                await query.answer(_(NO_LONGER_ACTIVE), show_alert=True)
                return
    except Refused as refusal:
        await answer_refusal(update, context, refusal)
        return
    await query.answer(answer)
    if schedule.state == ScheduleState.DELETED:
        title = found.schedules.title(schedule, context.person.language)
        text, markup = _("🗑 Deleted: {title}").format(title=html.escape(title)), None
    else:
        text, markup = await _card(context, schedule), _card_buttons(schedule, _)
    with contextlib.suppress(BadRequest):
        await query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)


async def _pressed(update: Update, context: BotContext, kind: type[Pressed]) -> Pressed | None:
    """The pressed button as `kind`, or None after answering "no longer active"."""
    query = update.callback_query
    if query is None:
        return None
    pressed = kind.parse(query.data)
    if pressed is None:
        await query.answer(context._(NO_LONGER_ACTIVE), show_alert=True)
    return pressed


async def _card(context: BotContext, schedule: Schedule) -> str:
    """A schedule's card: number, state, what and when, its next run and its last firing."""
    found, _, language = context.services, context._, context.person.language
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
    """⏸ or ▶ as the state allows, and 🗑."""
    row = []
    if schedule.state == ScheduleState.ACTIVE:
        row.append(button(_("⏸ Pause"), buttons.PauseSchedule(schedule.id)))
    elif schedule.state == ScheduleState.PAUSED:
        row.append(button(_("▶ Resume"), buttons.ResumeSchedule(schedule.id)))
    row.append(button(_("🗑 Delete"), buttons.DeleteSchedule(schedule.id)))
    return InlineKeyboardMarkup([row])


def build() -> list[BaseHandler[Update, BotContext, None]]:
    """/schedules and its card buttons."""
    changes = (
        buttons.PauseSchedule,
        buttons.ResumeSchedule,
        buttons.DeleteScheduleYes,
        buttons.DeleteScheduleNo,
    )
    return [
        CommandHandler("schedules", list_schedules),
        CallbackQueryHandler(ask_delete, pattern=buttons.DeleteSchedule.pattern()),
        *(CallbackQueryHandler(change, pattern=kind.pattern()) for kind in changes),
    ]
