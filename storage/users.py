"""People who have talked to the bot, and the language each one chose."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from storage.database import Database


class UserRepository:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def seen(
        self, user_id: int, first_name: str, username: str | None, now: datetime
    ) -> None:
        """Record (or refresh) a user who just sent us something."""
        async with self._db.transaction() as connection:
            await connection.execute(
                """INSERT INTO users (user_id, first_name, username, created_at, updated_at)
                   VALUES (?, ?, ?, ?, ?)
                   ON CONFLICT (user_id) DO UPDATE SET first_name = excluded.first_name,
                       username = excluded.username, updated_at = excluded.updated_at""",
                (user_id, first_name, username, now.isoformat(), now.isoformat()),
            )

    async def ensure(self, connection: aiosqlite.Connection, user_id: int, now: datetime) -> None:
        await connection.execute(
            """INSERT INTO users (user_id, created_at, updated_at) VALUES (?, ?, ?)
               ON CONFLICT (user_id) DO NOTHING""",
            (user_id, now.isoformat(), now.isoformat()),
        )

    async def language(self, user_id: int) -> str | None:
        row = await self._db.fetch_one("SELECT language FROM users WHERE user_id = ?", (user_id,))
        return row["language"] if row else None

    async def set_language(self, user_id: int, language: str, now: datetime) -> None:
        async with self._db.transaction() as connection:
            await self.ensure(connection, user_id, now)
            await connection.execute(
                "UPDATE users SET language = ?, updated_at = ? WHERE user_id = ?",
                (language, now.isoformat(), user_id),
            )
