"""Files sent for a report not yet submitted count against their sender, and the media folder
has a limit the office hears about before it is reached.

Each person may have at most `[privacy] draft_files_per_person` files of unsent drafts, of at
most `draft_megabytes_per_person` together; files no report uses go after `draft_keep_hours`
(the daily purge) and at /forgetme. From `media_folder_warn_percent` of
`media_folder_megabytes` the office is warned through the outbox, once a day; past the limit new
files are not copied (Telegram's file id still serves the report).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from bot.core.clock import Clock
from bot.core.config import Config
from bot.delivery.notifier import Notifier
from bot.people.directory import People
from bot.reporting.media import MediaStore
from storage import Storage
from storage.draft_files import DraftFileRepository

log = logging.getLogger(__name__)

MEGABYTE = 1024 * 1024


class DraftMediaFull(Exception):
    """The person has as many draft files, or as many bytes of them, as they may."""

    def __init__(self, files: int, megabytes: int) -> None:
        super().__init__(f"draft media full ({files} files, {megabytes} MB)")
        self.files = files
        self.megabytes = megabytes


class DraftFiles:
    """Admits, lists, purges and forgets the files of people's unsent drafts."""

    def __init__(self, *, storage: Storage, config: Config, clock: Clock) -> None:
        self._files = DraftFileRepository(storage.database)
        self._privacy = config.privacy
        self._clock = clock

    async def admit(self, user_id: int, size: int | None) -> None:
        """DraftMediaFull if one more file of `size` bytes would pass the person's limits."""
        files, used = await self._files.usage(user_id)
        limit = self._privacy.draft_megabytes_per_person
        if (
            files + 1 > self._privacy.draft_files_per_person
            or used + (size or 0) > limit * MEGABYTE
        ):
            raise DraftMediaFull(self._privacy.draft_files_per_person, limit)

    async def kept(self, user_id: int, path: Path) -> None:
        """List a file just kept for `user_id`'s draft."""
        size = path.stat().st_size if path.is_file() else 0
        await self._files.add(user_id, str(path), size, self._clock.now())

    async def purge_strays(self) -> int:
        """Delete files of drafts never sent once older than `draft_keep_hours`; returns how
        many."""
        cutoff = self._clock.now() - timedelta(hours=self._privacy.draft_keep_hours)
        strays = await self._files.unused_before(cutoff)
        for path in strays:
            delete_file(Path(path))
        await self._files.unlist_before(cutoff)
        return len(strays)

    async def forget(self, user_id: int) -> int:
        """/forgetme: delete the person's files no report uses; returns how many."""
        unused = await self._files.unused_of(user_id)
        for path in unused:
            delete_file(Path(path))
        await self._files.unlist_user(user_id)
        return len(unused)


class MediaFolder:
    """Watches the media folder's size against its limit, warning the office before it is hit."""

    def __init__(
        self,
        *,
        storage: Storage,
        config: Config,
        people: People,
        notifier: Notifier,
        media: MediaStore,
        clock: Clock,
    ) -> None:
        self._storage = storage
        self._files = DraftFileRepository(storage.database)
        self._privacy = config.privacy
        self._people = people
        self._notifier = notifier
        self._media = media
        self._clock = clock

    async def has_room(self) -> bool:
        """Whether the media folder may take another file; warns the office (once a day) from
        the warning share on."""
        limit = self._privacy.media_folder_megabytes * MEGABYTE
        percent = self._privacy.media_folder_warn_percent
        # Under half the warning share a recent listing will do; nearer, the folder is listed.
        used = self._media.known_bytes(trusted_below=limit * percent // 200)
        if used is None:
            used = await asyncio.to_thread(self._media.used_bytes)  # a listing: off the loop
        if used * 100 >= limit * percent:
            await self._warn_office(used, limit)
        return used < limit

    async def _warn_office(self, used: int, limit: int) -> None:
        day = self._clock.now().date().isoformat()
        percent = min(999, used * 100 // limit)
        megabytes, of = used // MEGABYTE, limit // MEGABYTE

        def render(_language: str, _: Callable[[str], str]) -> str:
            text = _(
                "💾 The media folder is {percent}% full ({used} of {limit} MB). Past the limit "
                "new photos and voice notes are no longer copied; please make room or raise "
                "the limit in the configuration."
            )
            return text.format(percent=percent, used=megabytes, limit=of)

        async with self._storage.database.transaction() as connection:
            if not await self._files.first_warning_of(connection, day):
                return
            for chat_id in self._people.office_recipients():
                await self._notifier.tell(connection, chat_id, render)
        log.warning("media folder at %d%% of its limit; the office was warned", percent)


def delete_file(path: Path) -> None:
    try:
        path.unlink(missing_ok=True)
    except OSError as error:
        log.warning("could not delete %s: %s", path, error)
