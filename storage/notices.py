"""Office notices, their recipients in the outbox, and the counts the office watches."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.database import Database
from storage.database import utc_text as _utc
from storage.transaction import Row, Transaction


@dataclass(frozen=True)
class NoticeRow:
    id: int
    author_id: int
    audience: str
    kind: str
    file_id: str | None
    texts: str
    state: str
    send_at: datetime
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    recipients: int
    progress_chat_id: int | None
    progress_message_id: int | None


@dataclass(frozen=True)
class Counts:
    """Where a notice's outbox rows are: delivered, waiting, or dropped and why."""

    delivered: int = 0
    waiting: int = 0
    in_flight: int = 0
    blocked: int = 0
    gone: int = 0
    failed: int = 0
    cancelled: int = 0


class NoticeRepository:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def add(
        self,
        *,
        author_id: int,
        audience: str,
        kind: str,
        file_id: str | None,
        texts: str,
        send_at: datetime,
        now: datetime,
        connection: Transaction | None = None,
    ) -> int:
        """A scheduled notice (inside the caller's transaction when `connection` is given, so
        its audit entry commits with it)."""
        if connection is None:
            async with self._db.transaction() as own:
                return await self.add(
                    author_id=author_id,
                    audience=audience,
                    kind=kind,
                    file_id=file_id,
                    texts=texts,
                    send_at=send_at,
                    now=now,
                    connection=own,
                )
        cursor = await connection.execute(
            """INSERT INTO notices (author_id, audience, kind, file_id, texts, state,
                                    send_at, created_at)
               VALUES (?, ?, ?, ?, ?, 'scheduled', ?, ?)""",
            (author_id, audience, kind, file_id, texts, _utc(send_at), _utc(now)),
        )
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    async def get(self, notice_id: int) -> NoticeRow | None:
        row = await self._db.fetch_one("SELECT * FROM notices WHERE id = ?", (notice_id,))
        return _notice(row) if row else None

    async def due(self, now: datetime) -> list[NoticeRow]:
        rows = await self._db.fetch_all(
            "SELECT * FROM notices WHERE state = 'scheduled' AND send_at <= ? ORDER BY send_at",
            (_utc(now),),
        )
        return [_notice(row) for row in rows]

    async def in_state(self, state: str) -> list[NoticeRow]:
        rows = await self._db.fetch_all(
            "SELECT * FROM notices WHERE state = ? ORDER BY id", (state,)
        )
        return [_notice(row) for row in rows]

    async def recent(self, limit: int) -> list[NoticeRow]:
        rows = await self._db.fetch_all("SELECT * FROM notices ORDER BY id DESC LIMIT ?", (limit,))
        return [_notice(row) for row in rows]

    async def received_by(self, chat_id: int, limit: int) -> list[NoticeRow]:
        """Notices that reached this chat, newest first."""
        rows = await self._db.fetch_all(
            """SELECT n.* FROM notices n JOIN outbox o ON o.notice_id = n.id
               WHERE o.chat_id = ? AND o.state = 'sent'
               ORDER BY n.id DESC LIMIT ?""",
            (chat_id, limit),
        )
        return [_notice(row) for row in rows]

    async def start(
        self,
        tx: Transaction,
        notice_id: int,
        recipients: list[tuple[int, str]],
        *,
        priority: int,
        now: datetime,
    ) -> int | None:
        """Mark a scheduled notice as sending and queue one outbox row per (chat, language);
        None if the notice was no longer scheduled (cancelled, or started already)."""
        stamp = now.isoformat()
        cursor = await tx.execute(
            """UPDATE notices SET state = 'sending', started_at = ?, recipients = ?
               WHERE id = ? AND state = 'scheduled'""",
            (stamp, len(recipients), notice_id),
        )
        if cursor.rowcount != 1:
            return None
        await tx.executemany(
            """INSERT INTO outbox (chat_id, priority, payload, next_attempt_at, created_at,
                                   notice_id)
               VALUES (?, ?, json_object('notice', ?, 'language', ?), ?, ?, ?)""",
            [
                (chat_id, priority, notice_id, language, stamp, stamp, notice_id)
                for chat_id, language in recipients
            ],
        )
        return len(recipients)

    async def set_progress_message(self, notice_id: int, chat_id: int, message_id: int) -> None:
        async with self._db.transaction() as tx:
            await tx.execute(
                """UPDATE notices SET progress_chat_id = ?, progress_message_id = ?
                   WHERE id = ?""",
                (chat_id, message_id, notice_id),
            )

    async def counts(self, notice_id: int) -> Counts:
        rows = await self._db.fetch_all(
            """SELECT state, outcome, COUNT(*) AS n FROM outbox
               WHERE notice_id = ? GROUP BY state, outcome""",
            (notice_id,),
        )
        found = dict.fromkeys(
            ("delivered", "waiting", "in_flight", "blocked", "gone", "failed", "cancelled"), 0
        )
        for row in rows:
            if row["state"] == "sent":
                found["delivered"] += row["n"]
            elif row["state"] in ("pending", "sending"):
                found["waiting"] += row["n"]
                if row["state"] == "sending":
                    found["in_flight"] += row["n"]
            else:
                key = row["outcome"] if row["outcome"] in found else "failed"
                found[key] += row["n"]
        return Counts(**found)

    async def finish(self, tx: Transaction, notice_id: int, state: str, now: datetime) -> bool:
        """Close a scheduled or sending notice as 'done' or 'cancelled' (dropping what was not
        sent yet); False if it was closed already."""
        cursor = await tx.execute(
            """UPDATE notices SET state = ?, finished_at = ?
               WHERE id = ? AND state IN ('scheduled', 'sending')""",
            (state, now.isoformat(), notice_id),
        )
        if state == "cancelled":
            await tx.execute(
                """UPDATE outbox SET state = 'dropped', outcome = 'cancelled', finished_at = ?
                   WHERE notice_id = ? AND state = 'pending'""",
                (now.isoformat(), notice_id),
            )
        return cursor.rowcount == 1


def _notice(row: Row) -> NoticeRow:
    def when(value: str | None) -> datetime | None:
        return datetime.fromisoformat(value) if value else None

    return NoticeRow(
        id=row["id"],
        author_id=row["author_id"],
        audience=row["audience"],
        kind=row["kind"],
        file_id=row["file_id"],
        texts=row["texts"],
        state=row["state"],
        send_at=datetime.fromisoformat(row["send_at"]),
        created_at=datetime.fromisoformat(row["created_at"]),
        started_at=when(row["started_at"]),
        finished_at=when(row["finished_at"]),
        recipients=row["recipients"],
        progress_chat_id=row["progress_chat_id"],
        progress_message_id=row["progress_message_id"],
    )
