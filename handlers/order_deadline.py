"""The /order wizard's last questions: by when it must be fixed (tapped in days, or a typed
date or date and time, 18:00 that day), then the order as the grid member will see it."""

from __future__ import annotations

import html
from datetime import date, datetime, time, timedelta

from telegram import Update
from telegram.constants import ParseMode

from handlers import order_wizard as w
from handlers import pickers
from handlers.buttons import IssueOrder, OrderAbandon, OrderDeadline
from handlers.context import BotContext
from handlers.drafts import OrderDraft
from handlers.order_wizard import CONFIRM, DEADLINE
from handlers.report_steps import retire_buttons

DEADLINE_DAYS = (3, 7, 15, 30)
DUE_TIME = time(18, 0)
"""A deadline given as a date means the end of that working day."""
TIME_FORMAT = "%Y-%m-%d %H:%M"


async def deadline_chosen(update: Update, context: BotContext) -> int:
    """Step 5: a deadline in days (18:00 that day)."""
    query = update.callback_query
    assert query is not None
    pressed = OrderDeadline.parse(query.data)
    await query.answer()
    if pressed is None or pressed.days not in DEADLINE_DAYS:
        return DEADLINE
    zone = w.zone(context)
    today = context.services.clock.now().astimezone(zone).date()
    return await _deadline_set(
        update, context, datetime.combine(today + timedelta(days=pressed.days), DUE_TIME, zone)
    )


async def deadline_typed(update: Update, context: BotContext) -> int:
    """Step 5: a deadline written as a date (18:00 that day) or a date and time."""
    message = update.effective_message
    assert message is not None and message.text is not None
    typed = message.text.strip()
    zone = w.zone(context)
    try:
        fix_by = datetime.strptime(typed, TIME_FORMAT).replace(tzinfo=zone)
    except ValueError:
        try:
            fix_by = datetime.combine(date.fromisoformat(typed), DUE_TIME, zone)
        except ValueError:
            await message.reply_text(
                context._("Sorry, I could not read that. Please write a date like 2026-12-20.")
            )
            return DEADLINE
    return await _deadline_set(update, context, fix_by)


async def ask_deadline(update: Update, context: BotContext) -> int:
    """Step 5's question: a few deadlines in days, or a typed date (the photo step's Skip is
    spent, whether it was tapped or a photo came instead)."""
    _ = context._
    chat = update.effective_chat
    draft = context.draft(OrderDraft)
    assert chat is not None
    if draft is None:
        return await w.lost(update, context)
    await _retire_prompt(context, chat.id, draft)
    asked = await chat.send_message(
        _("By when must it be fixed? Tap, or write a date like 2026-12-20 (18:00 that day)."),
        reply_markup=pickers.deadline_keyboard(_, DEADLINE_DAYS, OrderDeadline, OrderAbandon()),
    )
    draft.prompt_message_id = asked.message_id
    context.keep(draft)
    return DEADLINE


async def _retire_prompt(context: BotContext, chat_id: int, draft: OrderDraft) -> None:
    """The last question's buttons go once it is answered, by a tap or by typing instead."""
    await retire_buttons(context, chat_id, draft.prompt_message_id)
    draft.prompt_message_id = None


async def _deadline_set(update: Update, context: BotContext, fix_by: datetime) -> int:
    """Step 5: the order as the grid member will see it, then Issue."""
    found = context.services
    language = context.person.language
    _ = context._
    chat = update.effective_chat
    assert chat is not None
    if fix_by <= found.clock.now():
        await chat.send_message(_("That time has already passed. Please send a later one."))
        return DEADLINE
    draft = context.draft(OrderDraft)
    if draft is None or draft.village_id is None or draft.text is None:
        return await w.lost(update, context)
    draft.fix_by = fix_by
    await _retire_prompt(context, chat.id, draft)
    context.keep(draft)
    photo = draft.photo
    if photo is not None and photo.kind == "document":  # the office's own file: re-sent as one
        await chat.send_document(photo.file_id)
    elif photo is not None:
        await chat.send_photo(photo.file_id)
    place = found.notifier.place_name(draft.hamlet_id, draft.village_id, language)
    text = "\n".join(
        [
            "<b>" + _("Preview — the task card will say:") + "</b>",
            _("📜 Rectification order from the town office"),
            _("Place: {place}").format(place=place),
            _("Description: {text}").format(text=html.escape(draft.text)),
            _("Fix by: {when}").format(when=found.notifier.local_time(fix_by, language)),
        ]
    )
    buttons = [pickers.button(_("✅ Issue"), IssueOrder()), w.cancel_button(context)]
    await chat.send_message(
        text, parse_mode=ParseMode.HTML, reply_markup=pickers.keyboard(buttons, 2)
    )
    return CONFIRM
