"""/team: the office sees who holds which role and revokes invited ones (after a confirming
tap). Every button re-checks the presser in `RoleService`."""

from __future__ import annotations

from html import escape
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.core.errors import Reason, Refused
from bot.people.directory import Grant
from bot.people.roles import RoleNotFound
from handlers import pickers
from handlers.buttons import AskRevoke, RevokeNo, RevokeYes
from handlers.context import BotContext
from handlers.invitations import ROLE_BUTTONS, ROLE_LABELS
from handlers.refusals import answer_refusal

MAX_MESSAGE = 3500
REVOKE_BUTTONS_PER_MESSAGE = 40


# -- /team and revoking --------------------------------------------------------------------------


async def team(update: Update, context: BotContext) -> None:
    """Who holds which role; invited roles carry a Revoke button."""
    message = update.effective_message
    if message is None:
        return
    found = context.services
    actor_id = context.person.id
    language = context.person.language
    _ = context._
    try:
        grants = found.roles.team(actor_id)
    except Refused as refusal:
        await answer_refusal(update, context, refusal)
        return
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
        if not grant.from_config and found.roles.may_revoke(actor_id, grant)
    ]
    for start in range(0, len(revocable), REVOKE_BUTTONS_PER_MESSAGE):
        buttons = [
            pickers.button(
                "✖ "
                + f"{names.get(grant.user_id) or grant.user_id} · "
                + _(ROLE_LABELS[grant.role])
                + (
                    f" · {found.roles.scope_label(grant.role, grant.scope, language)}"
                    if grant.scope
                    else ""
                ),
                AskRevoke(grant.id),
            )
            for grant in revocable[start : start + REVOKE_BUTTONS_PER_MESSAGE]
            if grant.id is not None
        ]
        await message.reply_text(
            _("Invited roles — tap one to revoke it:"), reply_markup=pickers.keyboard(buttons, 1)
        )


async def ask_revoke(update: Update, context: BotContext) -> None:
    """A revoke needs a second tap, on a question that names the person and the role."""
    query, chat = update.callback_query, update.effective_chat
    grant = await _revocable(update, context, AskRevoke.parse(query.data if query else None))
    if grant is None or grant.id is None or query is None or chat is None:
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
                    pickers.button(_("Yes, revoke"), RevokeYes(grant.id)),
                    pickers.button(_("No"), RevokeNo()),
                ]
            ]
        ),
    )


async def revoke(update: Update, context: BotContext) -> None:
    """Yes, revoke: the role ends (audited by the service) and the person's menu shrinks."""
    query = update.callback_query
    grant = await _revocable(update, context, RevokeYes.parse(query.data if query else None))
    if grant is None or grant.id is None or query is None:
        return
    found = context.services
    try:
        await found.roles.revoke(context.person.id, grant.id)
    except Refused as refusal:
        await answer_refusal(update, context, refusal)
        return
    except RoleNotFound:
        await answer_refusal(update, context, Refused(Reason.ROLE_GONE))
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


async def _revocable(
    update: Update, context: BotContext, pressed: AskRevoke | RevokeYes | None
) -> Grant | None:
    """The pressed role, if it is still active and the presser may revoke it."""
    found = context.services
    grant = found.people.stored_grant(pressed.grant_id) if pressed is not None else None
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
        on(ask_revoke, pattern=AskRevoke.pattern()),
        on(revoke, pattern=RevokeYes.pattern()),
        on(keep_role, pattern=RevokeNo.pattern()),
    ]
