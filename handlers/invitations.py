"""Roles given in the chat: the office invites (/invite: role → place → a one-time code) and the
person joins (/join CODE). Every button re-checks the presser in `RoleService`; /team and
revoking are in `handlers.team`, /area in `handlers.area`."""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardButton, Update
from telegram.constants import ParseMode
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.core.errors import Reason, Refused
from bot.core.i18n import N_
from bot.core.when import moment_text
from bot.people.directory import Role
from bot.people.roles import JoinStatus
from handlers import pickers
from handlers.buttons import (
    InviteDepartment,
    InviteHamletsDone,
    InviteRole,
    InviteToggleHamlet,
    InviteVillage,
    StopInvite,
)
from handlers.context import BotContext
from handlers.drafts import InviteDraft
from handlers.refusals import answer_refusal, security

ROLE_LABELS = {
    Role.GRID_MEMBER: N_("🧹 Grid member"),
    Role.VILLAGE_LEAD: N_("🧑‍🌾 Village lead"),
    Role.DEPARTMENT_MEMBER: N_("🏢 Department member"),
    Role.OFFICE_ADMIN: N_("🗂 Office admin"),
}
"""Each role's button label (also how /team names a role)."""

ROLE_BUTTONS = tuple(ROLE_LABELS.items())
"""Each role and its button label, in the order /invite offers them."""

ROLE_HINTS = {
    Role.GRID_MEMBER: N_("Reports in your hamlets will come to you; /tasks lists the open ones."),
    Role.VILLAGE_LEAD: N_("/area lists the open reports in your village."),
    Role.DEPARTMENT_MEMBER: N_("/area lists the open reports for your department."),
    Role.OFFICE_ADMIN: N_("/queue, /invite, /team and /audit are in your menu now."),
}

NOT_YOURS = Refused(Reason.NOT_YOURS, subject="invitation button")
"""A button that does not fit the invitation being made (forged, replayed or stale)."""


async def invite(update: Update, context: BotContext) -> None:
    """Step 1: which role (only those the office member may grant)."""
    message = update.effective_message
    if message is None:
        return
    _ = context._
    try:
        roles = context.services.roles.invitable_roles(context.person.id)
    except Refused as refusal:
        await answer_refusal(update, context, refusal)
        return
    context.keep(InviteDraft())
    buttons = [pickers.button(_(ROLE_LABELS[role]), InviteRole(role)) for role in roles]
    await message.reply_text(
        _("🎟 New invitation. Which role?"),
        reply_markup=pickers.keyboard([*buttons, _stop(context)], 2),
    )


async def role_chosen(update: Update, context: BotContext) -> None:
    """Step 2: where (village, department), or straight to the code for an office admin."""
    query = update.callback_query
    assert query is not None
    pressed = InviteRole.parse(query.data)
    if pressed is None:
        await answer_refusal(update, context, NOT_YOURS)
        return
    role = pressed.role
    if not await _may_invite(update, context, role):
        return
    found = context.services
    _ = context._
    context.keep(InviteDraft(role=role))
    await query.answer()
    if role == Role.OFFICE_ADMIN:
        await _create(update, context, role, ("",))
    elif role == Role.DEPARTMENT_MEMBER:
        language = context.person.language
        buttons = [
            pickers.button(department.name.get(language), InviteDepartment(key))
            for key, department in found.config.departments.items()
        ]
        await query.edit_message_text(
            _("Which department?"), reply_markup=pickers.keyboard([*buttons, _stop(context)], 1)
        )
    else:
        await query.edit_message_text(
            _("Which village?"),
            reply_markup=pickers.INVITE_PLACES.villages(found.grid, context.person.language, _),
        )


async def village_chosen(update: Update, context: BotContext) -> None:
    """A village lead's code at once; a grid member's hamlets to tick next."""
    query = update.callback_query
    assert query is not None
    draft = context.draft(InviteDraft)
    pressed = InviteVillage.parse(query.data)
    role = draft.role if draft else None
    if (
        draft is None
        or role not in (Role.GRID_MEMBER, Role.VILLAGE_LEAD)
        or pressed is None
        or pressed.village_id not in context.services.grid.villages
    ):
        await answer_refusal(update, context, NOT_YOURS)
        return
    if not await _may_invite(update, context, role):
        return
    await query.answer()
    if role == Role.VILLAGE_LEAD:
        await _create(update, context, Role.VILLAGE_LEAD, (pressed.village_id,))
        return
    draft.village = pressed.village_id
    draft.hamlets = []
    context.keep(draft)
    await _show_hamlets(update, context, draft)


async def hamlet_toggled(update: Update, context: BotContext) -> None:
    """Tick or untick one hamlet of the chosen village."""
    query = update.callback_query
    assert query is not None
    draft = context.draft(InviteDraft)
    pressed = InviteToggleHamlet.parse(query.data)
    hamlet = context.services.grid.hamlets.get(pressed.hamlet_id) if pressed else None
    if (
        draft is None
        or draft.role != Role.GRID_MEMBER
        or hamlet is None
        or hamlet.village_id != draft.village
    ):
        await answer_refusal(update, context, NOT_YOURS)
        return
    if not await _may_invite(update, context, Role.GRID_MEMBER):
        return
    if hamlet.id in draft.hamlets:
        draft.hamlets = [chosen for chosen in draft.hamlets if chosen != hamlet.id]
    else:
        draft.hamlets = [*draft.hamlets, hamlet.id]
    context.keep(draft)
    await query.answer()
    await _show_hamlets(update, context, draft)


async def hamlets_done(update: Update, context: BotContext) -> None:
    """The ticked hamlets are the grid member's: make the code."""
    query = update.callback_query
    assert query is not None
    draft = context.draft(InviteDraft)
    if draft is None or draft.role != Role.GRID_MEMBER:
        await answer_refusal(update, context, NOT_YOURS)
        return
    if not await _may_invite(update, context, Role.GRID_MEMBER):
        return
    if not draft.hamlets:
        await query.answer(context._("Tick at least one hamlet first."), show_alert=True)
        return
    await query.answer()
    await _create(update, context, Role.GRID_MEMBER, tuple(draft.hamlets))


async def department_chosen(update: Update, context: BotContext) -> None:
    """A department member's code."""
    query = update.callback_query
    assert query is not None
    pressed = InviteDepartment.parse(query.data)
    draft = context.draft(InviteDraft)
    if (
        draft is None
        or draft.role != Role.DEPARTMENT_MEMBER
        or pressed is None
        or pressed.department not in context.services.config.departments
    ):
        await answer_refusal(update, context, NOT_YOURS)
        return
    if not await _may_invite(update, context, Role.DEPARTMENT_MEMBER):
        return
    await query.answer()
    await _create(update, context, Role.DEPARTMENT_MEMBER, (pressed.department,))


async def stop_invite(update: Update, context: BotContext) -> None:
    """✖ Cancel: forget the draft, no code is made."""
    query = update.callback_query
    assert query is not None
    context.drop(InviteDraft)
    await query.answer()
    await query.edit_message_text(context._("No invitation was made."))


async def _create(update: Update, context: BotContext, role: Role, scopes: tuple[str, ...]) -> None:
    """Make the code and show it (once: only its hash is kept)."""
    query = update.callback_query
    assert query is not None
    found = context.services
    language = context.person.language
    _ = context._
    context.drop(InviteDraft)
    try:
        invitation = await found.roles.invite(context.person.id, role, scopes)
    except Refused as refusal:
        await answer_refusal(update, context, refusal)
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
    await query.edit_message_text(text, parse_mode=ParseMode.HTML)


async def _show_hamlets(update: Update, context: BotContext, draft: InviteDraft) -> None:
    """The hamlets of the draft's village as toggles, then Done ➡ and ✖ Cancel."""
    query = update.callback_query
    assert query is not None and draft.village is not None
    found = context.services
    language = context.person.language
    _ = context._
    village = found.grid.villages[draft.village]
    done = pickers.button(_("Done ➡"), InviteHamletsDone())
    markup = pickers.INVITE_PLACES.hamlets(
        found.grid, village.id, language, _, chosen=draft.hamlets, extra=[done]
    ) or pickers.keyboard([done, _stop(context)], 2)
    await query.edit_message_text(
        _("Tick the hamlets of {village} this grid member looks after, then Done.").format(
            village=village.label(language)
        ),
        reply_markup=markup,
    )


async def _may_invite(update: Update, context: BotContext, role: Role) -> bool:
    """The server-side check behind every invitation button (the rule is RoleService's)."""
    try:
        context.services.roles.require_may_invite(context.person.id, role)
    except Refused as refusal:
        await answer_refusal(update, context, refusal)
        return False
    return True


def _stop(context: BotContext) -> InlineKeyboardButton:
    return pickers.button(context._(pickers.CANCEL), StopInvite())


# -- /join ---------------------------------------------------------------------------------------


async def join(update: Update, context: BotContext) -> None:
    """Redeem a one-time code: the role, or a polite word on why not."""
    found = context.services
    user = update.effective_user
    message = update.effective_message
    if user is None or message is None:
        return
    language = context.person.language
    _ = context._
    code = " ".join(context.args or [])
    if not code.strip():
        await message.reply_text(
            _(
                "Please send /join followed by the code the town office gave you, "
                "for example: /join K7PQ2-XMV9D"
            )
        )
        return
    await found.storage.users.seen(
        user.id, user.first_name, user.username, found.clock.now(), context.person.language
    )
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
        on(role_chosen, pattern=InviteRole.pattern()),
        on(village_chosen, pattern=InviteVillage.pattern()),
        on(hamlet_toggled, pattern=InviteToggleHamlet.pattern()),
        on(hamlets_done, pattern=InviteHamletsDone.pattern()),
        on(department_chosen, pattern=InviteDepartment.pattern()),
        on(stop_invite, pattern=StopInvite.pattern()),
    ]
