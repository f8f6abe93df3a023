"""Group commit: small writes that come while a batch is being committed share the next
transaction, so many people at once cost a few transactions instead of one each.

There is one write lock, and each statement inside a transaction is a round trip to SQLite's
thread that waits for a turn of the event loop, so under load a transaction per small write held
the lock for most of a burst. Each caller's writes are still all or nothing, and each caller
returns only once its own are committed. A batch that fails is written again one write at a
time, so only the faulty one fails.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from storage.database import Database
from storage.transaction import Transaction

log = logging.getLogger(__name__)

Write = TypeVar("Write")


@dataclass(frozen=True)
class _Waiting(Generic[Write]):
    write: Write
    committed: asyncio.Future[None]


class GroupCommit(Generic[Write]):
    """Commits `Write`s with `store(tx, writes)`, which writes a batch (in order) in `tx`."""

    def __init__(
        self, database: Database, store: Callable[[Transaction, list[Write]], Awaitable[None]]
    ) -> None:
        self._db = database
        self._store = store
        self._waiting: list[_Waiting[Write]] = []
        self._writer: asyncio.Task[None] | None = None

    async def write(self, write: Write) -> None:
        """Commit `write` with whatever else waits; returns once it is committed."""
        entry = _Waiting(write, asyncio.get_running_loop().create_future())
        self._waiting.append(entry)
        if self._writer is None:
            self._writer = asyncio.create_task(self._write_waiting(), name="group-commit")
        await entry.committed

    async def _write_waiting(self) -> None:
        """Commit what is waiting, a batch per transaction, until nothing is."""
        batch: list[_Waiting[Write]] = []
        try:
            while self._waiting:
                batch, self._waiting = self._waiting, []
                try:
                    await self._commit(batch)
                except Exception as error:
                    if len(batch) == 1:
                        _settle(batch[0], error)
                        continue
                    log.warning("a batch of %d writes failed; one by one", len(batch))
                    for entry in batch:
                        try:
                            await self._commit([entry])
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

    async def _commit(self, batch: list[_Waiting[Write]]) -> None:
        async with self._db.transaction() as tx:
            await self._store(tx, [entry.write for entry in batch])


def _settle(entry: _Waiting[Write], error: Exception | None = None) -> None:
    """Tell the caller how it went (unless the caller stopped waiting)."""
    if entry.committed.done():
        return
    if error is None:
        entry.committed.set_result(None)
    else:
        entry.committed.set_exception(error)
