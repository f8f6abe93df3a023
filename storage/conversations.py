"""Chat-flow state kept across restarts: conversation positions, per-user drafts and the inbox of
updates taken from Telegram.

A person's conversation positions, their user data (the draft) and the mark that an update was
handled are written by `checkpoint` in one transaction, so a crash leaves them consistent.
Checkpoints that come while one is being written are committed together in the next transaction
(a group commit): 200 villagers at once cost a few transactions instead of one per update each
holding the one write lock, and each update's writes are still all or nothing.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from storage.database import Database

log = logging.getLogger(__name__)

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
    """One update's writes, JSON already encoded (None: delete), and its caller's wait."""

    states: list[StateWrite]
    user_data: list[tuple[int, str | None]]
    handled_update_id: int | None
    committed: asyncio.Future[None]


class ConversationRepository:
    def __init__(self, database: Database) -> None:
        self._db = database
        self._waiting: list[_Checkpoint] = []
        self._writer: asyncio.Task[None] | None = None

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
        entry = _Checkpoint(
            list(states),
            [
                (user_id, json.dumps(data, ensure_ascii=False) if data else None)
                for user_id, data in user_data.items()
            ],
            handled_update_id,
            asyncio.get_running_loop().create_future(),
        )
        self._waiting.append(entry)
        if self._writer is None:
            self._writer = asyncio.create_task(self._write_waiting(), name="checkpoints")
        await entry.committed

    async def _write_waiting(self) -> None:
        """Commit what is waiting, a batch per transaction, until nothing is; a batch that
        fails is written again one checkpoint at a time, so only the faulty one fails."""
        batch: list[_Checkpoint] = []
        try:
            while self._waiting:
                batch, self._waiting = self._waiting, []
                try:
                    await self._write(batch)
                except Exception as error:
                    if len(batch) == 1:
                        _settle(batch[0], error)
                        continue
                    log.warning("a batch of %d checkpoints failed; one by one", len(batch))
                    for entry in batch:
                        try:
                            await self._write([entry])
                        except Exception as alone:
                            _settle(entry, alone)
                        else:
                            _settle(entry)
                else:
                    for entry in batch:
                        _settle(entry)
        finally:
            self._writer = None
            for entry in [*batch, *self._waiting]:  # cancelled half-way: nobody hangs
                entry.committed.cancel()
            self._waiting = []

    async def _write(self, batch: list[_Checkpoint]) -> None:
        """The batch in one transaction, a statement per kind of write; a key written twice
        keeps its last value, as writing them one after the other would."""
        states = {(w.name, w.key): w.state for entry in batch for w in entry.states}
        users = dict(item for entry in batch for item in entry.user_data)
        handled = [(e.handled_update_id,) for e in batch if e.handled_update_id is not None]
        async with self._db.transaction() as tx:
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


def _settle(entry: _Checkpoint, error: Exception | None = None) -> None:
    """Tell the checkpoint's caller how it went (unless the caller stopped waiting)."""
    if entry.committed.done():
        return
    if error is None:
        entry.committed.set_result(None)
    else:
        entry.committed.set_exception(error)
