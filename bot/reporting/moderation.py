"""The office's hand against abuse: block or unblock a person's reporting (with a reason the
person reads), and look up who made a report — the only place a reporter's identity is shown,
to office admins only, and every look is written to the audit log. Blocks hold the person's
keyed hash (`storage.keys`), so a block by report number works, and lasts, after /forgetme;
the audit log names a person blocked by report number by that number only."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from bot.core.audit import AuditLog
from bot.core.clock import Clock
from bot.core.errors import Reason, Refused
from bot.core.models import FORGOTTEN_REPORTER, Report
from bot.delivery.notifier import Notifier
from bot.delivery.outbox import Outbox
from bot.people.directory import People
from storage import Storage
from storage.privacy import BlockRow, Profile


@dataclass(frozen=True)
class Reporter:
    """The person a block is about: always their key; their Telegram id while it is known
    (None once they used /forgetme); and how the audit log names them — a report number when
    the office named them by one, so the log never links a report to an id."""

    key: str
    user_id: int | None
    subject: str


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

    def person(self, user_id: int) -> Reporter:
        """A person the office named by their Telegram id."""
        return Reporter(self._storage.keys.of(user_id), user_id, str(user_id))

    async def reporter_of_report(self, report_id: int) -> tuple[Report, Reporter]:
        """The reporter of a report, named by its number; works after they were forgotten."""
        report = await self._report(report_id)
        key = await self._storage.reports.reporter_key(report_id)
        if key is None:  # forgotten before reporters were keyed: nothing to block
            raise Refused(Reason.REPORTER_FORGOTTEN, detail=report.number, subject=report.number)
        user_id = None if report.reporter_id == FORGOTTEN_REPORTER else report.reporter_id
        return report, Reporter(key, user_id, report.number)

    async def block(self, actor_id: int, target: Reporter, reason: str) -> None:
        """Stop `target` from reporting, also after a /forgetme; told why if still known.
        Office admins cannot be blocked, nor can anyone block themselves."""
        self.require_office(actor_id)
        if target.user_id == actor_id or target.key in self._office_keys():
            raise Refused(Reason.CANNOT_BLOCK, subject=target.subject)
        now = self._clock.now()
        async with self._storage.transaction() as connection:
            if not await self._storage.privacy.add_block(
                connection, user_key=target.key, reason=reason, by=actor_id, now=now
            ):
                raise Refused(Reason.ALREADY_BLOCKED, subject=target.subject)
            await self._audit.record(
                actor_id, "block", target.subject, reason, connection=connection
            )
            if target.user_id is not None:
                await self._notifier.tell(
                    connection,
                    target.user_id,
                    lambda _language, _: _(
                        "⛔ The town office has stopped you from sending reports: {reason}\n"
                        "If you think this is a mistake, please contact the office."
                    ).format(reason=escape(reason)),
                )
        self._outbox.poke()

    async def unblock(self, actor_id: int, target: Reporter) -> None:
        self.require_office(actor_id)
        now = self._clock.now()
        async with self._storage.transaction() as connection:
            if not await self._storage.privacy.lift_block(
                connection, user_key=target.key, by=actor_id, now=now
            ):
                raise Refused(Reason.NOT_BLOCKED, subject=target.subject)
            await self._audit.record(actor_id, "unblock", target.subject, connection=connection)
            if target.user_id is not None:
                await self._notifier.tell(
                    connection,
                    target.user_id,
                    lambda _language, _: _(
                        "✅ You can send reports again. Thank you for your patience."
                    ),
                )
        self._outbox.poke()

    async def block_of(self, target: Reporter) -> BlockRow | None:
        return await self._storage.privacy.active_block_by_key(target.key)

    async def reporter_of(self, actor_id: int, report_id: int) -> tuple[Report, Profile | None]:
        """Who made a report, for an office admin handling abuse; the look is audited. The
        profile is None once the reporter was forgotten."""
        self.require_office(actor_id)
        report = await self._report(report_id)
        profile = (
            None
            if report.reporter_id == FORGOTTEN_REPORTER
            else await self._storage.privacy.profile(report.reporter_id)
        )
        await self._audit.record(actor_id, "reveal_reporter", report.number)
        return report, profile

    def _office_keys(self) -> set[str]:
        """The keys of every office admin: a forgotten reporter may have become one since."""
        return {self._storage.keys.of(user_id) for user_id in self._people.office_admins}

    async def _report(self, report_id: int) -> Report:
        """The report, or `Refused(REPORT_GONE)`."""
        report = await self._storage.reports.get(report_id)
        if report is None:
            raise Refused(Reason.REPORT_GONE, subject=f"report {report_id}")
        return report

    def require_office(self, actor_id: int, command: str | None = None) -> None:
        """`Refused(OFFICE_ONLY)` unless the actor is an office admin (`command` names the
        command for its words); each moderation step checks again in its own time."""
        if not self._people.is_office(actor_id):
            raise Refused(Reason.OFFICE_ONLY, command=command, subject="moderation")
