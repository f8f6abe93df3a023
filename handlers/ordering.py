"""Different people's updates are handled side by side; one person's strictly in order.

python-telegram-bot handles updates one at a time by default, so one slow step (say, a large
photo being downloaded) would hold up everyone in town. Fully concurrent handling would let
two quick taps of the same person race through their conversation. This processor keeps a
lock per person (per chat when there is no person) and otherwise runs updates concurrently.

The limit on concurrent updates is taken only after the person's lock: updates queued behind
their own person hold no slot, so one person's flood or slow download cannot fill the slots
everyone else needs.

When every handler has run for an update, still under the person's lock, `after_update` (the
persistence checkpoint) stores what the update changed for that person and marks it handled in
one transaction; the person's next update waits for that commit.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

log = logging.getLogger(__name__)

AfterUpdate = Callable[[int | None, int | None], Awaitable[None]]
"""Called with the person and the update id once an update has been handled."""


class PerPersonUpdateProcessor(BaseUpdateProcessor):
    QUEUED_AT_MOST = 100_000
    """The base class's bound (on queued updates here); `_slots` bounds the running ones."""

    def __init__(
        self, max_concurrent_updates: int, after_update: AfterUpdate | None = None
    ) -> None:
        super().__init__(self.QUEUED_AT_MOST)
        self._after_update = after_update
        self._slots = asyncio.Semaphore(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = person_of(update)
        if key is None:
            async with self._slots:
                await coroutine
                await self._handled(update, None)
            return
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._waiting[key] = self._waiting.get(key, 0) + 1
        try:
            async with lock, self._slots:
                await coroutine
                await self._handled(update, key)
        finally:
            self._waiting[key] -= 1
            if not self._waiting[key]:
                del self._waiting[key], self._locks[key]

    async def _handled(self, update: object, person: int | None) -> None:
        """Checkpoint the update; a failure is logged (the update then stays unhandled in the
        inbox and is handled again after a restart), never raised into PTB's task."""
        if self._after_update is None:
            return
        update_id = update.update_id if isinstance(update, Update) else None
        try:
            await self._after_update(person, update_id)
        except Exception:
            log.exception("could not store what update %s changed", update_id)

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None


def person_of(update: object) -> int | None:
    """The user an update comes from (its chat when there is none)."""
    if not isinstance(update, Update):
        return None
    if update.effective_user is not None:
        return update.effective_user.id
    return update.effective_chat.id if update.effective_chat is not None else None
