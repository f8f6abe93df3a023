"""Storage: the unit of work, numbered migrations and one repository per concern.

Services never touch a database connection: they ask for a unit of work,
`async with storage.transaction() as tx:`, and pass `tx` (a `storage.transaction.Transaction`)
to the repositories, the outbox and the audit log taking part, so the change, its
notifications and its audit entry commit together or not at all. Plain reads (repository
methods without a `tx`) see only committed data, except in the coroutine that holds the
transaction, which sees its own writes. Rows are read by column name; column names in SQL
are always the repositories' own, never a caller's.

SQLite (`storage.database`) is the one backend today. A second one (PostgreSQL) must provide
what `Database` does, under the same names:
- `transaction()`: an async context manager that serialises writers (or relies on the
  server's row locks), yields a `Transaction` (`execute` → `Changed(rowcount, lastrowid)`,
  `executemany`, `fetch_one`, `fetch_all`, rows readable by column name), commits when the
  block ends, rolls back if it raises, and refuses use of the `Transaction` afterwards;
- `fetch_one`, `fetch_all`: reads that see only committed data outside a transaction (a
  pool connection in autocommit) and the transaction's own writes inside it;
- a bulk read for the office's numbers (`StatsRepository.replayed`: SQLite's runs in a worker
  thread on a snapshot, `read_in_thread`; PostgreSQL's would stream a server-side cursor in a
  repeatable-read transaction);
- `migrate()` from its own numbered migrations, `close()`, and the SQL functions the
  repositories call (`abuse_key` for migrations; `json_each`, `json_object`, `julianday` in
  queries, which PostgreSQL spells differently: the repositories' SQL is SQLite's today).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import aiosqlite

from storage.audit import AuditRepository
from storage.conversations import ConversationRepository
from storage.database import Database
from storage.deliveries import DeliveryRepository
from storage.keys import AbuseKeys
from storage.notices import NoticeRepository
from storage.outbox import OutboxRepository
from storage.privacy import PrivacyRepository
from storage.reports import ReportRepository
from storage.roles import RoleRepository
from storage.schedules import ScheduleRepository
from storage.stats import StatsRepository
from storage.transaction import Transaction
from storage.users import UserRepository

__all__ = ["Storage", "Transaction"]


@dataclass(frozen=True)
class Storage:
    """The repositories, gathered so that a service receives one object."""

    database: Database
    keys: AbuseKeys
    reports: ReportRepository
    outbox: OutboxRepository
    users: UserRepository
    conversations: ConversationRepository
    notices: NoticeRepository
    schedules: ScheduleRepository
    stats: StatsRepository
    roles: RoleRepository
    audit: AuditRepository
    privacy: PrivacyRepository
    deliveries: DeliveryRepository

    @classmethod
    async def open(cls, path: Path | str, *, pepper: str | None = None) -> Storage:
        """Open the database; `pepper` ([privacy] pepper) keys the abuse controls instead of
        the secret generated at first start (see `storage.keys`)."""
        installed: list[AbuseKeys] = []

        async def install_keys(connection: aiosqlite.Connection) -> None:
            installed.append(await AbuseKeys.install(connection, pepper))

        database = await Database.open(path, prepare=install_keys)
        keys = installed[0]
        try:
            await keys.verify(database.connection)
        except BaseException:
            await database.close()
            raise
        return cls(
            database=database,
            keys=keys,
            reports=ReportRepository(database, keys),
            outbox=OutboxRepository(database),
            users=UserRepository(database),
            conversations=ConversationRepository(database),
            notices=NoticeRepository(database),
            schedules=ScheduleRepository(database),
            stats=StatsRepository(database),
            roles=RoleRepository(database, keys),
            audit=AuditRepository(database),
            privacy=PrivacyRepository(database, keys),
            deliveries=DeliveryRepository(database),
        )

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        """One unit of work: everything done through the `tx` it yields commits together."""
        async with self.database.transaction() as tx:
            yield tx

    async def close(self) -> None:
        """Close the database's connections."""
        await self.database.close()
