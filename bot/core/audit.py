"""The audit log of office actions: one call records who did what to what, and when.

Any service or handler that carries out an office action (assign, reject, invite, revoke,
block, a notice, a schedule change…) calls `AuditLog.record`; pass `connection` to write the
entry inside the transaction that makes the change, so the two commit together.
`bot.core.audit_text` shows an entry to the office in their language (`/audit`).
"""

from __future__ import annotations

import aiosqlite

from bot.core.clock import Clock
from storage import Storage
from storage.audit import AuditRow

MAX_DETAIL = 500


class AuditLog:
    def __init__(self, storage: Storage, clock: Clock) -> None:
        self._storage = storage
        self._clock = clock

    async def record(
        self,
        actor_id: int | None,
        action: str,
        subject: str = "",
        detail: str = "",
        *,
        connection: aiosqlite.Connection | None = None,
    ) -> None:
        """Append one entry, e.g. `record(admin_id, "assign", "R-000123", "h01")`."""
        fields = {
            "at": self._clock.now(),
            "actor_id": actor_id,
            "action": action,
            "subject": subject,
            "detail": detail[:MAX_DETAIL],
        }
        if connection is not None:
            await self._storage.audit.add(connection, **fields)
            return
        async with self._storage.database.transaction() as own:
            await self._storage.audit.add(own, **fields)

    async def recent(self, limit: int = 20) -> list[AuditRow]:
        return await self._storage.audit.recent(limit)
