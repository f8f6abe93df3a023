"""Deadlines that chase themselves: the escalation ladder of each report, and the sweep.

A report being worked on has two deadlines from its category (accept-by, fix-by), running
from assignment. For each: a reminder to the grid member at 75 % of the time allowed, the
village lead when it is overdue, the office if it is still overdue a day later. A report
marked fixed that its reporter never answers closes by itself after a few days.

Each report carries `next_step_at`, the instant its next step is due, indexed; the sweep
asks only for reports whose instant has come, so its cost follows the work due, not the
number of open reports. Every step is an event in the report's log.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from bot.core.clock import Clock
from bot.core.config import DeadlinesConfig
from bot.core.models import Event, Report
from bot.delivery.notifier import Notifier
from bot.delivery.outbox import Outbox
from bot.delivery.routing import assignees_of
from bot.people.directory import People
from bot.reporting.lifecycle import TASK_STATES, Action, State, next_state
from storage import Storage, Transaction

log = logging.getLogger(__name__)

BATCH = 500
AUTO_CLOSE_NOTE = "closed without reporter feedback"
"""The auto-close's note in the event log: a record for the log, never shown to anyone (the
closing notification has its own words), so not a msgid."""


class Deadline(StrEnum):
    ACCEPT = "ack"
    FIX = "fix"


class Rung(StrEnum):
    """Who hears of a deadline: the grid member before it, the lead at it, the office after."""

    MEMBER = "member"
    LEAD = "lead"
    OFFICE = "office"


@dataclass(frozen=True)
class Step:
    at: datetime
    action: Action
    deadline: Deadline | None = None
    rung: Rung | None = None
    due: datetime | None = None

    @property
    def note(self) -> str:
        """What the event log says, e.g. `fix:lead` (the auto-close has its own words)."""
        if self.action == Action.AUTO_CLOSE:
            return AUTO_CLOSE_NOTE
        return f"{self.deadline}:{self.rung}"


def plan(report: Report, rules: DeadlinesConfig) -> list[Step]:
    """Every step of the report's ladder as things stand, in time order."""
    if report.state == State.FIXED and report.fixed_at is not None:
        return [Step(report.fixed_at + timedelta(days=rules.auto_close_days), Action.AUTO_CLOSE)]
    if report.state not in TASK_STATES or report.assigned_at is None:
        return []
    deadlines = [(Deadline.FIX, report.fix_due_at)]
    if report.state != State.ACCEPTED:
        deadlines.insert(0, (Deadline.ACCEPT, report.ack_due_at))
    steps = []
    for deadline, due in deadlines:
        if due is None:
            continue
        remind = report.assigned_at + (due - report.assigned_at) * rules.remind_at
        office = due + timedelta(hours=rules.office_after_hours)
        steps += [
            Step(remind, Action.REMIND, deadline, Rung.MEMBER, due),
            Step(due, Action.ESCALATE, deadline, Rung.LEAD, due),
            Step(office, Action.ESCALATE, deadline, Rung.OFFICE, due),
        ]
    return sorted(steps, key=lambda step: step.at)


def next_step_at(
    report: Report, rules: DeadlinesConfig, now: datetime, *, keep_progress: bool
) -> datetime | None:
    """When the sweep must next look at the report. A fresh ladder (new deadlines, a new
    state) starts after `now`; a kept one (accepted: the accept-by rungs drop out) resumes at
    the step it had reached."""
    if keep_progress:
        resume = report.next_step_at
        pending = [s.at for s in plan(report, rules) if (s.at >= resume if resume else s.at > now)]
    else:
        pending = [step.at for step in plan(report, rules) if step.at > now]
    return min(pending, default=None)


class DeadlineSweep:
    """Finds reports whose next step has come and takes it: remind, escalate or auto-close."""

    def __init__(
        self,
        *,
        storage: Storage,
        rules: DeadlinesConfig,
        people: People,
        notifier: Notifier,
        outbox: Outbox,
        clock: Clock,
    ) -> None:
        self._storage = storage
        self._reports = storage.reports
        self._rules = rules
        self._people = people
        self._notifier = notifier
        self._outbox = outbox
        self._clock = clock

    async def sweep(self) -> int:
        """Take every step that is due (in batches); returns how many were taken."""
        taken = 0
        while True:
            now = self._clock.now()
            # Read inside the write transaction: nobody can accept or fix a report between
            # reading it and acting on it.
            async with self._storage.transaction() as tx:
                due = await self._reports.due_steps(now, BATCH)
                taken += await self._act(tx, due, now)
            if len(due) < BATCH:
                break
        if taken:
            self._outbox.poke()
        return taken

    async def _act(self, tx: Transaction, reports: list[Report], now: datetime) -> int:
        events: list[Event] = []
        next_steps: list[tuple[int, datetime | None]] = []
        for report in reports:
            assert report.next_step_at is not None
            for step in plan(report, self._rules):
                if not report.next_step_at <= step.at <= now:
                    continue
                if step.action == Action.AUTO_CLOSE:
                    report = await self._auto_close(tx, report, now)
                    events.append(self._event(report, step, now, from_state=State.FIXED))
                elif (told := await self._tell(tx, report, step, now)) is not None:
                    step = replace(step, rung=told)
                    events.append(self._event(report, step, now, from_state=report.state))
            next_steps.append(
                (report.id, next_step_at(report, self._rules, now, keep_progress=False))
            )
        await self._reports.add_events(tx, events)
        await self._reports.set_next_steps(tx, next_steps)
        return len(events)

    async def _tell(
        self, tx: Transaction, report: Report, step: Step, now: datetime
    ) -> Rung | None:
        """Send one rung's message and say who got it: None when it no longer helps (a
        reminder for a deadline that passed while the bot was down — the escalation says it
        instead); the office when the village has no lead other than the one working it."""
        assert step.due is not None and step.deadline is not None
        if step.rung == Rung.MEMBER:
            if step.due <= now:
                return None
            await self._notifier.deadline_reminder(
                tx, report, step.deadline, assignees_of(report, self._people)
            )
            return Rung.MEMBER
        working = assignees_of(report, self._people)
        leads = [lead for lead in self._people.leads_of(report.village_id) if lead not in working]
        if step.rung == Rung.LEAD and leads:
            await self._notifier.overdue(tx, report, step.deadline, leads)
            return Rung.LEAD
        await self._notifier.overdue(tx, report, step.deadline, None)
        return Rung.OFFICE

    async def _auto_close(self, tx: Transaction, report: Report, now: datetime) -> Report:
        state = next_state(report.state, Action.AUTO_CLOSE)
        await self._reports.update(tx, report.id, now, state=state, closed_at=now)
        closed = await self._reports.get(report.id)
        assert closed is not None
        await self._notifier.auto_closed(tx, closed, self._rules.auto_close_days)
        return closed

    def _event(self, report: Report, step: Step, now: datetime, *, from_state: State) -> Event:
        return Event(
            report_id=report.id,
            at=now,
            actor_id=None,
            from_state=from_state,
            to_state=next_state(from_state, step.action),
            note=step.note,
            action=step.action,
        )
