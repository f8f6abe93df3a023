"""The /notice wizard's content steps: the notice itself (text, or a photo or PDF with a
caption, kept without its metadata) and its versions in the other languages."""

from __future__ import annotations

import logging
from pathlib import Path

from babel import Locale
from telegram import Message, Update

from bot.notices.service import MAX_CAPTION, MAX_TEXT, ContentKind
from bot.reporting.media import NotAnImage, photo_without_metadata
from handlers import notice_wizard as w
from handlers.buttons import NoticeAddLanguage, NoticePreview
from handlers.context import BotContext, Translate
from handlers.drafts import NoticeDraft
from handlers.files import keep_picture
from handlers.notice_wizard import CONTENT, TRANSLATION, TRANSLATIONS
from handlers.pickers import button, keyboard

log = logging.getLogger(__name__)


async def content_received(update: Update, context: BotContext) -> int:
    """Step 2: the notice itself — text, or a photo or PDF with a caption."""
    message, draft = update.effective_message, context.draft(NoticeDraft)
    if message is None or draft is None:
        return await w.lost(update, context)
    found, _ = context.services, context._
    kind: ContentKind
    file_id: str | None
    if message.photo:
        kind, file_id, text, limit = (
            ContentKind.PHOTO,
            message.photo[-1].file_id,
            message.caption,
            MAX_CAPTION,
        )
    elif message.document and (message.document.mime_type or "").startswith("image/"):
        photo_id = await _picture_as_photo(context, message, _)
        if photo_id is None:
            await message.reply_text(
                _("Sorry, I could not read that picture. Please send it as a photo instead.")
            )
            return CONTENT
        kind, file_id, text, limit = ContentKind.PHOTO, photo_id, message.caption, MAX_CAPTION
    elif message.document and message.document.mime_type == "application/pdf":
        kind, file_id, text, limit = (
            ContentKind.DOCUMENT,
            message.document.file_id,
            message.caption,
            MAX_CAPTION,
        )
    elif message.text:
        kind, file_id, text, limit = ContentKind.TEXT, None, message.text, MAX_TEXT
    else:
        await message.reply_text(
            _("Please send the notice as text, or as a photo or a PDF file with a caption.")
        )
        return CONTENT
    text = (text or "").strip()
    if await _too_long(message, text, limit, _):
        return CONTENT
    draft.kind, draft.file_id = kind, file_id
    draft.texts = {found.i18n.default_language: text}
    context.keep(draft)
    return await _ask_translations(update, context, draft)


async def _picture_as_photo(context: BotContext, message: Message, _: Translate) -> str | None:
    """A picture sent as a file becomes the notice's photo: re-encoded without EXIF and shown
    to the author once, whose photo file id then goes to everyone (never the original file)."""
    ref = await keep_picture(context, message)
    if ref.local_path is None:
        return None
    try:
        jpeg = photo_without_metadata(Path(ref.local_path).read_bytes())
    except (NotAnImage, OSError):
        return None
    shown = await message.reply_photo(
        jpeg, caption=_("This picture will go out as a photo, without its location data.")
    )
    return shown.photo[-1].file_id


async def language_chosen(update: Update, context: BotContext) -> int:
    """➕ a language: ask for the notice's text in it."""
    query, draft = update.callback_query, context.draft(NoticeDraft)
    pressed = NoticeAddLanguage.parse(query.data) if query is not None else None
    if query is None or pressed is None or draft is None:
        return await w.lost(update, context)
    await query.answer()
    if pressed.language not in context.services.i18n.languages:
        return TRANSLATIONS
    draft.translating = pressed.language
    context.keep(draft)
    await query.edit_message_text(
        context._("Send the {language} text of the notice.").format(
            language=language_name(pressed.language, context)
        )
    )
    return TRANSLATION


async def translation_received(update: Update, context: BotContext) -> int:
    """The text in the language asked for; then the remaining languages again."""
    message, draft = update.effective_message, context.draft(NoticeDraft)
    if message is None or draft is None or draft.translating is None:
        return await w.lost(update, context)
    limit = MAX_TEXT if draft.kind == ContentKind.TEXT else MAX_CAPTION
    text = (message.text or "").strip()
    if await _too_long(message, text, limit, context._):
        return TRANSLATION
    draft.texts[draft.translating] = text
    draft.translating = None
    context.keep(draft)
    return await _ask_translations(update, context, draft)


async def _too_long(message: Message, text: str, limit: int, _: Translate) -> bool:
    """Tell the author when the text is over the limit (and return True)."""
    if len(text) <= limit:
        return False
    await message.reply_text(
        _(
            "That is {length:,} characters; a notice can have at most {limit:,} here. "
            "Please shorten it and send it again."
        ).format(length=len(text), limit=limit)
    )
    return True


def language_name(code: str, context: BotContext) -> str:
    """A catalogue language named in the reader's language ("英语", "Chinese")."""
    name: str = Locale.parse(code).get_display_name(context.person.language) or code
    return name


async def _ask_translations(update: Update, context: BotContext, draft: NoticeDraft) -> int:
    """➕ each language not written yet, and 👀 Preview."""
    message = update.effective_message
    if message is None:
        return await w.lost(update, context)
    found, _ = context.services, context._
    choices = [
        button(
            _("➕ {language} version").format(language=language_name(code, context)),
            NoticeAddLanguage(code),
        )
        for code in found.i18n.languages
        if code not in draft.texts
    ]
    choices.append(button(_("👀 Preview"), NoticePreview()))
    await message.reply_text(
        _(
            "Recipients who read another language get the {language} text unless you add "
            "their version."
        ).format(language=language_name(found.i18n.default_language, context)),
        reply_markup=keyboard(choices, 1),
    )
    return TRANSLATIONS
