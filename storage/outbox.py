"""The persisted outbox: one row per notification, with its delivery progress.

A row's progress (a part sent, the row finished) is committed before its next part goes or the
chat's next row may be claimed; progress of rows sent side by side shares a transaction
(`storage.group_commit`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.database import Database
from storage.group_commit import GroupCommit
from storage.transaction import Transaction

UNREACHABLE_OUTCOMES = ("blocked", "gone")


@dataclass(frozen=True)
class OutboxRow:
    id: int
    chat_id: int
    payload: str
    parts_done: int
    attempts: int
    notice_id: int | None = None
    language: str | None = None
    """The language to send it in: its reader's now, or the one its first parts went in
    (None: no language known, the default)."""


@dataclass(frozen=True)
class NewRow:
    """A notification to store; `not_before` holds it (quiet hours) until then."""

    chat_id: int
    payload: str
    priority: int
    not_before: datetime | None = None


@dataclass(frozen=True)
class _Progress:
    """`parts_done` of a row, and when `state` is set how it finished (see `finish`)."""

    row_id: int
    parts_done: int
    state: str | None = None
    finished_at: str | None = None
    error: str | None = None
    outcome: str | None = None


class OutboxRepository:
    def __init__(self, database: Database) -> None:
        self._db = database
        self._progress = GroupCommit(database, _write_progress)

    async def add_many(self, tx: Transaction, rows: list[NewRow], *, now: datetime) -> None:
        await tx.executemany(
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
        At most `bulk_allowed` of the rows may be of `bulk_priority` or lower. A row none of
        whose parts went yet takes its reader's language as it is now (their row's, else the
        one kept for a role holder without a row; '' stored: none known, the default; NULL: a
        row from before languages were kept, which takes it now too).

        Nothing due in the committed data: no transaction (a row committed later pokes the
        worker again, after its commit).
        """
        due = await self._db.fetch_one(
            "SELECT 1 FROM outbox WHERE state = 'pending' AND next_attempt_at <= ? LIMIT 1",
            (now.isoformat(),),
        )
        if due is None:
            return []
        async with self._db.transaction() as tx:
            rows = await tx.fetch_all(
                """SELECT id, chat_id, payload, parts_done, attempts, priority, notice_id,
                          CASE WHEN o.parts_done = 0 OR o.language IS NULL
                               THEN COALESCE((SELECT u.language FROM users u
                                              WHERE u.user_id = o.chat_id),
                                             (SELECT r.language FROM role_languages r
                                              WHERE r.user_id = o.chat_id), '')
                               ELSE o.language END AS language
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
            chosen = [row for row in rows if row["priority"] < bulk_priority]
            chosen += [row for row in rows if row["priority"] >= bulk_priority][:bulk_allowed]
            await tx.executemany(
                """UPDATE outbox SET state = 'sending', attempts = attempts + 1, language = ?
                   WHERE id = ?""",
                [(row["language"], row["id"]) for row in chosen],
            )
        return [
            OutboxRow(
                row["id"],
                row["chat_id"],
                row["payload"],
                row["parts_done"],
                row["attempts"],
                row["notice_id"],
                row["language"] or None,
            )
            for row in chosen
        ]

    async def next_wake(self) -> datetime | None:
        row = await self._db.fetch_one(
            "SELECT MIN(next_attempt_at) AS soonest FROM outbox WHERE state = 'pending'"
        )
        return datetime.fromisoformat(row["soonest"]) if row and row["soonest"] else None

    async def mark_part_sent(self, row_id: int, parts_done: int) -> None:
        await self._progress.write(_Progress(row_id, parts_done))

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
        await self._progress.write(
            _Progress(row_id, parts_done, state, now.isoformat(), error, outcome)
        )

    async def retry_later(self, row_id: int, when: datetime, error: str, *, now: datetime) -> None:
        """Back to 'pending' until `when`; dropped instead if its notice was cancelled while
        it was being sent (cancelling drops only the rows not being sent)."""
        async with self._db.transaction() as tx:
            await tx.execute(
                """UPDATE outbox SET state = 'pending', next_attempt_at = ?, last_error = ?
                   WHERE id = ?""",
                (when.isoformat(), error, row_id),
            )
            await _drop_if_cancelled(tx, now, "id = ?", (row_id,))

    async def requeue_in_flight(self, now: datetime) -> int:
        """At start-up: rows left 'sending' by a crash go back to 'pending', but for a notice
        cancelled meanwhile."""
        async with self._db.transaction() as tx:
            cursor = await tx.execute("UPDATE outbox SET state = 'pending' WHERE state = 'sending'")
            await _drop_if_cancelled(tx, now, "1", ())
            return cursor.rowcount

    async def count(self, state: str) -> int:
        row = await self._db.fetch_one("SELECT COUNT(*) AS n FROM outbox WHERE state = ?", (state,))
        return int(row["n"]) if row else 0

    async def held(self, now: datetime) -> list[tuple[int, int, datetime]]:
        """(chat id, how many, until when) of pending rows held for quiet hours past `now`."""
        rows = await self._db.fetch_all(
            """SELECT chat_id, COUNT(*) AS n, MIN(not_before) AS until FROM outbox
               WHERE state = 'pending' AND not_before > ? GROUP BY chat_id ORDER BY chat_id""",
            (now.isoformat(),),
        )
        return [(row["chat_id"], row["n"], datetime.fromisoformat(row["until"])) for row in rows]


async def _drop_if_cancelled(
    tx: Transaction, now: datetime, where: str, parameters: tuple[object, ...]
) -> None:
    """Pending rows (of those `where` picks) whose notice was cancelled: dropped, as
    cancelling does for the rows it finds pending."""
    await tx.execute(
        f"""UPDATE outbox SET state = 'dropped', outcome = 'cancelled', finished_at = ?
            WHERE {where} AND state = 'pending'
              AND notice_id IN (SELECT id FROM notices WHERE state = 'cancelled')""",
        (now.isoformat(), *parameters),
    )


async def _write_progress(tx: Transaction, batch: list[_Progress]) -> None:
    """A batch of progress, a statement per kind (a row appears once: its sender waits)."""
    parts = [(p.parts_done, p.row_id) for p in batch if p.state is None]
    if parts:
        await tx.executemany("UPDATE outbox SET parts_done = ? WHERE id = ?", parts)
    finished = [p for p in batch if p.state is not None]
    if finished:
        await tx.executemany(
            """UPDATE outbox SET state = ?, finished_at = ?, last_error = ?, parts_done = ?,
                                 outcome = ?
               WHERE id = ?""",
            [
                (p.state, p.finished_at, p.error, p.parts_done, p.outcome, p.row_id)
                for p in finished
            ],
        )
    unreachable = [(p.finished_at, p.row_id) for p in finished if p.outcome in UNREACHABLE_OUTCOMES]
    if unreachable:
        await tx.executemany(
            """UPDATE users SET unreachable_since = ?
               WHERE user_id = (SELECT chat_id FROM outbox WHERE id = ?)""",
            unreachable,
        )
