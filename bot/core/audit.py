"""The audit log of office actions: one call records who did what to what, and when.

Any service or handler that carries out an office action (assign, reject, invite, revoke,
block, a notice, a schedule change…) calls `AuditLog.record`; pass `connection` (the
`Transaction` that makes the change) to write the entry inside it, so the two commit together.
`bot.core.audit_text` shows an entry to the office in their language (`/audit`).
"""

from __future__ import annotations

from bot.core.clock import Clock
from storage import Storage, Transaction
from storage.audit import AuditRow

MAX_DETAIL = 500


class AuditLog:
    """Writes and reads the office's audit log."""

    def __init__(self, storage: Storage, clock: Clock) -> None:
        self._storage = storage
        self._clock = clock

    async def record(
        self,
        actor_id: int,
        action: str,
        subject: str = "",
        detail: str = "",
        *,
        connection: Transaction | None = None,
    ) -> None:
        """Append one entry, e.g. `record(admin_id, "assign", "R-000123", "h01")`; without
        `connection`, in a unit of work of its own."""
        if connection is None:
            async with self._storage.transaction() as own:
                await self.record(actor_id, action, subject, detail, connection=own)
            return
        await self._storage.audit.add(
            connection,
            at=self._clock.now(),
            actor_id=actor_id,
            action=action,
            subject=subject,
            detail=detail[:MAX_DETAIL],
        )

    async def recent(self, limit: int = 20) -> list[AuditRow]:
        """The newest entries, newest first (`/audit`)."""
        return await self._storage.audit.recent(limit)
