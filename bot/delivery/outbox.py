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
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import IntEnum
from typing import Any, Protocol

from bot.core.clock import Clock
from bot.delivery.pace import Pace
from bot.delivery.parts import Button, Part, Worded, decode, encode
from bot.delivery.quiet_hours import QuietHours
from storage.deliveries import DeliveryRepository
from storage.outbox import NewRow, OutboxRepository, OutboxRow
from storage.transaction import Transaction

__all__ = [
    "Blocked",
    "Button",
    "ChatGone",
    "DeliveryWorker",
    "NoticeParts",
    "Notification",
    "Outbox",
    "Part",
    "PartRefused",
    "Priority",
    "RenderHook",
    "RetryLater",
    "Sender",
    "TransientFailure",
    "Unreachable",
    "Worded",
]
"""`Button`, `Part` and `Worded` live in `parts`; named here too, where callers have always
found them."""

log = logging.getLogger(__name__)

MAX_BACKOFF = timedelta(minutes=5)
# A notice to one person is given up after this many failed attempts (about 17 minutes of
# backoff); a report's notification after about a day of retries (then the office is told).
MAX_NOTICE_ATTEMPTS = 10
MAX_ATTEMPTS = 300
IDLE_POLL_SECONDS = 1.0


class Priority(IntEnum):
    """Lower goes first: people waiting on a report come before bulk traffic."""

    INTERACTIVE = 0
    BULK = 10


@dataclass(frozen=True)
class Notification:
    """`parts`: the message, `Worded` in every language for a person (it goes in the one they
    read when it is sent); `hold_at_night`: a reminder that waits for the end of quiet hours
    (never the office's)."""

    chat_id: int
    parts: tuple[Part, ...] | Worded
    priority: Priority = Priority.INTERACTIVE
    meta: dict[str, Any] = field(default_factory=dict)
    hold_at_night: bool = False


class RetryLater(Exception):
    """The chat platform asked us to wait (flood control)."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"retry after {seconds} s")
        self.seconds = seconds


class TransientFailure(Exception):
    """A network error, a timeout or a 5xx: try again with backoff."""


class PartRefused(Exception):
    """Telegram refused this one part (a 400 not about the chat): a bug in what we sent. The
    part is skipped and kept for the office; the rest of the notification still goes."""


class Unreachable(Exception):
    """The person cannot be reached (one of the two below, or nothing to send): drop it."""

    outcome = "failed"


class Blocked(Unreachable):
    """The person blocked the bot: skip them until they talk to it again."""

    outcome = "blocked"


class ChatGone(Unreachable):
    """The chat no longer exists (or never started the bot)."""

    outcome = "gone"


RenderHook = Callable[[Part, datetime], Part]
"""Words a part with `render` set as of the moment it is sent."""


class Sender(Protocol):
    async def send(self, chat_id: int, part: Part) -> None: ...


class NoticeParts(Protocol):
    """Where a notice row's message comes from: rows carry only (notice, language), so a
    town-wide notice is stored once, not once per recipient."""

    async def parts_for(self, notice_id: int, language: str) -> tuple[Part, ...]: ...


class Outbox:
    """Adds notifications inside the caller's transaction, so they commit with the change."""

    def __init__(
        self, repository: OutboxRepository, clock: Clock, quiet_hours: QuietHours | None = None
    ) -> None:
        self._repository = repository
        self._clock = clock
        self._quiet_hours = quiet_hours
        self._render: RenderHook | None = None
        self.wakeup = asyncio.Event()

    def render_with(self, hook: RenderHook) -> None:
        """Who words the time-dependent parts at send time (the notifier)."""
        self._render = hook

    def rendered(self, part: Part, now: datetime) -> Part:
        """The part as it is to be sent at `now`."""
        return self._render(part, now) if part.render and self._render else part

    async def add(self, tx: Transaction, notification: Notification) -> None:
        await self.add_many(tx, [notification])

    async def add_many(self, tx: Transaction, notifications: list[Notification]) -> None:
        """Add notifications in one statement (a schedule firing to a whole village). A message
        shared by many readers (the same parts, no meta or the same) is encoded once."""
        now = self._clock.now()
        held = self._quiet_hours.release(now) if self._quiet_hours else None
        encoded: dict[tuple[int, int], str] = {}
        rows = []
        for notification in notifications:
            key = (id(notification.parts), id(notification.meta) if notification.meta else 0)
            if key not in encoded:
                encoded[key] = encode(notification.parts, notification.meta)
            rows.append(
                NewRow(
                    chat_id=notification.chat_id,
                    payload=encoded[key],
                    priority=notification.priority,
                    not_before=held if notification.hold_at_night else None,
                )
            )
        await self._repository.add_many(tx, rows, now=now)

    def poke(self) -> None:
        """Tell the worker there is something new (call after the transaction commits)."""
        self.wakeup.set()


class DeliveryWorker:
    """Sends due outbox rows, several chats at a time, one notification per chat at a time.

    Rows are claimed most urgent first; `reserved_for_interactive` slots never take bulk
    rows, so a report's task card is not stuck behind a town-wide notice.
    """

    def __init__(
        self,
        repository: OutboxRepository,
        outbox: Outbox,
        sender: Sender,
        clock: Clock,
        *,
        messages_per_second: float = 25,
        concurrency: int = 16,
        notices: NoticeParts | None = None,
        failures: DeliveryRepository | None = None,
        pace: Pace | None = None,
    ) -> None:
        self._repository = repository
        self._outbox = outbox
        self._sender = sender
        self._clock = clock
        self.pace = pace or Pace(messages_per_second)
        self._concurrency = concurrency
        self._notices = notices
        self._failures = failures
        self._reserved_for_interactive = max(1, concurrency // 8)
        self._in_flight: set[asyncio.Task[None]] = set()
        self._task: asyncio.Task[None] | None = None
        self._paused_until = clock.now()
        self._stopping = False
        self.failed = asyncio.Event()
        """Set when a failure was kept, so the office can be told soon."""

    async def start(self) -> None:
        self._stopping = False
        requeued = await self._repository.requeue_in_flight(self._clock.now())
        if requeued:
            log.warning("resending %d notification(s) that were in flight at shutdown", requeued)
        self._task = asyncio.create_task(self._run(), name="outbox-delivery")

    async def stop(self) -> None:
        """Let the sends in progress finish and be recorded, then stop."""
        if self._task:
            self._stopping = True
            self._outbox.wakeup.set()
            await self._task
            self._task = None
        if self._in_flight:
            await asyncio.gather(*self._in_flight, return_exceptions=True)

    async def _run(self) -> None:
        while not self._stopping:
            # Cleared before looking for work, so a wakeup that comes while we look is kept.
            self._outbox.wakeup.clear()
            try:
                started = await self.dispatch()
            except Exception:
                log.exception("outbox worker hiccup; carrying on")
                started = 0
            if not started and not self._stopping:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._outbox.wakeup.wait(), IDLE_POLL_SECONDS)

    async def dispatch(self) -> int:
        """Start deliveries for as many due rows as there are free slots; returns how many."""
        free = self._concurrency - len(self._in_flight)
        # Claim in batches (a quarter of the slots at least) rather than a row per finished send.
        if free < max(1, self._concurrency // 4) or self._clock.now() < self._paused_until:
            return 0
        rows = await self._repository.claim_due(
            self._clock.now(),
            limit=free,
            bulk_allowed=max(0, free - self._reserved_for_interactive),
            bulk_priority=Priority.BULK,
        )
        for row in rows:
            task = asyncio.create_task(self._deliver(row), name=f"outbox-{row.id}")
            self._in_flight.add(task)
            task.add_done_callback(self._finished)
        return len(rows)

    async def _card_without_photo(self, chat_id: int, part: Part) -> None:
        """A refused photo that carried the card as its caption (issue #15) does not cost the
        card: its words and buttons go alone; the office may send the photo again."""
        if part.kind != "photo" or not part.text:
            return
        alone = Part("text", text=part.text, buttons=part.buttons, render=part.render)
        try:
            async with self.pace:
                await self._sender.send(chat_id, alone)
        except PartRefused as error:
            log.error("Telegram refused the card without its photo to %s: %s", chat_id, error)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._in_flight.discard(task)
        self._outbox.wakeup.set()

    async def deliver_next(self) -> bool:
        """Claim and deliver one due row now; False when there was nothing to do."""
        if self._clock.now() < self._paused_until:
            return False
        rows = await self._repository.claim_due(
            self._clock.now(), limit=1, bulk_allowed=1, bulk_priority=Priority.BULK
        )
        if not rows:
            return False
        await self._deliver(rows[0])
        return True

    async def _deliver(self, row: OutboxRow) -> None:
        """Send the row's remaining parts, recording progress after each one."""
        done = row.parts_done
        delivered = refused = 0
        try:
            parts = await self._parts_of(row)
            for part in parts[done:]:
                if not await self._wait_out_pause():
                    await self._repository.retry_later(
                        row.id, self._paused_until, "paused", now=self._clock.now()
                    )
                    return
                try:
                    async with self.pace:
                        await self._sender.send(row.chat_id, part)
                    delivered += 1
                except PartRefused as error:
                    refused += 1
                    log.error(
                        "Telegram refused part %d (%s) of notification %d to %s: %s",
                        done,
                        part.kind,
                        row.id,
                        row.chat_id,
                        error,
                    )
                    await self._record(row, str(error), part_index=done, part_kind=part.kind)
                    await self._card_without_photo(row.chat_id, part)
                done += 1
                if done < len(parts):
                    await self._repository.mark_part_sent(row.id, done)
        except RetryLater as error:
            if self._clock.now() >= self._paused_until:
                self.pace.slow_down(error.seconds)
            self._paused_until = max(
                self._paused_until, self._clock.now() + timedelta(seconds=error.seconds)
            )
            await self._repository.retry_later(
                row.id, self._paused_until, str(error), now=self._clock.now()
            )
            log.warning(
                "flood control: pausing deliveries for %s s; rate now %.1f/s",
                error.seconds,
                self.pace.current,
            )
        except Unreachable as error:
            await self._repository.finish(
                row.id,
                "dropped",
                self._clock.now(),
                str(error),
                parts_done=done,
                outcome=error.outcome,
            )
            log.info(
                "dropped notification %d: chat %s unreachable (%s)", row.id, row.chat_id, error
            )
            if row.notice_id is None:  # a notice's blocked readers show in its progress
                await self._record(row, str(error), gave_up=True)
        except Exception as error:  # TransientFailure, or a bug: retry with backoff
            if not isinstance(error, TransientFailure):
                log.exception("unexpected error delivering notification %d", row.id)
            limit = MAX_ATTEMPTS if row.notice_id is None else MAX_NOTICE_ATTEMPTS
            if row.attempts >= limit:
                await self._repository.finish(
                    row.id,
                    "dropped",
                    self._clock.now(),
                    str(error),
                    parts_done=done,
                    outcome="failed",
                )
                log.warning("gave up notification %d to %s: %s", row.id, row.chat_id, error)
                await self._record(row, str(error), gave_up=True)
                return
            backoff = min(timedelta(seconds=2 ** min(row.attempts, 10)), MAX_BACKOFF)
            now = self._clock.now()
            await self._repository.retry_later(row.id, now + backoff, str(error), now=now)
            log.warning("delivery to %s failed (%s); retrying in %s", row.chat_id, error, backoff)
        else:
            nothing_went = refused and not delivered and row.parts_done == 0
            await self._repository.finish(
                row.id,
                "dropped" if nothing_went else "sent",
                self._clock.now(),
                parts_done=row.parts_done if nothing_went else done,
                outcome="failed" if nothing_went else None,
            )

    async def _record(
        self,
        row: OutboxRow,
        error: str,
        *,
        gave_up: bool = False,
        part_index: int | None = None,
        part_kind: str | None = None,
    ) -> None:
        """Keep the failure for the office (`/deliveries`, and a line in the office chat)."""
        if self._failures is None:
            return
        await self._failures.record(
            outbox_id=row.id,
            chat_id=row.chat_id,
            part_index=part_index,
            part_kind=part_kind,
            error=error,
            gave_up=gave_up,
            now=self._clock.now(),
        )
        self.failed.set()

    async def _parts_of(self, row: OutboxRow) -> list[Part]:
        """The row's parts in its reader's language as of now (`row.language`), or in the one
        its first parts went in when it is resumed."""
        payload = json.loads(row.payload)
        if "notice" in payload:
            if self._notices is None:
                raise Unreachable("no notice source to render notice rows")
            language = row.language or payload["language"]
            return list(await self._notices.parts_for(payload["notice"], language))
        now = self._clock.now()
        return [self._outbox.rendered(part, now) for part in decode(payload, row.language)]

    async def _wait_out_pause(self) -> bool:
        """Sleep through a bot-wide flood-control pause; False if the worker is stopping."""
        while self._clock.now() < self._paused_until:
            if self._stopping:
                return False
            remaining = (self._paused_until - self._clock.now()).total_seconds()
            await asyncio.sleep(min(remaining, 0.5))
        return True
