"""The first half of a report: the photos, then the place (shared location, the photo's own
location, or village and hamlet by name), up to the category question.

A photo alone starts a report; the place is one tap on "Share my location" for people on cheap
phones, and the hamlet picker when GPS fails or points outside the town.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.ext import ConversationHandler

from bot.core.errors import Refused
from bot.core.models import Location
from bot.core.text import clean_text
from bot.places.grid import Fit
from bot.reporting.media import gps_from_image
from handlers import photos, pickers
from handlers.buttons import ReportBack, ReportCancel, ReportCategory, ReportHamlet, ReportVillage
from handlers.context import BotContext
from handlers.drafts import ReportDraft, StoredPoint
from handlers.main_menu import BACK_BUTTON, CANCEL_BUTTON, main_keyboard
from handlers.refusals import wording_for, words
from handlers.report_states import (
    CATEGORY,
    HAMLET,
    LOCATION,
    PHOTO,
    PHOTO_LOCATION_BUTTON,
    PICK_HAMLET_BUTTON,
    SHARE_LOCATION_BUTTON,
    VILLAGE,
    draft_of,
    new_draft,
)
from handlers.report_steps import answered, reply, show
from handlers.services import Translate


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
    pressed = await answered(update, ReportVillage)
    village = found.grid.villages.get(pressed.village_id) if pressed else None
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
    pressed = await answered(update, ReportHamlet)
    hamlet = found.grid.hamlets.get(pressed.hamlet_id) if pressed else None
    if hamlet is None:
        return HAMLET
    draft = draft_of(context)
    draft.location = None
    draft.hamlet_id = hamlet.id
    context.keep(draft)
    return await ask_category(update, context)


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
    await show(update, text, inline(buttons, 1, _))
    return CATEGORY


def inline(buttons: list[InlineKeyboardButton], per_row: int, _: Translate) -> InlineKeyboardMarkup:
    """The flow's layout: the choices, then ⬅ Back and ✖ Cancel on a row of their own."""
    footer = [
        pickers.button(_(BACK_BUTTON), ReportBack()),
        pickers.button(_(CANCEL_BUTTON), ReportCancel()),
    ]
    return pickers.keyboard(buttons, per_row, footer=footer)
