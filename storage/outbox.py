"""The persisted outbox: one row per notification, with its delivery progress."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from storage.database import Database

UNREACHABLE_OUTCOMES = ("blocked", "gone")


@dataclass(frozen=True)
class OutboxRow:
    id: int
    chat_id: int
    payload: str
    parts_done: int
    attempts: int
    notice_id: int | None = None


@dataclass(frozen=True)
class NewRow:
    """A notification to store; `not_before` holds it (quiet hours) until then."""

    chat_id: int
    payload: str
    priority: int
    not_before: datetime | None = None


class OutboxRepository:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def add_many(
        self, connection: aiosqlite.Connection, rows: list[NewRow], *, now: datetime
    ) -> None:
        await connection.executemany(
            """INSERT INTO outbox (chat_id, priority, payload, next_attempt_at, created_at,
                                   not_before)
               VALUES (?, ?, ?, ?, ?, ?)""",
            [
                (
                    row.chat_id,
                    row.priority,
                    row.payload,
                    (row.not_before or now).isoformat(),
                    now.isoformat(),
                    row.not_before.isoformat() if row.not_before else None,
                )
                for row in rows
            ],
        )

    async def claim_due(
        self, now: datetime, *, limit: int, bulk_allowed: int, bulk_priority: int
    ) -> list[OutboxRow]:
        """Mark up to `limit` due rows as in flight and return them, most urgent first.

        A chat's rows go out in order: a row waits while an older row of its chat is pending
        or in flight — except one held for quiet hours, which later, urgent rows overtake.
        At most `bulk_allowed` of the rows may be of `bulk_priority` or lower.
        """
        async with self._db.transaction() as connection:
            cursor = await connection.execute(
                """SELECT id, chat_id, payload, parts_done, attempts, priority, notice_id
                   FROM outbox o
                   WHERE state = 'pending' AND next_attempt_at <= :now
                     AND NOT EXISTS (SELECT 1 FROM outbox earlier
                                     WHERE earlier.chat_id = o.chat_id AND earlier.id < o.id
                                       AND earlier.state IN ('pending', 'sending')
                                       AND (earlier.not_before IS NULL
                                            OR earlier.not_before <= :now))
                   ORDER BY priority, id LIMIT :limit""",
                {"now": now.isoformat(), "limit": limit},
            )
            rows = await cursor.fetchall()
            chosen = [row for row in rows if row["priority"] < bulk_priority]
            chosen += [row for row in rows if row["priority"] >= bulk_priority][:bulk_allowed]
            await connection.executemany(
                "UPDATE outbox SET state = 'sending', attempts = attempts + 1 WHERE id = ?",
                [(row["id"],) for row in chosen],
            )
        return [
            OutboxRow(
                row["id"],
                row["chat_id"],
                row["payload"],
                row["parts_done"],
                row["attempts"],
                row["notice_id"],
            )
            for row in chosen
        ]

    async def next_wake(self) -> datetime | None:
        row = await self._db.fetch_one(
            "SELECT MIN(next_attempt_at) FROM outbox WHERE state = 'pending'"
        )
        return datetime.fromisoformat(row[0]) if row and row[0] else None

    async def mark_part_sent(self, row_id: int, parts_done: int) -> None:
        async with self._db.transaction() as connection:
            await connection.execute(
                "UPDATE outbox SET parts_done = ? WHERE id = ?", (parts_done, row_id)
            )

    async def finish(
        self,
        row_id: int,
        state: str,
        now: datetime,
        error: str | None = None,
        *,
        parts_done: int,
        outcome: str | None = None,
    ) -> None:
        """Close a row as 'sent' or 'dropped' (with why: the `outcome`). A chat that blocked
        the bot or is gone is remembered, so later notices skip it."""
        async with self._db.transaction() as connection:
            await connection.execute(
                """UPDATE outbox SET state = ?, finished_at = ?, last_error = ?, parts_done = ?,
                                     outcome = ?
                   WHERE id = ?""",
                (state, now.isoformat(), error, parts_done, outcome, row_id),
            )
            if outcome in UNREACHABLE_OUTCOMES:
                await connection.execute(
                    """UPDATE users SET unreachable_since = ?
                       WHERE user_id = (SELECT chat_id FROM outbox WHERE id = ?)""",
                    (now.isoformat(), row_id),
                )

    async def retry_later(self, row_id: int, when: datetime, error: str) -> None:
        async with self._db.transaction() as connection:
            await connection.execute(
                """UPDATE outbox SET state = 'pending', next_attempt_at = ?, last_error = ?
                   WHERE id = ?""",
                (when.isoformat(), error, row_id),
            )

    async def requeue_in_flight(self) -> int:
        """At start-up: rows left 'sending' by a crash go back to 'pending'."""
        async with self._db.transaction() as connection:
            cursor = await connection.execute(
                "UPDATE outbox SET state = 'pending' WHERE state = 'sending'"
            )
            return cursor.rowcount

    async def count(self, state: str) -> int:
        row = await self._db.fetch_one("SELECT COUNT(*) FROM outbox WHERE state = ?", (state,))
        return row[0] if row else 0

    async def held(self, now: datetime) -> list[tuple[int, int, datetime]]:
        """(chat id, how many, until when) of pending rows held for quiet hours past `now`."""
        rows = await self._db.fetch_all(
            """SELECT chat_id, COUNT(*), MIN(not_before) FROM outbox
               WHERE state = 'pending' AND not_before > ? GROUP BY chat_id ORDER BY chat_id""",
            (now.isoformat(),),
        )
        return [(row[0], row[1], datetime.fromisoformat(row[2])) for row in rows]
