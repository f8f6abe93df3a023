"""Deliveries that went wrong, kept for the office, and photos made from pictures sent as files."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.database import Database
from storage.transaction import Row, Transaction


@dataclass(frozen=True)
class FailureRow:
    """One refused part, or one notification given up (`gave_up`), with its outbox row."""

    id: int
    outbox_id: int
    chat_id: int
    part_index: int | None
    part_kind: str | None
    error: str
    gave_up: bool
    at: datetime
    payload: str
    outbox_state: str
    language: str | None = None
    """The language the outbox row was sent in (None or empty: the default)."""


class DeliveryRepository:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def record(
        self,
        *,
        outbox_id: int,
        chat_id: int,
        part_index: int | None,
        part_kind: str | None,
        error: str,
        gave_up: bool,
        now: datetime,
    ) -> None:
        async with self._db.transaction() as tx:
            await tx.execute(
                """INSERT INTO delivery_failures (outbox_id, chat_id, part_kind, error, gave_up,
                                                  at, part_index)
                   VALUES (?, ?, ?, ?, ?, ?, ?)""",
                (
                    outbox_id,
                    chat_id,
                    part_kind,
                    error,
                    int(gave_up),
                    now.isoformat(),
                    part_index,
                ),
            )

    async def open_failures(self, limit: int) -> list[FailureRow]:
        """Failures nobody has retried yet, newest first."""
        rows = await self._db.fetch_all(
            f"""{_SELECT} WHERE f.retried_at IS NULL ORDER BY f.id DESC LIMIT ?""", (limit,)
        )
        return [_failure(row) for row in rows]

    async def get(self, failure_id: int) -> FailureRow | None:
        row = await self._db.fetch_one(f"{_SELECT} WHERE f.id = ?", (failure_id,))
        return _failure(row) if row else None

    async def untold(self, limit: int) -> list[FailureRow]:
        """Failures the office chat has not been told about, oldest first."""
        rows = await self._db.fetch_all(
            f"{_SELECT} WHERE f.told_office_at IS NULL ORDER BY f.id LIMIT ?",
            (limit,),
        )
        return [_failure(row) for row in rows]

    async def mark_told(self, failure_ids: list[int], now: datetime) -> None:
        async with self._db.transaction() as tx:
            await tx.executemany(
                "UPDATE delivery_failures SET told_office_at = ? WHERE id = ?",
                [(now.isoformat(), failure_id) for failure_id in failure_ids],
            )

    async def count_untold(self) -> int:
        row = await self._db.fetch_one(
            "SELECT COUNT(*) AS n FROM delivery_failures WHERE told_office_at IS NULL"
        )
        return int(row["n"]) if row else 0

    async def retry(
        self,
        tx: Transaction,
        failure: FailureRow,
        now: datetime,
        *,
        resend_payload: str | None,
    ) -> None:
        """Send it again: a given-up row goes back to pending where it stopped; a refused part
        of a delivered row goes out as a new row (`resend_payload`) so the rest is not repeated.
        Resuming a row retries every open failure of it; a resent part only its own."""
        if resend_payload is None:
            await tx.execute(
                """UPDATE outbox SET state = 'pending', attempts = 0, next_attempt_at = ?,
                                     finished_at = NULL, outcome = NULL
                   WHERE id = ? AND state = 'dropped'""",
                (now.isoformat(), failure.outbox_id),
            )
        else:
            await tx.execute(
                """INSERT INTO outbox (chat_id, priority, payload, next_attempt_at, created_at)
                   SELECT chat_id, priority, ?, ?, ? FROM outbox WHERE id = ?""",
                (resend_payload, now.isoformat(), now.isoformat(), failure.outbox_id),
            )
        await tx.execute(
            """UPDATE delivery_failures SET retried_at = ?
               WHERE retried_at IS NULL AND (id = ? OR (? AND outbox_id = ?))""",
            (now.isoformat(), failure.id, resend_payload is None, failure.outbox_id),
        )

    async def photo_copy(self, source_file_id: str) -> str | None:
        """The photo already uploaded for a picture sent as a file, if any."""
        row = await self._db.fetch_one(
            "SELECT photo_file_id FROM photo_copies WHERE source_file_id = ?", (source_file_id,)
        )
        return row["photo_file_id"] if row else None

    async def remember_photo_copy(
        self, source_file_id: str, photo_file_id: str, now: datetime
    ) -> None:
        async with self._db.transaction() as tx:
            await tx.execute(
                """INSERT OR REPLACE INTO photo_copies (source_file_id, photo_file_id, created_at)
                   VALUES (?, ?, ?)""",
                (source_file_id, photo_file_id, now.isoformat()),
            )


_SELECT = """SELECT f.id, f.outbox_id, f.chat_id, f.part_index, f.part_kind, f.error, f.gave_up,
                    f.at, o.payload, o.state AS outbox_state, o.language
             FROM delivery_failures f JOIN outbox o ON o.id = f.outbox_id"""


def _failure(row: Row) -> FailureRow:
    return FailureRow(
        id=row["id"],
        outbox_id=row["outbox_id"],
        chat_id=row["chat_id"],
        part_index=row["part_index"],
        part_kind=row["part_kind"],
        error=row["error"],
        gave_up=bool(row["gave_up"]),
        at=datetime.fromisoformat(row["at"]),
        payload=row["payload"],
        outbox_state=row["outbox_state"],
        language=row["language"],
    )
