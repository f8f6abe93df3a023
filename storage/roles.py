"""Invited roles, invitations (hashed codes), wrong /join attempts and the command menu last
set for each person."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from bot.people.directory import Grant, Role
from storage.database import Database
from storage.keys import AbuseKeys
from storage.transaction import Row, Transaction


@dataclass(frozen=True)
class InvitationRow:
    id: int
    role: Role
    scopes: tuple[str, ...]
    created_by: int
    created_at: datetime
    expires_at: datetime
    used_by: int | None
    used_at: datetime | None


class RoleRepository:
    def __init__(self, database: Database, keys: AbuseKeys) -> None:
        self._db = database
        self._keys = keys

    # -- roles ----------------------------------------------------------------------------------

    async def active_grants(self) -> list[Grant]:
        rows = await self._db.fetch_all(
            """SELECT id, user_id, role, scope, granted_at FROM roles
               WHERE revoked_at IS NULL ORDER BY id"""
        )
        return [_grant(row) for row in rows]

    async def active_grant(self, grant_id: int) -> Grant | None:
        row = await self._db.fetch_one(
            """SELECT id, user_id, role, scope, granted_at FROM roles
               WHERE id = ? AND revoked_at IS NULL""",
            (grant_id,),
        )
        return _grant(row) if row else None

    async def add_grant(
        self,
        tx: Transaction,
        *,
        user_id: int,
        role: Role,
        scope: str,
        granted_by: int,
        invitation: int | None,
        now: datetime,
    ) -> Grant | None:
        """Bind a role; None if the person already holds exactly this one."""
        cursor = await tx.execute(
            """INSERT INTO roles (user_id, role, scope, granted_by, granted_at, invitation)
               VALUES (?, ?, ?, ?, ?, ?)
               ON CONFLICT (user_id, role, scope) WHERE revoked_at IS NULL DO NOTHING""",
            (user_id, role, scope, granted_by, now.isoformat(), invitation),
        )
        if not cursor.rowcount:
            return None
        assert cursor.lastrowid is not None
        return Grant(user_id, role, scope, cursor.lastrowid, now)

    async def revoke(self, tx: Transaction, grant_id: int, by: int, now: datetime) -> bool:
        """End a role; False if it was not active (already revoked, or never existed)."""
        cursor = await tx.execute(
            """UPDATE roles SET revoked_by = ?, revoked_at = ?
               WHERE id = ? AND revoked_at IS NULL""",
            (by, now.isoformat(), grant_id),
        )
        return bool(cursor.rowcount)

    # -- invitations ----------------------------------------------------------------------------

    async def add_invitation(
        self,
        tx: Transaction,
        *,
        code_hash: str,
        role: Role,
        scopes: tuple[str, ...],
        created_by: int,
        now: datetime,
        expires_at: datetime,
    ) -> int:
        cursor = await tx.execute(
            """INSERT INTO invitations (code_hash, role, scopes, created_by, created_at,
                                        expires_at)
               VALUES (?, ?, ?, ?, ?, ?)""",
            (
                code_hash,
                role,
                json.dumps(scopes),
                created_by,
                now.isoformat(),
                expires_at.isoformat(),
            ),
        )
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    async def invitation_by_hash(self, code_hash: str) -> InvitationRow | None:
        row = await self._db.fetch_one(
            """SELECT id, role, scopes, created_by, created_at, expires_at, used_by, used_at
               FROM invitations WHERE code_hash = ?""",
            (code_hash,),
        )
        if row is None:
            return None
        return InvitationRow(
            id=row["id"],
            role=Role(row["role"]),
            scopes=tuple(json.loads(row["scopes"])),
            created_by=row["created_by"],
            created_at=datetime.fromisoformat(row["created_at"]),
            expires_at=datetime.fromisoformat(row["expires_at"]),
            used_by=row["used_by"],
            used_at=datetime.fromisoformat(row["used_at"]) if row["used_at"] else None,
        )

    async def use_invitation(
        self, tx: Transaction, invitation_id: int, user_id: int, now: datetime
    ) -> bool:
        """Mark a code used; False if someone used it first (single use, even in a race)."""
        cursor = await tx.execute(
            "UPDATE invitations SET used_by = ?, used_at = ? WHERE id = ? AND used_at IS NULL",
            (user_id, now.isoformat(), invitation_id),
        )
        return bool(cursor.rowcount)

    # -- wrong codes ----------------------------------------------------------------------------

    async def add_join_failure(self, user_id: int, now: datetime, *, keep_after: datetime) -> None:
        """Count a wrong code under the person's key (so /forgetme does not lift a lockout);
        failures up to `keep_after` no longer matter and are deleted."""
        async with self._db.transaction() as tx:
            await tx.execute("DELETE FROM join_failures WHERE at <= ?", (keep_after.isoformat(),))
            await tx.execute(
                "INSERT INTO join_failures (user_key, at) VALUES (?, ?)",
                (self._keys.of(user_id), now.isoformat()),
            )

    async def join_failures_since(self, user_id: int, since: datetime) -> list[datetime]:
        rows = await self._db.fetch_all(
            "SELECT at FROM join_failures WHERE user_key = ? AND at > ? ORDER BY at",
            (self._keys.of(user_id), since.isoformat()),
        )
        return [datetime.fromisoformat(row["at"]) for row in rows]

    # -- command menus --------------------------------------------------------------------------

    async def menu_signatures(self) -> dict[int, str]:
        rows = await self._db.fetch_all("SELECT user_id, signature FROM command_menus")
        return {row["user_id"]: row["signature"] for row in rows}

    async def set_menu_signature(self, user_id: int, signature: str | None) -> None:
        async with self._db.transaction() as tx:
            if signature is None:
                await tx.execute("DELETE FROM command_menus WHERE user_id = ?", (user_id,))
            else:
                await tx.execute(
                    """INSERT INTO command_menus (user_id, signature) VALUES (?, ?)
                       ON CONFLICT (user_id) DO UPDATE SET signature = excluded.signature""",
                    (user_id, signature),
                )


def _grant(row: Row) -> Grant:
    return Grant(
        user_id=row["user_id"],
        role=Role(row["role"]),
        scope=row["scope"],
        id=row["id"],
        granted_at=datetime.fromisoformat(row["granted_at"]),
    )
