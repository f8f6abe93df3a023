"""Villagers and notices: where they live (asked once after /start, changed with /home),
notices on or off (/notices off|on), and the recent notices again (/news)."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, ContextTypes

from bot.core import callbacks
from bot.delivery.outbox import PartRefused, Unreachable
from handlers import common
from handlers.common import grid_markup, language_of, services, translator, village_buttons
from handlers.delivery import sender_for

HOME_VILLAGE, HOME_HAMLET, HOME_SKIP, HOME_BACK = "hv", "hh", "hsk", "hbk"
NOTICES_SWITCH = "nsw"
ON, OFF = "on", "off"


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/start as usual, then — once — where the person lives."""
    await common.start(update, context)
    user = update.effective_user
    if user is None or not common.is_private(update):
        return
    _, asked = await services(context).storage.users.home(user.id)
    if not asked:
        await ask_home(update, context)


async def ask_home(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    _ = await translator(update, context)
    await update.effective_chat.send_message(
        _(
            "Which village do you live in? Then the office's notices for your village reach "
            "you. You can skip this, and change it later with /home."
        ),
        reply_markup=await _villages(update, context),
    )


async def village_chosen(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    found = services(context)
    data = callbacks.decode(query.data)
    language = await language_of(update, context)
    _ = found.i18n.translator(language).gettext
    hamlets = found.grid.hamlets_of(data.str_arg() if data else "")
    await query.answer()
    if not hamlets:
        return
    buttons = [
        InlineKeyboardButton(
            hamlet.label(language), callback_data=callbacks.encode(HOME_HAMLET, hamlet.id)
        )
        for hamlet in sorted(hamlets, key=lambda hamlet: hamlet.id)
    ]
    buttons.append(InlineKeyboardButton(_("⬅ Back"), callback_data=callbacks.encode(HOME_BACK)))
    await query.edit_message_text(_("And which hamlet?"), reply_markup=grid_markup(buttons, 2))


async def hamlet_chosen(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    found = services(context)
    data = callbacks.decode(query.data)
    hamlet = found.grid.hamlets.get(data.str_arg() if data else "")
    await query.answer()
    if hamlet is None:
        return
    await found.storage.users.set_home(update.effective_user.id, hamlet.id, found.clock.now())
    language = await language_of(update, context)
    _ = found.i18n.translator(language).gettext
    village = found.grid.villages[hamlet.village_id]
    await query.edit_message_text(
        _(
            "Saved: you live in {hamlet}, {village}. Notices for your village will reach you "
            "(/notices off stops them; /home changes the place)."
        ).format(hamlet=hamlet.label(language), village=village.label(language))
    )


async def back_to_villages(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    _ = await translator(update, context)
    await update.callback_query.answer()
    await update.callback_query.edit_message_text(
        _("Which village do you live in?"), reply_markup=await _villages(update, context)
    )


async def skip_home(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    found = services(context)
    await found.storage.users.set_home(update.effective_user.id, None, found.clock.now())
    _ = await translator(update, context)
    await update.callback_query.answer()
    await update.callback_query.edit_message_text(
        _("No problem. You will still get notices for the whole town; /home sets your village.")
    )


async def notice_settings(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/notices on|off switches; /notices alone shows the setting with a button."""
    found = services(context)
    user = update.effective_user
    _ = await translator(update, context)
    wanted = (context.args or [""])[0].lower()
    if wanted in (ON, OFF):
        await found.storage.users.set_notices_on(user.id, wanted == ON, found.clock.now())
    elif context.args:
        await update.effective_message.reply_text(_("Please write /notices on or /notices off."))
        return
    await update.effective_message.reply_text(
        await _setting_text(update, context), reply_markup=await _switch(update, context)
    )


async def switch_notices(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    found = services(context)
    query = update.callback_query
    data = callbacks.decode(query.data)
    wanted = data.str_arg() if data else None
    await query.answer()
    if wanted not in (ON, OFF):
        return
    await found.storage.users.set_notices_on(
        update.effective_user.id, wanted == ON, found.clock.now()
    )
    await query.edit_message_text(
        await _setting_text(update, context), reply_markup=await _switch(update, context)
    )


async def show_news(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/news: the notices this person received lately, oldest first, as they were sent."""
    found = services(context)
    user = update.effective_user
    language = await language_of(update, context)
    _ = found.i18n.translator(language).gettext
    notices = await found.notices.received_by(user.id)
    if not notices:
        await update.effective_message.reply_text(_("No notices yet."))
        return
    sender = sender_for(context.bot, found.downloads, found.storage, found.clock)
    for notice in reversed(notices):
        for part in found.notices.render(notice.content, language):
            try:
                await sender.send(update.effective_chat.id, part)
            except (Unreachable, PartRefused):
                await update.effective_message.reply_text(
                    _("(Notice #{id} of {when} can no longer be shown.)").format(
                        id=notice.id, when=found.notices.local_time(notice.send_at)
                    )
                )


async def talked_again(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Anyone who writes to the bot can be reached again, even if they had blocked it."""
    if isinstance(update, Update) and update.effective_user is not None:
        await services(context).notices.welcome_back(update.effective_user.id)


async def _setting_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    found = services(context)
    _ = await translator(update, context)
    if await found.storage.users.notices_on(update.effective_user.id):
        return _("🔔 Office notices are on.")
    return _("🔕 Office notices are off. Reports you made still get their updates.")


async def _switch(update: Update, context: ContextTypes.DEFAULT_TYPE) -> InlineKeyboardMarkup:
    found = services(context)
    _ = await translator(update, context)
    on = await found.storage.users.notices_on(update.effective_user.id)
    label, value = (_("Turn notices off"), OFF) if on else (_("Turn notices on"), ON)
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=callbacks.encode(NOTICES_SWITCH, value))]]
    )


async def _villages(update: Update, context: ContextTypes.DEFAULT_TYPE) -> InlineKeyboardMarkup:
    found = services(context)
    language = await language_of(update, context)
    _ = found.i18n.translator(language).gettext
    skip = InlineKeyboardButton(_("Skip"), callback_data=callbacks.encode(HOME_SKIP))
    return grid_markup([*village_buttons(found, language, HOME_VILLAGE), skip], 3)


def build() -> list:
    return [
        CommandHandler("start", start),
        CommandHandler("home", ask_home),
        CommandHandler("news", show_news),
        CallbackQueryHandler(village_chosen, pattern=callbacks.pattern(HOME_VILLAGE)),
        CallbackQueryHandler(hamlet_chosen, pattern=callbacks.pattern(HOME_HAMLET)),
        CallbackQueryHandler(back_to_villages, pattern=callbacks.pattern(HOME_BACK)),
        CallbackQueryHandler(skip_home, pattern=callbacks.pattern(HOME_SKIP)),
        CallbackQueryHandler(switch_notices, pattern=callbacks.pattern(NOTICES_SWITCH)),
    ]
