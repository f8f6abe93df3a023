"""Pictures and voice notes people send for a report, kept within bounds, and pictures sent as
files shown to others as photos.

Keeping (`keep_draft_file`): a person's unsent drafts hold a bounded number and size of files,
a full media folder keeps only Telegram's file id, and a picture sent as a file that we cannot
or will not decode (broken, or claiming more pixels than `MAX_IMAGE_PIXELS`) gets a polite no.

Showing (`PhotoCopies`): re-encoded without EXIF from our copy (downloaded again if we have
none), uploaded once, then re-sent by the new photo's file id. Telegram refuses a document's
file id in sendPhoto ("can't use file of type Document as Photo"), and the document itself
would hand a neighbour the reporter's GPS and camera data.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

from telegram import Bot, Message, Update
from telegram.error import TelegramError

from bot.core.clock import Clock
from bot.core.models import MediaRef
from bot.delivery.outbox import PartRefused, TransientFailure
from bot.reporting.draft_media import DraftFiles, DraftMediaFull, MediaFolder, delete_file
from bot.reporting.media import NotAnImage, check_picture, photo_without_metadata
from handlers.context import BotContext
from handlers.files import keep_file, keep_picture
from storage.deliveries import DeliveryRepository

log = logging.getLogger(__name__)

PhotoSource = str | bytes
"""A photo to send: a photo file id Telegram has, or JPEG bytes to upload."""


async def keep_draft_file(
    update: Update,
    context: BotContext,
    *,
    file_id: str,
    file_unique_id: str,
    suffix: str,
    size: int | None,
    kind: str = "photo",
) -> MediaRef | None:
    """Keep a file sent for the person's draft, or answer why not and return None: too many
    or too big draft files, or (`kind` "document") a picture we cannot decode."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None
    found = context.services
    drafts = DraftFiles(storage=found.storage, config=found.config, clock=found.clock)
    try:
        await drafts.admit(user.id, size)
    except DraftMediaFull as full:
        await message.reply_text(
            context._(
                "You already sent many files for reports not yet submitted (at most {files} "
                "files, {megabytes} MB together). Please submit or cancel your report first; "
                "files of reports never submitted are deleted after a day."
            ).format(files=full.files, megabytes=full.megabytes)
        )
        return None
    folder = MediaFolder(
        storage=found.storage,
        config=found.config,
        people=found.people,
        notifier=found.notifier,
        media=found.media,
        clock=found.clock,
    )
    if await folder.has_room():
        ref = await keep_file(context, file_id, file_unique_id, suffix, kind=kind)
    else:
        ref = MediaRef(file_id, file_unique_id, None, kind)
    if kind == "document" and not await _decodes(context, ref):
        if ref.local_path:
            delete_file(Path(ref.local_path))
        await _cannot_open(context, message)
        return None
    if ref.local_path:
        await drafts.kept(user.id, Path(ref.local_path))
    return ref


async def keep_readable_picture(context: BotContext, message: Message) -> MediaRef | None:
    """Keep a photo, or a picture sent as a file if it decodes within our pixel limit; one that
    does not gets a polite answer and None (after-photos and order photos)."""
    ref = await keep_picture(context, message)
    if ref.kind != "document" or await _decodes(context, ref):
        return ref
    if ref.local_path:
        delete_file(Path(ref.local_path))
    await _cannot_open(context, message)
    return None


async def _cannot_open(context: BotContext, message: Message) -> None:
    await message.reply_text(
        context._(
            "I cannot open this picture. Please send it as a normal photo (not as a file) instead."
        )
    )


async def _decodes(context: BotContext, ref: MediaRef) -> bool:
    """Whether the picture decodes within our pixel limit (in a thread: it may take a second).
    Without our copy it is fetched again; if that fails it is let through (sending it later
    re-checks, and a part that cannot be sent is shown to the office)."""
    try:
        if ref.local_path:
            original = Path(ref.local_path).read_bytes()
        else:
            telegram_file = await context.services.downloads.get_file(ref.file_id)
            original = bytes(await telegram_file.download_as_bytearray())
    except (TelegramError, OSError) as error:
        log.warning("could not fetch %s to check it decodes: %s", ref.file_unique_id, error)
        return True
    try:
        await asyncio.to_thread(check_picture, original)
    except NotAnImage as error:
        log.info("refused a picture that does not decode: %s", error)
        return False
    return True


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
