"""The /newschedule wizard's "what" steps: who receives it (an audience, then a village,
hamlet or department), the title, the message, advance reminders, the preview and ✅ Save
(whether the office may save it, and its audit entry, are `ScheduleService.create`'s)."""

from __future__ import annotations

import html
import logging

from telegram import InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import ConversationHandler

from bot.core.callbacks import CallbackData
from bot.core.errors import Refused
from bot.delivery.audiences import Audience, AudienceKind
from bot.schedules.recurrence import EVENT, Firing
from bot.schedules.service import MAX_MESSAGE, MAX_TITLE, ScheduleKind
from handlers import buttons as b
from handlers import schedule_wizard as w
from handlers.context import BotContext
from handlers.drafts import ScheduleDraft, StoredAudience
from handlers.pickers import (
    SCHEDULE_HAMLET_PLACES,
    button,
    department_keyboard,
    keyboard,
    schedule_village_places,
    ticked,
)
from handlers.refusals import wording_for, words
from handlers.schedule_draft import OFFERED_REMINDERS, STANDARD_MESSAGES, schedule_of
from handlers.schedule_wizard import AUDIENCE, MESSAGE, PLACE, PREVIEW, REMINDERS, TITLE
from handlers.services import Services

log = logging.getLogger(__name__)

VILLAGE_AUDIENCES = (AudienceKind.VILLAGES, AudienceKind.VILLAGE_STAFF)


async def audience_chosen(update: Update, context: BotContext) -> int:
    """Who receives it: a village (its people or its staff), a hamlet, a department ask
    which (an alert if no department has a group chat); the others are set at once."""
    pressed, draft = await w.pressed(update, context, b.ScheduleAudience, answer=False)
    query = update.callback_query
    if pressed is None or draft is None or query is None:
        return await w.lost(update, context)
    found, _, language, kind = context.services, context._, context.person.language, pressed.kind
    if kind == AudienceKind.DEPARTMENT:
        departments = [
            (key, found.config.departments[key].name.get(language))
            for key in found.people.department_chats
        ]
        choices = department_keyboard(_, departments, b.ScheduleDepartment, b.ScheduleAbandon())
        if choices is None:
            await query.answer(
                _("No department has a group chat in the configuration."), show_alert=True
            )
            return AUDIENCE
        await query.answer()
        await w.edit(update, _("Which department?"), choices)
        return PLACE
    await query.answer()
    if kind in VILLAGE_AUDIENCES:
        places = schedule_village_places(kind).villages(found.grid, language, _)
        await w.edit(update, _("Which village?"), places)
        return PLACE
    if kind == AudienceKind.HAMLET:
        places = SCHEDULE_HAMLET_PLACES.villages(found.grid, language, _)
        await w.edit(update, _("Which village is the hamlet in?"), places)
        return PLACE
    return await _audience_set(update, context, draft, Audience(kind))


async def place_chosen(update: Update, context: BotContext) -> int:
    """The village (its people or its staff), the hamlet or the department that receives it."""
    pressed, draft = await w.pressed(update, context, CallbackData)
    if pressed is None or draft is None:
        return await w.lost(update, context)
    audience = _audience_of(pressed, context)
    if audience is None:
        return PLACE
    return await _audience_set(update, context, draft, audience)


def _audience_of(pressed: CallbackData, context: BotContext) -> Audience | None:
    """The audience a place button stands for, if it is one the wizard still offers."""
    found = context.services
    match pressed:
        case b.ScheduleVillage(kind=kind, village_id=village_id) if (
            kind in VILLAGE_AUDIENCES and village_id in found.grid.villages
        ):
            return Audience(kind, (village_id,))
        case b.ScheduleHamlet(hamlet_id=hamlet_id) if hamlet_id in found.grid.hamlets:
            return Audience(AudienceKind.HAMLET, (hamlet_id,))
        case b.ScheduleDepartment(department=department) if (
            department in found.people.department_chats
        ):
            return Audience(AudienceKind.DEPARTMENT, (department,))
    return None


async def hamlet_village_chosen(update: Update, context: BotContext) -> int:
    """The hamlet's village: its hamlets."""
    pressed, draft = await w.pressed(update, context, b.ScheduleHamletVillage)
    if pressed is None or draft is None:
        return await w.lost(update, context)
    hamlets = SCHEDULE_HAMLET_PLACES.hamlets(
        context.services.grid, pressed.village_id, context.person.language, context._
    )
    if hamlets is None:
        return PLACE
    await w.edit(update, context._("Which hamlet?"), hamlets)
    return PLACE


async def suggested_title(update: Update, context: BotContext) -> int:
    """The suggested title, tapped."""
    pressed, draft = await w.pressed(update, context, b.ScheduleSuggestedTitle)
    if pressed is None or draft is None or draft.suggested_title is None:
        return await w.lost(update, context)
    draft.titles = dict(draft.suggested_titles)
    return await _title_set(update, context, draft, draft.suggested_title)


async def title_received(update: Update, context: BotContext) -> int:
    """A title, typed (spaces tidied; at most MAX_TITLE characters)."""
    message, draft = update.effective_message, context.draft(ScheduleDraft)
    if message is None or draft is None:
        return await w.lost(update, context)
    title = " ".join((message.text or "").split())
    if len(title) > MAX_TITLE:
        await message.reply_text(
            context._(
                "Please keep the title to {limit} characters (this one has {length})."
            ).format(limit=MAX_TITLE, length=len(title))
        )
        return TITLE
    draft.titles = {}
    return await _title_set(update, context, draft, title)


async def standard_message(update: Update, context: BotContext) -> int:
    """The kind's standard text, in every language the bot speaks."""
    pressed, draft = await w.pressed(update, context, b.ScheduleStandardMessage)
    if pressed is None or draft is None or draft.kind not in STANDARD_MESSAGES:
        return await w.lost(update, context)
    i18n = context.services.i18n
    text = STANDARD_MESSAGES[draft.kind]
    draft.message = {
        language: i18n.translator(language).gettext(text) for language in i18n.languages
    }
    context.keep(draft)
    return await _ask_reminders(update, context, draft)


async def message_received(update: Update, context: BotContext) -> int:
    """The message, typed (in the default language)."""
    message, draft = update.effective_message, context.draft(ScheduleDraft)
    if message is None or draft is None:
        return await w.lost(update, context)
    text = (message.text or "").strip()
    if len(text) > MAX_MESSAGE:
        await message.reply_text(
            context._(
                "That is {length:,} characters; a reminder can have at most {limit:,}. "
                "Please shorten it and send it again."
            ).format(length=len(text), limit=MAX_MESSAGE)
        )
        return MESSAGE
    draft.message = {context.services.i18n.default_language: text}
    context.keep(draft)
    return await _ask_reminders(update, context, draft)


async def preview(update: Update, context: BotContext) -> int:
    """The message exactly as people will get it, what it is, who gets it, the next runs."""
    pressed, draft = await w.pressed(update, context, b.ScheduleRemindersDone)
    chat = update.effective_chat
    if pressed is None or draft is None or chat is None:
        return await w.lost(update, context)
    found, _, language = context.services, context._, context.person.language
    try:
        schedule = schedule_of(draft, found.i18n.default_language)
        found.schedules.check(schedule)
    except Refused as refusal:
        log.info("schedule draft refused: %s", refusal)
        await chat.send_message(words(refusal, _, wording_for(context)))
        context.drop(ScheduleDraft)
        return ConversationHandler.END
    events = found.schedules.upcoming(schedule, 3)
    upcoming = [found.schedules.local_time(moment, language) for moment in events]
    await w.edit(update, _("Preview — this is what people will get:"))
    sample = Firing(events[0], events[0], EVENT)
    for part in found.schedules.render(schedule, sample, language):
        await chat.send_message(part.text or "", parse_mode=ParseMode.HTML)
    recipients = len(await found.schedules.recipients(schedule))
    lines = [
        found.schedules.describe(schedule, language),
        _("Recipients today: {count:,}").format(count=recipients),
        _("Next: {when}").format(when=", ".join(upcoming)),
    ]
    if not recipients:
        lines.append(_("Nobody can receive it yet; it will reach whoever is registered by then."))
    choices = [button(_("✅ Save"), b.SaveSchedule()), w.cancel_button(context)]
    await chat.send_message(
        "\n".join(lines), parse_mode=ParseMode.HTML, reply_markup=InlineKeyboardMarkup([choices])
    )
    return PREVIEW


async def save(update: Update, context: BotContext) -> int:
    """✅ Save: the service checks the right and the schedule, stores it and audits it."""
    query, draft = update.callback_query, context.draft(ScheduleDraft)
    if query is None or draft is None:
        return await w.lost(update, context)
    await query.answer()
    found, _, language = context.services, context._, context.person.language
    context.drop(ScheduleDraft)
    try:
        schedule = await found.schedules.create(
            context.person.id, schedule_of(draft, found.i18n.default_language)
        )
    except Refused as refusal:
        await w.edit(update, words(refusal, _, wording_for(context)))
        return ConversationHandler.END
    upcoming = found.schedules.next_event(schedule)
    await w.edit(
        update,
        _("✅ Saved as #{id}. Next: {when}. /schedules lists it, with Pause and Delete.").format(
            id=schedule.id,
            when=found.schedules.local_time(upcoming, language) if upcoming else "—",
        ),
    )
    return ConversationHandler.END


def _reminders(context: BotContext, draft: ScheduleDraft) -> InlineKeyboardMarkup:
    """The offered reminders as toggles, then 👀 Preview and ✖ Cancel."""
    schedules, language = context.services.schedules, context.person.language
    toggles = [
        button(
            ticked(schedules.reminder_text(advance, language), index in draft.reminders),
            b.ScheduleToggleReminder(index),
        )
        for index, advance in enumerate(OFFERED_REMINDERS)
    ]
    done = button(context._("👀 Preview"), b.ScheduleRemindersDone())
    return keyboard([*toggles, done, w.cancel_button(context)], 1)


async def _audience_set(
    update: Update, context: BotContext, draft: ScheduleDraft, audience: Audience
) -> int:
    """Step 5: a title, with a suggestion to tap."""
    found, _, language = context.services, context._, context.person.language
    if draft.kind is None:
        return await w.lost(update, context)
    draft.audience = StoredAudience.of(audience)
    described = found.schedules.describe_audience(audience, language)
    draft.suggested_titles = {
        each: suggested(found, draft.kind, audience, each) for each in found.i18n.languages
    }
    draft.suggested_title = suggested(found, draft.kind, audience, language)
    context.keep(draft)
    choices = [button(draft.suggested_title, b.ScheduleSuggestedTitle()), w.cancel_button(context)]
    if update.callback_query is not None:
        await update.callback_query.edit_message_text(
            _(
                "To: {audience}\n\nSend a short title for the list (at most {limit} characters), "
                "or tap:"
            ).format(audience=described, limit=MAX_TITLE),
            reply_markup=keyboard(choices, 1),
        )
    return TITLE


def suggested(found: Services, kind: ScheduleKind, audience: Audience, language: str) -> str:
    """The title the wizard suggests, in `language`: the kind and who receives it."""
    described = found.schedules.describe_audience(audience, language)
    return f"{found.schedules.kind_label(kind, language)} · {described}"[:MAX_TITLE]


async def _title_set(update: Update, context: BotContext, draft: ScheduleDraft, title: str) -> int:
    """Step 6: the message (or the kind's standard text)."""
    await w.retire(update)
    chat = update.effective_chat
    if chat is None or draft.kind is None:
        return await w.lost(update, context)
    _ = context._
    draft.title = title
    context.keep(draft)
    choices = [w.cancel_button(context)]
    text = _("Now send the message people will receive (up to {limit:,} characters).").format(
        limit=MAX_MESSAGE
    )
    if draft.kind in STANDARD_MESSAGES:
        standard = html.escape(_(STANDARD_MESSAGES[draft.kind]))
        text += "\n\n" + _("Or use the standard text:") + "\n" + standard
        choices.insert(0, button(_("Use the standard text"), b.ScheduleStandardMessage()))
    await chat.send_message(text, reply_markup=keyboard(choices, 1))
    return MESSAGE


async def _ask_reminders(update: Update, context: BotContext, draft: ScheduleDraft) -> int:
    """Step 7: advance reminders, if any."""
    await w.retire(update)
    if update.effective_chat is not None:
        await update.effective_chat.send_message(
            context._(
                "Remind people beforehand as well? Tap any (tap again to remove), then Preview."
            ),
            reply_markup=_reminders(context, draft),
        )
    return REMINDERS


reminder_toggled: w.Toggle[b.ScheduleToggleReminder] = w.Toggle(
    b.ScheduleToggleReminder,
    lambda tapped: tapped.index,
    lambda draft: draft.reminders,
    range(len(OFFERED_REMINDERS)),
    _reminders,
    REMINDERS,
)
"""Tick or untick an advance reminder."""
