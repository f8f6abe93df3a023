"""Data rights: /mydata shows what the bot keeps about a person, /forgetme erases it after a
confirmation button (their reports stay, anonymised). See `bot.people.privacy` for what is kept."""

from __future__ import annotations

from html import escape
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import (
    Application,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
)

from bot.core.errors import Refused
from handlers.buttons import ForgetNo, ForgetYes
from handlers.context import BotContext
from handlers.drafts import DRAFTS, ReportDraft
from handlers.refusals import answer_refusal

LANGUAGE_NAMES = {"zh": "中文", "en": "English"}
MAX_NUMBERS_SHOWN = 30


async def my_data(update: Update, context: BotContext) -> None:
    """Everything the bot keeps about the sender, in their language."""
    message = update.effective_message
    if message is None:
        return
    found, person, _ = context.services, context.person, context._
    language = person.language
    plural = found.i18n.translator(language).ngettext
    data = await found.privacy.personal_data(person.id)
    draft = context.draft(ReportDraft)
    profile = data.profile
    if (
        profile is None
        and not data.grants
        and draft is None
        and data.block is None
        and not data.forgotten_reports
        and data.role_language is None
    ):
        await message.reply_text(_("I keep nothing about you yet."))
        return
    lines = ["<b>" + _("🔐 What I keep about you") + "</b>"]
    lines.append(_("• Telegram id: {id}").format(id=person.id))
    if profile is not None:
        handle = f" · @{escape(profile.username)}" if profile.username else ""
        lines.append(_("• Name: {name}").format(name=escape(profile.first_name or "—") + handle))
        lines.append(
            _("• Language: {language}").format(
                language=LANGUAGE_NAMES.get(profile.language or "", _("as in your Telegram"))
            )
        )
        hamlet = found.grid.hamlets.get(profile.home_hamlet_id or "")
        home = (
            f"{hamlet.label(language)} · {found.grid.villages[hamlet.village_id].label(language)}"
            if hamlet
            else _("not set")
        )
        lines.append(_("• Where you live: {home}").format(home=escape(home)))
        lines.append(
            _("• Office notices: {setting}").format(
                setting=_("on") if profile.notices_on else _("off")
            )
        )
        lines.append(
            _("• First message to me: {when}").format(
                when=found.notifier.local_time(profile.first_seen, language)
            )
        )
    elif data.role_language is not None:
        lines.append(
            _("• Language: {language}").format(
                language=LANGUAGE_NAMES.get(data.role_language, data.role_language)
            )
        )
    for grant in data.grants:
        lines.append(
            _("• Role: {role}").format(
                role=found.roles.describe(grant.role, (grant.scope,), language)
            )
        )
    if data.reports:
        numbers = ", ".join(report.number for report in data.reports[:MAX_NUMBERS_SHOWN])
        more = "…" if len(data.reports) > MAX_NUMBERS_SHOWN else ""
        lines.append(
            _(
                "• Your reports: {count} ({numbers}{more}) — with their photos, place, your "
                "words and voice notes"
            ).format(count=len(data.reports), numbers=numbers, more=more)
        )
    if draft is not None:
        lines.append(
            plural(
                "• A report you are still writing: {count} photo",
                "• A report you are still writing: {count} photos",
                len(draft.photos),
            ).format(count=len(draft.photos))
        )
    if data.forgotten_reports:
        lines.append(
            plural(
                "• {count} report from before you used /forgetme: kept without your name, "
                "under a code made from your Telegram ID, so the report limits still count it",
                "• {count} reports from before you used /forgetme: kept without your name, "
                "under a code made from your Telegram ID, so the report limits still count them",
                data.forgotten_reports,
            ).format(count=data.forgotten_reports)
        )
    if data.block is not None:
        lines.append(
            _("• Reporting switched off by the office: {reason}").format(
                reason=escape(data.block.reason)
            )
        )
    lines.append("")
    lines.append(
        _(
            "Photos and voice notes are deleted after {days} days. Your name is never shown "
            "to grid members, village leads or departments. /forgetme deletes your data."
        ).format(days=found.config.privacy.media_retention_days)
    )
    await message.reply_text("\n".join(lines), parse_mode=ParseMode.HTML)


async def forget_me(update: Update, context: BotContext) -> None:
    """Explain what goes and what stays, and ask for a tap to confirm (a role holder is told
    at once, by the rule `forget` applies again)."""
    message = update.effective_message
    if message is None:
        return
    _ = context._
    try:
        context.services.privacy.require_may_forget(context.person.id)
    except Refused as refusal:
        await answer_refusal(update, context, refusal)
        return
    await message.reply_text(
        _(
            "🗑 Delete what I keep about you?\n"
            "• Deleted: your name, username, language, where you live, your settings, a report "
            "you are still writing, and your voice notes.\n"
            "• Kept, without your name: the reports you sent (photos, place, words), so the "
            "village can still clean up. You will no longer hear about them.\n"
            "• Kept as a code that does not show who you are: what the town's limits need "
            "(your recent reports, wrong /join codes, a block by the office), so they still "
            "apply if you come back.\n"
            "This cannot be undone."
        ),
        reply_markup=InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(
                        _("🗑 Yes, delete my data"), callback_data=ForgetYes().pack()
                    )
                ],
                [InlineKeyboardButton(_("Keep it"), callback_data=ForgetNo().pack())],
            ]
        ),
    )


async def forget_confirmed(update: Update, context: BotContext) -> None:
    """Only ever the presser's own data: there is nothing to forge."""
    found = context.services
    query = update.callback_query
    user = update.effective_user
    if query is None or user is None:
        return
    _ = context._
    try:
        await found.privacy.forget(user.id)
    except Refused as refusal:
        await answer_refusal(update, context, refusal)
        return
    for kind in DRAFTS:
        context.drop(kind)
    context.application.drop_user_data(user.id)
    _end_conversations(context.application, user.id)
    found.menus.forget(user.id)
    await query.answer()
    await query.edit_message_text(
        _(
            "✅ Done: I have deleted what I kept about you. Your reports stay without your name. "
            "If you write to me again, I start afresh."
        )
    )


async def forget_cancelled(update: Update, context: BotContext) -> None:
    """Keep it: say that nothing was deleted."""
    query = update.callback_query
    if query is None:
        return
    await query.answer()
    await query.edit_message_text(context._("Nothing was deleted."))


async def purge_media(context: BotContext) -> None:
    """The daily job: evidence past its retention period leaves the disk."""
    await context.services.privacy.purge_media()


def _end_conversations(
    application: Application[Any, Any, Any, Any, Any, Any], user_id: int
) -> None:
    """End every conversation the person is in, so no step of theirs survives in memory.

    python-telegram-bot 22.8 has no public call for this; its conversation table is a dict
    keyed by (chat id, user id), and removing a key is how it ends a conversation itself. The
    persistence is told through that dict, so the stored rows go too.
    """
    for handlers in application.handlers.values():
        for handler in handlers:
            if isinstance(handler, ConversationHandler):
                table = handler._conversations
                for key in [key for key in table if user_id in key]:
                    table.pop(key, None)


def build() -> list[BaseHandler[Update, BotContext, Any]]:
    """/mydata, /forgetme and its two buttons."""
    return [
        CommandHandler("mydata", my_data),
        CommandHandler("forgetme", forget_me),
        CallbackQueryHandler(forget_confirmed, pattern=ForgetYes.pattern()),
        CallbackQueryHandler(forget_cancelled, pattern=ForgetNo.pattern()),
    ]
