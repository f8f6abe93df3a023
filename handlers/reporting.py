"""A villager reports a problem: photo → place → category → (description) → submit.

Few taps for people on cheap phones: a photo alone starts a report, the place is one tap on
"Share my location" (or village then hamlet by name when GPS fails), and the description
is optional — typed or a voice note — on the confirmation step. Back and Cancel work at
every step. The draft lives in user data, stored with the conversation step after each update
(`handlers.persistence`), so a crash neither loses nor bends it; Submit happens once per draft.
"""

from __future__ import annotations

import contextlib
import logging
import mimetypes
import uuid
from collections.abc import Callable, Coroutine
from html import escape
from pathlib import Path
from typing import Any

from telegram import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, TelegramError, TimedOut
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.core.errors import Refused
from bot.core.i18n import N_, I18n
from bot.core.models import Location
from bot.core.text import clean_text
from bot.places.grid import Fit
from bot.reporting.buttons import ConfirmFixed, StillThere
from bot.reporting.lifecycle import State
from bot.reporting.media import gps_from_image
from bot.reporting.service import Reporter
from bot.reporting.voice import OFFICE_ONLY
from handlers import photos, pickers, voice
from handlers.buttons import (
    ReportBack,
    ReportCancel,
    ReportCategory,
    ReportHamlet,
    ReportVillage,
    SubmitReport,
)
from handlers.common import (
    BACK_BUTTON,
    CANCEL_BUTTON,
    REPORT_BUTTON,
    Translate,
    button_regex,
    drop_buttons,
    main_keyboard,
    start,
    unusable,
)
from handlers.context import BotContext
from handlers.drafts import ReportDraft, StoredFile, StoredPoint
from handlers.pickers import ReplyMarkup
from handlers.refusals import wording_for, words
from handlers.report_steps import attempt, retire_buttons

log = logging.getLogger(__name__)

PHOTO, LOCATION, VILLAGE, HAMLET, CATEGORY, CONFIRM = range(6)

NOT_MODIFIED = "message is not modified"

PICK_HAMLET_BUTTON = N_("🏘 Pick village and hamlet")
SHARE_LOCATION_BUTTON = N_("📍 Share my location")
PHOTO_LOCATION_BUTTON = N_("📷 Use the photo's location")

IMAGE = filters.PHOTO | filters.Document.IMAGE


# -- the draft, kept in persisted user data --------------------------------------------------


def draft_of(context: BotContext) -> ReportDraft:
    """The villager's draft, or an empty one (none yet, or it no longer fits)."""
    return context.draft(ReportDraft) or ReportDraft()


def new_draft() -> ReportDraft:
    """An empty draft with its own id: the report made from it keeps the id, once only."""
    return ReportDraft(id=uuid.uuid4().hex)


# -- entry: /report, the big button, or simply a photo --------------------------------------


async def begin(update: Update, context: BotContext) -> int:
    if await refused(update, context):
        return ConversationHandler.END
    context.keep(new_draft())
    return await ask_photo(update, context)


async def begin_with_photo(update: Update, context: BotContext) -> int:
    if await refused(update, context):
        return ConversationHandler.END
    context.keep(new_draft())
    return await receive_photo(update, context)


async def refused(update: Update, context: BotContext) -> bool:
    """Blocked by the office, or over the per-person limits: say so before any effort is made."""
    user = update.effective_user
    assert user is not None
    try:
        await context.services.reports.check_may_report(user.id)
    except Refused as refusal:
        _ = context._
        context.drop(ReportDraft)
        await reply(update, words(refusal, _, wording_for(context)), main_keyboard(_))
        return True
    return False


async def ask_photo(update: Update, context: BotContext) -> int:
    _ = context._
    await reply(
        update,
        _(
            "📷 Please send a photo of the problem (up to {count}). "
            "A photo sent as a file works too."
        ).format(count=context.services.config.reporting.max_photos),
        ReplyKeyboardMarkup([[_(CANCEL_BUTTON)]], resize_keyboard=True),
    )
    return PHOTO


# -- photos ------------------------------------------------------------------------------


async def receive_photo(update: Update, context: BotContext) -> int:
    """Add a photo (compressed or an image file) and move on to the place."""
    message = update.effective_message
    assert message is not None
    found = context.services
    _ = context._
    draft = draft_of(context)
    state = LOCATION if draft.photos else PHOTO
    album = message.media_group_id
    continuing_album = album is not None and draft.album == album
    draft.album = album
    context.keep(draft)
    if message.photo:
        size = message.photo[-1]
        file_id, unique_id, file_size, suffix = (
            size.file_id,
            size.file_unique_id,
            size.file_size,
            "jpg",
        )
    else:
        document = message.document
        assert document is not None
        file_id, unique_id, file_size = (
            document.file_id,
            document.file_unique_id,
            document.file_size,
        )
        suffix = (mimetypes.guess_extension(document.mime_type or "") or ".jpg").lstrip(".")
    if found.media.too_big(file_size):
        await reply(
            update,
            _(
                "That file is larger than 20 MB, which I cannot receive. "
                "Please send it as a normal photo instead."
            ),
        )
        return state
    if len(draft.photos) >= found.config.reporting.max_photos:
        batch = album or str(message.message_id)
        if draft.told_full != batch:
            draft.told_full = batch
            context.keep(draft)
            await reply(
                update,
                _("I keep at most {count} photos; the extra ones were left out.").format(
                    count=found.config.reporting.max_photos
                ),
            )
        return LOCATION
    ref = await photos.keep_draft_file(
        update,
        context,
        file_id=file_id,
        file_unique_id=unique_id,
        suffix=suffix,
        size=file_size,
        kind="photo" if message.photo else "document",
    )
    if ref is None:  # refused politely (too many draft files, or a picture we cannot open)
        return state
    draft.add_photo(ref)
    if message.document and ref.local_path and draft.exif_location is None:
        gps = gps_from_image(Path(ref.local_path))
        if gps:
            draft.exif_location = StoredPoint.of(Location(gps[0], gps[1], "exif"))
    caption = clean_text(message.caption, found.config.reporting.max_description_chars)
    if caption and not draft.description:
        draft.description = caption
    context.keep(draft)
    if continuing_album:
        return LOCATION
    return await ask_location(update, context, draft, _)


async def ask_location(
    update: Update, context: BotContext, draft: ReportDraft, _: Translate
) -> int:
    rows = [[KeyboardButton(_(SHARE_LOCATION_BUTTON), request_location=True)]]
    text = _(
        "📍 Photo {count} received. Now, where is it?\n"
        "Tap “Share my location” if you are at the spot, or pick the village and hamlet."
    ).format(count=len(draft.photos))
    if draft.exif_location:
        rows.insert(0, [KeyboardButton(_(PHOTO_LOCATION_BUTTON))])
        text += "\n" + _("Your photo carries a location: tap “Use the photo's location” to use it.")
    rows += [
        [KeyboardButton(_(PICK_HAMLET_BUTTON))],
        [KeyboardButton(_(BACK_BUTTON)), KeyboardButton(_(CANCEL_BUTTON))],
    ]
    # One-time: the phone hides it once the place is shared, so the next question needs no
    # message of its own to take it away; the main keyboard replaces it after Submit.
    keyboard = ReplyKeyboardMarkup(rows, resize_keyboard=True, one_time_keyboard=True)
    await reply(update, text, keyboard)
    return LOCATION


# -- the place -----------------------------------------------------------------------------


async def receive_location(update: Update, context: BotContext) -> int:
    """A shared location or a venue; far away or unusable points lead to the hamlet picker."""
    message = update.effective_message
    assert message is not None
    point = message.venue.location if message.venue else message.location
    assert point is not None
    source = "venue" if message.venue else "gps"
    return await place_at(update, context, Location(point.latitude, point.longitude, source))


async def use_photo_location(update: Update, context: BotContext) -> int:
    draft = draft_of(context)
    if draft.exif_location is None:
        return await ask_location(update, context, draft, context._)
    return await place_at(update, context, draft.exif_location.location())


async def place_at(update: Update, context: BotContext, location: Location) -> int:
    found = context.services
    language = context.person.language
    _ = found.i18n.translator(language).gettext
    match = found.grid.locate(location.latitude, location.longitude)
    if match.fit == Fit.FAR:
        await reply(
            update,
            _(
                "That place is outside {town}, so I cannot send it to a grid member. "
                "Please pick the village and hamlet instead."
            ).format(town=_("Santang Town")),
            ReplyKeyboardRemove(),
        )
        return await ask_village(update, context)
    draft = draft_of(context)
    draft.location = StoredPoint.of(location)
    draft.hamlet_id = match.hamlet.id if match.hamlet else None
    context.keep(draft)
    if match.hamlet:
        village = found.grid.villages[match.hamlet.village_id]
        text = _("📍 Got it: {hamlet} · {village}.").format(
            hamlet=match.hamlet.label(language), village=village.label(language)
        )
    else:
        text = _("📍 Got it. It is not inside a hamlet I know; the town office will route it.")
    return await ask_category(update, context, lead=text)


async def ask_village(update: Update, context: BotContext) -> int:
    found = context.services
    language = context.person.language
    _ = found.i18n.translator(language).gettext
    await show(
        update, _("🏘 Which village?"), pickers.REPORT_PLACES.villages(found.grid, language, _)
    )
    return VILLAGE


async def pick_hamlet_button(update: Update, context: BotContext) -> int:
    """The reply-keyboard "pick village and hamlet" press: clear the keyboard first."""
    _ = context._
    await reply(update, _("OK, let's find the place by name."), ReplyKeyboardRemove())
    return await ask_village(update, context)


async def village_chosen(update: Update, context: BotContext) -> int:
    found = context.services
    query = update.callback_query
    assert query is not None
    pressed = ReportVillage.parse(query.data)
    village = found.grid.villages.get(pressed.village_id) if pressed else None
    await acknowledge(query)
    language = context.person.language
    _ = found.i18n.translator(language).gettext
    hamlets = (
        pickers.REPORT_PLACES.hamlets(found.grid, village.id, language, _) if village else None
    )
    if village is None or hamlets is None:
        return VILLAGE
    await show(
        update, _("🏡 Which hamlet of {village}?").format(village=village.label(language)), hamlets
    )
    return HAMLET


async def hamlet_chosen(update: Update, context: BotContext) -> int:
    found = context.services
    query = update.callback_query
    assert query is not None
    pressed = ReportHamlet.parse(query.data)
    hamlet = found.grid.hamlets.get(pressed.hamlet_id) if pressed else None
    await acknowledge(query)
    if hamlet is None:
        return HAMLET
    draft = draft_of(context)
    draft.location = None
    draft.hamlet_id = hamlet.id
    context.keep(draft)
    return await ask_category(update, context)


# -- category ------------------------------------------------------------------------------


async def ask_category(update: Update, context: BotContext, *, lead: str | None = None) -> int:
    """The category question; `lead` (what was understood of the place) goes on top of it, in
    the same message."""
    found = context.services
    language = context.person.language
    _ = found.i18n.translator(language).gettext
    buttons = [
        pickers.button(category.label.get(language), ReportCategory(key))
        for key, category in found.config.categories.items()
    ]
    question = _("🗂 What kind of problem is it?")
    text = f"{lead}\n{question}" if lead else question
    await show(update, text, _inline(buttons, 1, _))
    return CATEGORY


async def category_chosen(update: Update, context: BotContext) -> int:
    found = context.services
    query = update.callback_query
    assert query is not None
    pressed = ReportCategory.parse(query.data)
    key = pressed.category if pressed else None
    await acknowledge(query)
    if key not in found.config.categories:
        return CATEGORY
    await drop_buttons(update)  # chosen: the category buttons are done with
    draft = draft_of(context)
    draft.category = key
    context.keep(draft)
    return await ask_confirm(update, context)


# -- description and confirmation ------------------------------------------------------------


async def ask_confirm(update: Update, context: BotContext) -> int:
    """The summary with Submit; typing or a voice note adds the optional description."""
    found = context.services
    language = context.person.language
    _ = found.i18n.translator(language).gettext
    draft = draft_of(context)
    hamlet = found.grid.hamlets.get(draft.hamlet_id or "")
    if hamlet:
        village = found.grid.villages[hamlet.village_id]
        place = f"{hamlet.label(language)} · {village.label(language)}"
    else:
        place = _("to be routed by the town office")
    lines = [
        "<b>" + _("Please check your report:") + "</b>",
        _("📷 Photos: {count}").format(count=len(draft.photos)),
        _("📍 Place: {place}").format(place=escape(place)),
        _("🗂 Category: {category}").format(
            category=found.notifier.category_label(draft.category or "", language)
        ),
    ]
    if draft.description:
        lines.append(_("📝 Description: {text}").format(text=escape(draft.description)))
    if draft.voice:
        lines.append(_("🎤 Voice note attached"))
    lines.append("")
    lines.append(
        _("You may add a few words — type them or send a voice note (optional). Then tap Submit.")
    )
    keyboard = InlineKeyboardMarkup(
        [
            [pickers.button(_("✅ Submit"), SubmitReport())],
            [
                pickers.button(_(BACK_BUTTON), ReportBack()),
                pickers.button(_(CANCEL_BUTTON), ReportCancel()),
            ],
        ]
    )
    chat = update.effective_chat
    if chat is not None and draft.summary_message_id is not None:
        await retire_buttons(context, chat.id, draft.summary_message_id)  # only the newest submits
    sent = await show(
        update, "\n".join(lines), keyboard, parse_mode=ParseMode.HTML, new_message=True
    )
    if sent is not None:
        draft.summary_message_id = sent.message_id
        context.keep(draft)
    return CONFIRM


async def receive_description(update: Update, context: BotContext) -> int:
    message = update.effective_message
    assert message is not None and message.text is not None
    found = context.services
    _ = context._
    text = clean_text(message.text)
    limit = found.config.reporting.max_description_chars
    if len(text) > limit:
        await reply(
            update,
            _("That is {length} characters; please keep it under {limit}.").format(
                length=len(text), limit=limit
            ),
        )
        return CONFIRM
    draft = draft_of(context)
    draft.description = text or None
    context.keep(draft)
    return await ask_confirm(update, context)


async def receive_voice(update: Update, context: BotContext) -> int:
    message = update.effective_message
    assert message is not None and message.voice is not None
    found = context.services
    if found.media.too_big(message.voice.file_size):
        _ = context._
        await reply(update, _("That voice note is too long for me. Please keep it short."))
        return CONFIRM
    draft = draft_of(context)
    kept = await photos.keep_draft_file(
        update,
        context,
        file_id=message.voice.file_id,
        file_unique_id=message.voice.file_unique_id,
        suffix="ogg",
        size=message.voice.file_size,
    )
    if kept is None:  # refused politely: too many draft files
        return CONFIRM
    draft.voice = StoredFile.of(kept)
    draft.voice_audience = OFFICE_ONLY  # a new voice note: only the office, until tapped
    context.keep(draft)
    await voice.ask_audience(update, context)
    return await ask_confirm(update, context)


async def submit(update: Update, context: BotContext) -> int:
    """Store the report (committed before anyone is told) and say what happens next.
    Submitting the same draft again (a re-delivered tap) shows the same number again."""
    found = context.services
    query = update.callback_query
    user = update.effective_user
    assert query is not None and user is not None
    language = context.person.language
    _ = found.i18n.translator(language).gettext
    draft = draft_of(context)
    if not draft.photos or draft.category is None:
        await acknowledge(query, _("Something is missing; let's go through it again."))
        return await begin(update, context)
    if draft.id is None:  # a draft started before drafts had ids
        draft.id = uuid.uuid4().hex
    # The office may need to know who reported (for abuse): name and username as they are now.
    await found.storage.users.seen(user.id, user.first_name, user.username, found.clock.now())
    try:
        result = await found.reports.submit(
            Reporter(user.id, user.first_name, user.last_name, user.username), draft.domain()
        )
    except Refused as refusal:
        context.drop(ReportDraft)
        await acknowledge(query)
        await reply(update, words(refusal, _, wording_for(context)), main_keyboard(_))
        return ConversationHandler.END
    # Stored and committed: from here on a Telegram failure must not look like a lost report.
    context.drop(ReportDraft)
    with contextlib.suppress(TelegramError):
        await query.answer()
        await drop_buttons(update)
    report = result.report
    if result.duplicate_of is not None:
        text = _(
            "🙏 Thank you! This spot is already known as {original} and is being handled. "
            "Your report {number} was added to it (+1)."
        ).format(original=result.duplicate_of.number, number=report.number)
    elif report.state == State.ASSIGNED:
        assert report.fix_due_at is not None
        text = _(
            "✅ Thank you! Your report is number {number}.\n"
            "It has gone to the grid member of {place}, who should fix it by {when}. "
            "You will get a message when it is fixed, and you can check it with 📋 My reports.\n"
            "Your name is not shown to them."
        ).format(
            number=report.number,
            place=found.notifier.place(report, language),
            when=found.notifier.local_time(report.fix_due_at),
        )
    else:
        text = _(
            "✅ Thank you! Your report is number {number}.\n"
            "The town office will pass it to the person responsible. "
            "You will get a message when something happens."
        ).format(number=report.number)
    try:
        await reply(update, text, main_keyboard(_), parse_mode=ParseMode.HTML)
    except TimedOut:
        log.warning("the confirmation of %s timed out; it may have arrived", report.number)
    except Forbidden:
        log.info("the reporter of %s blocked the bot right after submitting", report.number)
    except TelegramError as error:
        log.warning(
            "could not confirm %s directly (%s); it goes through the outbox", report.number, error
        )
        await found.reports.tell_later(user.id, text)
    return ConversationHandler.END


# -- back, cancel and anything unexpected ------------------------------------------------------


async def back_to_photo(update: Update, context: BotContext) -> int:
    """Back from the place: start the photos over."""
    draft = draft_of(context)
    draft.photos.clear()
    draft.exif_location = None
    context.keep(draft)
    return await ask_photo(update, context)


async def back(update: Update, context: BotContext) -> int:
    """The inline Back button: one step back from wherever the villager is."""
    query = update.callback_query
    assert query is not None
    await acknowledge(query)
    draft = draft_of(context)
    if draft.category is not None:
        draft.category = None
        context.keep(draft)
        return await ask_category(update, context)
    if draft.hamlet_id is not None or draft.location is not None:
        draft.hamlet_id, draft.location = None, None
        context.keep(draft)
        return await ask_location(update, context, draft, context._)
    return await ask_location(update, context, draft, context._)


async def back_from_hamlets(update: Update, context: BotContext) -> int:
    query = update.callback_query
    assert query is not None
    await acknowledge(query)
    return await ask_village(update, context)


async def back_from_villages(update: Update, context: BotContext) -> int:
    query = update.callback_query
    assert query is not None
    await acknowledge(query)
    draft = draft_of(context)
    return await ask_location(update, context, draft, context._)


async def cancel(update: Update, context: BotContext) -> int:
    context.drop(ReportDraft)
    _ = context._
    if update.callback_query:
        await acknowledge(update.callback_query)
        await drop_buttons(update)
    await reply(update, _("Cancelled. Nothing was sent."), main_keyboard(_))
    return ConversationHandler.END


async def restart(update: Update, context: BotContext) -> int:
    """/start in the middle of a report drops the draft and greets afresh."""
    context.drop(ReportDraft)
    await start(update, context)
    return ConversationHandler.END


def hint(state: int) -> Callable[[Update, BotContext], Coroutine[Any, Any, int]]:
    """A handler that answers unexpected input in `state` by repeating what is needed."""

    async def explain(update: Update, context: BotContext) -> int:
        _ = context._
        message = update.effective_message
        specific = unusable(message, _) if message and state in (PHOTO, LOCATION) else None
        text = (
            specific
            or {
                PHOTO: _("I need a photo here (a picture of the problem). Or tap ✖ Cancel."),
                LOCATION: _(
                    "I need the place: tap “📍 Share my location” or “🏘 Pick village and "
                    "hamlet”. You can also send more photos."
                ),
                VILLAGE: _("Please tap one of the village buttons above, or ⬅ Back."),
                HAMLET: _("Please tap one of the hamlet buttons above, or ⬅ Back."),
                CATEGORY: _("Please tap the kind of problem in the buttons above."),
                CONFIRM: _(
                    "I can take a short text or a voice note here, then tap ✅ Submit above."
                ),
            }[state]
        )
        await reply(update, text)
        return state

    return explain


# -- after the fix: the reporter checks ---------------------------------------------------------


async def confirm_fixed(update: Update, context: BotContext) -> None:
    """ "Fixed 👍": the report closes."""
    await _answer_fix(update, context, reopen=False)


async def still_there(update: Update, context: BotContext) -> None:
    """ "Still there 👎": back to the same grid member with a fresh deadline; the office hears."""
    await _answer_fix(update, context, reopen=True)


async def _answer_fix(update: Update, context: BotContext, *, reopen: bool) -> None:
    query = update.callback_query
    user = update.effective_user
    assert query is not None and user is not None
    pressed = StillThere.parse(query.data) if reopen else ConfirmFixed.parse(query.data)
    if pressed is None:
        await acknowledge(query)
        return
    found = context.services
    action = found.reports.reopen if reopen else found.reports.confirm
    report = await attempt(update, context, action(pressed.report_id, user.id))
    if report is None:
        return
    _ = context._
    await acknowledge(query)
    await drop_buttons(update)
    if reopen:
        text = _(
            "🔁 Thank you for telling us. {number} went back to the grid member, and the "
            "town office was told."
        ).format(number=report.number)
    else:
        text = _("🎉 Thank you! {number} is closed. A cleaner village thanks to you.").format(
            number=report.number
        )
    await reply(update, text, main_keyboard(_))


# -- small rendering helpers -------------------------------------------------------------------


async def reply(
    update: Update,
    text: str,
    markup: ReplyMarkup | None = None,
    *,
    parse_mode: str | None = None,
) -> Message:
    """Send `text` to the chat of the update, with a keyboard if given."""
    chat = update.effective_chat
    assert chat is not None
    return await chat.send_message(text, reply_markup=markup, parse_mode=parse_mode)


async def acknowledge(query: CallbackQuery, text: str | None = None) -> None:
    """Answer a button press. A press handled again after a restart is too old to answer
    (Telegram refuses it); the press itself is still carried out."""
    try:
        await query.answer(text)
    except BadRequest as error:
        log.info("could not answer a button press (%s); carrying it out anyway", error)


async def show(
    update: Update,
    text: str,
    markup: InlineKeyboardMarkup,
    *,
    parse_mode: str | None = None,
    new_message: bool = False,
) -> Message | None:
    """Edit the message whose button was pressed (fewer messages), else send a new one (and
    return it)."""
    query = update.callback_query
    if query is not None and not new_message and query.message is not None:
        try:
            await query.edit_message_text(text, reply_markup=markup, parse_mode=parse_mode)
        except BadRequest as error:
            if NOT_MODIFIED not in str(error):
                raise
            # Already shown: the press is handled again after a restart.
        return None
    return await reply(update, text, markup, parse_mode=parse_mode)


def _inline(
    buttons: list[InlineKeyboardButton], per_row: int, _: Translate
) -> InlineKeyboardMarkup:
    """The flow's layout: the choices, then ⬅ Back and ✖ Cancel on a row of their own."""
    footer = [
        pickers.button(_(BACK_BUTTON), ReportBack()),
        pickers.button(_(CANCEL_BUTTON), ReportCancel()),
    ]
    return pickers.keyboard(buttons, per_row, footer=footer)


# -- the journey as a table ----------------------------------------------------------------------


def build(i18n: I18n) -> list[BaseHandler[Update, BotContext, object]]:
    def press(*labels: str) -> filters.MessageFilter:
        return filters.Regex(button_regex(i18n, *labels))

    private = filters.ChatType.PRIVATE
    cancel_press = press(CANCEL_BUTTON)
    on_button = CallbackQueryHandler
    reporting: ConversationHandler[BotContext] = ConversationHandler(
        name="reporting",
        persistent=True,
        entry_points=[
            CommandHandler("report", begin, filters=private),
            MessageHandler(private & press(REPORT_BUTTON), begin),
            MessageHandler(private & IMAGE, begin_with_photo),
        ],
        states={
            PHOTO: [
                MessageHandler(IMAGE, receive_photo),
                MessageHandler(cancel_press, cancel),
                MessageHandler(~filters.COMMAND, hint(PHOTO)),
            ],
            LOCATION: [
                MessageHandler(filters.LOCATION | filters.VENUE, receive_location),
                MessageHandler(IMAGE, receive_photo),
                MessageHandler(press(PHOTO_LOCATION_BUTTON), use_photo_location),
                MessageHandler(press(PICK_HAMLET_BUTTON), pick_hamlet_button),
                MessageHandler(press(BACK_BUTTON), back_to_photo),
                MessageHandler(cancel_press, cancel),
                MessageHandler(~filters.COMMAND, hint(LOCATION)),
            ],
            VILLAGE: [
                on_button(village_chosen, pattern=ReportVillage.pattern()),
                on_button(back_from_villages, pattern=ReportBack.pattern()),
                MessageHandler(~filters.COMMAND, hint(VILLAGE)),
            ],
            HAMLET: [
                on_button(hamlet_chosen, pattern=ReportHamlet.pattern()),
                on_button(back_from_hamlets, pattern=ReportBack.pattern()),
                MessageHandler(~filters.COMMAND, hint(HAMLET)),
            ],
            CATEGORY: [
                on_button(category_chosen, pattern=ReportCategory.pattern()),
                on_button(back, pattern=ReportBack.pattern()),
                MessageHandler(~filters.COMMAND, hint(CATEGORY)),
            ],
            CONFIRM: [
                on_button(submit, pattern=SubmitReport.pattern()),
                on_button(back, pattern=ReportBack.pattern()),
                MessageHandler(cancel_press, cancel),
                MessageHandler(filters.TEXT & ~filters.COMMAND, receive_description),
                MessageHandler(filters.VOICE, receive_voice),
                MessageHandler(~filters.COMMAND, hint(CONFIRM)),
            ],
        },
        fallbacks=[
            CommandHandler("cancel", cancel),
            on_button(cancel, pattern=ReportCancel.pattern()),
            CommandHandler("start", restart),
            CommandHandler("report", begin, filters=private),
            MessageHandler(private & press(REPORT_BUTTON), begin),
        ],
    )
    return [
        reporting,
        *voice.build(),
        CallbackQueryHandler(confirm_fixed, pattern=ConfirmFixed.pattern()),
        CallbackQueryHandler(still_there, pattern=StillThere.pattern()),
    ]
