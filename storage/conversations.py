"""Chat-flow state kept across restarts: conversation positions, per-user drafts and the inbox of
updates taken from Telegram.

A person's conversation positions, their user data (the draft) and the mark that an update was
handled are written by `checkpoint` in one transaction, so a crash leaves them consistent.
Checkpoints that come while one is being written are committed together in the next transaction
(`storage.group_commit`): 200 villagers at once cost a few transactions instead of one per
update, and each update's writes are still all or nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from storage.database import Database
from storage.group_commit import GroupCommit
from storage.transaction import Transaction

KEEP_HANDLED = 10_000
"""Handled inbox rows kept (by update id) to recognise an update Telegram delivers again."""


@dataclass(frozen=True)
class StateWrite:
    """One conversation position to store; `state` None ends the conversation."""

    name: str
    key: str
    state: str | None


@dataclass(frozen=True)
class _Checkpoint:
    """One update's writes, JSON already encoded (None: delete)."""

    states: list[StateWrite]
    user_data: list[tuple[int, str | None]]
    handled_update_id: int | None


class ConversationRepository:
    def __init__(self, database: Database) -> None:
        self._db = database
        self._checkpoints = GroupCommit(database, _write_checkpoints)

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
        that an inbox update is handled, all in one transaction; returns once committed.

        User data that is not JSON raises here, before anything is written."""
        await self._checkpoints.write(
            _Checkpoint(
                list(states),
                [
                    (user_id, json.dumps(data, ensure_ascii=False) if data else None)
                    for user_id, data in user_data.items()
                ],
                handled_update_id,
            )
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


async def _write_checkpoints(tx: Transaction, batch: list[_Checkpoint]) -> None:
    """The batch, a statement per kind of write; a key written twice keeps its last value, as
    writing them one after the other would."""
    states = {(w.name, w.key): w.state for entry in batch for w in entry.states}
    users = dict(item for entry in batch for item in entry.user_data)
    handled = [(e.handled_update_id,) for e in batch if e.handled_update_id is not None]
    gone = [key for key, state in states.items() if state is None]
    if gone:
        await tx.executemany("DELETE FROM conversations WHERE name = ? AND key = ?", gone)
    kept = [(*key, state) for key, state in states.items() if state is not None]
    if kept:
        await tx.executemany(
            """INSERT INTO conversations (name, key, state) VALUES (?, ?, ?)
               ON CONFLICT (name, key) DO UPDATE SET state = excluded.state""",
            kept,
        )
    emptied = [(user_id,) for user_id, data in users.items() if data is None]
    if emptied:
        await tx.executemany("DELETE FROM user_data WHERE user_id = ?", emptied)
    filled = [(user_id, data) for user_id, data in users.items() if data is not None]
    if filled:
        await tx.executemany(
            """INSERT INTO user_data (user_id, data) VALUES (?, ?)
               ON CONFLICT (user_id) DO UPDATE SET data = excluded.data""",
            filled,
        )
    if handled:
        await tx.executemany("UPDATE inbox SET handled = 1 WHERE update_id = ?", handled)
