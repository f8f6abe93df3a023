"""The office's steps on a report: its queue, routing by hand, rectification orders (整改函),
the overdue list and rejecting."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from html import escape

from bot.core.errors import Reason, Refused
from bot.core.i18n import N_
from bot.core.models import ORDER, Draft, Location, MediaRef, Report
from bot.delivery.notifier import assignees_of
from bot.reporting.lifecycle import OPEN_STATES, TASK_STATES, Action, State, next_state
from bot.reporting.queue import Waiting, at_given_place, handed_back_reason
from bot.reporting.steps import ReportSteps


@dataclass(frozen=True)
class OrderDraft:
    """A rectification order (整改函) being issued: to a hamlet, or to a whole village (then
    its lead works it), with what must be put right and by when."""

    text: str
    fix_by: datetime
    village_id: str
    hamlet_id: str | None = None
    photo: MediaRef | None = None
    location: Location | None = None


class OfficeSteps(ReportSteps):
    """What only the office does with reports and orders."""

    async def queue(self, actor_id: int) -> list[Report]:
        """The reports nobody could be routed to, for the office."""
        self.require_office(actor_id, command="queue")
        return await self._reports.in_state(State.SUBMITTED)

    async def waiting(self, actor_id: int) -> list[Waiting]:
        """The office's queue as the office reads it: each report at the place the villager
        gave, with its photos and the grid member's reason if it was handed back."""
        return [
            Waiting(
                shown=at_given_place(report, self._grid),
                photos=(await self._reports.media(report.id)).photos,
                handed_back=handed_back_reason(await self._reports.events(report.id)),
            )
            for report in await self.queue(actor_id)
        ]

    async def check_office_action(self, actor_id: int, report_id: int, action: Action) -> Report:
        """The report, if the office may take this step on it now (checked before asking
        for a place or a reason; the step re-checks)."""
        self.require_office(actor_id)
        report = await self._require(report_id)
        self._next(report, action)
        return report

    async def assign(self, report_id: int, actor_id: int, hamlet_id: str) -> Report:
        """The office routes a report by hand to a hamlet's grid members."""
        self.require_office(actor_id)
        hamlet = self._grid.hamlets.get(hamlet_id)
        if hamlet is None or not self._people.grid_members_of(hamlet_id):
            raise Refused(Reason.NO_GRID_MEMBER, subject=f"hamlet {hamlet_id!r}")
        report = await self._require(report_id)
        now = self._clock.now()
        async with self._storage.database.transaction() as connection:
            due = await self._start_clock(connection, report_id, now)
            report = await self._move(
                connection,
                report_id,
                Action.ASSIGN,
                actor_id,
                now,
                note=hamlet_id,
                due_at=due,
                hamlet_id=hamlet_id,
                village_id=hamlet.village_id,
                accepted_by=None,
            )
            await self._audit.record(
                actor_id, "assign", report.number, hamlet_id, connection=connection
            )
            media = await self._reports.media(report_id)
            await self._notifier.new_task(connection, report, media, reason="assigned")
            await self._tell_reporter(
                connection,
                report,
                N_("📌 Report {number} was passed to the grid member responsible for the place."),
            )
        self._outbox.poke()
        return report

    async def issue_order(self, actor_id: int, order: OrderDraft) -> Report:
        """The office issues a rectification order: a task for the hamlet's grid members (or
        the village lead), tracked with the same buttons, reminders and escalation."""
        self.require_office(actor_id, command="order")
        now = self._clock.now()
        hamlet = self._grid.hamlets.get(order.hamlet_id or "")
        if order.village_id not in self._grid.villages or (
            order.hamlet_id is not None
            and (hamlet is None or hamlet.village_id != order.village_id)
        ):
            raise Refused(Reason.UNKNOWN_CHOICE, subject="order place")
        if order.fix_by <= now:
            raise Refused(Reason.DEADLINE_PASSED, subject="order")
        draft = Draft(
            photos=[order.photo] if order.photo else [],
            location=order.location,
            hamlet_id=order.hamlet_id,
            category=ORDER,
            description=order.text,
        )
        async with self._storage.database.transaction() as connection:
            await self._storage.users.ensure(connection, actor_id, now)
            report_id = await self._reports.insert(
                connection,
                reporter_id=actor_id,
                draft=draft,
                village_id=order.village_id,
                now=now,
                kind=ORDER,
                public_description=order.text,
            )
            await self._reports.update(
                connection,
                report_id,
                now,
                state=next_state(None, Action.ISSUE),
                assigned_at=now,
                ack_due_at=min(now + timedelta(hours=self._config.orders.ack_hours), order.fix_by),
                fix_due_at=order.fix_by,
            )
            await self._record(connection, report_id, None, Action.ISSUE, actor_id, now)
            report = await self._replan(
                connection, await self._require(report_id), now, keep_progress=False
            )
            if not assignees_of(report, self._people):
                raise Refused(Reason.NO_RECIPIENT, subject="order")
            media = await self._reports.media(report_id)
            await self._notifier.new_task(connection, report, media, reason="order")
            await self._notifier.office_copy(connection, report, media, headline="order")
        self._outbox.poke()
        return report

    async def open_orders(self, actor_id: int) -> list[Report]:
        """The office's orders still open."""
        self.require_office(actor_id, command="orders")
        return await self._reports.orders_in_states(OPEN_STATES)

    async def overdue(self, actor_id: int) -> list[Report]:
        """Work past its accept-by or fix-by deadline, the longest overdue first (office)."""
        self.require_office(actor_id, command="overdue")
        return await self._reports.overdue(TASK_STATES, self._clock.now(), limit=30)

    async def reject(self, report_id: int, actor_id: int, reason: str) -> Report:
        self.require_office(actor_id)
        report = await self._require(report_id)
        now = self._clock.now()
        async with self._storage.database.transaction() as connection:
            report = await self._move(
                connection, report_id, Action.REJECT, actor_id, now, note=reason, closed_at=now
            )
            await self._audit.record(
                actor_id, "reject", report.number, reason, connection=connection
            )
            await self._notifier.tell_reporter(
                connection,
                report,
                lambda _: _(
                    "🙏 Thank you for report {number}. "
                    "The town office will not take it up: {reason}"
                ).format(number=report.number, reason=escape(reason)),
            )
        self._outbox.poke()
        return report
