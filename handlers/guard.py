"""What every update passes before any journey sees it.

Group -4, `flood_gate`: more than `[limits] flood_updates` updates from one person within
`flood_window_seconds` are answered once with "slow down" and then dropped for
`flood_mute_seconds`. It is arithmetic on a few timestamps, and one person's updates queue only
behind their own (`handlers.ordering`), so a flood slows nobody else.

Group -1, `admit`: channel posts and edits are not taken as input (a live location's moves
arrive as edits); group chats other than the office's and the departments' get a short pointer
to the private chat for commands and nothing else; in those groups, personal commands are
pointed to the private chat too (and the office's own /invite, /team, /audit, /who, /block),
and anonymous admins are asked to write as themselves. In
private chats, a role holder's command menu is brought up to date.
"""

from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatType
from telegram.ext import ApplicationHandlerStop, ContextTypes

from bot.core import callbacks
from bot.people.limits import Flood
from handlers.refusals import security
from handlers.services import Translate, language_of, services, translator

log = logging.getLogger(__name__)

PRIVATE_ONLY_COMMANDS = frozenset(
    {"start", "report", "help", "myreports", "mydata", "forgetme", "join", "lang", "home"}
    | {"news", "tasks", "area"}
    | {"invite", "team", "audit", "who", "block", "unblock"}
)
"""About one person, or showing codes, names and ids a group should not read: in a group
they get a pointer to the private chat."""


async def flood_gate(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Count the update against its sender; over the limit, stop it here."""
    if not isinstance(update, Update) or update.effective_user is None:
        return
    message = update.effective_message
    burst = message.media_group_id if message is not None else None
    verdict = services(context).flood.check(update.effective_user.id, burst)
    if verdict is Flood.PASS:
        return
    if verdict is Flood.WARN:
        security.warning("flood from user %s: ignoring them for a while", update.effective_user.id)
        _ = await translator(update, context)
        text = _(
            "🐢 That is a lot of messages at once. "
            "Please slow down; I will listen again in a minute."
        )
        if update.callback_query is not None:
            await update.callback_query.answer(text, show_alert=True)
        elif message is not None and _is_private(update):
            await message.reply_text(text)
    raise ApplicationHandlerStop


async def admit(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stop what is not served (see above); let the rest through to the journeys."""
    if not isinstance(update, Update):
        raise ApplicationHandlerStop
    if update.channel_post or update.edited_channel_post:
        raise ApplicationHandlerStop
    if update.edited_message is not None:
        await _edited(update, context)
        raise ApplicationHandlerStop
    in_group = not _is_private(update) and update.effective_chat is not None
    if in_group:
        await _in_group(update, context)
    query = update.callback_query
    if query is not None and callbacks.read(query.data) is None:
        await _not_our_button(update, context)
        raise ApplicationHandlerStop
    if in_group:
        return
    user = update.effective_user
    menus = services(context).menus
    if user is not None and menus.concerns(user.id):
        await menus.refresh(context.bot, user.id, await language_of(update, context))


async def _not_our_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Button data we never made (malformed, oversized, another prefix): refused and logged,
    before any handler whose pattern it might still match sees it."""
    query = update.callback_query
    if query is None:
        return
    security.warning(
        "refused unrecognised button data %r from user %s",
        query.data,
        update.effective_user and update.effective_user.id,
    )
    _ = await translator(update, context)
    await query.answer(_("This button is no longer active."))


async def _edited(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """An edit does not change what was received; say so for text, stay quiet for the moves
    of a live location."""
    message = update.edited_message
    if message is None or message.location is not None or not _is_private(update):
        return
    if message.text is None and message.caption is None:
        return
    _ = await translator(update, context)
    await message.reply_text(
        _(
            "I saw that you edited a message, but I keep what you first sent. "
            "If something should change, please send it again as a new message."
        )
    )


async def _in_group(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Serve the office's and departments' groups; elsewhere only point to the private chat."""
    found = services(context)
    chat = update.effective_chat
    if chat is None:
        return
    served = {found.people.office_chat_id, *found.people.department_chats.values()}
    message = update.effective_message
    command = _command_of(message)
    if chat.id not in served:
        if update.callback_query is not None:
            _ = await translator(update, context)
            await update.callback_query.answer(_private_chat_text(_, context), show_alert=True)
        elif command is not None:
            await _point_to_private_chat(update, context)
        log.info(
            "ignored an update in group %s, which is not the office's or a department's", chat.id
        )
        raise ApplicationHandlerStop
    if message is not None and message.sender_chat is not None and update.callback_query is None:
        if command is not None and message.sender_chat.id == chat.id:
            _ = await translator(update, context)
            await message.reply_text(
                _(
                    "You are writing as the group (anonymous admin), so I cannot tell who you "
                    "are. Please turn that off, or write to me in a private chat."
                )
            )
        raise ApplicationHandlerStop
    if command in PRIVATE_ONLY_COMMANDS:
        await _point_to_private_chat(update, context)
        raise ApplicationHandlerStop


async def _point_to_private_chat(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is None:
        return
    _ = await translator(update, context)
    markup = None
    if context.bot.username:
        markup = InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(
                        _("💬 Open a private chat"), url=f"https://t.me/{context.bot.username}"
                    )
                ]
            ]
        )
    await message.reply_text(_private_chat_text(_, context), reply_markup=markup)


def _private_chat_text(_: Translate, context: ContextTypes.DEFAULT_TYPE) -> str:
    return _(
        "👋 Reports and personal matters are handled in a private chat with me: open "
        "@{bot} and tap Start."
    ).format(bot=context.bot.username or "")


def _command_of(message: Message | None) -> str | None:
    """The command a message starts with, without the slash or @botname; None if none."""
    if message is None or not message.text or not message.text.startswith("/"):
        return None
    return (
        message.text[1:].split(maxsplit=1)[0].split("@", 1)[0].lower()
        if len(message.text) > 1
        else ""
    )


def _is_private(update: Update) -> bool:
    return update.effective_chat is not None and update.effective_chat.type == ChatType.PRIVATE
