"""Rectification orders (整改函): an office admin issues one with /order (place → what must be
put right → optional photo → deadline → preview → issue); it becomes a task for the hamlet's
grid members, or the village lead, with the usual buttons. /orders lists the open ones.
Whether the office may, and whether the order can go out, is `ReportService`'s to say."""

from __future__ import annotations

import html
import logging
from collections.abc import Mapping

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.core.errors import Refused
from bot.delivery.notifier import responsible_for
from bot.places.grid import Fit
from bot.reporting.service import OrderDraft as Order
from handlers import order_wizard as w
from handlers import pickers
from handlers.buttons import (
    IssueOrder,
    OrderAbandon,
    OrderDeadline,
    OrderHamlet,
    OrderSkipPhoto,
    OrderVillage,
    OrderWholeVillage,
)
from handlers.context import BotContext, Translate
from handlers.drafts import OrderDraft, StoredFile
from handlers.order_deadline import ask_deadline, deadline_chosen, deadline_typed
from handlers.order_list import list_orders
from handlers.order_wizard import CONFIRM, DEADLINE, HAMLET, PHOTO, TEXT, VILLAGE
from handlers.photos import keep_readable_picture
from handlers.refusals import wording_for, words
from handlers.wizard import Step
from handlers.wizard import hint as hint_for

log = logging.getLogger(__name__)

MAX_TEXT = 1000


async def begin(update: Update, context: BotContext) -> int:
    """Step 1: where — a village (then a hamlet, or the whole village), or a location pin."""
    message = update.effective_message
    assert message is not None
    _ = context._
    try:  # asked first so no one else starts a draft; issue_order checks again
        context.services.reports.require_office(context.person.id, command="order")
    except Refused as refusal:
        await _refuse(update, context, refusal)
        return ConversationHandler.END
    context.keep(OrderDraft())
    found = context.services
    await message.reply_text(
        _(
            "📜 New rectification order. Which village is it for? "
            "You can also send the place as a location pin. (/cancel to stop)"
        ),
        reply_markup=pickers.ORDER_PLACES.villages(found.grid, context.person.language, _),
    )
    return VILLAGE


async def village_chosen(update: Update, context: BotContext) -> int:
    """Step 1b: which hamlet of the village, or the whole village."""
    query = update.callback_query
    assert query is not None
    pressed = OrderVillage.parse(query.data)
    found = context.services
    await query.answer()
    draft = context.draft(OrderDraft)
    if draft is None:
        return await w.lost(update, context)
    if pressed is None or pressed.village_id not in found.grid.villages:
        return VILLAGE
    _ = context._
    draft.village_id = pressed.village_id
    context.keep(draft)
    whole = pickers.button(_("🏘 The whole village (to the village lead)"), OrderWholeVillage())
    markup = pickers.ORDER_PLACES.hamlets(
        found.grid, pressed.village_id, context.person.language, _, extra=[whole]
    ) or pickers.keyboard([whole, pickers.button(_(pickers.CANCEL), OrderAbandon())], 2)
    await query.edit_message_text(_("Which hamlet? Or the whole village."), reply_markup=markup)
    return HAMLET


async def hamlet_chosen(update: Update, context: BotContext) -> int:
    """Step 1c: a hamlet of the chosen village."""
    query = update.callback_query
    assert query is not None
    pressed = OrderHamlet.parse(query.data)
    hamlet = context.services.grid.hamlets.get(pressed.hamlet_id) if pressed else None
    await query.answer()
    draft = context.draft(OrderDraft)
    if draft is None:
        return await w.lost(update, context)
    if hamlet is None or hamlet.village_id != draft.village_id:
        return HAMLET
    draft.hamlet_id = hamlet.id
    context.keep(draft)
    return await _place_set(update, context, draft)


async def whole_village(update: Update, context: BotContext) -> int:
    """Step 1c: the whole village, worked by its lead."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    draft = context.draft(OrderDraft)
    if draft is None:
        return await w.lost(update, context)
    draft.hamlet_id = None
    context.keep(draft)
    return await _place_set(update, context, draft)


async def location_received(update: Update, context: BotContext) -> int:
    """A pin: the hamlet it falls in (or snaps to), with the pin kept for the task card."""
    message = update.effective_message
    assert message is not None
    point = message.venue.location if message.venue else message.location
    assert point is not None
    match = context.services.grid.locate(point.latitude, point.longitude)
    if match.fit not in (Fit.INSIDE, Fit.NEAR) or match.hamlet is None:
        await message.reply_text(
            context._("That point is not in any hamlet of the town. Please pick the village above.")
        )
        return VILLAGE
    draft = context.draft(OrderDraft)
    if draft is None:
        return await w.lost(update, context)
    draft.village_id = match.hamlet.village_id
    draft.hamlet_id = match.hamlet.id
    draft.latitude, draft.longitude = point.latitude, point.longitude
    context.keep(draft)
    return await _place_set(update, context, draft)


async def text_received(update: Update, context: BotContext) -> int:
    """Step 3: an optional photo of the problem."""
    message = update.effective_message
    assert message is not None and message.text is not None
    _ = context._
    text = message.text.strip()
    if len(text) > MAX_TEXT:
        await message.reply_text(
            _("Please keep it to {limit:,} characters (this has {length:,}).").format(
                limit=MAX_TEXT, length=len(text)
            )
        )
        return TEXT
    draft = context.draft(OrderDraft)
    if draft is None:
        return await w.lost(update, context)
    asked = await message.reply_text(
        _("Send a photo of the problem, or tap Skip."),
        reply_markup=pickers.keyboard(
            [pickers.button(_("Skip ➡"), OrderSkipPhoto()), w.cancel_button(context)], 2
        ),
    )
    draft.text, draft.prompt_message_id = text, asked.message_id
    context.keep(draft)
    return PHOTO


async def photo_received(update: Update, context: BotContext) -> int:
    """Step 4: the photo, kept."""
    message = update.effective_message
    assert message is not None
    draft = context.draft(OrderDraft)
    if draft is None:
        return await w.lost(update, context)
    ref = await keep_readable_picture(context, message)
    if ref is None:
        return PHOTO
    draft.photo = StoredFile.of(ref)
    context.keep(draft)
    return await ask_deadline(update, context)


async def skip_photo(update: Update, context: BotContext) -> int:
    """Step 4: no photo."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    return await ask_deadline(update, context)


async def issue(update: Update, context: BotContext) -> int:
    """Step 6: the order is stored and goes out as a task."""
    found = context.services
    query = update.callback_query
    assert query is not None
    _ = context._
    await query.answer()
    draft = context.draft(OrderDraft)
    context.drop(OrderDraft)
    order = _order(draft) if draft is not None else None
    if order is None:
        return ConversationHandler.END
    try:
        report = await found.reports.issue_order(context.person.id, order)
    except Refused as refusal:
        await query.edit_message_text(words(refusal, _, wording_for(context)))
        return ConversationHandler.END
    log.info("office admin %s issued order %s", context.person.id, report.number)
    assert report.fix_due_at is not None
    await query.edit_message_text(
        _(
            "📜 Rectification order {number} issued to {place}. Fix by {when}. "
            "/orders shows where it stands."
        ).format(
            number=report.number,
            place=found.notifier.place(report, context.person.language),
            when=found.notifier.local_time(report.fix_due_at, context.person.language),
        ),
        parse_mode=ParseMode.HTML,
    )
    return ConversationHandler.END


async def abandon(update: Update, context: BotContext) -> int:
    """/cancel or ✖ Cancel: nothing is issued."""
    context.drop(OrderDraft)
    return await pickers.end_wizard(update, context._("Stopped. No order was issued."))


def _hints(_: Translate) -> Mapping[int, str]:
    """What each step expects when something else arrives."""
    return {
        VILLAGE: _("Please tap a village above, or send a location pin."),
        HAMLET: _("Please tap a hamlet above, or the whole village."),
        TEXT: _("Please write what must be put right, as text."),
        PHOTO: _("Please send a photo, or tap Skip."),
        DEADLINE: _("Please tap a deadline above, or write a date like 2026-12-20."),
        CONFIRM: _("Please tap ✅ Issue or ✖ Cancel above."),
    }


def hint(state: int) -> Step:
    """Input that does not fit the step: say what is needed, stay at the step."""
    return hint_for(state, _hints)


async def _place_set(update: Update, context: BotContext, draft: OrderDraft) -> int:
    """Step 2: what must be put right (if anybody there can receive it)."""
    found = context.services
    language = context.person.language
    _ = context._
    chat = update.effective_chat
    assert chat is not None and draft.village_id is not None
    place = found.notifier.place_name(draft.hamlet_id, draft.village_id, language)
    recipients = responsible_for(found.people, draft.hamlet_id, draft.village_id, order=True)
    if not recipients:
        await chat.send_message(
            _("Nobody there can receive an order: no grid member and no village lead.")
            + "\n"
            + _("Please pick another place above, or /cancel."),
        )
        return HAMLET if update.callback_query is not None else VILLAGE
    known = await found.roles.names_of(recipients)  # an invited grid member has no config name
    names = ", ".join(known.get(user_id, "?") for user_id in recipients)
    text = _("To: {place} ({names}).\n\nWhat must be put right? Write it as text.").format(
        place=place, names=html.escape(names)
    )
    await chat.send_message(text, parse_mode=ParseMode.HTML)
    return TEXT


async def _refuse(update: Update, context: BotContext, refusal: Refused) -> None:
    """Answer a refusal the handler knows of before asking the service."""
    message = update.effective_message
    if message is not None:
        await message.reply_text(words(refusal, context._, wording_for(context)))


def _order(draft: OrderDraft) -> Order | None:
    """The order the service issues, if every step was answered."""
    if draft.text is None or draft.fix_by is None or draft.village_id is None:
        return None
    return Order(
        text=draft.text,
        fix_by=draft.fix_by,
        village_id=draft.village_id,
        hamlet_id=draft.hamlet_id,
        photo=draft.photo.ref() if draft.photo else None,
        location=draft.pin(),
    )


def build() -> list[BaseHandler[Update, BotContext, object]]:
    """The /order conversation and /orders."""
    private = filters.ChatType.PRIVATE
    on_button = CallbackQueryHandler
    text = filters.TEXT & ~filters.COMMAND
    not_command = ~filters.COMMAND
    photo = filters.PHOTO | filters.Document.IMAGE
    issuing: ConversationHandler[BotContext] = ConversationHandler(
        name="order",
        persistent=True,
        entry_points=[CommandHandler("order", begin, filters=private)],
        states={
            VILLAGE: [
                on_button(village_chosen, pattern=OrderVillage.pattern()),
                MessageHandler(filters.LOCATION | filters.VENUE, location_received),
                MessageHandler(not_command, hint(VILLAGE)),
            ],
            HAMLET: [
                on_button(hamlet_chosen, pattern=OrderHamlet.pattern()),
                on_button(whole_village, pattern=OrderWholeVillage.pattern()),
                MessageHandler(not_command, hint(HAMLET)),
            ],
            TEXT: [MessageHandler(text, text_received), MessageHandler(not_command, hint(TEXT))],
            PHOTO: [
                MessageHandler(photo, photo_received),
                on_button(skip_photo, pattern=OrderSkipPhoto.pattern()),
                MessageHandler(not_command, hint(PHOTO)),
            ],
            DEADLINE: [
                on_button(deadline_chosen, pattern=OrderDeadline.pattern()),
                MessageHandler(text, deadline_typed),
                MessageHandler(not_command, hint(DEADLINE)),
            ],
            CONFIRM: [
                on_button(issue, pattern=IssueOrder.pattern()),
                MessageHandler(not_command, hint(CONFIRM)),
            ],
        },
        fallbacks=[
            CommandHandler("cancel", abandon),
            on_button(abandon, pattern=OrderAbandon.pattern()),
        ],
    )
    return [issuing, CommandHandler("orders", list_orders)]
