"""Roles given in the chat: the office invites (/invite: role → place → a one-time code) and the
person joins (/join CODE). Every button re-checks the presser on the server; /team and revoking
are in `handlers.team`, /area in `handlers.area`."""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.core import callbacks
from bot.core.errors import Reason, Refused
from bot.core.i18n import N_
from bot.core.when import moment_text
from bot.people.directory import Role
from bot.people.roles import JoinStatus
from bot.reporting.service import NotAllowed
from handlers.common import (
    Translate,
    grid_markup,
    language_of,
    security,
    services,
    translator,
)
from handlers.context import BotContext
from handlers.refusals import answer_refusal

PICK_ROLE, PICK_VILLAGE, TOGGLE_HAMLET, HAMLETS_DONE = "ivr", "ivv", "ivh", "ivd"
PICK_DEPARTMENT, STOP_INVITE = "ivp", "ivx"
INVITE = "invite"

ROLE_BUTTONS = (
    (Role.GRID_MEMBER, N_("🧹 Grid member")),
    (Role.VILLAGE_LEAD, N_("🧑‍🌾 Village lead")),
    (Role.DEPARTMENT_MEMBER, N_("🏢 Department member")),
    (Role.OFFICE_ADMIN, N_("🗂 Office admin")),
)
"""Each role and its button label (also how /team names a role)."""

ROLE_HINTS = {
    Role.GRID_MEMBER: N_("Reports in your hamlets will come to you; /tasks lists the open ones."),
    Role.VILLAGE_LEAD: N_("/area lists the open reports in your village."),
    Role.DEPARTMENT_MEMBER: N_("/area lists the open reports for your department."),
    Role.OFFICE_ADMIN: N_("/queue, /invite, /team and /audit are in your menu now."),
}


async def invite(update: Update, context: BotContext) -> None:
    """Step 1: which role."""
    found = services(context)
    user = update.effective_user
    message = update.effective_message
    _ = await translator(update, context)
    if user is None or message is None:
        return
    if not found.people.is_office(user.id):
        security.warning("refused /invite from user %s", user.id)
        await message.reply_text(_("Sorry, /invite is for the town office."))
        return
    context.user_data[INVITE] = {}
    buttons = [
        InlineKeyboardButton(_(label), callback_data=callbacks.encode(PICK_ROLE, role))
        for role, label in ROLE_BUTTONS
        if role != Role.OFFICE_ADMIN or found.people.is_config_admin(user.id)
    ]
    await message.reply_text(
        _("🎟 New invitation. Which role?"), reply_markup=grid_markup([*buttons, _stop(_)], 2)
    )


async def role_chosen(update: Update, context: BotContext) -> None:
    """Step 2: where (village, department), or straight to the code for an office admin."""
    query = update.callback_query
    data = callbacks.decode(query.data)
    try:
        role = Role(data.str_arg() if data else "")
    except ValueError:
        await answer_refusal(update, context, Refused(Reason.NOT_YOURS))
        return
    if not await _may_invite(update, context, role):
        return
    found = services(context)
    _ = await translator(update, context)
    context.user_data[INVITE] = {"role": role, "hamlets": []}
    await query.answer()
    if role == Role.OFFICE_ADMIN:
        await _create(update, context, role, ("",))
    elif role == Role.DEPARTMENT_MEMBER:
        language = await language_of(update, context)
        buttons = [
            InlineKeyboardButton(
                department.name.get(language), callback_data=callbacks.encode(PICK_DEPARTMENT, key)
            )
            for key, department in found.config.departments.items()
        ]
        await query.edit_message_text(
            _("Which department?"), reply_markup=grid_markup([*buttons, _stop(_)], 1)
        )
    else:
        await query.edit_message_text(
            _("Which village?"), reply_markup=await _villages(update, context)
        )


async def village_chosen(update: Update, context: BotContext) -> None:
    """A village lead's code at once; a grid member's hamlets to tick next."""
    query = update.callback_query
    draft = context.user_data.get(INVITE) or {}
    role = draft.get("role")
    data = callbacks.decode(query.data)
    village_id = data.str_arg() if data else None
    found = services(context)
    if role not in (Role.GRID_MEMBER, Role.VILLAGE_LEAD) or village_id not in found.grid.villages:
        await answer_refusal(update, context, Refused(Reason.NOT_YOURS))
        return
    if not await _may_invite(update, context, Role(role)):
        return
    await query.answer()
    if role == Role.VILLAGE_LEAD:
        await _create(update, context, Role.VILLAGE_LEAD, (village_id,))
        return
    draft.update(village=village_id, hamlets=[])
    await _show_hamlets(update, context)


async def hamlet_toggled(update: Update, context: BotContext) -> None:
    query = update.callback_query
    draft = context.user_data.get(INVITE) or {}
    data = callbacks.decode(query.data)
    hamlet = services(context).grid.hamlets.get(data.str_arg() or "") if data else None
    if (
        draft.get("role") != Role.GRID_MEMBER
        or hamlet is None
        or hamlet.village_id != draft.get("village")
    ):
        await answer_refusal(update, context, Refused(Reason.NOT_YOURS))
        return
    if not await _may_invite(update, context, Role.GRID_MEMBER):
        return
    chosen: list[str] = draft["hamlets"]
    if hamlet.id in chosen:
        chosen.remove(hamlet.id)
    else:
        chosen.append(hamlet.id)
    await query.answer()
    await _show_hamlets(update, context)


async def hamlets_done(update: Update, context: BotContext) -> None:
    query = update.callback_query
    draft = context.user_data.get(INVITE) or {}
    if draft.get("role") != Role.GRID_MEMBER:
        await answer_refusal(update, context, Refused(Reason.NOT_YOURS))
        return
    if not await _may_invite(update, context, Role.GRID_MEMBER):
        return
    _ = await translator(update, context)
    if not draft.get("hamlets"):
        await query.answer(_("Tick at least one hamlet first."), show_alert=True)
        return
    await query.answer()
    await _create(update, context, Role.GRID_MEMBER, tuple(draft["hamlets"]))


async def department_chosen(update: Update, context: BotContext) -> None:
    query = update.callback_query
    data = callbacks.decode(query.data)
    key = data.str_arg() if data else None
    draft = context.user_data.get(INVITE) or {}
    if (
        draft.get("role") != Role.DEPARTMENT_MEMBER
        or key not in services(context).config.departments
    ):
        await answer_refusal(update, context, Refused(Reason.NOT_YOURS))
        return
    if not await _may_invite(update, context, Role.DEPARTMENT_MEMBER):
        return
    await query.answer()
    await _create(update, context, Role.DEPARTMENT_MEMBER, (key,))


async def stop_invite(update: Update, context: BotContext) -> None:
    context.user_data.pop(INVITE, None)
    _ = await translator(update, context)
    await update.callback_query.answer()
    await update.callback_query.edit_message_text(_("No invitation was made."))


async def _create(update: Update, context: BotContext, role: Role, scopes: tuple[str, ...]) -> None:
    """Make the code and show it (once: only its hash is kept)."""
    found = services(context)
    language = await language_of(update, context)
    _ = found.i18n.translator(language).gettext
    context.user_data.pop(INVITE, None)
    try:
        invitation = await found.roles.invite(update.effective_user.id, role, scopes)
    except NotAllowed:
        await answer_refusal(update, context, Refused(Reason.NOT_YOURS))
        return
    text = _(
        "🎟 Invitation: {role}\n"
        "Code: <code>{code}</code>\n"
        "It works once and until {when}. Pass it on privately; the person sends me:\n"
        "<code>/join {code}</code>"
    ).format(
        role=found.roles.describe(role, scopes, language),
        code=invitation.code,
        when=moment_text(invitation.expires_at, language, found.config.general.tz),
    )
    await update.callback_query.edit_message_text(text, parse_mode=ParseMode.HTML)


async def _show_hamlets(update: Update, context: BotContext) -> None:
    found = services(context)
    draft = context.user_data[INVITE]
    language = await language_of(update, context)
    _ = found.i18n.translator(language).gettext
    village = found.grid.villages[draft["village"]]
    buttons = [
        InlineKeyboardButton(
            ("✅ " if hamlet.id in draft["hamlets"] else "") + hamlet.label(language),
            callback_data=callbacks.encode(TOGGLE_HAMLET, hamlet.id),
        )
        for hamlet in sorted(found.grid.hamlets_of(village.id), key=lambda hamlet: hamlet.id)
    ]
    done = InlineKeyboardButton(_("Done ➡"), callback_data=callbacks.encode(HAMLETS_DONE))
    await update.callback_query.edit_message_text(
        _("Tick the hamlets of {village} this grid member looks after, then Done.").format(
            village=village.label(language)
        ),
        reply_markup=grid_markup([*buttons, done, _stop(_)], 2),
    )


async def _villages(update: Update, context: BotContext) -> InlineKeyboardMarkup:
    found = services(context)
    language = await language_of(update, context)
    _ = found.i18n.translator(language).gettext
    buttons = [
        InlineKeyboardButton(
            village.label(language), callback_data=callbacks.encode(PICK_VILLAGE, village.id)
        )
        for village in sorted(found.grid.villages.values(), key=lambda village: village.id)
    ]
    return grid_markup([*buttons, _stop(_)], 3)


async def _may_invite(update: Update, context: BotContext, role: Role) -> bool:
    """The server-side check behind every invitation button."""
    try:
        services(context).roles.require_may_invite(update.effective_user.id, role)
    except NotAllowed:
        await answer_refusal(update, context, Refused(Reason.NOT_YOURS))
        return False
    return True


def _stop(_: Translate) -> InlineKeyboardButton:
    return InlineKeyboardButton(_("✖ Cancel"), callback_data=callbacks.encode(STOP_INVITE))


# -- /join ---------------------------------------------------------------------------------------


async def join(update: Update, context: BotContext) -> None:
    found = services(context)
    user = update.effective_user
    message = update.effective_message
    if user is None or message is None:
        return
    language = await language_of(update, context)
    _ = found.i18n.translator(language).gettext
    code = " ".join(context.args or [])
    if not code.strip():
        await message.reply_text(
            _(
                "Please send /join followed by the code the town office gave you, "
                "for example: /join K7PQ2-XMV9D"
            )
        )
        return
    await found.storage.users.seen(user.id, user.first_name, user.username, found.clock.now())
    result = await found.roles.join(user.id, user.full_name, code)
    if result.status != JoinStatus.JOINED:
        security.warning("refused /join from user %s: %s", user.id, result.status)
    match result.status:
        case JoinStatus.JOINED:
            assert result.role is not None
            await found.menus.refresh(context.bot, user.id, language)
            text = _("✅ Welcome! You are now {role}.").format(
                role=found.roles.describe(result.role, result.scopes, language)
            )
            text += "\n" + _(ROLE_HINTS[result.role])
        case JoinStatus.WRONG:
            text = _(
                "That code is not right. Please check it and try again ({left} tries left)."
            ).format(left=result.tries_left)
        case JoinStatus.EXPIRED:
            text = _("That code has expired. Please ask the town office for a new one.")
        case JoinStatus.USED:
            text = _(
                "That code has already been used; each code works only once. "
                "Please ask the town office for a new one."
            )
        case JoinStatus.LOCKED:
            assert result.locked_until is not None
            text = _("Too many wrong codes. Please try again after {when}.").format(
                when=moment_text(result.locked_until, language, found.config.general.tz)
            )
    await message.reply_text(text, parse_mode=ParseMode.HTML)


def build() -> list[BaseHandler[Update, BotContext, Any]]:
    """/invite with its buttons, and /join."""
    on = CallbackQueryHandler
    return [
        CommandHandler("invite", invite),
        CommandHandler("join", join),
        on(role_chosen, pattern=callbacks.pattern(PICK_ROLE)),
        on(village_chosen, pattern=callbacks.pattern(PICK_VILLAGE)),
        on(hamlet_toggled, pattern=callbacks.pattern(TOGGLE_HAMLET)),
        on(hamlets_done, pattern=callbacks.pattern(HAMLETS_DONE)),
        on(department_chosen, pattern=callbacks.pattern(PICK_DEPARTMENT)),
        on(stop_invite, pattern=callbacks.pattern(STOP_INVITE)),
    ]
