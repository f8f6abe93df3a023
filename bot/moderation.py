"""The office's hand against abuse: block or unblock a person's reporting (with a reason the
person reads), and look up who made a report — the only place a reporter's identity is shown,
to office admins only, and every look is written to the audit log."""

from __future__ import annotations

from html import escape

from bot.audit import AuditLog
from bot.clock import Clock
from bot.models import Report
from bot.notifier import Notifier
from bot.outbox import Outbox
from bot.people import People
from bot.reports import NotAllowed, ReportNotFound
from storage import Storage
from storage.privacy import BlockRow, Profile


class CannotBlock(Exception):
    """Office admins cannot be blocked (nor can anyone block themselves)."""


class AlreadyBlocked(Exception):
    pass


class NotBlocked(Exception):
    pass


class ModerationService:
    def __init__(
        self,
        *,
        storage: Storage,
        people: People,
        notifier: Notifier,
        audit: AuditLog,
        outbox: Outbox,
        clock: Clock,
    ) -> None:
        self._storage = storage
        self._people = people
        self._notifier = notifier
        self._audit = audit
        self._outbox = outbox
        self._clock = clock

    async def block(self, actor_id: int, user_id: int, reason: str) -> None:
        """Stop `user_id` from reporting; they are told why."""
        self._require_office(actor_id)
        if self._people.is_office(user_id) or user_id == actor_id:
            raise CannotBlock(user_id)
        now = self._clock.now()
        async with self._storage.database.transaction() as connection:
            if not await self._storage.privacy.add_block(
                connection, user_id=user_id, reason=reason, by=actor_id, now=now
            ):
                raise AlreadyBlocked(user_id)
            await self._audit.record(actor_id, "block", str(user_id), reason, connection=connection)
            await self._notifier.tell(
                connection,
                user_id,
                lambda _language, _: _(
                    "⛔ The town office has stopped you from sending reports: {reason}\n"
                    "If you think this is a mistake, please contact the office."
                ).format(reason=escape(reason)),
            )
        self._outbox.poke()

    async def unblock(self, actor_id: int, user_id: int) -> None:
        self._require_office(actor_id)
        now = self._clock.now()
        async with self._storage.database.transaction() as connection:
            if not await self._storage.privacy.lift_block(
                connection, user_id=user_id, by=actor_id, now=now
            ):
                raise NotBlocked(user_id)
            await self._audit.record(actor_id, "unblock", str(user_id), connection=connection)
            await self._notifier.tell(
                connection,
                user_id,
                lambda _language, _: _(
                    "✅ You can send reports again. Thank you for your patience."
                ),
            )
        self._outbox.poke()

    async def block_of(self, user_id: int) -> BlockRow | None:
        return await self._storage.privacy.active_block(user_id)

    async def reporter_of(self, actor_id: int, report_id: int) -> tuple[Report, Profile | None]:
        """Who made a report, for an office admin handling abuse; the look is audited."""
        self._require_office(actor_id)
        report = await self._storage.reports.get(report_id)
        if report is None:
            raise ReportNotFound(report_id)
        profile = await self._storage.privacy.profile(report.reporter_id)
        await self._audit.record(actor_id, "reveal_reporter", report.number)
        return report, profile

    def _require_office(self, actor_id: int) -> None:
        if not self._people.is_office(actor_id):
            raise NotAllowed("only the office can do this")
