"""The office's audit log: append-only rows of who did what to what, and when."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.database import Database
from storage.transaction import Transaction


@dataclass(frozen=True)
class AuditRow:
    id: int
    at: datetime
    actor_id: int
    action: str
    subject: str
    detail: str


class AuditRepository:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def add(
        self,
        tx: Transaction,
        *,
        at: datetime,
        actor_id: int,
        action: str,
        subject: str,
        detail: str,
    ) -> None:
        await tx.execute(
            """INSERT INTO audit_log (at, actor_id, action, subject, detail)
               VALUES (?, ?, ?, ?, ?)""",
            (at.isoformat(), actor_id, action, subject, detail),
        )

    async def recent(self, limit: int) -> list[AuditRow]:
        """The newest `limit` entries, newest first."""
        rows = await self._db.fetch_all(
            """SELECT id, at, actor_id, action, subject, detail FROM audit_log
               ORDER BY id DESC LIMIT ?""",
            (limit,),
        )
        return [
            AuditRow(
                id=row["id"],
                at=datetime.fromisoformat(row["at"]),
                actor_id=row["actor_id"],
                action=row["action"],
                subject=row["subject"],
                detail=row["detail"],
            )
            for row in rows
        ]
