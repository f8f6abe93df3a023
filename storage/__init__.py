"""SQLite storage: the connection, numbered migrations and one repository per concern."""

from __future__ import annotations

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
from storage.users import UserRepository


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

    async def close(self) -> None:
        await self.database.close()
