"""Chat-flow state kept across restarts: conversation positions and per-user drafts."""

from __future__ import annotations

import json

from storage.database import Database


class ConversationRepository:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def all_states(self, name: str) -> dict[str, str]:
        rows = await self._db.fetch_all(
            "SELECT key, state FROM conversations WHERE name = ?", (name,)
        )
        return {row["key"]: row["state"] for row in rows}

    async def set_state(self, name: str, key: str, state: str | None) -> None:
        async with self._db.transaction() as connection:
            if state is None:
                await connection.execute(
                    "DELETE FROM conversations WHERE name = ? AND key = ?", (name, key)
                )
            else:
                await connection.execute(
                    """INSERT INTO conversations (name, key, state) VALUES (?, ?, ?)
                       ON CONFLICT (name, key) DO UPDATE SET state = excluded.state""",
                    (name, key, state),
                )

    async def all_user_data(self) -> dict[int, dict]:
        rows = await self._db.fetch_all("SELECT user_id, data FROM user_data")
        return {row["user_id"]: json.loads(row["data"]) for row in rows}

    async def set_user_data(self, user_id: int, data: dict) -> None:
        async with self._db.transaction() as connection:
            if data:
                await connection.execute(
                    """INSERT INTO user_data (user_id, data) VALUES (?, ?)
                       ON CONFLICT (user_id) DO UPDATE SET data = excluded.data""",
                    (user_id, json.dumps(data, ensure_ascii=False)),
                )
            else:
                await connection.execute("DELETE FROM user_data WHERE user_id = ?", (user_id,))
