"""The /newschedule wizard's "when" steps: the kind, how often (weekdays, a month, a day of
the month or a single date) and the time of day; the time hands over to the audience step
(`handlers.schedule_what`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time

from telegram import InlineKeyboardMarkup, Update

from bot.schedules.recurrence import LAST_DAY, MAX_DAY, Repeat
from handlers import buttons as b
from handlers import schedule_wizard as w
from handlers.context import BotContext
from handlers.drafts import ScheduleDraft
from handlers.pickers import (
    COMMON_TIMES,
    SCHEDULE_AUDIENCES,
    audience_keyboard,
    button,
    day_keyboard,
    keyboard,
    month_keyboard,
    quarter_month_keyboard,
    time_keyboard,
    weekday_toggles,
)
from handlers.schedule_wizard import (
    AUDIENCE,
    DATE,
    DAY,
    MONTH,
    QUARTER_MONTH,
    REPEAT,
    TIME,
    WEEKDAYS,
)


async def kind_chosen(update: Update, context: BotContext) -> int:
    """Step 2: how often."""
    pressed, draft = await w.pressed(update, context, b.ScheduleKindChosen)
    if pressed is None or draft is None:
        return await w.lost(update, context)
    draft.kind = pressed.kind
    context.keep(draft)
    _ = context._
    labels = {
        Repeat.DAILY: _("Every day"),
        Repeat.WEEKLY: _("Weekly, on chosen days"),
        Repeat.MONTHLY: _("Monthly, on a day"),
        Repeat.QUARTERLY: _("Quarterly"),
        Repeat.YEARLY: _("Yearly"),
        Repeat.ONCE: _("Once, on a date"),
    }
    repeats = [button(label, b.ScheduleRepeat(repeat)) for repeat, label in labels.items()]
    await w.edit(update, _("How often?"), keyboard([*repeats, w.cancel_button(context)], 2))
    return REPEAT


async def repeat_chosen(update: Update, context: BotContext) -> int:
    """How often: weekdays, a day, a month or a date, as the recurrence needs."""
    pressed, draft = await w.pressed(update, context, b.ScheduleRepeat)
    if pressed is None or draft is None:
        return await w.lost(update, context)
    draft.repeat = pressed.repeat
    context.keep(draft)
    _, cancel = context._, b.ScheduleAbandon()
    match pressed.repeat:
        case Repeat.DAILY:
            return await _ask_time(update, context)
        case Repeat.WEEKLY:
            await w.edit(
                update,
                _("Tap the days (tap again to remove), then Done."),
                _weekdays(context, draft),
            )
            return WEEKDAYS
        case Repeat.MONTHLY:
            return await _ask_day(update, context)
        case Repeat.QUARTERLY:
            await w.edit(
                update,
                _("In which month of each quarter?"),
                quarter_month_keyboard(_, b.ScheduleQuarterMonth, cancel),
            )
            return QUARTER_MONTH
        case Repeat.YEARLY:
            await w.edit(update, _("In which month?"), month_keyboard(_, b.ScheduleMonth, cancel))
            return MONTH
        case Repeat.ONCE:
            today = context.services.clock.now().astimezone(w.zone(context)).date()
            await w.edit(
                update,
                _("On which date? Send it like {example}.").format(
                    example=date.fromordinal(today.toordinal() + 1).isoformat()
                ),
            )
            return DATE


async def weekdays_done(update: Update, context: BotContext) -> int:
    """Done with the weekdays (at least one)."""
    query, draft = update.callback_query, context.draft(ScheduleDraft)
    if query is None or draft is None:
        return await w.lost(update, context)
    if not draft.weekdays:
        await query.answer(context._("Tap at least one day first."), show_alert=True)
        return WEEKDAYS
    await query.answer()
    return await _ask_time(update, context)


async def date_received(update: Update, context: BotContext) -> int:
    """A single date, typed, not in the past."""
    message, draft = update.effective_message, context.draft(ScheduleDraft)
    if message is None or draft is None:
        return await w.lost(update, context)
    _ = context._
    try:
        on = date.fromisoformat((message.text or "").strip())
    except ValueError:
        await message.reply_text(
            _("Sorry, I could not read that date. Please write it like 2026-12-05.")
        )
        return DATE
    if on < context.services.clock.now().astimezone(w.zone(context)).date():
        await message.reply_text(_("That date has already passed. Please send a later one."))
        return DATE
    draft.on = on
    context.keep(draft)
    return await _ask_time(update, context)


async def time_chosen(update: Update, context: BotContext) -> int:
    """A common time of day, tapped (the payload carries HHMM)."""
    pressed, draft = await w.pressed(update, context, b.ScheduleTime)
    if pressed is None or draft is None:
        return await w.lost(update, context)
    offered = {at.replace(":", ""): at for at in COMMON_TIMES}
    if pressed.at not in offered:
        return TIME
    return await _time_set(update, context, draft, time.fromisoformat(offered[pressed.at]))


async def time_received(update: Update, context: BotContext) -> int:
    """Another time of day, typed (hours and minutes)."""
    message, draft = update.effective_message, context.draft(ScheduleDraft)
    if message is None or draft is None:
        return await w.lost(update, context)
    try:
        at: time | None = time.fromisoformat((message.text or "").strip())
    except ValueError:
        at = None
    if at is None or at.second or at.microsecond or at.tzinfo:
        await message.reply_text(
            context._("Sorry, I could not read that time. Please write it like 08:30.")
        )
        return TIME
    return await _time_set(update, context, draft, at)


def _weekdays(context: BotContext, draft: ScheduleDraft) -> InlineKeyboardMarkup:
    """Monday to Sunday as toggles, Done (n) and ✖ Cancel."""
    return weekday_toggles(
        context._,
        draft.weekdays,
        b.ScheduleToggleWeekday,
        b.ScheduleWeekdaysDone(),
        b.ScheduleAbandon(),
    )


async def _ask_day(update: Update, context: BotContext) -> int:
    """Step 3b: the day of the month (1–28 or the last)."""
    await w.edit(
        update,
        context._("On which day of the month?"),
        day_keyboard(context._, b.ScheduleDay, b.ScheduleAbandon()),
    )
    return DAY


async def _ask_time(update: Update, context: BotContext) -> int:
    """Step 3: the time of day, tapped or typed."""
    await w.retire(update)
    if update.effective_chat is not None:
        await update.effective_chat.send_message(
            context._("At what time (local)? Tap one, or send another like 08:30."),
            reply_markup=time_keyboard(context._, b.ScheduleTime, b.ScheduleAbandon()),
        )
    return TIME


async def _time_set(update: Update, context: BotContext, draft: ScheduleDraft, at: time) -> int:
    """Step 4: who receives it (a single date must still be ahead)."""
    chat = update.effective_chat
    if chat is None:
        return await w.lost(update, context)
    _ = context._
    if draft.repeat == Repeat.ONCE and draft.on is not None:
        moment = datetime.combine(draft.on, at, tzinfo=w.zone(context))
        if moment <= context.services.clock.now():
            await chat.send_message(_("That time has already passed. Please send a later one."))
            return TIME
    draft.at = at.strftime("%H:%M")
    context.keep(draft)
    await chat.send_message(
        _("Who should receive it?"),
        reply_markup=audience_keyboard(
            _, SCHEDULE_AUDIENCES, b.ScheduleAudience, b.ScheduleAbandon()
        ),
    )
    return AUDIENCE


# -- the steps that tick or pick one value ----------------------------------------------------

weekday_toggled: w.Toggle[b.ScheduleToggleWeekday] = w.Toggle(
    b.ScheduleToggleWeekday,
    lambda tapped: tapped.weekday,
    lambda draft: draft.weekdays,
    range(7),
    _weekdays,
    WEEKDAYS,
)
"""Tick or untick a weekday."""


def _in(offered: range) -> Callable[[int], int | None]:
    """The number itself if it is one offered, else None."""
    return lambda number: number if number in offered else None


quarter_month_chosen: w.Pick[b.ScheduleQuarterMonth] = w.Pick(
    b.ScheduleQuarterMonth,
    "month",
    lambda chosen: _in(range(1, 4))(chosen.month),
    QUARTER_MONTH,
    _ask_day,
)
"""Which month of each quarter (1–3)."""
month_chosen: w.Pick[b.ScheduleMonth] = w.Pick(
    b.ScheduleMonth, "month", lambda chosen: _in(range(1, 13))(chosen.month), MONTH, _ask_day
)
"""Which month of the year."""
day_chosen: w.Pick[b.ScheduleDay] = w.Pick(
    b.ScheduleDay,
    "day",
    lambda chosen: LAST_DAY if chosen.day == LAST_DAY else _in(range(1, MAX_DAY + 1))(chosen.day),
    DAY,
    _ask_time,
)
"""Which day of the month (the recurrence checks it when the preview builds it)."""
