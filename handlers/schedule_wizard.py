"""The /newschedule wizard's plumbing, shared by its steps (`handlers.schedule_when`,
`handlers.schedule_what`, `handlers.new_schedule`): its states, reading a pressed button
with the draft, the few ways a step shows its question, and the two step shapes most of
its buttons share (`Pick` one value, `Toggle` an item of a list)."""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, TypeVar
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import ConversationHandler

from bot.core.callbacks import CallbackData
from handlers import buttons as b
from handlers.context import BotContext
from handlers.drafts import ScheduleDraft
from handlers.pickers import CANCEL, button
from handlers.refusals import NO_LONGER_ACTIVE

Pressed = TypeVar("Pressed", bound=CallbackData)

(
    KIND,
    REPEAT,
    WEEKDAYS,
    QUARTER_MONTH,
    MONTH,
    DAY,
    DATE,
    TIME,
    AUDIENCE,
    PLACE,
    TITLE,
    MESSAGE,
    REMINDERS,
    PREVIEW,
) = range(14)


async def pressed(
    update: Update, context: BotContext, kind: type[Pressed], *, answer: bool = True
) -> tuple[Pressed | None, ScheduleDraft | None]:
    """The pressed button as `kind` (answered, unless the step answers it itself, with an
    alert: a press takes one answer) and the draft; None where either is missing."""
    query = update.callback_query
    if query is None:
        return None, None
    pressed = kind.parse(query.data)
    if pressed is not None and answer:
        await query.answer()
    return pressed, context.draft(ScheduleDraft)


async def lost(update: Update, context: BotContext) -> int:
    """A button or message the wizard can no longer use (its draft is gone, or the data is not
    a button of this step): say so and end the wizard."""
    context.drop(ScheduleDraft)
    text = context._(NO_LONGER_ACTIVE)
    query = update.callback_query
    if query is not None:
        with contextlib.suppress(BadRequest):
            await query.answer(text, show_alert=True)
    elif update.effective_message is not None:
        await update.effective_message.reply_text(text)
    return ConversationHandler.END


async def retire(update: Update) -> None:
    """The next question comes as a new message: the pressed one's buttons stop being live."""
    if update.callback_query is not None:
        with contextlib.suppress(BadRequest):
            await update.callback_query.edit_message_reply_markup(None)


async def edit(update: Update, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    """Turn the pressed message into the next question (its old buttons go)."""
    if update.callback_query is not None:
        await update.callback_query.edit_message_text(text, reply_markup=markup)


def cancel_button(context: BotContext) -> InlineKeyboardButton:
    """✖ Cancel, the last button of every step."""
    return button(context._(CANCEL), b.ScheduleAbandon())


def zone(context: BotContext) -> ZoneInfo:
    return context.services.config.general.tz


@dataclass(frozen=True)
class Pick(Generic[Pressed]):
    """A button step that sets one answer of the draft (`field`) to what the press carries,
    if that is one of the choices offered (else the step stays), and asks the next question."""

    kind: type[Pressed]
    field: str
    value: Callable[[Pressed], object | None]
    """The answer a press carries; None when it is not one offered."""
    stay: int
    then: Callable[[Update, BotContext], Awaitable[int]]

    async def __call__(self, update: Update, context: BotContext) -> int:
        chosen, draft = await pressed(update, context, self.kind)
        if chosen is None or draft is None:
            return await lost(update, context)
        value = self.value(chosen)
        if value is None:
            return self.stay
        setattr(draft, self.field, value)
        context.keep(draft)
        return await self.then(update, context)


@dataclass(frozen=True)
class Toggle(Generic[Pressed]):
    """A button step that ticks or unticks the item a press carries (if offered) in a list of
    the draft, and shows the toggles again."""

    kind: type[Pressed]
    item: Callable[[Pressed], int]
    chosen: Callable[[ScheduleDraft], list[int]]
    offered: range
    markup: Callable[[BotContext, ScheduleDraft], InlineKeyboardMarkup]
    state: int

    async def __call__(self, update: Update, context: BotContext) -> int:
        tapped, draft = await pressed(update, context, self.kind)
        if tapped is None or draft is None:
            return await lost(update, context)
        item, chosen = self.item(tapped), self.chosen(draft)
        if item in self.offered:
            chosen.remove(item) if item in chosen else chosen.append(item)
            context.keep(draft)
        if update.callback_query is not None:
            with contextlib.suppress(BadRequest):
                await update.callback_query.edit_message_reply_markup(self.markup(context, draft))
        return self.state
