"""The journeys for everyone: /start, /help, /lang, "My reports", input no journey expects, and
buttons no handler takes any more."""

from __future__ import annotations

import html
import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode

from bot.core.i18n import N_
from handlers.buttons import ChooseLanguage
from handlers.context import BotContext
from handlers.files import unusable
from handlers.main_menu import is_private, main_keyboard
from handlers.refusals import NO_LONGER_ACTIVE

log = logging.getLogger(__name__)


async def start(update: Update, context: BotContext) -> None:
    """Greet, remember the person and show the big buttons."""
    found = context.services
    user = update.effective_user
    if user is None or update.effective_message is None:
        return
    now = found.clock.now()
    await found.storage.users.seen(
        user.id, user.first_name, user.username, now, context.person.language
    )
    _ = context._
    person = context.person
    text = _(
        "👋 Hello! This is the Clean Village helper of {town}.\n\n"
        "Seen rubbish dumped, or a dirty corner? Tap <b>📷 Report dumping</b>, send a photo "
        "and the place — the grid member of that hamlet will take care of it, and you will "
        "be told when it is fixed. Your name is never shown to them."
    ).format(town=html.escape(_("Santang Town")))
    if person.is_grid_member:
        text += "\n\n" + _("You are a grid member: /tasks lists the reports in your hamlets.")
    if person.is_village_lead or person.departments:
        text += "\n\n" + _("/area lists the open reports in your village or for your department.")
    if person.is_office:
        text += "\n\n" + _("You are an office admin: /queue shows reports waiting for the office.")
        text += "\n" + _(
            "/schedules cleanup days and other reminders · /order a rectification order · "
            "/orders open orders · /overdue work past its deadlines. "
            "The numbers: /stats (summary and chart), /ranking (Top-10 and Bottom-10 hamlets), "
            "/map (open reports), /export (XLSX and CSV), e.g. /stats last-month."
        )
    await update.effective_message.reply_text(
        text, parse_mode=ParseMode.HTML, reply_markup=main_keyboard(_)
    )


async def show_help(update: Update, context: BotContext) -> None:
    """How to report, and the commands for everyone."""
    if update.effective_message is None:
        return
    _ = context._
    await update.effective_message.reply_text(
        _(
            "How to report:\n"
            "1. Tap 📷 Report dumping (or just send a photo).\n"
            "2. Share your location, or pick your village and hamlet.\n"
            "3. Choose what kind of problem it is.\n"
            "4. Optionally type a few words or send a voice note, then tap Submit.\n\n"
            "Commands: /report new report · /myreports your reports · /lang language · "
            "/cancel stop what you are doing"
        ),
        reply_markup=main_keyboard(_),
    )


async def choose_language(update: Update, context: BotContext) -> None:
    """`/lang` shows a button per catalogue; each language names itself."""
    if update.effective_message is None:
        return
    found = context.services
    _ = context._
    buttons = [
        InlineKeyboardButton(
            found.i18n.translator(code).gettext(N_("English")),
            callback_data=ChooseLanguage(code).pack(),
        )
        for code in found.i18n.languages
    ]
    await update.effective_message.reply_text(
        _("Choose your language:"), reply_markup=InlineKeyboardMarkup([buttons])
    )


async def set_language(update: Update, context: BotContext) -> None:
    """A /lang button: store the language, bring the menu along, answer in it."""
    query = update.callback_query
    found = context.services
    pressed = ChooseLanguage.parse(query.data if query else None)
    if query is None or update.effective_user is None:
        return
    if pressed is None or pressed.language not in found.i18n.languages:
        await query.answer()
        return
    code = pressed.language
    await found.storage.users.set_language(update.effective_user.id, code, found.clock.now())
    await found.menus.refresh(context.bot, update.effective_user.id, code)
    context.switch_language(code)
    _ = context._
    await query.answer()
    await query.edit_message_text(_("Language set: English"))
    if query.message is not None:
        await context.bot.send_message(
            query.message.chat.id, _("Menu updated."), reply_markup=main_keyboard(_)
        )


async def my_reports(update: Update, context: BotContext) -> None:
    """The villager's own reports with where each one stands."""
    found = context.services
    user = update.effective_user
    if user is None or update.effective_message is None:
        return
    language = context.person.language
    _ = context._
    reports = await found.reports.reports_of(user.id)
    if not reports:
        text = _("You have not reported anything yet. Tap 📷 Report dumping to start.")
    else:
        lines = [_("Your reports (newest first):")]
        for report in reports:
            notifier = found.notifier
            category = notifier.category_label(report.category, language)
            place = notifier.place(report, language)
            status = notifier.status_label(report.state, language)
            if report.duplicate_of is not None:  # a "+1" follows the original's progress
                original = await found.reports.get(report.duplicate_of)
                if original is not None:
                    status = _("{status} (the same place as {original})").format(
                        status=notifier.status_label(original.state, language),
                        original=original.number,
                    )
            lines.append(f"• <b>{report.number}</b> {category} · {place} — {status}")
        text = "\n".join(lines)
    await update.effective_message.reply_text(
        text, parse_mode=ParseMode.HTML, reply_markup=main_keyboard(_)
    )


async def stray_input(update: Update, context: BotContext) -> None:
    """Anything no journey expects, in a private chat: say what would work, point at the menu."""
    message = update.effective_message
    if message is None or not is_private(update):
        return
    _ = context._
    await message.reply_text(
        unusable(message, _)
        or _(
            "Sorry, I did not understand that. "
            "Tap 📷 Report dumping to report a problem, or ❓ Help."
        ),
        reply_markup=main_keyboard(_),
    )


async def stale_button(update: Update, context: BotContext) -> None:
    """A button of ours that no handler takes now, e.g. from a finished conversation (data we
    never made is refused earlier, in `handlers.guard`)."""
    query = update.callback_query
    if query is None:
        return
    log.info(
        "stale button %r from user %s",
        query.data,
        update.effective_user and update.effective_user.id,
    )
    await query.answer(context._(NO_LONGER_ACTIVE), show_alert=False)
