"""What every step on a report shares: the services it needs, reading a report, who may act
on it, and moving it one transition on with its event and deadline plan, in one transaction.

`bot.reporting.service.ReportService` is made of the steps built on this: the villager's
(`service`), the grid member's (`tasks`) and the office's (`office`).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from bot.core.audit import AuditLog
from bot.core.clock import Clock
from bot.core.config import Config
from bot.core.errors import Reason, Refused
from bot.core.models import Event, Report
from bot.delivery.notifier import Notifier, assignees_of
from bot.delivery.outbox import Outbox
from bot.people.directory import People
from bot.places.grid import Grid
from bot.reporting.deadlines import next_step_at
from bot.reporting.lifecycle import Action, State, TransitionNotAllowed, next_state
from storage import Storage, Transaction


class ReportSteps:
    """The shared part of `ReportService`: state, look-ups and the rules checked by every step;
    refusals are `Refused`, raised before anything changes."""

    def __init__(
        self,
        *,
        storage: Storage,
        config: Config,
        grid: Grid,
        people: People,
        notifier: Notifier,
        outbox: Outbox,
        audit: AuditLog,
        clock: Clock,
    ) -> None:
        self._storage = storage
        self._audit = audit
        self._reports = storage.reports
        self._config = config
        self._grid = grid
        self._people = people
        self._notifier = notifier
        self._outbox = outbox
        self._clock = clock

    async def get(self, report_id: int) -> Report | None:
        return await self._reports.get(report_id)

    async def events(self, report_id: int) -> list[Event]:
        return await self._reports.events(report_id)

    def may_handle(self, report: Report, user_id: int) -> bool:
        """The office, or one of the report's assignees (the hamlet's grid members, or the lead
        for a whole-village order) — once one of them accepted it, only that one (unless they
        no longer serve there)."""
        if self._people.is_office(user_id):
            return True
        assignees = assignees_of(report, self._people)
        if user_id not in assignees:
            return False
        return (
            report.accepted_by is None
            or report.accepted_by not in assignees
            or report.accepted_by == user_id
        )

    async def _start_clock(
        self, connection: Transaction, report_id: int, now: datetime
    ) -> datetime:
        """Deadlines run from assignment, as in the digital urban-management standard; the
        escalation ladder starts afresh. Returns the fix deadline (the step's event logs it).
        Every caller then `_move`s the report, which plans the deadline sweep's next look."""
        report = await self._require(report_id)
        if report.is_order:
            ack = timedelta(hours=self._config.orders.ack_hours)
            assert report.assigned_at is not None and report.fix_due_at is not None
            fix = report.fix_due_at - report.assigned_at
        else:
            rules = self._config.categories[report.category]
            ack, fix = timedelta(hours=rules.ack_hours), timedelta(hours=rules.fix_hours)
        await self._reports.update(
            connection,
            report_id,
            now,
            assigned_at=now,
            ack_due_at=now + ack,
            fix_due_at=now + fix,
        )
        return now + fix

    async def _replan(
        self,
        connection: Transaction,
        report: Report,
        now: datetime,
        *,
        keep_progress: bool,
    ) -> Report:
        """Tell the deadline sweep when to look at `report` (as it now stands) next; returns it
        with that moment."""
        when = next_step_at(report, self._config.deadlines, now, keep_progress=keep_progress)
        await self._reports.set_next_steps(connection, [(report.id, when)])
        return replace(report, next_step_at=when)

    async def _move(
        self,
        connection: Transaction,
        report_id: int,
        action: Action,
        actor_id: int | None,
        now: datetime,
        *,
        note: str | None = None,
        due_at: datetime | None = None,
        **fields: object,
    ) -> Report:
        """Apply one transition from the state read inside the transaction, and log it
        (with the fix deadline `due_at` if the step set one); returns the report as it now
        stands (what was read, with what was written: no second read inside the lock)."""
        current = await self._require(report_id)
        target = self._next(current, action)
        await self._reports.update(connection, report_id, now, state=target, **fields)
        await self._reports.add_event(
            connection,
            report_id=report_id,
            at=now,
            actor_id=actor_id,
            from_state=current.state,
            to_state=target,
            note=note,
            action=action,
            due_at=due_at,
        )
        written: dict[str, Any] = {"state": target, **fields}
        moved = replace(current, **written)
        return await self._replan(connection, moved, now, keep_progress=action == Action.ACCEPT)

    async def _record(
        self,
        connection: Transaction,
        report_id: int,
        state: State | None,
        action: Action,
        actor_id: int | None,
        now: datetime,
    ) -> None:
        await self._reports.add_event(
            connection,
            report_id=report_id,
            at=now,
            actor_id=actor_id,
            from_state=state,
            to_state=next_state(state, action),
            action=action,
        )

    async def _tell_reporter(self, connection: Transaction, report: Report, words: str) -> None:
        """Queue `words` (a msgid with {number}) for the reporter, in their language."""
        await self._notifier.tell_reporter(
            connection, report, lambda _: _(words).format(number=report.number)
        )

    async def _require(self, report_id: int) -> Report:
        """The report, or `Refused(REPORT_GONE)`."""
        report = await self._reports.get(report_id)
        if report is None:
            raise Refused(Reason.REPORT_GONE, subject=f"report {report_id}")
        return report

    @staticmethod
    def _next(report: Report, action: Action) -> State:
        """The state `action` leads to, or `Refused(ALREADY_DONE)` with the state it is in."""
        try:
            return next_state(report.state, action)
        except TransitionNotAllowed:
            raise Refused(
                Reason.ALREADY_DONE, state=report.state, subject=f"{report.number} {action}"
            ) from None

    def _require_reporter(self, report: Report, actor_id: int) -> None:
        """Only the reporter (for an order: the office) confirms or reopens."""
        if report.reporter_id != actor_id and not (
            report.is_order and self._people.is_office(actor_id)
        ):
            raise Refused(Reason.NOT_YOURS, subject=report.number)

    def _require_responsible(self, report: Report, actor_id: int) -> None:
        """Only an assignee (see `may_handle`) or the office works a task."""
        if not self.may_handle(report, actor_id):
            raise Refused(Reason.NOT_YOURS, subject=report.number)

    def require_office(self, actor_id: int, *, command: str | None = None) -> None:
        """Only the office; `command` names the command refused, for its own words."""
        if not self._people.is_office(actor_id):
            raise Refused(Reason.OFFICE_ONLY, command=command, subject=command)
