"""The files people sent while putting a report together: who sent each, how big, and when."""

from __future__ import annotations

from datetime import datetime

from storage.database import Database
from storage.group_commit import GroupCommit
from storage.transaction import Transaction

_Listed = tuple[str, int, int, str]
"""A kept file: path, user id, bytes, when (ISO)."""

_UNUSED = "path NOT IN (SELECT local_path FROM report_media WHERE local_path IS NOT NULL)"
"""A draft file no report uses (yet)."""


class DraftFileRepository:
    def __init__(self, database: Database) -> None:
        self._db = database
        self._listings = GroupCommit(database, _list)

    async def add(self, user_id: int, path: str, size: int, at: datetime) -> None:
        """List a kept file as `user_id`'s (the same file kept again keeps its first owner);
        files kept side by side (many villagers' photos at once) share a transaction."""
        await self._listings.write((path, user_id, size, at.isoformat()))

    async def usage(self, user_id: int) -> tuple[int, int]:
        """How many draft files `user_id` has that no report uses, and their total bytes."""
        row = await self._db.fetch_one(
            f"""SELECT COUNT(*) AS files, COALESCE(SUM(bytes), 0) AS bytes FROM draft_files
                WHERE user_id = ? AND {_UNUSED}""",
            (user_id,),
        )
        return (row["files"], row["bytes"]) if row else (0, 0)

    async def unused_of(self, user_id: int) -> list[str]:
        rows = await self._db.fetch_all(
            f"SELECT path FROM draft_files WHERE user_id = ? AND {_UNUSED}", (user_id,)
        )
        return [row["path"] for row in rows]

    async def unused_before(self, cutoff: datetime) -> list[str]:
        """Files kept before `cutoff` that no report uses: strays of abandoned drafts."""
        rows = await self._db.fetch_all(
            f"SELECT path FROM draft_files WHERE kept_at < ? AND {_UNUSED}", (cutoff.isoformat(),)
        )
        return [row["path"] for row in rows]

    async def unlist_before(self, cutoff: datetime) -> None:
        """Forget the listing of files kept before `cutoff` (reports keep the ones they use)."""
        async with self._db.transaction() as connection:
            await connection.execute(
                "DELETE FROM draft_files WHERE kept_at < ?", (cutoff.isoformat(),)
            )

    async def unlist_user(self, user_id: int) -> None:
        async with self._db.transaction() as connection:
            await connection.execute("DELETE FROM draft_files WHERE user_id = ?", (user_id,))

    async def first_warning_of(self, connection: Transaction, day: str) -> bool:
        """True once per `day`: the first caller warns the office that the folder fills up."""
        cursor = await connection.execute(
            "INSERT OR IGNORE INTO media_folder_warnings (day) VALUES (?)", (day,)
        )
        return cursor.rowcount == 1


async def _list(tx: Transaction, files: list[_Listed]) -> None:
    await tx.executemany(
        "INSERT OR IGNORE INTO draft_files (path, user_id, bytes, kept_at) VALUES (?, ?, ?, ?)",
        files,
    )
