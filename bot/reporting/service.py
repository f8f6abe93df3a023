"""The report lifecycle: submit, route, accept, hand back, fix, confirm or reopen, assign, reject.

Each operation checks who may act, applies one transition from `bot.reporting.lifecycle`,
appends the event and queues the notifications, all in one transaction; the outbox worker is
poked only after the commit, so nobody hears of a report that is not stored. This module has
the villager's steps (intake: limits, duplicates, routing; confirming or reopening a fix); the
grid member's are in `bot.reporting.tasks`, the office's in `bot.reporting.office`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.core.errors import Reason, Refused
from bot.core.models import Draft, Report
from bot.people.limits import quota_free_at
from bot.places.grid import distance_m
from bot.reporting.lifecycle import OPEN_STATES, Action, State
from bot.reporting.office import OfficeSteps, OrderDraft
from bot.reporting.redact import Identity, redact
from bot.reporting.tasks import TaskSteps

__all__ = ["OrderDraft", "ReportService", "Reporter", "Submitted"]

METRES_PER_DEGREE = 111_000.0


@dataclass(frozen=True)
class Reporter:
    """Who submits, as Telegram names them (plain data, no `telegram`): the id and name parts
    the public description is scrubbed of, stored with the report as they are now."""

    id: int
    first_name: str = ""
    last_name: str | None = None
    username: str | None = None
    language: str | None = None
    """The language they are answered in, kept for their notifications if none is stored."""

    def identity(self) -> Identity:
        """The reporter as `bot.reporting.redact` knows them."""
        return Identity(self.id, self.first_name, self.last_name, self.username)


@dataclass(frozen=True)
class Submitted:
    """What a submission gave: the report, and the open report it duplicates, if any."""

    report: Report
    duplicate_of: Report | None


class ReportService(TaskSteps, OfficeSteps):
    """Every rule about reports and orders: who may act, which step is allowed, and what
    each person is told; refusals are `Refused`, raised before anything changes."""

    async def check_may_report(self, reporter_id: int) -> None:
        """Refuse (REPORTING_BLOCKED, REPORT_LIMIT) if this person may not report now."""
        block = await self._storage.privacy.active_block(reporter_id)
        if block is not None:
            raise Refused(Reason.REPORTING_BLOCKED, detail=block.reason, subject="reporting")
        limits = self._config.limits
        now = self._clock.now()
        day = timedelta(days=1)
        recent = await self._reports.created_since(reporter_id, now - day)
        free_at = quota_free_at(
            recent,
            now,
            [(limits.reports_per_hour, timedelta(hours=1)), (limits.reports_per_day, day)],
        )
        if free_at is not None:
            raise Refused(Reason.REPORT_LIMIT, until=free_at, subject="reporting")

    async def submit(self, reporter: Reporter, draft: Draft) -> Submitted:
        """Store a confirmed draft, link it as a duplicate or route it, and notify.

        The description is kept as written for the office and, scrubbed of phone and ID
        numbers and the reporter's own name, for everyone else (nothing a neighbour receives
        identifies the reporter). Once per draft: a draft submitted again (an update handled
        twice after a crash, a second tap) gives back the report it made, with nothing stored
        or sent twice.
        """
        if draft.category not in self._config.categories:
            raise Refused(Reason.UNKNOWN_CHOICE, subject=f"category {draft.category!r}")
        if (made := await self._made_from(draft)) is not None:
            return made
        reporter_id = reporter.id
        await self.check_may_report(reporter_id)
        public = (
            redact(draft.description, reporter.identity(), lambda placeholder: placeholder)
            if draft.description
            else None
        )
        now = self._clock.now()
        original = await self._find_duplicate(draft, now)
        hamlet = self._grid.hamlets.get(draft.hamlet_id or "")
        async with self._storage.database.transaction() as connection:
            if (made := await self._made_from(draft)) is not None:
                return made
            if reporter.first_name:  # the office may need to know who reported (for abuse)
                await self._storage.users.seen(
                    reporter_id,
                    reporter.first_name,
                    reporter.username,
                    now,
                    reporter.language,
                    tx=connection,
                )
            else:  # a reporter without a name (a tool's) leaves the stored one
                await self._storage.users.ensure(connection, reporter_id, now, reporter.language)
            report_id = await self._reports.insert(
                connection,
                reporter_id=reporter_id,
                draft=draft,
                village_id=hamlet.village_id if hamlet else None,
                now=now,
                public_description=public,
            )
            await self._record(connection, report_id, None, Action.SUBMIT, reporter_id, now)
            if original is not None:
                report = await self._move(
                    connection,
                    report_id,
                    Action.MARK_DUPLICATE,
                    None,
                    now,
                    note=original.number,
                    duplicate_of=original.id,
                )
            elif hamlet and self._people.grid_members_of(hamlet.id):
                due = await self._start_clock(connection, report_id, now)
                report = await self._move(
                    connection, report_id, Action.ROUTE, None, now, due_at=due
                )
            else:
                report = await self._require(report_id)
            media = await self._reports.media(report_id)
            if original is None:
                if report.state == State.ASSIGNED:
                    await self._notifier.new_task(connection, report, media, reason="new")
                    await self._notifier.office_copy(connection, report, media, headline="new")
                else:
                    await self._notifier.office_copy(connection, report, media, headline="queue")
                await self._notifier.department_copy(connection, report, media)
        self._outbox.poke()
        return Submitted(report, original)

    async def _made_from(self, draft: Draft) -> Submitted | None:
        """What submitting this draft already gave, if it was submitted."""
        report = await self._reports.made_from(draft.id) if draft.id else None
        if report is None:
            return None
        original = await self._reports.get(report.duplicate_of) if report.duplicate_of else None
        return Submitted(report, original)

    async def confirm(self, report_id: int, actor_id: int) -> Report:
        """The reporter (for an order: the office) agrees it is fixed: the report closes."""
        report = await self._require(report_id)
        self._require_reporter(report, actor_id)
        now = self._clock.now()
        async with self._storage.database.transaction() as connection:
            report = await self._move(
                connection, report_id, Action.CONFIRM, actor_id, now, closed_at=now
            )
            await self._notifier.closed_for_office(connection, report)
        self._outbox.poke()
        return report

    async def reopen(self, report_id: int, actor_id: int) -> Report:
        """The reporter says it is still there: back to the same hamlet with a fresh deadline."""
        report = await self._require(report_id)
        self._require_reporter(report, actor_id)
        now = self._clock.now()
        async with self._storage.database.transaction() as connection:
            due = await self._start_clock(connection, report_id, now)
            report = await self._move(
                connection, report_id, Action.REOPEN, actor_id, now, due_at=due, fixed_at=None
            )
            media = await self._reports.media(report_id)
            await self._notifier.new_task(connection, report, media, reason="reopened")
            await self._notifier.office_copy(connection, report, media, headline="reopened")
        self._outbox.poke()
        return report

    async def tell_later(self, chat_id: int, text: str) -> None:
        """A reply that could not be sent directly goes through the outbox instead."""
        async with self._storage.database.transaction() as connection:
            await self._notifier.tell(connection, chat_id, lambda _language, _: text)
        self._outbox.poke()

    async def reports_of(self, reporter_id: int) -> list[Report]:
        return await self._reports.by_reporter(reporter_id)

    async def _find_duplicate(self, draft: Draft, now: datetime) -> Report | None:
        """An open report of the same category close by and recent enough, if any."""
        if draft.location is None or draft.category is None:
            return None
        rules = self._config.duplicates
        latitude, longitude = draft.location.latitude, draft.location.longitude
        box = rules.radius_m / (METRES_PER_DEGREE * max(math.cos(math.radians(latitude)), 0.01))
        candidates = await self._reports.open_nearby_candidates(
            category=draft.category,
            states=OPEN_STATES,
            since=now - timedelta(days=rules.window_days),
            latitude=latitude,
            longitude=longitude,
            degrees=box,
        )
        for candidate in candidates:
            assert candidate.latitude is not None and candidate.longitude is not None
            if distance_m(latitude, longitude, candidate.latitude, candidate.longitude) <= (
                rules.radius_m
            ):
                return candidate
        return None
