"""The delivery worker with a scripted sender: order, resume after a crash, retry, drop."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.core.clock import OffsetClock
from bot.delivery.outbox import (
    DeliveryWorker,
    Notification,
    Outbox,
    Part,
    Priority,
    RetryLater,
    TransientFailure,
    Unreachable,
)
from storage import Storage


class ScriptedSender:
    """Records sends; raises the queued failures first."""

    def __init__(self) -> None:
        self.sent: list[tuple[int, str]] = []
        self.failures: list[Exception] = []

    async def send(self, chat_id: int, part: Part) -> None:
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append((chat_id, part.text or part.kind))


@pytest.fixture
async def storage(tmp_path: Path) -> AsyncIterator[Storage]:
    opened = await Storage.open(tmp_path / "outbox.sqlite3")
    yield opened
    await opened.close()


async def enqueue(storage: Storage, outbox: Outbox, chat_id: int, *texts: str) -> None:
    async with storage.database.transaction() as connection:
        await outbox.add(
            connection, Notification(chat_id, tuple(Part("text", text=text) for text in texts))
        )


async def drain(worker: DeliveryWorker) -> None:
    while await worker.deliver_next():
        pass


async def test_parts_are_sent_in_order_and_the_row_closes(storage: Storage) -> None:
    clock, sender = OffsetClock(), ScriptedSender()
    outbox = Outbox(storage.outbox, clock)
    worker = DeliveryWorker(storage.outbox, outbox, sender, clock)
    await enqueue(storage, outbox, 1, "photo", "pin", "card")
    await enqueue(storage, outbox, 2, "other chat")
    await drain(worker)
    assert sender.sent == [(1, "photo"), (1, "pin"), (1, "card"), (2, "other chat")]
    assert await storage.outbox.count("sent") == 2


async def test_a_failed_part_is_resent_without_repeating_the_parts_before_it(
    storage: Storage,
) -> None:
    clock, sender = OffsetClock(), ScriptedSender()
    outbox = Outbox(storage.outbox, clock)
    worker = DeliveryWorker(storage.outbox, outbox, sender, clock)
    await enqueue(storage, outbox, 1, "a", "b")
    sender.failures = []
    original_send = sender.send
    calls = 0

    async def fail_second(chat_id: int, part: Part) -> None:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise TransientFailure("502 Bad Gateway")
        await original_send(chat_id, part)

    sender.send = fail_second  # type: ignore[method-assign]
    assert await worker.deliver_next()
    assert sender.sent == [(1, "a")]
    assert not await worker.deliver_next()  # backing off
    clock.advance(timedelta(seconds=5))
    await drain(worker)
    assert sender.sent == [(1, "a"), (1, "b")]


async def test_retry_after_pauses_everything(storage: Storage) -> None:
    clock, sender = OffsetClock(), ScriptedSender()
    outbox = Outbox(storage.outbox, clock)
    worker = DeliveryWorker(storage.outbox, outbox, sender, clock)
    await enqueue(storage, outbox, 1, "first")
    await enqueue(storage, outbox, 2, "second")
    sender.failures = [RetryLater(30)]
    assert await worker.deliver_next()
    assert not await worker.deliver_next()  # even chat 2 waits: flood control is bot-wide
    clock.advance(timedelta(seconds=31))
    await drain(worker)
    assert sorted(sender.sent) == [(1, "first"), (2, "second")]


async def test_unreachable_chats_are_dropped(storage: Storage) -> None:
    clock, sender = OffsetClock(), ScriptedSender()
    outbox = Outbox(storage.outbox, clock)
    worker = DeliveryWorker(storage.outbox, outbox, sender, clock)
    await enqueue(storage, outbox, 1, "hello")
    sender.failures = [Unreachable("Forbidden: bot was blocked by the user")]
    await drain(worker)
    assert await storage.outbox.count("dropped") == 1 and sender.sent == []


async def test_rows_in_flight_at_a_crash_are_sent_after_restart(storage: Storage) -> None:
    clock, sender = OffsetClock(), ScriptedSender()
    outbox = Outbox(storage.outbox, clock)
    await enqueue(storage, outbox, 1, "hello")
    claimed = await storage.outbox.claim_due(
        clock.now(), limit=1, bulk_allowed=1, bulk_priority=Priority.BULK
    )
    assert len(claimed) == 1  # the row is marked in flight… and the process dies here
    worker = DeliveryWorker(storage.outbox, outbox, sender, clock)
    await worker.start()
    await worker.stop()
    await drain(worker)
    assert sender.sent == [(1, "hello")]


class SlowChatSender(ScriptedSender):
    """Chat 1 hangs until released, like a group chat held back by its per-minute limit."""

    def __init__(self) -> None:
        super().__init__()
        self.release = asyncio.Event()

    async def send(self, chat_id: int, part: Part) -> None:
        if chat_id == 1:
            await self.release.wait()
        await super().send(chat_id, part)


async def wait_until(condition, timeout: float = 5) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.01)


async def test_a_slow_chat_does_not_hold_back_the_others(storage: Storage) -> None:
    clock, sender = OffsetClock(), SlowChatSender()
    outbox = Outbox(storage.outbox, clock)
    worker = DeliveryWorker(storage.outbox, outbox, sender, clock, concurrency=4)
    await enqueue(storage, outbox, 1, "office copy")
    for chat_id in range(2, 12):
        await enqueue(storage, outbox, chat_id, f"card {chat_id}")
    await worker.start()
    await wait_until(lambda: len(sender.sent) == 10)
    assert (1, "office copy") not in sender.sent
    sender.release.set()
    await wait_until(lambda: len(sender.sent) == 11)
    await worker.stop()
    assert await storage.outbox.count("sent") == 11


async def test_interactive_rows_jump_a_bulk_backlog(storage: Storage) -> None:
    clock, sender = OffsetClock(), ScriptedSender()
    outbox = Outbox(storage.outbox, clock)
    async with storage.database.transaction() as connection:
        for chat_id in range(100, 150):
            await outbox.add(
                connection,
                Notification(chat_id, (Part("text", text="notice"),), priority=Priority.BULK),
            )
        await outbox.add(connection, Notification(7, (Part("text", text="task card"),)))
    worker = DeliveryWorker(storage.outbox, outbox, sender, clock)
    assert await worker.deliver_next()
    assert sender.sent == [(7, "task card")]


async def test_flood_control_slows_the_overall_rate(storage: Storage) -> None:
    clock, sender = OffsetClock(), ScriptedSender()
    outbox = Outbox(storage.outbox, clock)
    worker = DeliveryWorker(storage.outbox, outbox, sender, clock, messages_per_second=25)
    await enqueue(storage, outbox, 1, "hello")
    sender.failures = [RetryLater(3)]
    await worker.deliver_next()
    assert worker.pace.current == pytest.approx(20)
    clock.advance(timedelta(seconds=3))
    await drain(worker)
    assert sender.sent == [(1, "hello")]


async def test_progress_of_rows_sent_side_by_side_shares_a_transaction(storage: Storage) -> None:
    """Five rows' 'a part sent' and then 'finished' at once: a transaction for each batch, and
    a chat that blocked the bot is still remembered as unreachable."""
    clock = OffsetClock()
    outbox = Outbox(storage.outbox, clock)
    for chat_id in range(1, 6):
        await enqueue(storage, outbox, chat_id, "first", "second")
    async with storage.database.transaction() as tx:
        await storage.users.ensure(tx, 5, clock.now())
    rows = await storage.outbox.claim_due(clock.now(), limit=5, bulk_allowed=5, bulk_priority=10)
    before = storage.database.transactions
    await asyncio.gather(*(storage.outbox.mark_part_sent(row.id, 1) for row in rows))
    await asyncio.gather(
        *(
            storage.outbox.finish(
                row.id,
                "dropped" if row.chat_id == 5 else "sent",
                clock.now(),
                parts_done=1 if row.chat_id == 5 else 2,
                outcome="blocked" if row.chat_id == 5 else None,
            )
            for row in rows
        )
    )
    assert storage.database.transactions - before == 2
    assert await storage.outbox.count("sent") == 4 and await storage.outbox.count("dropped") == 1
    row = await storage.database.fetch_one("SELECT unreachable_since FROM users WHERE user_id = 5")
    assert row is not None and row["unreachable_since"] is not None


class OneNotice:
    """A notice's parts, for rows that carry a notice id."""

    async def parts_for(self, notice_id: int, language: str) -> tuple[Part, ...]:
        return (Part("text", text=f"notice {notice_id} in {language}"),)


async def a_sending_notice(storage: Storage, clock: OffsetClock, *chats: int) -> int:
    """A notice being sent to `chats`, one outbox row each."""
    notice_id = await storage.notices.add(
        author_id=1,
        audience="all",
        kind="text",
        file_id=None,
        texts="{}",
        send_at=clock.now(),
        now=clock.now(),
    )
    async with storage.database.transaction() as tx:
        await storage.notices.start(
            tx, notice_id, [(chat, "zh") for chat in chats], priority=Priority.BULK, now=clock.now()
        )
    return notice_id


async def cancel(storage: Storage, clock: OffsetClock, notice_id: int) -> None:
    async with storage.database.transaction() as tx:
        await storage.notices.finish(tx, notice_id, "cancelled", clock.now())


async def test_a_notice_cancelled_while_a_row_was_being_sent_never_sends_it_again(
    storage: Storage,
) -> None:
    """Cancelling drops the pending rows; one in flight that then fails is dropped at its
    retry, not sent for a cancelled notice."""
    clock, sender = OffsetClock(), ScriptedSender()
    outbox = Outbox(storage.outbox, clock)
    worker = DeliveryWorker(storage.outbox, outbox, sender, clock, notices=OneNotice())
    notice_id = await a_sending_notice(storage, clock, 1)

    original_send, tries = sender.send, 0

    async def cancelled_meanwhile(chat_id: int, part: Part) -> None:
        nonlocal tries
        tries += 1
        if tries == 1:  # the office cancels while this first attempt is on its way
            await cancel(storage, clock, notice_id)
            raise TransientFailure("502 Bad Gateway")
        await original_send(chat_id, part)

    sender.send = cancelled_meanwhile  # type: ignore[method-assign]
    assert await worker.deliver_next()
    clock.advance(timedelta(minutes=5))
    await drain(worker)
    assert sender.sent == []
    assert (await storage.notices.counts(notice_id)).cancelled == 1


async def test_a_row_in_flight_at_a_crash_of_a_notice_cancelled_since_is_not_sent(
    storage: Storage,
) -> None:
    clock, sender = OffsetClock(), ScriptedSender()
    outbox = Outbox(storage.outbox, clock)
    notice_id = await a_sending_notice(storage, clock, 1, 2)
    claimed = await storage.outbox.claim_due(
        clock.now(), limit=1, bulk_allowed=1, bulk_priority=Priority.BULK
    )
    assert len(claimed) == 1  # in flight… the process dies, and the notice is cancelled
    await cancel(storage, clock, notice_id)
    worker = DeliveryWorker(storage.outbox, outbox, sender, clock, notices=OneNotice())
    await worker.start()
    await worker.stop()
    await drain(worker)
    assert sender.sent == []
    assert (await storage.notices.counts(notice_id)).cancelled == 2
