"""Villagers and notices: where they live (asked once after /start, changed with /home),
notices on or off (/notices off|on), and the recent notices again (/news)."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.delivery.outbox import PartRefused, Unreachable
from handlers.buttons import HomeBack, HomeHamlet, HomeVillage, SkipHome, SwitchNotices
from handlers.context import BotContext
from handlers.delivery import sender_for
from handlers.main_menu import is_private
from handlers.pickers import HOME_PLACES, button
from handlers.refusals import NO_LONGER_ACTIVE
from handlers.start import start as greet

ON, OFF = "on", "off"
"""The words after /notices."""


async def start(update: Update, context: BotContext) -> None:
    """/start as usual, then — once — where the person lives."""
    await greet(update, context)
    if context.person_or_none is None or not is_private(update):
        return
    _, asked = await context.services.storage.users.home(context.person.id)
    if not asked:
        await ask_home(update, context)


async def ask_home(update: Update, context: BotContext) -> None:
    """/home (and once after /start): the villages, and Skip."""
    chat = update.effective_chat
    if chat is None:
        return
    _ = context._
    await chat.send_message(
        _(
            "Which village do you live in? Then the office's notices for your village reach "
            "you. You can skip this, and change it later with /home."
        ),
        reply_markup=_villages(context),
    )


async def village_chosen(update: Update, context: BotContext) -> None:
    """A village: its hamlets, and ⬅ Back."""
    query = update.callback_query
    if query is None:
        return
    pressed = HomeVillage.parse(query.data)
    found, _ = context.services, context._
    hamlets = (
        HOME_PLACES.hamlets(found.grid, pressed.village_id, context.person.language, _)
        if pressed is not None
        else None
    )
    if hamlets is None:
        await query.answer(_(NO_LONGER_ACTIVE), show_alert=True)
        return
    await query.answer()
    await query.edit_message_text(_("And which hamlet?"), reply_markup=hamlets)


async def hamlet_chosen(update: Update, context: BotContext) -> None:
    """A hamlet: saved as home; the message loses its buttons."""
    query = update.callback_query
    if query is None:
        return
    found, _, language = context.services, context._, context.person.language
    pressed = HomeHamlet.parse(query.data)
    hamlet = found.grid.hamlets.get(pressed.hamlet_id) if pressed is not None else None
    if hamlet is None:
        await query.answer(_(NO_LONGER_ACTIVE), show_alert=True)
        return
    await query.answer()
    await found.storage.users.set_home(context.person.id, hamlet.id, found.clock.now())
    village = found.grid.villages[hamlet.village_id]
    await query.edit_message_text(
        _(
            "Saved: you live in {hamlet}, {village}. Notices for your village will reach you "
            "(/notices off stops them; /home changes the place)."
        ).format(hamlet=hamlet.label(language), village=village.label(language))
    )


async def back_to_villages(update: Update, context: BotContext) -> None:
    """⬅ Back from the hamlets."""
    query = update.callback_query
    if query is None:
        return
    await query.answer()
    await query.edit_message_text(
        context._("Which village do you live in?"), reply_markup=_villages(context)
    )


async def skip_home(update: Update, context: BotContext) -> None:
    """Skip: remembered, so /start does not ask again; the message loses its buttons."""
    query = update.callback_query
    if query is None:
        return
    found = context.services
    await found.storage.users.set_home(context.person.id, None, found.clock.now())
    await query.answer()
    await query.edit_message_text(
        context._(
            "No problem. You will still get notices for the whole town; /home sets your village."
        )
    )


async def notice_settings(update: Update, context: BotContext) -> None:
    """/notices on|off switches; /notices alone shows the setting with a button."""
    message = update.effective_message
    if message is None:
        return
    found = context.services
    wanted = (context.args or [""])[0].lower()
    if wanted in (ON, OFF):
        await found.storage.users.set_notices_on(context.person.id, wanted == ON, found.clock.now())
    elif context.args:
        await message.reply_text(context._("Please write /notices on or /notices off."))
        return
    text, markup = await _setting(context)
    await message.reply_text(text, reply_markup=markup)


async def switch_notices(update: Update, context: BotContext) -> None:
    """The switch under the setting: on or off, and the setting as it is now."""
    query = update.callback_query
    if query is None:
        return
    pressed = SwitchNotices.parse(query.data)
    if pressed is None:
        await query.answer(context._(NO_LONGER_ACTIVE), show_alert=True)
        return
    await query.answer()
    found = context.services
    await found.storage.users.set_notices_on(context.person.id, pressed.on, found.clock.now())
    text, markup = await _setting(context)
    await query.edit_message_text(text, reply_markup=markup)


async def show_news(update: Update, context: BotContext) -> None:
    """/news: the notices this person received lately, oldest first, as they were sent."""
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None:
        return
    found, _ = context.services, context._
    notices = await found.notices.received_by(context.person.id)
    if not notices:
        await message.reply_text(_("No notices yet."))
        return
    sender = sender_for(context.bot, found.downloads, found.storage, found.clock)
    for notice in reversed(notices):
        for part in found.notices.render(notice.content, context.person.language):
            try:
                await sender.send(chat.id, part)
            except (Unreachable, PartRefused):
                await message.reply_text(
                    _("(Notice #{id} of {when} can no longer be shown.)").format(
                        id=notice.id,
                        when=found.notices.local_time(notice.send_at, context.person.language),
                    )
                )


async def talked_again(update: object, context: BotContext) -> None:
    """Anyone who writes to the bot can be reached again, even if they had blocked it."""
    if isinstance(update, Update) and update.effective_user is not None:
        await context.services.notices.welcome_back(update.effective_user.id)


async def _setting(context: BotContext) -> tuple[str, InlineKeyboardMarkup]:
    """The person's notice setting in words, and the button that turns it around."""
    _ = context._
    on = await context.services.storage.users.notices_on(context.person.id)
    if on:
        text, label = _("🔔 Office notices are on."), _("Turn notices off")
    else:
        text = _("🔕 Office notices are off. Reports you made still get their updates.")
        label = _("Turn notices on")
    return text, InlineKeyboardMarkup([[button(label, SwitchNotices(on=not on))]])


def _villages(context: BotContext) -> InlineKeyboardMarkup:
    """Every village, then Skip."""
    _ = context._
    skip = button(_("Skip"), SkipHome())
    return HOME_PLACES.villages(context.services.grid, context.person.language, _, extra=[skip])


def build() -> list[BaseHandler[Update, BotContext, None]]:
    """/start, /home, /news and the home and notice-switch buttons (/notices is in bot.app)."""
    return [
        CommandHandler("start", start),
        CommandHandler("home", ask_home),
        CommandHandler("news", show_news),
        CallbackQueryHandler(village_chosen, pattern=HomeVillage.pattern()),
        CallbackQueryHandler(hamlet_chosen, pattern=HomeHamlet.pattern()),
        CallbackQueryHandler(back_to_villages, pattern=HomeBack.pattern()),
        CallbackQueryHandler(skip_home, pattern=SkipHome.pattern()),
        CallbackQueryHandler(switch_notices, pattern=SwitchNotices.pattern()),
    ]
