"""The office adds a reminder that runs itself (➕ under /schedules, or /newschedule), all with
buttons: kind → recurrence → time → audience → title → message → advance reminders → preview
→ save."""

from __future__ import annotations

import contextlib
import html
import logging
from datetime import date, datetime, time

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.core import callbacks
from bot.core.errors import Reason, Refused
from bot.core.i18n import N_
from bot.delivery.audiences import Audience, AudienceKind
from bot.schedules.recurrence import EVENT, LAST_DAY, MAX_DAY, Advance, Firing, Recurrence, Repeat
from bot.schedules.service import (
    MAX_MESSAGE,
    MAX_TITLE,
    WEEKDAY_LABELS,
    NewSchedule,
    ScheduleKind,
)
from handlers.buttons import NewSchedule as NewScheduleButton
from handlers.common import Translate, end_flow, grid_markup, language_of, services, translator
from handlers.refusals import wording_for, words

log = logging.getLogger(__name__)

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

NEW = "sn"
PICK_KIND, PICK_REPEAT = "sk", "sr"
TOGGLE_WEEKDAY, WEEKDAYS_DONE = "sw", "swd"
PICK_QUARTER_MONTH, PICK_MONTH, PICK_DAY, PICK_TIME = "sq", "smo", "sd", "st"
PICK_AUDIENCE, PICK_VILLAGE, PICK_HAMLET_VILLAGE, PICK_HAMLET, PICK_DEPARTMENT = (
    "sa",
    "sv",
    "shv",
    "sh",
    "sdp",
)
SUGGESTED_TITLE, STANDARD_MESSAGE = "sts", "ssm"
TOGGLE_REMINDER, REMINDERS_DONE = "srm", "srd"
SAVE, ABANDON = "ssv", "sxx"

DRAFT = "schedule_draft"
COMMON_TIMES = ("07:00", "08:00", "09:00", "10:00", "14:00", "16:00", "18:00", "20:00")
OFFERED_REMINDERS = (
    Advance(days_before=1, at=time(18, 0)),
    Advance(minutes_before=120),
    Advance(minutes_before=60),
)
STANDARD_MESSAGES = {
    ScheduleKind.CLEANUP: N_(
        "Today is cleanup day: please clean the area in front of your door and take the rubbish "
        "to the collection point. Thank you!"
    ),
    ScheduleKind.INSPECTION: N_(
        "Inspection is due: please check every hamlet you are responsible for, and report or "
        "fix what you find."
    ),
}


async def begin(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """Step 1: what kind of reminder."""
    found = services(context)
    user = update.effective_user
    _ = await translator(update, context)
    if update.callback_query is not None:
        await update.callback_query.answer()
    if user is None or not found.people.is_office(user.id):
        await update.effective_chat.send_message(_("Sorry, /schedules is for the town office."))
        return ConversationHandler.END
    context.user_data[DRAFT] = {"weekdays": [], "reminders": []}
    language = await language_of(update, context)
    buttons = [
        InlineKeyboardButton(
            found.schedules.kind_label(kind, language),
            callback_data=callbacks.encode(PICK_KIND, kind),
        )
        for kind in ScheduleKind
    ]
    await update.effective_chat.send_message(
        _("🗓 New schedule. What kind? (/cancel to stop)"),
        reply_markup=grid_markup([*buttons, _abandon_button(_)], 1),
    )
    return KIND


async def kind_chosen(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """Step 2: how often."""
    value = await _pressed_value(update)
    if value not in set(ScheduleKind):
        return KIND
    context.user_data[DRAFT]["kind"] = value
    _ = await translator(update, context)
    labels = {
        Repeat.DAILY: _("Every day"),
        Repeat.WEEKLY: _("Weekly, on chosen days"),
        Repeat.MONTHLY: _("Monthly, on a day"),
        Repeat.QUARTERLY: _("Quarterly"),
        Repeat.YEARLY: _("Yearly"),
        Repeat.ONCE: _("Once, on a date"),
    }
    buttons = [
        InlineKeyboardButton(label, callback_data=callbacks.encode(PICK_REPEAT, repeat))
        for repeat, label in labels.items()
    ]
    await update.callback_query.edit_message_text(
        _("How often?"), reply_markup=grid_markup([*buttons, _abandon_button(_)], 2)
    )
    return REPEAT


async def repeat_chosen(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    value = await _pressed_value(update)
    if value not in set(Repeat):
        return REPEAT
    draft = context.user_data[DRAFT]
    draft["repeat"] = value
    _ = await translator(update, context)
    query = update.callback_query
    match Repeat(value):
        case Repeat.DAILY:
            return await _ask_time(update, context)
        case Repeat.WEEKLY:
            await query.edit_message_text(
                _("Tap the days (tap again to remove), then Done."),
                reply_markup=_weekday_toggles(draft["weekdays"], _),
            )
            return WEEKDAYS
        case Repeat.MONTHLY:
            return await _ask_day(update, context)
        case Repeat.QUARTERLY:
            buttons = [
                InlineKeyboardButton(
                    label, callback_data=callbacks.encode(PICK_QUARTER_MONTH, month)
                )
                for month, label in (
                    (1, _("1st month (Jan, Apr, Jul, Oct)")),
                    (2, _("2nd month (Feb, May, Aug, Nov)")),
                    (3, _("3rd month (Mar, Jun, Sep, Dec)")),
                )
            ]
            await query.edit_message_text(
                _("In which month of each quarter?"),
                reply_markup=grid_markup([*buttons, _abandon_button(_)], 1),
            )
            return QUARTER_MONTH
        case Repeat.YEARLY:
            buttons = [
                InlineKeyboardButton(str(month), callback_data=callbacks.encode(PICK_MONTH, month))
                for month in range(1, 13)
            ]
            await query.edit_message_text(
                _("In which month?"), reply_markup=grid_markup([*buttons, _abandon_button(_)], 4)
            )
            return MONTH
        case Repeat.ONCE:
            tomorrow = services(context).clock.now().astimezone(_zone(context)).date()
            await query.edit_message_text(
                _("On which date? Send it like {example}.").format(
                    example=date.fromordinal(tomorrow.toordinal() + 1).isoformat()
                )
            )
            return DATE


async def weekday_toggled(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    value = await _pressed_value(update)
    chosen: list[int] = context.user_data[DRAFT]["weekdays"]
    if value is not None and value.isdigit() and int(value) < 7:
        day = int(value)
        if day in chosen:
            chosen.remove(day)
        else:
            chosen.append(day)
    _ = await translator(update, context)
    with contextlib.suppress(BadRequest):
        await update.callback_query.edit_message_reply_markup(_weekday_toggles(chosen, _))
    return WEEKDAYS


async def weekdays_done(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    _ = await translator(update, context)
    if not context.user_data[DRAFT]["weekdays"]:
        await update.callback_query.answer(_("Tap at least one day first."), show_alert=True)
        return WEEKDAYS
    await update.callback_query.answer()
    return await _ask_time(update, context)


async def quarter_month_chosen(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    value = await _pressed_value(update)
    if value not in ("1", "2", "3"):
        return QUARTER_MONTH
    context.user_data[DRAFT]["month"] = int(value)
    return await _ask_day(update, context)


async def month_chosen(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    value = await _pressed_value(update)
    if value is None or not value.isdigit() or not 1 <= int(value) <= 12:
        return MONTH
    context.user_data[DRAFT]["month"] = int(value)
    return await _ask_day(update, context)


async def day_chosen(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    value = await _pressed_value(update)
    with contextlib.suppress(TypeError, ValueError):
        day = int(value or "")
        if day == LAST_DAY or 1 <= day <= MAX_DAY:
            context.user_data[DRAFT]["day"] = day
            return await _ask_time(update, context)
    return DAY


async def date_received(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    message = update.effective_message
    _ = await translator(update, context)
    try:
        on = date.fromisoformat(message.text.strip())
    except ValueError:
        await message.reply_text(
            _("Sorry, I could not read that date. Please write it like 2026-12-05.")
        )
        return DATE
    if on < services(context).clock.now().astimezone(_zone(context)).date():
        await message.reply_text(_("That date has already passed. Please send a later one."))
        return DATE
    context.user_data[DRAFT]["on"] = on.isoformat()
    return await _ask_time(update, context)


async def time_chosen(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    value = await _pressed_value(update)
    offered = {at.replace(":", ""): at for at in COMMON_TIMES}  # ":" separates button fields
    if value not in offered:
        return TIME
    return await _time_set(update, context, time.fromisoformat(offered[value]))


async def time_received(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    message = update.effective_message
    _ = await translator(update, context)
    try:
        at = time.fromisoformat(message.text.strip())
    except ValueError:
        at = None
    if at is None or at.second or at.microsecond or at.tzinfo:
        await message.reply_text(
            _("Sorry, I could not read that time. Please write it like 08:30.")
        )
        return TIME
    return await _time_set(update, context, at)


async def audience_chosen(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    value = await _pressed_value(update)
    if value not in set(AudienceKind):
        return AUDIENCE
    found = services(context)
    _ = await translator(update, context)
    language = await language_of(update, context)
    kind = AudienceKind(value)
    query = update.callback_query
    if kind in (AudienceKind.VILLAGES, AudienceKind.VILLAGE_STAFF, AudienceKind.HAMLET):
        # A village's people or its staff: the village button carries which of the two.
        buttons = [
            InlineKeyboardButton(
                village.label(language),
                callback_data=callbacks.encode(PICK_HAMLET_VILLAGE, village.id)
                if kind == AudienceKind.HAMLET
                else callbacks.encode(PICK_VILLAGE, kind, village.id),
            )
            for village in sorted(found.grid.villages.values(), key=lambda village: village.id)
        ]
        question = (
            _("Which village is the hamlet in?")
            if kind == AudienceKind.HAMLET
            else _("Which village?")
        )
        await query.edit_message_text(
            question, reply_markup=grid_markup([*buttons, _abandon_button(_)], 3)
        )
        return PLACE
    if kind == AudienceKind.DEPARTMENT:
        buttons = [
            InlineKeyboardButton(
                found.config.departments[key].name.get(language),
                callback_data=callbacks.encode(PICK_DEPARTMENT, key),
            )
            for key in found.people.department_chats
        ]
        if not buttons:
            await query.answer(
                _("No department has a group chat in the configuration."), show_alert=True
            )
            return AUDIENCE
        await query.edit_message_text(
            _("Which department?"), reply_markup=grid_markup([*buttons, _abandon_button(_)], 1)
        )
        return PLACE
    return await _audience_set(update, context, Audience(kind))


async def village_chosen(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    kind = await _pressed_value(update)
    data = callbacks.decode(update.callback_query.data)
    village_id = data.str_arg(1) if data else None
    if kind not in (AudienceKind.VILLAGES, AudienceKind.VILLAGE_STAFF) or (
        village_id not in services(context).grid.villages
    ):
        return PLACE
    return await _audience_set(update, context, Audience(AudienceKind(kind), (village_id,)))


async def hamlet_village_chosen(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    value = await _pressed_value(update)
    found = services(context)
    language = await language_of(update, context)
    _ = found.i18n.translator(language).gettext
    buttons = [
        InlineKeyboardButton(
            hamlet.label(language), callback_data=callbacks.encode(PICK_HAMLET, hamlet.id)
        )
        for hamlet in sorted(found.grid.hamlets_of(value or ""), key=lambda hamlet: hamlet.id)
    ]
    if not buttons:
        return PLACE
    await update.callback_query.edit_message_text(
        _("Which hamlet?"), reply_markup=grid_markup([*buttons, _abandon_button(_)], 2)
    )
    return PLACE


async def hamlet_chosen(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    value = await _pressed_value(update)
    if value not in services(context).grid.hamlets:
        return PLACE
    return await _audience_set(update, context, Audience(AudienceKind.HAMLET, (value,)))


async def department_chosen(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    value = await _pressed_value(update)
    if value not in services(context).people.department_chats:
        return PLACE
    return await _audience_set(update, context, Audience(AudienceKind.DEPARTMENT, (value,)))


async def suggested_title(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    await _pressed_value(update)
    draft = context.user_data[DRAFT]
    return await _title_set(update, context, draft["suggested_title"])


async def title_received(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    message = update.effective_message
    _ = await translator(update, context)
    title = " ".join(message.text.split())
    if len(title) > MAX_TITLE:
        await message.reply_text(
            _("Please keep the title to {limit} characters (this one has {length}).").format(
                limit=MAX_TITLE, length=len(title)
            )
        )
        return TITLE
    return await _title_set(update, context, title)


async def standard_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """The kind's standard text, in every language the bot speaks."""
    await _pressed_value(update)
    found = services(context)
    text = STANDARD_MESSAGES[ScheduleKind(context.user_data[DRAFT]["kind"])]
    context.user_data[DRAFT]["message"] = {
        language: found.i18n.translator(language).gettext(text) for language in found.i18n.languages
    }
    return await _ask_reminders(update, context)


async def message_received(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    message = update.effective_message
    _ = await translator(update, context)
    text = message.text.strip()
    if len(text) > MAX_MESSAGE:
        await message.reply_text(
            _(
                "That is {length:,} characters; a reminder can have at most {limit:,}. "
                "Please shorten it and send it again."
            ).format(length=len(text), limit=MAX_MESSAGE)
        )
        return MESSAGE
    context.user_data[DRAFT]["message"] = {services(context).i18n.default_language: text}
    return await _ask_reminders(update, context)


async def reminder_toggled(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    value = await _pressed_value(update)
    chosen: list[int] = context.user_data[DRAFT]["reminders"]
    if value is not None and value.isdigit() and int(value) < len(OFFERED_REMINDERS):
        index = int(value)
        if index in chosen:
            chosen.remove(index)
        else:
            chosen.append(index)
    with contextlib.suppress(BadRequest):
        await update.callback_query.edit_message_reply_markup(
            await _reminder_toggles(update, context)
        )
    return REMINDERS


async def preview(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """The message exactly as people will get it, what it is, who gets it, the next runs."""
    await _pressed_value(update)
    found = services(context)
    language = await language_of(update, context)
    _ = found.i18n.translator(language).gettext
    try:
        schedule = _schedule(context.user_data[DRAFT], found.i18n.default_language)
        found.schedules.check(schedule)
    except Refused as refusal:
        log.info("schedule draft refused: %s", refusal)
        await update.effective_chat.send_message(words(refusal, _, wording_for(context)))
        context.user_data.pop(DRAFT, None)
        return ConversationHandler.END
    events = found.schedules.upcoming(schedule, 3)
    upcoming = [found.schedules.local_time(moment, language) for moment in events]
    await update.callback_query.edit_message_text(_("Preview — this is what people will get:"))
    sample = Firing(events[0], events[0], EVENT)
    for part in found.schedules.render(schedule, sample, language):
        await update.effective_chat.send_message(part.text, parse_mode=ParseMode.HTML)
    recipients = len(await found.schedules.recipients(schedule))
    lines = [
        found.schedules.describe(schedule, language),
        _("Recipients today: {count:,}").format(count=recipients),
        _("Next: {when}").format(when=", ".join(upcoming)),
    ]
    if not recipients:
        lines.append(_("Nobody can receive it yet; it will reach whoever is registered by then."))
    buttons = [
        InlineKeyboardButton(_("✅ Save"), callback_data=callbacks.encode(SAVE)),
        _abandon_button(_),
    ]
    await update.effective_chat.send_message(
        "\n".join(lines), parse_mode=ParseMode.HTML, reply_markup=InlineKeyboardMarkup([buttons])
    )
    return PREVIEW


async def save(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    await _pressed_value(update)
    found = services(context)
    user = update.effective_user
    language = await language_of(update, context)
    _ = found.i18n.translator(language).gettext
    draft = context.user_data.pop(DRAFT, None)
    if draft is None:
        await update.callback_query.edit_message_text(_("Sorry, this is not yours to do."))
        return ConversationHandler.END
    try:
        schedule = await found.schedules.create(
            user.id, _schedule(draft, found.i18n.default_language)
        )
    except Refused as refusal:
        await update.callback_query.edit_message_text(words(refusal, _, wording_for(context)))
        return ConversationHandler.END
    upcoming = found.schedules.next_event(schedule)
    await update.callback_query.edit_message_text(
        _("✅ Saved as #{id}. Next: {when}. /schedules lists it, with Pause and Delete.").format(
            id=schedule.id,
            when=found.schedules.local_time(upcoming, language) if upcoming else "—",
        )
    )
    return ConversationHandler.END


async def abandon(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    _ = await translator(update, context)
    return await end_flow(update, context, DRAFT, _("Stopped. No schedule was saved."))


def hint(state: int):
    """A message that does not fit the current step gets a reminder of what is expected."""

    async def remind(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
        _ = await translator(update, context)
        texts = {
            DATE: _("Please send the date like 2026-12-05, or /cancel."),
            TIME: _("Please tap a time above, or send one like 08:30."),
            TITLE: _("Please send a short title as text, or tap the suggestion above."),
            MESSAGE: _("Please send the message as text."),
        }
        await update.effective_message.reply_text(texts[state])
        return state

    return remind


async def use_the_buttons(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Typing where a button is expected: say so, and stay at the same step."""
    _ = await translator(update, context)
    await update.effective_message.reply_text(_("Please use the buttons above, or /cancel."))


# -- helpers --------------------------------------------------------------------------------------


async def _pressed_value(update: Update) -> str | None:
    """Answer the pressed button and return its argument (None for a typed message)."""
    query = update.callback_query
    if query is None:
        return None
    await query.answer()
    data = callbacks.decode(query.data)
    return data.str_arg() if data else None


async def _ask_day(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    _ = await translator(update, context)
    buttons = [
        InlineKeyboardButton(str(day), callback_data=callbacks.encode(PICK_DAY, day))
        for day in range(1, MAX_DAY + 1)
    ]
    buttons.append(
        InlineKeyboardButton(_("Last day"), callback_data=callbacks.encode(PICK_DAY, LAST_DAY))
    )
    await update.callback_query.edit_message_text(
        _("On which day of the month?"), reply_markup=grid_markup([*buttons, _abandon_button(_)], 7)
    )
    return DAY


async def _ask_time(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    _ = await translator(update, context)
    buttons = [
        InlineKeyboardButton(at, callback_data=callbacks.encode(PICK_TIME, at.replace(":", "")))
        for at in COMMON_TIMES
    ]
    await update.effective_chat.send_message(
        _("At what time (local)? Tap one, or send another like 08:30."),
        reply_markup=grid_markup([*buttons, _abandon_button(_)], 4),
    )
    return TIME


async def _time_set(update: Update, context: ContextTypes.DEFAULT_TYPE, at: time) -> int:
    """Step 4: who receives it (a single date must still be ahead)."""
    found = services(context)
    draft = context.user_data[DRAFT]
    _ = await translator(update, context)
    if draft["repeat"] == Repeat.ONCE:
        moment = datetime.combine(date.fromisoformat(draft["on"]), at, tzinfo=_zone(context))
        if moment <= found.clock.now():
            await update.effective_chat.send_message(
                _("That time has already passed. Please send a later one.")
            )
            return TIME
    draft["at"] = at.strftime("%H:%M")
    labels = [
        (AudienceKind.EVERYONE, _("👥 Everyone registered")),
        (AudienceKind.VILLAGES, _("🏘 A village")),
        (AudienceKind.HAMLET, _("🏠 One hamlet")),
        (AudienceKind.GRID_MEMBERS, _("🧹 All grid members")),
        (AudienceKind.VILLAGE_LEADS, _("🧑‍🌾 Village leads")),
        (AudienceKind.VILLAGE_STAFF, _("🔍 Grid members and lead of a village")),
        (AudienceKind.DEPARTMENT, _("🏢 A department")),
    ]
    buttons = [
        InlineKeyboardButton(label, callback_data=callbacks.encode(PICK_AUDIENCE, kind))
        for kind, label in labels
    ]
    await update.effective_chat.send_message(
        _("Who should receive it?"), reply_markup=grid_markup([*buttons, _abandon_button(_)], 2)
    )
    return AUDIENCE


async def _audience_set(
    update: Update, context: ContextTypes.DEFAULT_TYPE, audience: Audience
) -> int:
    """Step 5: a title, with a suggestion to tap."""
    found = services(context)
    draft = context.user_data[DRAFT]
    draft["audience"] = {"kind": audience.kind, "ids": list(audience.ids)}
    language = await language_of(update, context)
    _ = found.i18n.translator(language).gettext
    described = found.schedules.describe_audience(audience, language)
    suggestion = (
        f"{found.schedules.kind_label(ScheduleKind(draft['kind']), language)} · {described}"
    )
    draft["suggested_title"] = suggestion[:MAX_TITLE]
    await update.callback_query.edit_message_text(
        _(
            "To: {audience}\n\nSend a short title for the list (at most {limit} characters), "
            "or tap:"
        ).format(audience=described, limit=MAX_TITLE),
        reply_markup=grid_markup(
            [
                InlineKeyboardButton(
                    draft["suggested_title"], callback_data=callbacks.encode(SUGGESTED_TITLE)
                ),
                _abandon_button(_),
            ],
            1,
        ),
    )
    return TITLE


async def _title_set(update: Update, context: ContextTypes.DEFAULT_TYPE, title: str) -> int:
    """Step 6: the message."""
    draft = context.user_data[DRAFT]
    draft["title"] = title
    _ = await translator(update, context)
    buttons = [_abandon_button(_)]
    kind = ScheduleKind(draft["kind"])
    text = _("Now send the message people will receive (up to {limit:,} characters).").format(
        limit=MAX_MESSAGE
    )
    if kind in STANDARD_MESSAGES:
        text += (
            "\n\n" + _("Or use the standard text:") + "\n" + html.escape(_(STANDARD_MESSAGES[kind]))
        )
        buttons.insert(
            0,
            InlineKeyboardButton(
                _("Use the standard text"), callback_data=callbacks.encode(STANDARD_MESSAGE)
            ),
        )
    await update.effective_chat.send_message(text, reply_markup=grid_markup(buttons, 1))
    return MESSAGE


async def _ask_reminders(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """Step 7: advance reminders, if any."""
    _ = await translator(update, context)
    await update.effective_chat.send_message(
        _("Remind people beforehand as well? Tap any (tap again to remove), then Preview."),
        reply_markup=await _reminder_toggles(update, context),
    )
    return REMINDERS


async def _reminder_toggles(
    update: Update, context: ContextTypes.DEFAULT_TYPE
) -> InlineKeyboardMarkup:
    found = services(context)
    language = await language_of(update, context)
    _ = found.i18n.translator(language).gettext
    chosen = context.user_data[DRAFT]["reminders"]
    buttons = [
        InlineKeyboardButton(
            ("✅ " if index in chosen else "") + found.schedules.reminder_text(advance, language),
            callback_data=callbacks.encode(TOGGLE_REMINDER, index),
        )
        for index, advance in enumerate(OFFERED_REMINDERS)
    ]
    buttons.append(
        InlineKeyboardButton(_("👀 Preview"), callback_data=callbacks.encode(REMINDERS_DONE))
    )
    return grid_markup([*buttons, _abandon_button(_)], 1)


def _weekday_toggles(chosen: list[int], _: Translate) -> InlineKeyboardMarkup:
    buttons = [
        InlineKeyboardButton(
            ("✅ " if index in chosen else "") + _(label),
            callback_data=callbacks.encode(TOGGLE_WEEKDAY, index),
        )
        for index, label in enumerate(WEEKDAY_LABELS)
    ]
    done = InlineKeyboardButton(
        _("Done ({count})").format(count=len(chosen)), callback_data=callbacks.encode(WEEKDAYS_DONE)
    )
    return grid_markup([*buttons, done, _abandon_button(_)], 4)


def _schedule(draft: dict, default_language: str) -> NewSchedule:
    """The draft as a schedule (`Refused(STEP_MISSING)` when a part is missing or does not
    fit, or what the recurrence refuses)."""
    try:
        recurrence = Recurrence(
            repeat=Repeat(draft["repeat"]),
            at=time.fromisoformat(draft["at"]),
            weekdays=tuple(sorted(draft.get("weekdays") or ())),
            day=draft.get("day"),
            month=draft.get("month"),
            on=date.fromisoformat(draft["on"]) if draft.get("on") else None,
        )
        return NewSchedule(
            kind=ScheduleKind(draft["kind"]),
            title={default_language: draft["title"]},
            recurrence=recurrence,
            reminders=tuple(OFFERED_REMINDERS[index] for index in sorted(draft["reminders"])),
            audience=Audience(
                AudienceKind(draft["audience"]["kind"]), tuple(draft["audience"]["ids"])
            ),
            message=dict(draft["message"]),
        )
    except (KeyError, ValueError) as error:
        raise Refused(Reason.STEP_MISSING, subject=f"{error} in the draft") from error


def _abandon_button(_: Translate) -> InlineKeyboardButton:
    return InlineKeyboardButton(_("✖ Cancel"), callback_data=callbacks.encode(ABANDON))


def _zone(context: ContextTypes.DEFAULT_TYPE):
    return services(context).config.general.tz


def build() -> list:
    private = filters.ChatType.PRIVATE
    on_button = CallbackQueryHandler
    text = filters.TEXT & ~filters.COMMAND
    not_command = ~filters.COMMAND
    adding = ConversationHandler(
        name="new_schedule",
        persistent=True,
        entry_points=[
            CommandHandler("newschedule", begin, filters=private),
            on_button(begin, pattern=callbacks.pattern(NEW)),
            on_button(begin, pattern=NewScheduleButton.pattern()),
        ],
        states={
            KIND: [on_button(kind_chosen, pattern=callbacks.pattern(PICK_KIND))],
            REPEAT: [on_button(repeat_chosen, pattern=callbacks.pattern(PICK_REPEAT))],
            WEEKDAYS: [
                on_button(weekday_toggled, pattern=callbacks.pattern(TOGGLE_WEEKDAY)),
                on_button(weekdays_done, pattern=callbacks.pattern(WEEKDAYS_DONE)),
            ],
            QUARTER_MONTH: [
                on_button(quarter_month_chosen, pattern=callbacks.pattern(PICK_QUARTER_MONTH))
            ],
            MONTH: [on_button(month_chosen, pattern=callbacks.pattern(PICK_MONTH))],
            DAY: [on_button(day_chosen, pattern=callbacks.pattern(PICK_DAY))],
            DATE: [MessageHandler(text, date_received), MessageHandler(not_command, hint(DATE))],
            TIME: [
                on_button(time_chosen, pattern=callbacks.pattern(PICK_TIME)),
                MessageHandler(text, time_received),
                MessageHandler(not_command, hint(TIME)),
            ],
            AUDIENCE: [on_button(audience_chosen, pattern=callbacks.pattern(PICK_AUDIENCE))],
            PLACE: [
                on_button(village_chosen, pattern=callbacks.pattern(PICK_VILLAGE)),
                on_button(hamlet_village_chosen, pattern=callbacks.pattern(PICK_HAMLET_VILLAGE)),
                on_button(hamlet_chosen, pattern=callbacks.pattern(PICK_HAMLET)),
                on_button(department_chosen, pattern=callbacks.pattern(PICK_DEPARTMENT)),
            ],
            TITLE: [
                on_button(suggested_title, pattern=callbacks.pattern(SUGGESTED_TITLE)),
                MessageHandler(text, title_received),
                MessageHandler(not_command, hint(TITLE)),
            ],
            MESSAGE: [
                on_button(standard_message, pattern=callbacks.pattern(STANDARD_MESSAGE)),
                MessageHandler(text, message_received),
                MessageHandler(not_command, hint(MESSAGE)),
            ],
            REMINDERS: [
                on_button(reminder_toggled, pattern=callbacks.pattern(TOGGLE_REMINDER)),
                on_button(preview, pattern=callbacks.pattern(REMINDERS_DONE)),
            ],
            PREVIEW: [on_button(save, pattern=callbacks.pattern(SAVE))],
        },
        fallbacks=[
            CommandHandler("cancel", abandon),
            on_button(abandon, pattern=callbacks.pattern(ABANDON)),
            MessageHandler(not_command, use_the_buttons),
        ],
    )
    return [adding]
