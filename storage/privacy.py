"""A person's data and the office's hold on it: reporting blocks (by keyed hash, see
`storage.keys`), what /mydata shows, what /forgetme erases, and which evidence files are past
their retention."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from bot.core.models import FORGOTTEN_REPORTER
from storage.database import Database
from storage.keys import AbuseKeys
from storage.transaction import Row, Transaction


@dataclass(frozen=True)
class BlockRow:
    user_key: str
    """The keyed hash of the blocked person's Telegram id (`storage.keys`), never the id."""
    reason: str
    blocked_by: int
    blocked_at: datetime


@dataclass(frozen=True)
class Profile:
    """What the users table holds about one person."""

    user_id: int
    first_name: str
    username: str | None
    language: str | None
    home_hamlet_id: str | None
    notices_on: bool
    first_seen: datetime


@dataclass(frozen=True)
class Forgotten:
    reports: int
    files: list[str]
    """Voice notes whose files the caller deletes after the commit."""


class PrivacyRepository:
    def __init__(self, database: Database, keys: AbuseKeys) -> None:
        self._db = database
        self._keys = keys

    # -- reporting blocks, by the person's key: /forgetme does not lift them -------------------

    async def active_block(self, user_id: int) -> BlockRow | None:
        return await self.active_block_by_key(self._keys.of(user_id))

    async def active_block_by_key(self, user_key: str) -> BlockRow | None:
        row = await self._db.fetch_one(
            """SELECT user_key, reason, blocked_by, blocked_at FROM reporting_blocks
               WHERE user_key = ? AND lifted_at IS NULL""",
            (user_key,),
        )
        return _block(row) if row else None

    async def add_block(
        self,
        tx: Transaction,
        *,
        user_key: str,
        reason: str,
        by: int,
        now: datetime,
    ) -> bool:
        """False if the person is already blocked."""
        cursor = await tx.execute(
            """INSERT INTO reporting_blocks (user_key, reason, blocked_by, blocked_at)
               VALUES (?, ?, ?, ?)
               ON CONFLICT (user_key) WHERE lifted_at IS NULL DO NOTHING""",
            (user_key, reason, by, now.isoformat()),
        )
        return bool(cursor.rowcount)

    async def lift_block(self, tx: Transaction, *, user_key: str, by: int, now: datetime) -> bool:
        """False if the person was not blocked."""
        cursor = await tx.execute(
            """UPDATE reporting_blocks SET lifted_by = ?, lifted_at = ?
               WHERE user_key = ? AND lifted_at IS NULL""",
            (by, now.isoformat(), user_key),
        )
        return bool(cursor.rowcount)

    # -- what we hold about a person --------------------------------------------------------

    async def profile(self, user_id: int) -> Profile | None:
        row = await self._db.fetch_one(
            """SELECT user_id, first_name, username, language, home_hamlet_id, notices_on,
                      created_at FROM users WHERE user_id = ?""",
            (user_id,),
        )
        if row is None:
            return None
        return Profile(
            user_id=row["user_id"],
            first_name=row["first_name"],
            username=row["username"],
            language=row["language"],
            home_hamlet_id=row["home_hamlet_id"],
            notices_on=bool(row["notices_on"]),
            first_seen=datetime.fromisoformat(row["created_at"]),
        )

    async def forget(self, tx: Transaction, user_id: int, now: datetime) -> Forgotten:
        """Erase a person: their profile, drafts, conversations, menu and delivery history go;
        their reports stay, pointing at the stand-in reporter, without their voice notes but
        with the reporter's key; the events they caused keep no actor. What is keyed (report
        limits, /join failures, blocks) stays, so forgetting does not reset it."""
        stamp = now.isoformat()
        await tx.execute(
            """INSERT INTO users (user_id, created_at, updated_at, notices_on, unreachable_since)
               VALUES (?, ?, ?, 0, ?) ON CONFLICT (user_id) DO NOTHING""",
            (FORGOTTEN_REPORTER, stamp, stamp, stamp),
        )
        voices = await tx.fetch_all(
            """SELECT m.local_path FROM report_media m JOIN reports r ON r.id = m.report_id
               WHERE r.reporter_id = ? AND m.role = 'voice' AND m.local_path IS NOT NULL""",
            (user_id,),
        )
        files = [row["local_path"] for row in voices]
        await tx.execute(
            """DELETE FROM report_media WHERE role = 'voice'
               AND report_id IN (SELECT id FROM reports WHERE reporter_id = ?)""",
            (user_id,),
        )
        cursor = await tx.execute(
            "UPDATE reports SET reporter_id = ? WHERE reporter_id = ?",
            (FORGOTTEN_REPORTER, user_id),
        )
        reports = cursor.rowcount
        await tx.execute("UPDATE report_events SET actor_id = NULL WHERE actor_id = ?", (user_id,))
        await tx.execute(
            """UPDATE outbox SET state = 'dropped', outcome = 'gone', finished_at = ?,
                                 last_error = 'the person asked to be forgotten'
               WHERE chat_id = ? AND state IN ('pending', 'sending')""",
            (stamp, user_id),
        )
        await tx.execute(
            "UPDATE outbox SET chat_id = ? WHERE chat_id = ?", (FORGOTTEN_REPORTER, user_id)
        )
        for row in await tx.fetch_all("SELECT name, key FROM conversations"):
            if user_id in json.loads(row["key"]):
                await tx.execute(
                    "DELETE FROM conversations WHERE name = ? AND key = ?",
                    (row["name"], row["key"]),
                )
        for table in ("user_data", "command_menus", "role_languages", "users"):
            await tx.execute(f"DELETE FROM {table} WHERE user_id = ?", (user_id,))
        return Forgotten(reports=reports, files=files)

    # -- retention --------------------------------------------------------------------------

    async def files_older_than(self, cutoff: datetime) -> list[str]:
        """Local copies used only by reports made before `cutoff`."""
        rows = await self._db.fetch_all(
            """SELECT m.local_path FROM report_media m JOIN reports r ON r.id = m.report_id
               WHERE m.local_path IS NOT NULL
               GROUP BY m.local_path HAVING MAX(r.created_at) < ?""",
            (cutoff.isoformat(),),
        )
        return [row["local_path"] for row in rows]

    async def referenced_files(self) -> set[str]:
        rows = await self._db.fetch_all(
            "SELECT DISTINCT local_path FROM report_media WHERE local_path IS NOT NULL"
        )
        return {row["local_path"] for row in rows}

    async def forget_files(self, paths: list[str]) -> None:
        """The files are gone from disk: the reports keep Telegram's file ids only."""
        async with self._db.transaction() as tx:
            await tx.executemany(
                "UPDATE report_media SET local_path = NULL WHERE local_path = ?",
                [(path,) for path in paths],
            )


def _block(row: Row) -> BlockRow:
    return BlockRow(
        user_key=row["user_key"],
        reason=row["reason"],
        blocked_by=row["blocked_by"],
        blocked_at=datetime.fromisoformat(row["blocked_at"]),
    )
