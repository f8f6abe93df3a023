"""Pictures users sent as files, shown to others as photos: re-encoded without EXIF from our copy
(downloaded again if we have none), uploaded once, then re-sent by the new photo's file id.

Telegram refuses a document's file id in sendPhoto ("can't use file of type Document as
Photo"), and the document itself would hand a neighbour the reporter's GPS and camera data.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

from telegram import Bot, Message
from telegram.error import TelegramError

from bot.core.clock import Clock
from bot.delivery.outbox import PartRefused, TransientFailure
from bot.reporting.media import NotAnImage, photo_without_metadata
from storage.deliveries import DeliveryRepository

log = logging.getLogger(__name__)

PhotoSource = str | bytes
"""A photo to send: a photo file id Telegram has, or JPEG bytes to upload."""


class PhotoCopies:
    """Makes and remembers the photo copy of each picture sent as a file (one upload each)."""

    def __init__(self, downloads: Bot, repository: DeliveryRepository, clock: Clock) -> None:
        self._downloads = downloads
        self._repository = repository
        self._clock = clock
        self._locks: dict[str, asyncio.Lock] = {}

    async def send(
        self,
        files: Sequence[str],
        images: dict[str, str | None],
        send: Callable[[list[PhotoSource]], Awaitable[Sequence[Message]]],
    ) -> None:
        """Call `send` with each of `files` as a photo source; the pictures in `images`
        (file id → our copy) become copies, and the photos Telegram made of them are kept.

        A lock per picture makes a town-wide notice upload it once, not once per sender."""
        pictures = sorted({file_id for file_id in files if file_id in images})
        locks = [self._locks.setdefault(file_id, asyncio.Lock()) for file_id in pictures]
        for lock in locks:
            await lock.acquire()
        try:
            sources: list[PhotoSource] = []
            uploaded: dict[int, str] = {}
            for index, file_id in enumerate(files):
                if file_id not in images:
                    sources.append(file_id)
                    continue
                known = await self._repository.photo_copy(file_id)
                if known is None:
                    uploaded[index] = file_id
                    sources.append(await self._jpeg(file_id, images[file_id]))
                else:
                    sources.append(known)
            messages = await send(sources)
            for index, file_id in uploaded.items():
                if index < len(messages) and messages[index].photo:
                    await self._repository.remember_photo_copy(
                        file_id, messages[index].photo[-1].file_id, self._clock.now()
                    )
        finally:
            for lock in locks:
                lock.release()

    async def _jpeg(self, file_id: str, local_path: str | None) -> bytes:
        """The picture from our copy, or downloaded again, as an EXIF-free JPEG."""
        path = Path(local_path) if local_path else None
        try:
            if path is not None and path.is_file():
                original = path.read_bytes()
            else:
                telegram_file = await self._downloads.get_file(file_id)
                original = bytes(await telegram_file.download_as_bytearray())
        except TelegramError as error:
            raise TransientFailure(f"could not fetch the picture to re-encode: {error}") from error
        try:
            return photo_without_metadata(original)
        except NotAnImage as error:
            raise PartRefused(f"the file is not a picture: {error}") from error
