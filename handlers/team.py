"""/team: the office sees who holds which role and revokes invited ones (after a confirming
tap). Every button re-checks the presser on the server."""

from __future__ import annotations

from html import escape
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.core import callbacks
from bot.core.errors import Reason, Refused
from bot.people.directory import Grant
from bot.people.roles import RoleNotFound
from bot.reporting.service import NotAllowed
from handlers.common import (
    grid_markup,
    language_of,
    security,
    services,
)
from handlers.context import BotContext
from handlers.invitations import ROLE_BUTTONS
from handlers.refusals import answer_refusal

REVOKE, REVOKE_YES, REVOKE_NO = "rvk", "rvy", "rvn"
MAX_MESSAGE = 3500
REVOKE_BUTTONS_PER_MESSAGE = 40


# -- /team and revoking --------------------------------------------------------------------------


async def team(update: Update, context: BotContext) -> None:
    """Who holds which role; invited roles carry a Revoke button."""
    found = services(context)
    user = update.effective_user
    message = update.effective_message
    if user is None or message is None:
        return
    language = await language_of(update, context)
    _ = found.i18n.translator(language).gettext
    if not found.people.is_office(user.id):
        security.warning("refused /team from user %s", user.id)
        await message.reply_text(_("Sorry, /team is for the town office."))
        return
    grants = found.people.all_grants()
    names = await found.roles.names_of([grant.user_id for grant in grants])
    lines = ["<b>" + _("👥 Who holds which role") + "</b>"]
    for role, label in ROLE_BUTTONS:
        holders: dict[int, list[Grant]] = {}
        for grant in grants:
            if grant.role == role:
                holders.setdefault(grant.user_id, []).append(grant)
        if not holders:
            continue
        lines.append("\n<b>" + escape(_(label)) + "</b>")
        for user_id, held in holders.items():
            places = ", ".join(
                escape(found.roles.scope_label(role, grant.scope, language))
                for grant in held
                if grant.scope
            )
            origin = _("config.toml") if all(grant.from_config for grant in held) else _("invited")
            name = escape(names.get(user_id) or "?")
            lines.append(
                f"• {name} ({user_id})" + (f": {places}" if places else "") + f" — {origin}"
            )
    for chunk in chunks(lines):
        await message.reply_text(chunk, parse_mode=ParseMode.HTML)
    revocable = [
        grant
        for grant in grants
        if not grant.from_config and found.roles.may_revoke(user.id, grant)
    ]
    for start in range(0, len(revocable), REVOKE_BUTTONS_PER_MESSAGE):
        buttons = [
            InlineKeyboardButton(
                "✖ "
                + f"{names.get(grant.user_id) or grant.user_id} · "
                + _(dict(ROLE_BUTTONS)[grant.role])
                + (
                    f" · {found.roles.scope_label(grant.role, grant.scope, language)}"
                    if grant.scope
                    else ""
                ),
                callback_data=callbacks.encode(REVOKE, grant.id),
            )
            for grant in revocable[start : start + REVOKE_BUTTONS_PER_MESSAGE]
        ]
        await message.reply_text(
            _("Invited roles — tap one to revoke it:"), reply_markup=grid_markup(buttons, 1)
        )


async def ask_revoke(update: Update, context: BotContext) -> None:
    """A revoke needs a second tap, on a question that names the person and the role."""
    query, chat = update.callback_query, update.effective_chat
    grant = await _revocable(update, context)
    if grant is None or query is None or chat is None:
        return
    found = context.services
    language = context.person.language
    _ = context._
    names = await found.roles.names_of([grant.user_id])
    await query.answer()
    await chat.send_message(
        _("End the role of {name} ({user}): {role}?").format(
            name=escape(names.get(grant.user_id) or "?"),
            user=grant.user_id,
            role=found.roles.describe(grant.role, (grant.scope,), language),
        ),
        parse_mode=ParseMode.HTML,
        reply_markup=InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(
                        _("Yes, revoke"), callback_data=callbacks.encode(REVOKE_YES, grant.id)
                    ),
                    InlineKeyboardButton(_("No"), callback_data=callbacks.encode(REVOKE_NO)),
                ]
            ]
        ),
    )


async def revoke(update: Update, context: BotContext) -> None:
    """Yes, revoke: the role ends (audited by the service) and the person's menu shrinks."""
    query = update.callback_query
    grant = await _revocable(update, context)
    if grant is None or grant.id is None or query is None:
        return
    found = context.services
    try:
        await found.roles.revoke(context.person.id, grant.id)
    except (NotAllowed, RoleNotFound):
        await answer_refusal(update, context, Refused(Reason.NOT_YOURS))
        return
    language = context.person.language
    _ = context._
    revoked_language = found.i18n.pick(await found.storage.users.language(grant.user_id))
    await found.menus.refresh(context.bot, grant.user_id, revoked_language)
    await query.answer(_("Revoked."))
    await query.edit_message_text(
        _("Revoked: {user} is no longer {role}.").format(
            user=grant.user_id, role=found.roles.describe(grant.role, (grant.scope,), language)
        ),
        parse_mode=ParseMode.HTML,
    )


async def keep_role(update: Update, context: BotContext) -> None:
    """No: nothing changes."""
    query = update.callback_query
    if query is None:
        return
    await query.answer()
    await query.edit_message_text(context._("Nothing changed."))


async def _revocable(update: Update, context: BotContext) -> Grant | None:
    """The pressed role, if it is still active and the presser may revoke it."""
    found = context.services
    query = update.callback_query
    data = callbacks.decode(query.data if query else None)
    grant_id = data.int_arg() if data else None
    grant = found.people.stored_grant(grant_id) if grant_id is not None else None
    if grant is None or not found.roles.may_revoke(context.person.id, grant):
        await answer_refusal(update, context, Refused(Reason.NOT_YOURS))
        return None
    return grant


def chunks(lines: list[str]) -> list[str]:
    """Lines joined into messages that fit Telegram's limit (lines are never split)."""
    chunks: list[str] = []
    current = ""
    for line in lines:
        if current and len(current) + len(line) + 1 > MAX_MESSAGE:
            chunks.append(current)
            current = ""
        current = f"{current}\n{line}" if current else line
    if current:
        chunks.append(current)
    return chunks


def build() -> list[BaseHandler[Update, BotContext, Any]]:
    """/team and its revoke buttons."""
    on = CallbackQueryHandler
    return [
        CommandHandler("team", team),
        on(ask_revoke, pattern=callbacks.pattern(REVOKE)),
        on(revoke, pattern=callbacks.pattern(REVOKE_YES)),
        on(keep_role, pattern=callbacks.pattern(REVOKE_NO)),
    ]
