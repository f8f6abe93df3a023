"""SQLite storage: the connection, numbered migrations and one repository per concern."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from storage.audit import AuditRepository
from storage.conversations import ConversationRepository
from storage.database import Database
from storage.deliveries import DeliveryRepository
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
    async def open(cls, path: Path | str) -> Storage:
        database = await Database.open(path)
        return cls(
            database=database,
            reports=ReportRepository(database),
            outbox=OutboxRepository(database),
            users=UserRepository(database),
            conversations=ConversationRepository(database),
            notices=NoticeRepository(database),
            schedules=ScheduleRepository(database),
            stats=StatsRepository(database),
            roles=RoleRepository(database),
            audit=AuditRepository(database),
            privacy=PrivacyRepository(database),
            deliveries=DeliveryRepository(database),
        )

    async def close(self) -> None:
        await self.database.close()
