"""The /notice wizard's first step: who receives the notice — everyone, some villages (as
toggles), one hamlet (village, then hamlet) or a department's group chat."""

from __future__ import annotations

import contextlib

from telegram import InlineKeyboardMarkup, Update
from telegram.error import BadRequest

from bot.core.callbacks import CallbackData
from bot.delivery.audiences import Audience, AudienceKind
from bot.notices.service import MAX_CAPTION, MAX_TEXT
from handlers import notice_wizard as w
from handlers.buttons import (
    NoticeAbandon,
    NoticeAudience,
    NoticeDepartment,
    NoticeHamlet,
    NoticeHamletVillage,
    NoticeToggleVillage,
    NoticeVillagesDone,
)
from handlers.context import BotContext
from handlers.drafts import NoticeDraft, StoredAudience
from handlers.notice_wizard import AUDIENCE, CONTENT, DEPARTMENT, HAMLET, VILLAGES
from handlers.pickers import (
    NOTICE_HAMLET_PLACES,
    NOTICE_VILLAGE_TOGGLES,
    button,
    department_keyboard,
)


async def audience_chosen(update: Update, context: BotContext) -> int:
    """The audience kind: villages and a hamlet ask which; a department which one."""
    query, draft = update.callback_query, context.draft(NoticeDraft)
    pressed = NoticeAudience.parse(query.data) if query is not None else None
    if query is None or pressed is None or draft is None:
        return await w.lost(update, context)
    found, _ = context.services, context._
    if pressed.kind == AudienceKind.DEPARTMENT:
        return await _ask_department(update, context)
    await query.answer()
    if pressed.kind == AudienceKind.VILLAGES:
        draft.villages = []
        context.keep(draft)
        await query.edit_message_text(
            _("Tap the villages (tap again to remove), then Done."),
            reply_markup=_village_toggles(context, draft),
        )
        return VILLAGES
    if pressed.kind == AudienceKind.HAMLET:
        await query.edit_message_text(
            _("Which village is the hamlet in?"),
            reply_markup=NOTICE_HAMLET_PLACES.villages(found.grid, context.person.language, _),
        )
        return HAMLET
    return await _audience_set(update, context, draft, Audience(pressed.kind))


async def village_toggled(update: Update, context: BotContext) -> int:
    """Tick or untick a village; the keyboard shows the choice so far."""
    query, draft = update.callback_query, context.draft(NoticeDraft)
    pressed = NoticeToggleVillage.parse(query.data) if query is not None else None
    if query is None or pressed is None or draft is None:
        return await w.lost(update, context)
    if pressed.village_id in context.services.grid.villages:
        if pressed.village_id in draft.villages:
            draft.villages.remove(pressed.village_id)
        else:
            draft.villages.append(pressed.village_id)
        context.keep(draft)
    await query.answer()
    with contextlib.suppress(BadRequest):
        await query.edit_message_reply_markup(_village_toggles(context, draft))
    return VILLAGES


async def villages_done(update: Update, context: BotContext) -> int:
    """Done: the ticked villages are the audience (at least one)."""
    query, draft = update.callback_query, context.draft(NoticeDraft)
    if query is None or draft is None:
        return await w.lost(update, context)
    if not draft.villages:
        await query.answer(context._("Tap at least one village first."), show_alert=True)
        return VILLAGES
    await query.answer()
    audience = Audience(AudienceKind.VILLAGES, tuple(draft.villages))
    return await _audience_set(update, context, draft, audience)


async def hamlet_village_chosen(update: Update, context: BotContext) -> int:
    """The hamlet's village: its hamlets."""
    query = update.callback_query
    pressed = NoticeHamletVillage.parse(query.data) if query is not None else None
    if query is None or pressed is None:
        return await w.lost(update, context)
    found, _ = context.services, context._
    hamlets = NOTICE_HAMLET_PLACES.hamlets(
        found.grid, pressed.village_id, context.person.language, _
    )
    await query.answer()
    if hamlets is None:
        return HAMLET
    await query.edit_message_text(_("Which hamlet?"), reply_markup=hamlets)
    return HAMLET


async def place_chosen(update: Update, context: BotContext) -> int:
    """The one hamlet, or the department whose group chat, receives the notice."""
    query, draft = update.callback_query, context.draft(NoticeDraft)
    pressed = CallbackData.parse(query.data) if query is not None else None
    if query is None or pressed is None or draft is None:
        return await w.lost(update, context)
    await query.answer()
    found = context.services
    match pressed:
        case NoticeHamlet(hamlet_id=hamlet_id) if hamlet_id in found.grid.hamlets:
            audience = Audience(AudienceKind.HAMLET, (hamlet_id,))
        case NoticeDepartment(department=department) if department in found.people.department_chats:
            audience = Audience(AudienceKind.DEPARTMENT, (department,))
        case NoticeDepartment():
            return DEPARTMENT
        case _:
            return HAMLET
    return await _audience_set(update, context, draft, audience)


def _village_toggles(context: BotContext, draft: NoticeDraft) -> InlineKeyboardMarkup:
    """The villages as toggles, then Done (n) and ✖ Cancel."""
    _ = context._
    done = button(_("Done ({count})").format(count=len(draft.villages)), NoticeVillagesDone())
    return NOTICE_VILLAGE_TOGGLES.villages(
        context.services.grid,
        context.person.language,
        _,
        chosen=draft.villages,
        extra=[done],
    )


async def _ask_department(update: Update, context: BotContext) -> int:
    """Which department (only those with a group chat); an alert if there is none."""
    query = update.callback_query
    if query is None:
        return await w.lost(update, context)
    found, _, language = context.services, context._, context.person.language
    departments = [
        (key, found.config.departments[key].name.get(language))
        for key in found.people.department_chats
    ]
    choices = department_keyboard(_, departments, NoticeDepartment, NoticeAbandon())
    if choices is None:
        await query.answer(
            _("No department has a group chat in the configuration."), show_alert=True
        )
        return AUDIENCE
    await query.answer()
    await query.edit_message_text(_("Which department?"), reply_markup=choices)
    return DEPARTMENT


async def _audience_set(
    update: Update, context: BotContext, draft: NoticeDraft, audience: Audience
) -> int:
    """The audience is chosen: keep it, and ask for the notice."""
    found, _, language = context.services, context._, context.person.language
    draft.audience = StoredAudience.of(audience)
    context.keep(draft)
    if update.callback_query is not None:
        await update.callback_query.edit_message_text(
            _(
                "To: {audience}\n\nNow send the notice: text (up to {text:,} characters), or a "
                "photo or a PDF file with a caption (up to {caption:,})."
            ).format(
                audience=found.notices.describe_audience(audience, language),
                text=MAX_TEXT,
                caption=MAX_CAPTION,
            )
        )
    return CONTENT
