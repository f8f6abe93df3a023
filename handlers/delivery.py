"""The outbox's Telegram sender: one `Part` becomes one Bot API call; errors are classified.

Only 403 and a 400 "chat not found" / "user is deactivated" make a person unreachable; any
other 400 is a bug in what we sent (`PartRefused`): that part is skipped and kept for the
office, the rest of the notification still goes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

from telegram import Bot, InlineKeyboardMarkup, InputMediaPhoto, Message
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.core.clock import Clock
from bot.delivery.outbox import (
    Blocked,
    ChatGone,
    Part,
    PartRefused,
    RetryLater,
    TransientFailure,
)
from handlers.photos import PhotoCopies, PhotoSource
from handlers.pickers import inline_markup
from storage import Storage

GONE = ("chat not found", "user is deactivated")


class TelegramSender:
    def __init__(self, bot: Bot, photos: PhotoCopies) -> None:
        self._bot = bot
        self._photos = photos

    async def send(self, chat_id: int, part: Part) -> None:
        try:
            await self._send(chat_id, part)
        except RetryAfter as error:
            raise RetryLater(_seconds(error.retry_after)) from error
        except Forbidden as error:
            if any(reason in error.message.lower() for reason in GONE):
                raise ChatGone(error.message) from error
            raise Blocked(error.message) from error
        except BadRequest as error:
            if any(reason in error.message.lower() for reason in GONE):
                raise ChatGone(error.message) from error
            raise PartRefused(error.message) from error
        except (TimedOut, NetworkError) as error:
            raise TransientFailure(str(error)) from error

    async def _send(self, chat_id: int, part: Part) -> None:
        markup = inline_markup(part.buttons) if part.buttons else None
        if part.kind in ("photo", "album") and part.image_files and not part.local:

            async def send(sources: list[PhotoSource]) -> Sequence[Message]:
                return await self._send_photos(chat_id, part, sources, markup)

            await self._photos.send(part.files[:10], dict(part.image_files), send)
            return
        if part.kind in ("photo", "album"):
            sources = list(part.files[:10]) if part.kind == "album" else [_upload(part) or ""]
            await self._send_photos(chat_id, part, sources, markup)
            return
        upload = _upload(part)
        if part.kind == "text":
            await self._bot.send_message(
                chat_id, part.text or "", parse_mode=ParseMode.HTML, reply_markup=markup
            )
        elif part.kind == "location":
            assert part.latitude is not None and part.longitude is not None
            await self._bot.send_location(chat_id, part.latitude, part.longitude)
        elif part.kind == "document":
            await self._bot.send_document(
                chat_id,
                upload or "",
                caption=part.text,
                parse_mode=ParseMode.HTML,
                reply_markup=markup,
            )
        elif part.kind == "voice":
            await self._bot.send_voice(chat_id, part.files[0], reply_markup=markup)
        else:
            raise PartRefused(f"unknown part kind {part.kind!r}")

    async def _send_photos(
        self,
        chat_id: int,
        part: Part,
        sources: Sequence[PhotoSource | Path | str],
        markup: InlineKeyboardMarkup | None,
    ) -> Sequence[Message]:
        """A photo (one source) or an album; returns the messages Telegram made."""
        if part.kind == "album":
            media = [InputMediaPhoto(source) for source in sources]
            return await self._bot.send_media_group(chat_id, media)
        message = await self._bot.send_photo(
            chat_id,
            sources[0],
            caption=part.text,
            parse_mode=ParseMode.HTML,
            reply_markup=markup,
        )
        return [message]


def sender_for(bot: Bot, downloads: Bot, storage: Storage, clock: Clock) -> TelegramSender:
    """A sender for a handler that shows outbox parts itself (a preview, /news)."""
    return TelegramSender(bot, PhotoCopies(downloads, storage.deliveries, clock))


def _upload(part: Part) -> str | Path | None:
    """A Telegram file id, or for a file the bot made, its path (PTB uploads it)."""
    if not part.files:
        return None
    if not part.local:
        return part.files[0]
    path = Path(part.files[0])
    if not path.is_file():
        raise PartRefused(f"file to upload is gone: {path}")
    return path


def _seconds(retry_after: int | float | timedelta) -> float:
    """PTB gives a timedelta when PTB_TIMEDELTA is set (as the bot does), else an int: accept
    both, as PTB's documentation asks."""
    return retry_after.total_seconds() if isinstance(retry_after, timedelta) else float(retry_after)
