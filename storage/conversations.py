"""Chat-flow state kept across restarts: conversation positions, per-user drafts and the inbox of
updates taken from Telegram.

A person's conversation positions, their user data (the draft) and the mark that an update was
handled are written by `checkpoint` in one transaction, so a crash leaves them consistent.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from storage.database import Database
from storage.transaction import Transaction

KEEP_HANDLED = 10_000
"""Handled inbox rows kept (by update id) to recognise an update Telegram delivers again."""


@dataclass(frozen=True)
class StateWrite:
    """One conversation position to store; `state` None ends the conversation."""

    name: str
    key: str
    state: str | None


class ConversationRepository:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def all_states(self, name: str) -> dict[str, str]:
        rows = await self._db.fetch_all(
            "SELECT key, state FROM conversations WHERE name = ?", (name,)
        )
        return {row["key"]: row["state"] for row in rows}

    async def all_user_data(self) -> dict[int, dict[str, Any]]:
        rows = await self._db.fetch_all("SELECT user_id, data FROM user_data")
        return {row["user_id"]: json.loads(row["data"]) for row in rows}

    async def checkpoint(
        self,
        states: Iterable[StateWrite],
        user_data: dict[int, dict[str, Any]],
        handled_update_id: int | None = None,
    ) -> None:
        """Store conversation positions, whole user data per person and (optionally) the mark
        that an inbox update is handled, all in one transaction."""
        async with self._db.transaction() as tx:
            for write in states:
                await _write_state(tx, write)
            for user_id, data in user_data.items():
                await _write_user_data(tx, user_id, data)
            if handled_update_id is not None:
                await tx.execute(
                    "UPDATE inbox SET handled = 1 WHERE update_id = ?", (handled_update_id,)
                )

    # -- the inbox ------------------------------------------------------------------------------

    async def receive(self, updates: list[tuple[int, str]]) -> list[int]:
        """Keep newly taken updates (id, JSON) before Telegram is told they arrived; returns
        the ids that were new (an id seen before, handled or not, is not handled again)."""
        if not updates:
            return []
        values = ", ".join("(?, ?)" for _ in updates)
        async with self._db.transaction() as tx:
            inserted = await tx.fetch_all(  # the whole batch in one statement
                f"""INSERT OR IGNORE INTO inbox (update_id, payload) VALUES {values}
                    RETURNING update_id""",
                [value for update in updates for value in update],
            )
            fresh = sorted(row["update_id"] for row in inserted)
            await tx.execute(
                "DELETE FROM inbox WHERE handled = 1 AND update_id < ?",
                (max(update_id for update_id, _ in updates) - KEEP_HANDLED,),
            )
        return fresh

    async def unhandled(self) -> list[tuple[int, str]]:
        """Updates taken before a crash whose handling was never committed, oldest first."""
        rows = await self._db.fetch_all(
            "SELECT update_id, payload FROM inbox WHERE handled = 0 ORDER BY update_id"
        )
        return [(row["update_id"], row["payload"]) for row in rows]


async def _write_state(tx: Transaction, write: StateWrite) -> None:
    if write.state is None:
        await tx.execute(
            "DELETE FROM conversations WHERE name = ? AND key = ?", (write.name, write.key)
        )
    else:
        await tx.execute(
            """INSERT INTO conversations (name, key, state) VALUES (?, ?, ?)
               ON CONFLICT (name, key) DO UPDATE SET state = excluded.state""",
            (write.name, write.key, write.state),
        )


async def _write_user_data(tx: Transaction, user_id: int, data: dict[str, Any]) -> None:
    if data:
        await tx.execute(
            """INSERT INTO user_data (user_id, data) VALUES (?, ?)
               ON CONFLICT (user_id) DO UPDATE SET data = excluded.data""",
            (user_id, json.dumps(data, ensure_ascii=False)),
        )
    else:
        await tx.execute("DELETE FROM user_data WHERE user_id = ?", (user_id,))
