"""The playground's live updates: every change fanned out to each open page's event stream."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator

from bot.emulator.base import Json


class EventHub:
    """Fans each event out to every open page (they read it as server-sent events)."""

    def __init__(self) -> None:
        self._queues: set[asyncio.Queue[Json | None]] = set()

    def publish(self, event: Json) -> None:
        for queue in self._queues:
            queue.put_nowait(event)

    @contextlib.contextmanager
    def subscribe(self) -> Iterator[asyncio.Queue[Json | None]]:
        queue: asyncio.Queue[Json | None] = asyncio.Queue()
        self._queues.add(queue)
        try:
            yield queue
        finally:
            self._queues.discard(queue)

    def close(self) -> None:
        """End every page's stream (None is the end marker)."""
        for queue in self._queues:
            queue.put_nowait(None)
