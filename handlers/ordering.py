"""Different people's updates are handled side by side; one person's strictly in order.

python-telegram-bot handles updates one at a time by default, so one slow step (say, a large
photo being downloaded) would hold up everyone in town. Fully concurrent handling would let
two quick taps of the same person race through their conversation. This processor keeps a
lock per person (per chat when there is no person) and otherwise runs updates concurrently.

The limit on concurrent updates is taken only after the person's lock: updates queued behind
their own person hold no slot, so one person's flood or slow download cannot fill the slots
everyone else needs.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor


class PerPersonUpdateProcessor(BaseUpdateProcessor):
    QUEUED_AT_MOST = 100_000
    """The base class's bound (on queued updates here); `_slots` bounds the running ones."""

    def __init__(self, max_concurrent_updates: int) -> None:
        super().__init__(self.QUEUED_AT_MOST)
        self._slots = asyncio.Semaphore(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = _person_of(update)
        if key is None:
            async with self._slots:
                await coroutine
            return
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._waiting[key] = self._waiting.get(key, 0) + 1
        try:
            async with lock, self._slots:
                await coroutine
        finally:
            self._waiting[key] -= 1
            if not self._waiting[key]:
                del self._waiting[key], self._locks[key]

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None


def _person_of(update: object) -> int | None:
    if not isinstance(update, Update):
        return None
    if update.effective_user is not None:
        return update.effective_user.id
    return update.effective_chat.id if update.effective_chat is not None else None
