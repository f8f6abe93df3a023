"""The office adds a schedule by answering questions, almost all of them with inline
buttons: kind → recurrence → time → audience → title → message → advance reminders → preview
→ save. The draft (`ScheduleDraft`) lives in persisted user data, so a restart mid-way
continues where it was; whether the office may save it, and its audit entry, are
`ScheduleService.create`'s (`handlers.schedule_draft` turns the draft into a schedule)."""

from __future__ import annotations

import contextlib
import html
import logging
from collections.abc import Callable, Coroutine
from datetime import date, datetime, time
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.core.callbacks import CallbackData
from bot.core.errors import Refused
from bot.delivery.audiences import Audience, AudienceKind
from bot.schedules.recurrence import EVENT, LAST_DAY, MAX_DAY, Firing, Repeat
from bot.schedules.service import MAX_MESSAGE, MAX_TITLE, ScheduleKind
from handlers import buttons as b
from handlers.context import BotContext
from handlers.drafts import ScheduleDraft, StoredAudience
from handlers.pickers import (
    CANCEL,
    COMMON_TIMES,
    SCHEDULE_AUDIENCES,
    SCHEDULE_HAMLET_PLACES,
    audience_keyboard,
    button,
    day_keyboard,
    department_keyboard,
    end_wizard,
    keyboard,
    month_keyboard,
    quarter_month_keyboard,
    schedule_village_places,
    ticked,
    time_keyboard,
    weekday_toggles,
)
from handlers.refusals import NO_LONGER_ACTIVE, wording_for, words
from handlers.schedule_draft import OFFERED_REMINDERS, STANDARD_MESSAGES, schedule_of

log = logging.getLogger(__name__)

Step = Callable[[Update, BotContext], Coroutine[Any, Any, int]]
"""A step of the wizard: handles one update and says which state comes next."""
Pressed = TypeVar("Pressed", bound=CallbackData)

(
    KIND,
    REPEAT,
    WEEKDAYS,
    QUARTER_MONTH,
    MONTH,
    DAY,
    DATE,
    TIME,
    AUDIENCE,
    PLACE,
    TITLE,
    MESSAGE,
    REMINDERS,
    PREVIEW,
) = range(14)


async def begin(update: Update, context: BotContext) -> int:
    """Step 1: what kind of reminder (the office only: asking others would be in vain)."""
    chat = update.effective_chat
    if update.callback_query is not None:
        await update.callback_query.answer()
    if chat is None:
        return ConversationHandler.END
    _ = context._
    try:
        context.services.schedules.require_office(context.person.id, command="schedules")
    except Refused as refusal:
        await chat.send_message(words(refusal, _, wording_for(context)))
        return ConversationHandler.END
    context.keep(ScheduleDraft())
    kinds = [
        button(
            context.services.schedules.kind_label(kind, context.person.language),
            b.ScheduleKindChosen(kind),
        )
        for kind in ScheduleKind
    ]
    await chat.send_message(
        _("🗓 New schedule. What kind? (/cancel to stop)"),
        reply_markup=keyboard([*kinds, _abandon(context)], 1),
    )
    return KIND


async def kind_chosen(update: Update, context: BotContext) -> int:
    """Step 2: how often."""
    pressed, draft = await _pressed(update, context, b.ScheduleKindChosen)
    if pressed is None or draft is None:
        return await _lost(update, context)
    draft.kind = pressed.kind
    context.keep(draft)
    _ = context._
    labels = {
        Repeat.DAILY: _("Every day"),
        Repeat.WEEKLY: _("Weekly, on chosen days"),
        Repeat.MONTHLY: _("Monthly, on a day"),
        Repeat.QUARTERLY: _("Quarterly"),
        Repeat.YEARLY: _("Yearly"),
        Repeat.ONCE: _("Once, on a date"),
    }
    repeats = [button(label, b.ScheduleRepeat(repeat)) for repeat, label in labels.items()]
    await _edit(update, _("How often?"), keyboard([*repeats, _abandon(context)], 2))
    return REPEAT


async def repeat_chosen(update: Update, context: BotContext) -> int:
    """How often: weekdays, a day, a month or a date, as the recurrence needs."""
    pressed, draft = await _pressed(update, context, b.ScheduleRepeat)
    if pressed is None or draft is None:
        return await _lost(update, context)
    draft.repeat = pressed.repeat
    context.keep(draft)
    _, cancel = context._, b.ScheduleAbandon()
    match pressed.repeat:
        case Repeat.DAILY:
            return await _ask_time(update, context)
        case Repeat.WEEKLY:
            await _edit(
                update,
                _("Tap the days (tap again to remove), then Done."),
                _weekdays(context, draft),
            )
            return WEEKDAYS
        case Repeat.MONTHLY:
            return await _ask_day(update, context)
        case Repeat.QUARTERLY:
            await _edit(
                update,
                _("In which month of each quarter?"),
                quarter_month_keyboard(_, b.ScheduleQuarterMonth, cancel),
            )
            return QUARTER_MONTH
        case Repeat.YEARLY:
            await _edit(update, _("In which month?"), month_keyboard(_, b.ScheduleMonth, cancel))
            return MONTH
        case Repeat.ONCE:
            today = context.services.clock.now().astimezone(_zone(context)).date()
            await _edit(
                update,
                _("On which date? Send it like {example}.").format(
                    example=date.fromordinal(today.toordinal() + 1).isoformat()
                ),
            )
            return DATE


async def weekday_toggled(update: Update, context: BotContext) -> int:
    """Tick or untick a weekday."""
    pressed, draft = await _pressed(update, context, b.ScheduleToggleWeekday)
    if pressed is None or draft is None:
        return await _lost(update, context)
    if 0 <= pressed.weekday < 7:
        if pressed.weekday in draft.weekdays:
            draft.weekdays.remove(pressed.weekday)
        else:
            draft.weekdays.append(pressed.weekday)
        context.keep(draft)
    if update.callback_query is not None:
        with contextlib.suppress(BadRequest):
            await update.callback_query.edit_message_reply_markup(_weekdays(context, draft))
    return WEEKDAYS


async def weekdays_done(update: Update, context: BotContext) -> int:
    """Done with the weekdays (at least one)."""
    query, draft = update.callback_query, context.draft(ScheduleDraft)
    if query is None or draft is None:
        return await _lost(update, context)
    if not draft.weekdays:
        await query.answer(context._("Tap at least one day first."), show_alert=True)
        return WEEKDAYS
    await query.answer()
    return await _ask_time(update, context)


async def quarter_month_chosen(update: Update, context: BotContext) -> int:
    """Which month of each quarter (1–3)."""
    pressed, draft = await _pressed(update, context, b.ScheduleQuarterMonth)
    if pressed is None or draft is None:
        return await _lost(update, context)
    if pressed.month not in (1, 2, 3):
        return QUARTER_MONTH
    draft.month = pressed.month
    context.keep(draft)
    return await _ask_day(update, context)


async def month_chosen(update: Update, context: BotContext) -> int:
    """Which month of the year."""
    pressed, draft = await _pressed(update, context, b.ScheduleMonth)
    if pressed is None or draft is None:
        return await _lost(update, context)
    if not 1 <= pressed.month <= 12:
        return MONTH
    draft.month = pressed.month
    context.keep(draft)
    return await _ask_day(update, context)


async def day_chosen(update: Update, context: BotContext) -> int:
    """Which day of the month (the recurrence checks it when the preview builds it)."""
    pressed, draft = await _pressed(update, context, b.ScheduleDay)
    if pressed is None or draft is None:
        return await _lost(update, context)
    if not (pressed.day == LAST_DAY or 1 <= pressed.day <= MAX_DAY):
        return DAY
    draft.day = pressed.day
    context.keep(draft)
    return await _ask_time(update, context)


async def date_received(update: Update, context: BotContext) -> int:
    """A single date, typed, not in the past."""
    message, draft = update.effective_message, context.draft(ScheduleDraft)
    if message is None or draft is None:
        return await _lost(update, context)
    _ = context._
    try:
        on = date.fromisoformat((message.text or "").strip())
    except ValueError:
        await message.reply_text(
            _("Sorry, I could not read that date. Please write it like 2026-12-05.")
        )
        return DATE
    if on < context.services.clock.now().astimezone(_zone(context)).date():
        await message.reply_text(_("That date has already passed. Please send a later one."))
        return DATE
    draft.on = on
    context.keep(draft)
    return await _ask_time(update, context)


async def time_chosen(update: Update, context: BotContext) -> int:
    """A common time of day, tapped (the payload carries HHMM)."""
    pressed, draft = await _pressed(update, context, b.ScheduleTime)
    if pressed is None or draft is None:
        return await _lost(update, context)
    offered = {at.replace(":", ""): at for at in COMMON_TIMES}
    if pressed.at not in offered:
        return TIME
    return await _time_set(update, context, draft, time.fromisoformat(offered[pressed.at]))


async def time_received(update: Update, context: BotContext) -> int:
    """Another time of day, typed (hours and minutes)."""
    message, draft = update.effective_message, context.draft(ScheduleDraft)
    if message is None or draft is None:
        return await _lost(update, context)
    try:
        at: time | None = time.fromisoformat((message.text or "").strip())
    except ValueError:
        at = None
    if at is None or at.second or at.microsecond or at.tzinfo:
        await message.reply_text(
            context._("Sorry, I could not read that time. Please write it like 08:30.")
        )
        return TIME
    return await _time_set(update, context, draft, at)


async def audience_chosen(update: Update, context: BotContext) -> int:
    """Who receives it: a village (its people or its staff), a hamlet, a department ask
    which; the others are set at once."""
    pressed, draft = await _pressed(update, context, b.ScheduleAudience)
    if pressed is None or draft is None:
        return await _lost(update, context)
    found, _, language, kind = context.services, context._, context.person.language, pressed.kind
    if kind in (AudienceKind.VILLAGES, AudienceKind.VILLAGE_STAFF):
        places = schedule_village_places(kind).villages(found.grid, language, _)
        await _edit(update, _("Which village?"), places)
        return PLACE
    if kind == AudienceKind.HAMLET:
        places = SCHEDULE_HAMLET_PLACES.villages(found.grid, language, _)
        await _edit(update, _("Which village is the hamlet in?"), places)
        return PLACE
    if kind == AudienceKind.DEPARTMENT:
        departments = [
            (key, found.config.departments[key].name.get(language))
            for key in found.people.department_chats
        ]
        choices = department_keyboard(_, departments, b.ScheduleDepartment, b.ScheduleAbandon())
        if choices is None:
            if update.callback_query is not None:
                await update.callback_query.answer(
                    _("No department has a group chat in the configuration."), show_alert=True
                )
            return AUDIENCE
        await _edit(update, _("Which department?"), choices)
        return PLACE
    return await _audience_set(update, context, draft, Audience(kind))


async def village_chosen(update: Update, context: BotContext) -> int:
    """The village whose people (or staff) receive it."""
    pressed, draft = await _pressed(update, context, b.ScheduleVillage)
    if pressed is None or draft is None:
        return await _lost(update, context)
    if pressed.kind not in (AudienceKind.VILLAGES, AudienceKind.VILLAGE_STAFF) or (
        pressed.village_id not in context.services.grid.villages
    ):
        return PLACE
    audience = Audience(pressed.kind, (pressed.village_id,))
    return await _audience_set(update, context, draft, audience)


async def hamlet_village_chosen(update: Update, context: BotContext) -> int:
    """The hamlet's village: its hamlets."""
    pressed, draft = await _pressed(update, context, b.ScheduleHamletVillage)
    if pressed is None or draft is None:
        return await _lost(update, context)
    hamlets = SCHEDULE_HAMLET_PLACES.hamlets(
        context.services.grid, pressed.village_id, context.person.language, context._
    )
    if hamlets is None:
        return PLACE
    await _edit(update, context._("Which hamlet?"), hamlets)
    return PLACE


async def hamlet_chosen(update: Update, context: BotContext) -> int:
    """The one hamlet that receives it."""
    pressed, draft = await _pressed(update, context, b.ScheduleHamlet)
    if pressed is None or draft is None:
        return await _lost(update, context)
    if pressed.hamlet_id not in context.services.grid.hamlets:
        return PLACE
    audience = Audience(AudienceKind.HAMLET, (pressed.hamlet_id,))
    return await _audience_set(update, context, draft, audience)


async def department_chosen(update: Update, context: BotContext) -> int:
    """The department whose group chat receives it."""
    pressed, draft = await _pressed(update, context, b.ScheduleDepartment)
    if pressed is None or draft is None:
        return await _lost(update, context)
    if pressed.department not in context.services.people.department_chats:
        return PLACE
    audience = Audience(AudienceKind.DEPARTMENT, (pressed.department,))
    return await _audience_set(update, context, draft, audience)


async def suggested_title(update: Update, context: BotContext) -> int:
    """The suggested title, tapped."""
    pressed, draft = await _pressed(update, context, b.ScheduleSuggestedTitle)
    if pressed is None or draft is None or draft.suggested_title is None:
        return await _lost(update, context)
    return await _title_set(update, context, draft, draft.suggested_title)


async def title_received(update: Update, context: BotContext) -> int:
    """A title, typed (spaces tidied; at most MAX_TITLE characters)."""
    message, draft = update.effective_message, context.draft(ScheduleDraft)
    if message is None or draft is None:
        return await _lost(update, context)
    title = " ".join((message.text or "").split())
    if len(title) > MAX_TITLE:
        await message.reply_text(
            context._(
                "Please keep the title to {limit} characters (this one has {length})."
            ).format(limit=MAX_TITLE, length=len(title))
        )
        return TITLE
    return await _title_set(update, context, draft, title)


async def standard_message(update: Update, context: BotContext) -> int:
    """The kind's standard text, in every language the bot speaks."""
    pressed, draft = await _pressed(update, context, b.ScheduleStandardMessage)
    if pressed is None or draft is None or draft.kind not in STANDARD_MESSAGES:
        return await _lost(update, context)
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
        return await _lost(update, context)
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


async def reminder_toggled(update: Update, context: BotContext) -> int:
    """Tick or untick an advance reminder."""
    pressed, draft = await _pressed(update, context, b.ScheduleToggleReminder)
    if pressed is None or draft is None:
        return await _lost(update, context)
    if 0 <= pressed.index < len(OFFERED_REMINDERS):
        if pressed.index in draft.reminders:
            draft.reminders.remove(pressed.index)
        else:
            draft.reminders.append(pressed.index)
        context.keep(draft)
    if update.callback_query is not None:
        with contextlib.suppress(BadRequest):
            await update.callback_query.edit_message_reply_markup(_reminders(context, draft))
    return REMINDERS


async def preview(update: Update, context: BotContext) -> int:
    """The message exactly as people will get it, what it is, who gets it, the next runs."""
    pressed, draft = await _pressed(update, context, b.ScheduleRemindersDone)
    chat = update.effective_chat
    if pressed is None or draft is None or chat is None:
        return await _lost(update, context)
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
    await _edit(update, _("Preview — this is what people will get:"))
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
    choices = [button(_("✅ Save"), b.SaveSchedule()), _abandon(context)]
    await chat.send_message(
        "\n".join(lines), parse_mode=ParseMode.HTML, reply_markup=InlineKeyboardMarkup([choices])
    )
    return PREVIEW


async def save(update: Update, context: BotContext) -> int:
    """✅ Save: the service checks the right and the schedule, stores it and audits it."""
    query, draft = update.callback_query, context.draft(ScheduleDraft)
    if query is None or draft is None:
        return await _lost(update, context)
    await query.answer()
    found, _, language = context.services, context._, context.person.language
    context.drop(ScheduleDraft)
    try:
        schedule = await found.schedules.create(
            context.person.id, schedule_of(draft, found.i18n.default_language)
        )
    except Refused as refusal:
        await _edit(update, words(refusal, _, wording_for(context)))
        return ConversationHandler.END
    upcoming = found.schedules.next_event(schedule)
    await _edit(
        update,
        _("✅ Saved as #{id}. Next: {when}. /schedules lists it, with Pause and Delete.").format(
            id=schedule.id,
            when=found.schedules.local_time(upcoming, language) if upcoming else "—",
        ),
    )
    return ConversationHandler.END


async def abandon(update: Update, context: BotContext) -> int:
    """/cancel or ✖ Cancel: the draft is dropped and nothing is saved."""
    context.drop(ScheduleDraft)
    return await end_wizard(update, context._("Stopped. No schedule was saved."))


def hint(state: int) -> Step:
    """A message that does not fit the current step gets a reminder of what is expected."""

    async def remind(update: Update, context: BotContext) -> int:
        _ = context._
        texts = {
            DATE: _("Please send the date like 2026-12-05, or /cancel."),
            TIME: _("Please tap a time above, or send one like 08:30."),
            TITLE: _("Please send a short title as text, or tap the suggestion above."),
            MESSAGE: _("Please send the message as text."),
        }
        if update.effective_message is not None:
            await update.effective_message.reply_text(texts[state])
        return state

    return remind


async def use_the_buttons(update: Update, context: BotContext) -> None:
    """Typing where a button is expected: say so, and stay at the same step."""
    if update.effective_message is not None:
        await update.effective_message.reply_text(
            context._("Please use the buttons above, or /cancel.")
        )


# -- helpers --------------------------------------------------------------------------------------


async def _pressed(
    update: Update, context: BotContext, kind: type[Pressed]
) -> tuple[Pressed | None, ScheduleDraft | None]:
    """The pressed button as `kind` (answered) and the draft; None where either is missing."""
    query = update.callback_query
    if query is None:
        return None, None
    pressed = kind.parse(query.data)
    if pressed is not None:
        await query.answer()
    return pressed, context.draft(ScheduleDraft)


async def _lost(update: Update, context: BotContext) -> int:
    """A button or message the wizard can no longer use (its draft is gone, or the data is not
    a button of this step): say so and end the wizard."""
    context.drop(ScheduleDraft)
    text = context._(NO_LONGER_ACTIVE)
    query = update.callback_query
    if query is not None:
        with contextlib.suppress(BadRequest):
            await query.answer(text, show_alert=True)
    elif update.effective_message is not None:
        await update.effective_message.reply_text(text)
    return ConversationHandler.END


async def _retire(update: Update) -> None:
    """The next question comes as a new message: the pressed one's buttons stop being live."""
    if update.callback_query is not None:
        with contextlib.suppress(BadRequest):
            await update.callback_query.edit_message_reply_markup(None)


async def _edit(update: Update, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    """Turn the pressed message into the next question (its old buttons go)."""
    if update.callback_query is not None:
        await update.callback_query.edit_message_text(text, reply_markup=markup)


def _abandon(context: BotContext) -> InlineKeyboardButton:
    """✖ Cancel, the last button of every step."""
    return button(context._(CANCEL), b.ScheduleAbandon())


def _weekdays(context: BotContext, draft: ScheduleDraft) -> InlineKeyboardMarkup:
    """Monday to Sunday as toggles, Done (n) and ✖ Cancel."""
    return weekday_toggles(
        context._,
        draft.weekdays,
        b.ScheduleToggleWeekday,
        b.ScheduleWeekdaysDone(),
        b.ScheduleAbandon(),
    )


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
    return keyboard([*toggles, done, _abandon(context)], 1)


async def _ask_day(update: Update, context: BotContext) -> int:
    """Step 3b: the day of the month (1–28 or the last)."""
    await _edit(
        update,
        context._("On which day of the month?"),
        day_keyboard(context._, b.ScheduleDay, b.ScheduleAbandon()),
    )
    return DAY


async def _ask_time(update: Update, context: BotContext) -> int:
    """Step 3: the time of day, tapped or typed."""
    await _retire(update)
    if update.effective_chat is not None:
        await update.effective_chat.send_message(
            context._("At what time (local)? Tap one, or send another like 08:30."),
            reply_markup=time_keyboard(context._, b.ScheduleTime, b.ScheduleAbandon()),
        )
    return TIME


async def _time_set(update: Update, context: BotContext, draft: ScheduleDraft, at: time) -> int:
    """Step 4: who receives it (a single date must still be ahead)."""
    chat = update.effective_chat
    if chat is None:
        return await _lost(update, context)
    _ = context._
    if draft.repeat == Repeat.ONCE and draft.on is not None:
        moment = datetime.combine(draft.on, at, tzinfo=_zone(context))
        if moment <= context.services.clock.now():
            await chat.send_message(_("That time has already passed. Please send a later one."))
            return TIME
    draft.at = at.strftime("%H:%M")
    context.keep(draft)
    await chat.send_message(
        _("Who should receive it?"),
        reply_markup=audience_keyboard(
            _, SCHEDULE_AUDIENCES, b.ScheduleAudience, b.ScheduleAbandon()
        ),
    )
    return AUDIENCE


async def _audience_set(
    update: Update, context: BotContext, draft: ScheduleDraft, audience: Audience
) -> int:
    """Step 5: a title, with a suggestion to tap."""
    found, _, language = context.services, context._, context.person.language
    if draft.kind is None:
        return await _lost(update, context)
    draft.audience = StoredAudience.of(audience)
    described = found.schedules.describe_audience(audience, language)
    draft.suggested_title = f"{found.schedules.kind_label(draft.kind, language)} · {described}"[
        :MAX_TITLE
    ]
    context.keep(draft)
    choices = [button(draft.suggested_title, b.ScheduleSuggestedTitle()), _abandon(context)]
    if update.callback_query is not None:
        await update.callback_query.edit_message_text(
            _(
                "To: {audience}\n\nSend a short title for the list (at most {limit} characters), "
                "or tap:"
            ).format(audience=described, limit=MAX_TITLE),
            reply_markup=keyboard(choices, 1),
        )
    return TITLE


async def _title_set(update: Update, context: BotContext, draft: ScheduleDraft, title: str) -> int:
    """Step 6: the message (or the kind's standard text)."""
    await _retire(update)
    chat = update.effective_chat
    if chat is None or draft.kind is None:
        return await _lost(update, context)
    _ = context._
    draft.title = title
    context.keep(draft)
    choices = [_abandon(context)]
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
    await _retire(update)
    if update.effective_chat is not None:
        await update.effective_chat.send_message(
            context._(
                "Remind people beforehand as well? Tap any (tap again to remove), then Preview."
            ),
            reply_markup=_reminders(context, draft),
        )
    return REMINDERS


def _zone(context: BotContext) -> ZoneInfo:
    return context.services.config.general.tz


def _on(kind: type[CallbackData], callback: Step) -> BaseHandler[Update, BotContext, Any]:
    """A button step: `callback` for presses of `kind`."""
    return CallbackQueryHandler(callback, pattern=kind.pattern())


def build() -> list[BaseHandler[Update, BotContext, Any]]:
    """/newschedule (and ➕ under /schedules), the wizard's steps, /cancel."""
    private = filters.ChatType.PRIVATE
    text = filters.TEXT & ~filters.COMMAND
    not_command = ~filters.COMMAND
    adding: ConversationHandler[BotContext] = ConversationHandler(
        name="new_schedule",
        persistent=True,
        entry_points=[
            CommandHandler("newschedule", begin, filters=private),
            _on(b.NewSchedule, begin),
        ],
        states={
            KIND: [_on(b.ScheduleKindChosen, kind_chosen)],
            REPEAT: [_on(b.ScheduleRepeat, repeat_chosen)],
            WEEKDAYS: [
                _on(b.ScheduleToggleWeekday, weekday_toggled),
                _on(b.ScheduleWeekdaysDone, weekdays_done),
            ],
            QUARTER_MONTH: [_on(b.ScheduleQuarterMonth, quarter_month_chosen)],
            MONTH: [_on(b.ScheduleMonth, month_chosen)],
            DAY: [_on(b.ScheduleDay, day_chosen)],
            DATE: [MessageHandler(text, date_received), MessageHandler(not_command, hint(DATE))],
            TIME: [
                _on(b.ScheduleTime, time_chosen),
                MessageHandler(text, time_received),
                MessageHandler(not_command, hint(TIME)),
            ],
            AUDIENCE: [_on(b.ScheduleAudience, audience_chosen)],
            PLACE: [
                _on(b.ScheduleVillage, village_chosen),
                _on(b.ScheduleHamletVillage, hamlet_village_chosen),
                _on(b.ScheduleHamlet, hamlet_chosen),
                _on(b.ScheduleDepartment, department_chosen),
            ],
            TITLE: [
                _on(b.ScheduleSuggestedTitle, suggested_title),
                MessageHandler(text, title_received),
                MessageHandler(not_command, hint(TITLE)),
            ],
            MESSAGE: [
                _on(b.ScheduleStandardMessage, standard_message),
                MessageHandler(text, message_received),
                MessageHandler(not_command, hint(MESSAGE)),
            ],
            REMINDERS: [
                _on(b.ScheduleToggleReminder, reminder_toggled),
                _on(b.ScheduleRemindersDone, preview),
            ],
            PREVIEW: [_on(b.SaveSchedule, save)],
        },
        fallbacks=[
            CommandHandler("cancel", abandon),
            _on(b.ScheduleAbandon, abandon),
            MessageHandler(not_command, use_the_buttons),
        ],
    )
    return [adding]
