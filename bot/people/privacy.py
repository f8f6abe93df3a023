"""A villager's data rights and the retention of evidence.

`/mydata` shows what is stored about a person; `/forgetme` erases it: the profile, drafts,
conversations and delivery history go, the reports stay for the town's work with the reporter
replaced by a stand-in and without voice notes (a voice identifies its speaker), and the files
of drafts never sent are deleted. Kept on
purpose, so that forgetting is no way round the abuse controls: the keyed hash of the person's
Telegram id (`storage.keys`) on their reports (the report limits count by it), on their recent
wrong /join codes and on any reporting block; and the audit log's record of office actions.
People who hold a role are asked to have it revoked first, since their work on reports belongs
to the office's records.

Evidence files older than `[privacy] media_retention_days` are deleted from disk by a daily
job, files of drafts never sent once older than `draft_keep_hours`; the reports keep
Telegram's file ids.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.core.clock import Clock
from bot.core.config import Config
from bot.core.errors import Reason, Refused
from bot.core.models import Report
from bot.people.directory import Grant, People
from bot.reporting.draft_media import DraftFiles
from storage import Storage
from storage.privacy import BlockRow, Forgotten, Profile

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PersonalData:
    profile: Profile | None
    reports: list[Report]
    grants: list[Grant]
    block: BlockRow | None
    forgotten_reports: int
    """Reports made before a /forgetme, kept without a name under the person's key."""
    role_language: str | None = None
    """The language kept for a role holder without a profile (they were answered in it)."""


@dataclass(frozen=True)
class Purged:
    files: int
    """Evidence files deleted from disk."""
    orphans: int
    """Of those, files no report used (drafts that were never sent)."""


class PrivacyService:
    def __init__(self, *, storage: Storage, config: Config, people: People, clock: Clock) -> None:
        self._storage = storage
        self._config = config
        self._people = people
        self._clock = clock
        self._draft_files = DraftFiles(storage=storage, config=config, clock=clock)

    async def personal_data(self, user_id: int) -> PersonalData:
        return PersonalData(
            profile=await self._storage.privacy.profile(user_id),
            reports=await self._storage.reports.by_reporter(user_id, limit=1000),
            grants=self._people.grants_of(user_id),
            block=await self._storage.privacy.active_block(user_id),
            forgotten_reports=await self._storage.reports.forgotten_count(user_id),
            role_language=await self._storage.users.role_language(user_id),
        )

    def require_may_forget(self, user_id: int) -> None:
        """`Refused(HOLDS_ROLE)` while the person holds a role: the office ends it first."""
        if self._people.holds_role(user_id):
            raise Refused(Reason.HOLDS_ROLE, subject=f"forget user {user_id}")

    async def forget(self, user_id: int) -> Forgotten:
        """Erase the person in one transaction, then their voice notes from disk; a role holder
        is refused (`Refused(HOLDS_ROLE)`) until the office ends the role."""
        self.require_may_forget(user_id)
        async with self._storage.database.transaction() as connection:
            forgotten = await self._storage.privacy.forget(connection, user_id, self._clock.now())
        for path in forgotten.files:
            _delete(Path(path))
        drafts = await self._draft_files.forget(user_id)
        log.info(
            "forgot a person at their request (%d report(s) anonymised, %d draft file(s) deleted)",
            forgotten.reports,
            drafts,
        )
        return forgotten

    async def purge_media(self) -> Purged:
        """Delete evidence files past the retention period, and stray files as old; files of
        drafts never sent go after `[privacy] draft_keep_hours`."""
        drafts = await self._draft_files.purge_strays()
        cutoff = self._clock.now() - timedelta(days=self._config.privacy.media_retention_days)
        expired = await self._storage.privacy.files_older_than(cutoff)
        for expired_path in expired:
            _delete(Path(expired_path))
        await self._storage.privacy.forget_files(expired)
        referenced = await self._storage.privacy.referenced_files()
        orphans = [
            file
            for file in _files_in(self._config.storage.media_dir)
            if str(file) not in referenced and _modified(file) < cutoff
        ]
        for file in orphans:
            _delete(file)
        purged = Purged(files=len(expired) + len(orphans) + drafts, orphans=len(orphans) + drafts)
        log.info(
            "media retention: deleted %d file(s), %d of them unused", purged.files, purged.orphans
        )
        return purged


def _files_in(folder: Path) -> list[Path]:
    return [path for path in folder.iterdir() if path.is_file()] if folder.is_dir() else []


def _modified(path: Path) -> datetime:
    return datetime.fromtimestamp(path.stat().st_mtime, UTC)


def _delete(path: Path) -> None:
    try:
        path.unlink(missing_ok=True)
    except OSError as error:
        log.warning("could not delete %s: %s", path, error)
