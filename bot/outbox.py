"""Notifications are stored first and delivered by a worker that retries until done.

A notification is a short sequence of parts (an album, a map pin, a text with buttons) for
one chat. The worker records each part as sent before moving on, so a crash or a Telegram
error resends at most the part that was in flight. A `Sender` (the Telegram adapter lives
in `handlers/`) performs the actual sending and maps failures onto the exceptions below.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from enum import IntEnum
from typing import Protocol

import aiosqlite

from bot.clock import Clock
from storage.outbox import OutboxRepository

log = logging.getLogger(__name__)

MAX_BACKOFF = timedelta(minutes=5)
IDLE_POLL_SECONDS = 1.0


class Priority(IntEnum):
    """Lower goes first: people waiting on a report come before bulk traffic."""

    INTERACTIVE = 0
    BULK = 10


@dataclass(frozen=True)
class Button:
    label: str
    data: str


@dataclass(frozen=True)
class Part:
    """One Bot API message. `kind` is text, photo, album, location or voice."""

    kind: str
    text: str | None = None
    files: tuple[str, ...] = ()
    latitude: float | None = None
    longitude: float | None = None
    buttons: tuple[tuple[Button, ...], ...] = ()

    @classmethod
    def from_dict(cls, data: dict) -> Part:
        return cls(
            kind=data["kind"],
            text=data.get("text"),
            files=tuple(data.get("files", ())),
            latitude=data.get("latitude"),
            longitude=data.get("longitude"),
            buttons=tuple(
                tuple(Button(**button) for button in row) for row in data.get("buttons", ())
            ),
        )


@dataclass(frozen=True)
class Notification:
    chat_id: int
    parts: tuple[Part, ...]
    priority: Priority = Priority.INTERACTIVE
    meta: dict = field(default_factory=dict)


class RetryLater(Exception):
    """The chat platform asked us to wait (flood control)."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"retry after {seconds} s")
        self.seconds = seconds


class TransientFailure(Exception):
    """A network error, a timeout or a 5xx: try again with backoff."""


class Unreachable(Exception):
    """Can never succeed (the chat blocked the bot or is gone, or a bad request): drop it."""


class Sender(Protocol):
    async def send(self, chat_id: int, part: Part) -> None: ...


class Outbox:
    """Adds notifications inside the caller's transaction, so they commit with the change."""

    def __init__(self, repository: OutboxRepository, clock: Clock) -> None:
        self._repository = repository
        self._clock = clock
        self.wakeup = asyncio.Event()

    async def add(self, connection: aiosqlite.Connection, notification: Notification) -> None:
        payload = json.dumps(
            {"parts": [asdict(part) for part in notification.parts], "meta": notification.meta},
            ensure_ascii=False,
        )
        await self._repository.add(
            connection,
            chat_id=notification.chat_id,
            payload=payload,
            priority=notification.priority,
            now=self._clock.now(),
        )

    def poke(self) -> None:
        """Tell the worker there is something new (call after the transaction commits)."""
        self.wakeup.set()


class DeliveryWorker:
    """Sends outbox rows one after another until stopped."""

    def __init__(
        self, repository: OutboxRepository, outbox: Outbox, sender: Sender, clock: Clock
    ) -> None:
        self._repository = repository
        self._outbox = outbox
        self._sender = sender
        self._clock = clock
        self._task: asyncio.Task | None = None
        self._paused_until = clock.now()
        self._stopping = False

    async def start(self) -> None:
        self._stopping = False
        requeued = await self._repository.requeue_in_flight()
        if requeued:
            log.warning("resending %d notification(s) that were in flight at shutdown", requeued)
        self._task = asyncio.create_task(self._run(), name="outbox-delivery")

    async def stop(self) -> None:
        """Finish the delivery in progress, then stop (never abandon a half-recorded send)."""
        if self._task:
            self._stopping = True
            self._outbox.wakeup.set()
            await self._task
            self._task = None

    async def _run(self) -> None:
        while not self._stopping:
            try:
                delivered = await self.deliver_next()
            except Exception:
                log.exception("outbox worker hiccup; carrying on")
                delivered = False
            if not delivered and not self._stopping:
                await self._wait_for_work()

    async def _wait_for_work(self) -> None:
        self._outbox.wakeup.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._outbox.wakeup.wait(), IDLE_POLL_SECONDS)

    async def deliver_next(self) -> bool:
        """Deliver (or fail) one due row; False when there was nothing to do."""
        now = self._clock.now()
        if now < self._paused_until:
            return False
        row = await self._repository.next_due(now)
        if row is None:
            return False
        parts = [Part.from_dict(part) for part in json.loads(row.payload)["parts"]]
        await self._repository.mark_sending(row.id)
        done = row.parts_done
        try:
            for part in parts[done:]:
                await self._sender.send(row.chat_id, part)
                done += 1
                await self._repository.mark_part_sent(row.id, done)
        except RetryLater as error:
            wait = timedelta(seconds=error.seconds)
            self._paused_until = self._clock.now() + wait
            await self._repository.retry_later(row.id, self._paused_until, str(error))
            log.warning("flood control: pausing deliveries for %s s", error.seconds)
        except Unreachable as error:
            await self._repository.finish(row.id, "dropped", self._clock.now(), str(error))
            log.info(
                "dropped notification %d: chat %s unreachable (%s)", row.id, row.chat_id, error
            )
        except Exception as error:  # TransientFailure, or a bug: retry with backoff
            if not isinstance(error, TransientFailure):
                log.exception("unexpected error delivering notification %d", row.id)
            backoff = min(timedelta(seconds=2 ** min(row.attempts, 10)), MAX_BACKOFF)
            await self._repository.retry_later(row.id, self._clock.now() + backoff, str(error))
            log.warning("delivery to %s failed (%s); retrying in %s", row.chat_id, error, backoff)
        else:
            await self._repository.finish(row.id, "sent", self._clock.now())
        return True
