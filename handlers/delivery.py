"""The outbox's Telegram sender: one `Part` becomes one Bot API call; errors are classified."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from telegram import Bot, InputMediaPhoto
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.outbox import Blocked, ChatGone, Part, RetryLater, TransientFailure, Unreachable
from handlers.common import inline_markup


class TelegramSender:
    def __init__(self, bot: Bot) -> None:
        self._bot = bot

    async def send(self, chat_id: int, part: Part) -> None:
        try:
            await self._send(chat_id, part)
        except RetryAfter as error:
            raise RetryLater(_seconds(error.retry_after)) from error
        except Forbidden as error:
            raise Blocked(error.message) from error
        except BadRequest as error:
            if "chat not found" in error.message.lower():
                raise ChatGone(error.message) from error
            raise Unreachable(error.message) from error
        except (TimedOut, NetworkError) as error:
            raise TransientFailure(str(error)) from error

    async def _send(self, chat_id: int, part: Part) -> None:
        markup = inline_markup(part.buttons) if part.buttons else None
        upload = _upload(part)
        if part.kind == "text":
            await self._bot.send_message(
                chat_id, part.text or "", parse_mode=ParseMode.HTML, reply_markup=markup
            )
        elif part.kind == "photo":
            await self._bot.send_photo(
                chat_id,
                upload,
                caption=part.text,
                parse_mode=ParseMode.HTML,
                reply_markup=markup,
            )
        elif part.kind == "album":
            await self._bot.send_media_group(
                chat_id, [InputMediaPhoto(file_id) for file_id in part.files[:10]]
            )
        elif part.kind == "location":
            assert part.latitude is not None and part.longitude is not None
            await self._bot.send_location(chat_id, part.latitude, part.longitude)
        elif part.kind == "document":
            await self._bot.send_document(
                chat_id,
                upload,
                caption=part.text,
                parse_mode=ParseMode.HTML,
                reply_markup=markup,
            )
        elif part.kind == "voice":
            await self._bot.send_voice(chat_id, part.files[0], reply_markup=markup)
        else:
            raise Unreachable(f"unknown part kind {part.kind!r}")


def _upload(part: Part) -> str | Path | None:
    """A Telegram file id, or for a file the bot made, its path (PTB uploads it)."""
    if not part.files:
        return None
    if not part.local:
        return part.files[0]
    path = Path(part.files[0])
    if not path.is_file():
        raise Unreachable(f"file to upload is gone: {path}")
    return path


def _seconds(retry_after: int | timedelta) -> float:
    """PTB gives an int, or a timedelta when PTB_TIMEDELTA=1: accept both."""
    return retry_after.total_seconds() if isinstance(retry_after, timedelta) else float(retry_after)
