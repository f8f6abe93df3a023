"""The files people send: a copy kept in the media folder (the Telegram file id is kept even
when the download fails), and a polite word for content the bot cannot use as evidence."""

from __future__ import annotations

import logging
import mimetypes
from collections.abc import Callable

from telegram import Message
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.core.models import MediaRef
from handlers.services import services

log = logging.getLogger(__name__)

Translate = Callable[[str], str]


async def keep_file(
    context: ContextTypes.DEFAULT_TYPE,
    file_id: str,
    file_unique_id: str,
    suffix: str,
    *,
    kind: str = "photo",
) -> MediaRef:
    """Download a user's file into the media folder; the file id is kept even if that fails.
    `kind` "document": a picture sent as a file (see `MediaRef`)."""
    media = services(context).media
    path = media.path_for(file_unique_id, suffix)
    try:
        if not path.exists():
            telegram_file = await services(context).downloads.get_file(file_id)
            await telegram_file.download_to_drive(path)
            media.kept(path)
    except (TelegramError, OSError) as error:
        log.warning("could not keep a copy of %s: %s", file_unique_id, error)
        return MediaRef(file_id, file_unique_id, None, kind)
    return MediaRef(file_id, file_unique_id, str(path), kind)


async def keep_picture(context: ContextTypes.DEFAULT_TYPE, message: Message) -> MediaRef:
    """Keep the largest size of a photo, or a picture sent as a file (EXIF and all)."""
    if message.photo:
        size = message.photo[-1]
        return await keep_file(context, size.file_id, size.file_unique_id, "jpg")
    document = message.document
    assert document is not None
    suffix = (mimetypes.guess_extension(document.mime_type or "") or ".jpg").lstrip(".")
    return await keep_file(
        context, document.file_id, document.file_unique_id, suffix, kind="document"
    )


def unusable(message: Message, _: Translate) -> str | None:
    """A specific, polite answer for content the bot cannot use as evidence; None otherwise."""
    if message.video or message.video_note or message.animation:
        return _("I cannot use videos or GIFs. Please send a photo of the problem instead.")
    if message.document and not (message.document.mime_type or "").startswith("image/"):
        return _("That file is not a picture. Please send a photo of the problem instead.")
    if message.sticker or message.dice or message.poll:
        return _("Thank you! To report a problem, please send a photo of it.")
    if message.contact:
        return _(
            "Please do not share phone numbers here; I do not need them. "
            "To report a problem, send a photo of it."
        )
    return None
