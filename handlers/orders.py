"""Rectification orders (整改函): an office admin issues one with /order (place → what must be
put right → optional photo → deadline → preview → issue); it becomes a task for the hamlet's
grid members, or the village lead, with the usual buttons. /orders lists the open ones."""

from __future__ import annotations

import html
import logging
from dataclasses import asdict
from datetime import date, datetime, time, timedelta

from telegram import InlineKeyboardButton, Update
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
from bot.core.errors import Refused
from bot.core.models import Location, MediaRef
from bot.delivery.notifier import responsible_for
from bot.places.grid import Fit
from bot.reporting.service import OrderDraft
from handlers.common import (
    Translate,
    end_flow,
    grid_markup,
    keep_picture,
    language_of,
    services,
    translator,
)
from handlers.refusals import wording_for, words
from handlers.report_steps import attempt

log = logging.getLogger(__name__)

VILLAGE, HAMLET, TEXT, PHOTO, DEADLINE, CONFIRM = range(6)

PICK_VILLAGE, PICK_HAMLET, WHOLE_VILLAGE = "zv", "zh", "zw"
SKIP_PHOTO, PICK_DEADLINE, ISSUE, ABANDON = "zps", "zd", "zok", "zxx"

DRAFT = "order_draft"
MAX_TEXT = 1000
DEADLINE_DAYS = (3, 7, 15, 30)
DUE_TIME = time(18, 0)
"""A deadline given as a date means the end of that working day."""
TIME_FORMAT = "%Y-%m-%d %H:%M"


async def begin(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """Step 1: where — a village (then a hamlet, or the whole village), or a location pin."""
    found = services(context)
    user = update.effective_user
    language = await language_of(update, context)
    _ = found.i18n.translator(language).gettext
    if user is None or not found.people.is_office(user.id):
        await update.effective_message.reply_text(_("Sorry, /order is for the town office."))
        return ConversationHandler.END
    context.user_data[DRAFT] = {}
    buttons = [
        InlineKeyboardButton(
            village.label(language), callback_data=callbacks.encode(PICK_VILLAGE, village.id)
        )
        for village in sorted(found.grid.villages.values(), key=lambda village: village.id)
    ]
    await update.effective_message.reply_text(
        _(
            "📜 New rectification order. Which village is it for? "
            "You can also send the place as a location pin. (/cancel to stop)"
        ),
        reply_markup=grid_markup([*buttons, _abandon_button(_)], 3),
    )
    return VILLAGE


async def village_chosen(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    query = update.callback_query
    data = callbacks.decode(query.data)
    found = services(context)
    village_id = data.str_arg() if data else None
    await query.answer()
    if village_id not in found.grid.villages:
        return VILLAGE
    language = await language_of(update, context)
    _ = found.i18n.translator(language).gettext
    context.user_data[DRAFT]["village_id"] = village_id
    buttons = [
        InlineKeyboardButton(
            hamlet.label(language), callback_data=callbacks.encode(PICK_HAMLET, hamlet.id)
        )
        for hamlet in sorted(found.grid.hamlets_of(village_id), key=lambda hamlet: hamlet.id)
    ]
    whole = InlineKeyboardButton(
        _("🏘 The whole village (to the village lead)"),
        callback_data=callbacks.encode(WHOLE_VILLAGE),
    )
    await query.edit_message_text(
        _("Which hamlet? Or the whole village."),
        reply_markup=grid_markup([*buttons, whole, _abandon_button(_)], 2),
    )
    return HAMLET


async def hamlet_chosen(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    query = update.callback_query
    data = callbacks.decode(query.data)
    found = services(context)
    hamlet = found.grid.hamlets.get(data.str_arg() if data else "")
    await query.answer()
    draft = context.user_data[DRAFT]
    if hamlet is None or hamlet.village_id != draft.get("village_id"):
        return HAMLET
    draft["hamlet_id"] = hamlet.id
    return await _place_set(update, context)


async def whole_village(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    await update.callback_query.answer()
    context.user_data[DRAFT]["hamlet_id"] = None
    return await _place_set(update, context)


async def location_received(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """A pin: the hamlet it falls in (or snaps to), with the pin kept for the task card."""
    message = update.effective_message
    found = services(context)
    _ = await translator(update, context)
    point = message.venue.location if message.venue else message.location
    match = found.grid.locate(point.latitude, point.longitude)
    if match.fit not in (Fit.INSIDE, Fit.NEAR) or match.hamlet is None:
        await message.reply_text(
            _("That point is not in any hamlet of the town. Please pick the village above.")
        )
        return VILLAGE
    draft = context.user_data[DRAFT]
    draft.update(
        village_id=match.hamlet.village_id,
        hamlet_id=match.hamlet.id,
        latitude=point.latitude,
        longitude=point.longitude,
    )
    return await _place_set(update, context)


async def text_received(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """Step 3: an optional photo of the problem."""
    message = update.effective_message
    _ = await translator(update, context)
    text = message.text.strip()
    if len(text) > MAX_TEXT:
        await message.reply_text(
            _("Please keep it to {limit:,} characters (this has {length:,}).").format(
                limit=MAX_TEXT, length=len(text)
            )
        )
        return TEXT
    context.user_data[DRAFT]["text"] = text
    await message.reply_text(
        _("Send a photo of the problem, or tap Skip."),
        reply_markup=grid_markup(
            [
                InlineKeyboardButton(_("Skip ➡"), callback_data=callbacks.encode(SKIP_PHOTO)),
                _abandon_button(_),
            ],
            2,
        ),
    )
    return PHOTO


async def photo_received(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    message = update.effective_message
    ref = await keep_picture(context, message)
    context.user_data[DRAFT]["photo"] = asdict(ref)
    return await _ask_deadline(update, context)


async def skip_photo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    await update.callback_query.answer()
    return await _ask_deadline(update, context)


async def deadline_chosen(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    query = update.callback_query
    data = callbacks.decode(query.data)
    days = data.int_arg() if data else None
    await query.answer()
    if days not in DEADLINE_DAYS:
        return DEADLINE
    today = services(context).clock.now().astimezone(_zone(context)).date()
    return await _deadline_set(
        update, context, datetime.combine(today + timedelta(days=days), DUE_TIME, _zone(context))
    )


async def deadline_typed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    message = update.effective_message
    _ = await translator(update, context)
    typed = message.text.strip()
    try:
        fix_by = datetime.strptime(typed, TIME_FORMAT).replace(tzinfo=_zone(context))
    except ValueError:
        try:
            fix_by = datetime.combine(date.fromisoformat(typed), DUE_TIME, _zone(context))
        except ValueError:
            await message.reply_text(
                _("Sorry, I could not read that. Please write a date like 2026-12-20.")
            )
            return DEADLINE
    return await _deadline_set(update, context, fix_by)


async def issue(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """Step 6: the order is stored and goes out as a task."""
    found = services(context)
    query = update.callback_query
    user = update.effective_user
    language = await language_of(update, context)
    _ = found.i18n.translator(language).gettext
    await query.answer()
    draft = context.user_data.pop(DRAFT, None)
    if draft is None:
        return ConversationHandler.END
    try:
        report = await found.reports.issue_order(user.id, _order(draft))
    except Refused as refusal:
        await query.edit_message_text(words(refusal, _, wording_for(context)))
        return ConversationHandler.END
    log.info("office admin %s issued order %s", user.id, report.number)
    assert report.fix_due_at is not None
    await query.edit_message_text(
        _(
            "📜 Rectification order {number} issued to {place}. Fix by {when}. "
            "/orders shows where it stands."
        ).format(
            number=report.number,
            place=found.notifier.place(report, language),
            when=found.notifier.local_time(report.fix_due_at),
        ),
        parse_mode=ParseMode.HTML,
    )
    return ConversationHandler.END


async def abandon(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    _ = await translator(update, context)
    return await end_flow(update, context, DRAFT, _("Stopped. No order was issued."))


def hint(state: int):
    """Input that does not fit the step: say what is needed, stay at the step."""

    async def remind(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
        _ = await translator(update, context)
        texts = {
            VILLAGE: _("Please tap a village above, or send a location pin."),
            HAMLET: _("Please tap a hamlet above, or the whole village."),
            TEXT: _("Please write what must be put right, as text."),
            PHOTO: _("Please send a photo, or tap Skip."),
            DEADLINE: _("Please tap a deadline above, or write a date like 2026-12-20."),
            CONFIRM: _("Please tap ✅ Issue or ✖ Cancel above."),
        }
        await update.effective_message.reply_text(texts[state])
        return state

    return remind


async def list_orders(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/orders: open rectification orders, nearest deadline first, with where each stands."""
    found = services(context)
    user = update.effective_user
    language = await language_of(update, context)
    _ = found.i18n.translator(language).gettext
    orders = await attempt(update, context, found.reports.open_orders(user.id))
    if orders is None:
        return
    if not orders:
        await update.effective_message.reply_text(
            _("No open rectification orders. /order issues one.")
        )
        return
    now = found.clock.now()
    lines = [_("📜 Open rectification orders ({count}):").format(count=len(orders))]
    for order in orders:
        assert order.fix_due_at is not None
        line = "• <b>{number}</b> {place} — {status} · {due}".format(
            number=order.number,
            place=found.notifier.place(order, language),
            status=found.notifier.status_label(order.state, language),
            due=_("fix by {when}").format(when=found.notifier.local_time(order.fix_due_at)),
        )
        if order.fix_due_at < now:
            line += " · " + found.notifier.overdue_label(order.fix_due_at, now, language)
        lines.append(line)
    await update.effective_message.reply_text("\n".join(lines), parse_mode=ParseMode.HTML)


# -- helpers --------------------------------------------------------------------------------------


async def _place_set(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """Step 2: what must be put right (if anybody there can receive it)."""
    found = services(context)
    language = await language_of(update, context)
    _ = found.i18n.translator(language).gettext
    draft = context.user_data[DRAFT]
    place = found.notifier.place_name(draft.get("hamlet_id"), draft["village_id"], language)
    names = found.notifier.names_of(
        responsible_for(found.people, draft.get("hamlet_id"), draft["village_id"], order=True)
    )
    if not names:
        await update.effective_chat.send_message(
            _("Nobody there can receive an order: no grid member and no village lead.")
            + "\n"
            + _("Please pick another place above, or /cancel."),
        )
        return HAMLET if update.callback_query is not None else VILLAGE
    text = _("To: {place} ({names}).\n\nWhat must be put right? Write it as text.").format(
        place=place, names=html.escape(", ".join(names))
    )
    await update.effective_chat.send_message(text, parse_mode=ParseMode.HTML)
    return TEXT


async def _ask_deadline(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    _ = await translator(update, context)
    buttons = [
        InlineKeyboardButton(
            _("{days} days").format(days=days), callback_data=callbacks.encode(PICK_DEADLINE, days)
        )
        for days in DEADLINE_DAYS
    ]
    await update.effective_chat.send_message(
        _("By when must it be fixed? Tap, or write a date like 2026-12-20 (18:00 that day)."),
        reply_markup=grid_markup([*buttons, _abandon_button(_)], 4),
    )
    return DEADLINE


async def _deadline_set(
    update: Update, context: ContextTypes.DEFAULT_TYPE, fix_by: datetime
) -> int:
    """Step 5: the order as the grid member will see it, then Issue."""
    found = services(context)
    language = await language_of(update, context)
    _ = found.i18n.translator(language).gettext
    if fix_by <= found.clock.now():
        await update.effective_chat.send_message(
            _("That time has already passed. Please send a later one.")
        )
        return DEADLINE
    draft = context.user_data[DRAFT]
    draft["fix_by"] = fix_by.isoformat()
    photo = draft.get("photo")
    if photo and photo.get("kind") == "document":  # the office's own file: re-sent as one
        await update.effective_chat.send_document(photo["file_id"])
    elif photo:
        await update.effective_chat.send_photo(photo["file_id"])
    place = found.notifier.place_name(draft.get("hamlet_id"), draft["village_id"], language)
    text = "\n".join(
        [
            "<b>" + _("Preview — the task card will say:") + "</b>",
            _("📜 Rectification order from the town office"),
            _("Place: {place}").format(place=place),
            _("Description: {text}").format(text=html.escape(draft["text"])),
            _("Fix by: {when}").format(when=found.notifier.local_time(fix_by)),
        ]
    )
    buttons = [
        InlineKeyboardButton(_("✅ Issue"), callback_data=callbacks.encode(ISSUE)),
        _abandon_button(_),
    ]
    await update.effective_chat.send_message(
        text, parse_mode=ParseMode.HTML, reply_markup=grid_markup(buttons, 2)
    )
    return CONFIRM


def _abandon_button(_: Translate) -> InlineKeyboardButton:
    return InlineKeyboardButton(_("✖ Cancel"), callback_data=callbacks.encode(ABANDON))


def _zone(context: ContextTypes.DEFAULT_TYPE):
    return services(context).config.general.tz


def _order(draft: dict) -> OrderDraft:
    photo = draft.get("photo")
    location = (
        Location(draft["latitude"], draft["longitude"], "gps") if "latitude" in draft else None
    )
    return OrderDraft(
        text=draft["text"],
        fix_by=datetime.fromisoformat(draft["fix_by"]),
        village_id=draft["village_id"],
        hamlet_id=draft.get("hamlet_id"),
        photo=MediaRef(**photo) if photo else None,
        location=location,
    )


def build() -> list:
    private = filters.ChatType.PRIVATE
    on_button = CallbackQueryHandler
    text = filters.TEXT & ~filters.COMMAND
    not_command = ~filters.COMMAND
    photo = filters.PHOTO | filters.Document.IMAGE
    issuing = ConversationHandler(
        name="order",
        persistent=True,
        entry_points=[CommandHandler("order", begin, filters=private)],
        states={
            VILLAGE: [
                on_button(village_chosen, pattern=callbacks.pattern(PICK_VILLAGE)),
                MessageHandler(filters.LOCATION | filters.VENUE, location_received),
                MessageHandler(not_command, hint(VILLAGE)),
            ],
            HAMLET: [
                on_button(hamlet_chosen, pattern=callbacks.pattern(PICK_HAMLET)),
                on_button(whole_village, pattern=callbacks.pattern(WHOLE_VILLAGE)),
                MessageHandler(not_command, hint(HAMLET)),
            ],
            TEXT: [MessageHandler(text, text_received), MessageHandler(not_command, hint(TEXT))],
            PHOTO: [
                MessageHandler(photo, photo_received),
                on_button(skip_photo, pattern=callbacks.pattern(SKIP_PHOTO)),
                MessageHandler(not_command, hint(PHOTO)),
            ],
            DEADLINE: [
                on_button(deadline_chosen, pattern=callbacks.pattern(PICK_DEADLINE)),
                MessageHandler(text, deadline_typed),
                MessageHandler(not_command, hint(DEADLINE)),
            ],
            CONFIRM: [
                on_button(issue, pattern=callbacks.pattern(ISSUE)),
                MessageHandler(not_command, hint(CONFIRM)),
            ],
        },
        fallbacks=[
            CommandHandler("cancel", abandon),
            on_button(abandon, pattern=callbacks.pattern(ABANDON)),
        ],
    )
    return [issuing, CommandHandler("orders", list_orders)]
