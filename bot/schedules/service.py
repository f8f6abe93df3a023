"""Recurring reminders the office no longer has to remember: cleanup days, inspections, custom
notices — each with a recurrence, a time, an audience, a message and advance reminders.

`fire_due` decides from the database and the injected clock what has come due since each
schedule was last checked. Each firing is recorded under a unique (schedule, occurrence,
step) key in the same transaction as its outbox rows, so a restart, a second job or a clock
hiccup never sends it twice; a firing more than the grace window late (the bot was down) is
recorded as missed and reported to the office instead of being sent.
"""

from __future__ import annotations

import asyncio
import html
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from bot.core.audit import AuditLog
from bot.core.clock import Clock
from bot.core.config import Config
from bot.core.errors import Reason, Refused
from bot.core.i18n import I18n
from bot.delivery.audiences import Audience, AudienceKind, Audiences
from bot.delivery.outbox import Notification, Outbox, Part, Priority, Worded
from bot.delivery.quiet_hours import QuietHours
from bot.people.directory import People
from bot.schedules.model import (
    MAX_MESSAGE,
    MAX_TITLE,
    WEEKDAY_LABELS,
    NewSchedule,
    Outcome,
    Schedule,
    ScheduleKind,
    ScheduleNotFound,
    ScheduleState,
    schedule_from,
)
from bot.schedules.recurrence import Firing, Timetable
from bot.schedules.seeds import seeded_schedules
from bot.schedules.words import ScheduleWords
from storage import Storage, Transaction
from storage.schedules import LastFiring

__all__ = [
    "MAX_MESSAGE",
    "MAX_TITLE",
    "WEEKDAY_LABELS",
    "NewSchedule",
    "Outcome",
    "Schedule",
    "ScheduleKind",
    "ScheduleNotFound",
    "ScheduleService",
    "ScheduleState",
    "seeded_schedules",
]
"""The schedule's model and seeds live in their own modules; their names are found here too."""

log = logging.getLogger(__name__)

MISSED_LISTED = 10


class ScheduleService(ScheduleWords):
    """Creates, lists, pauses, resumes, deletes and fires schedules (what people read
    comes from `ScheduleWords`).

    Only the office changes schedules: `create`, `pause`, `resume` and `delete` take the actor,
    raise `Refused(OFFICE_ONLY)` before anything changes, and write the audit entry in the
    transaction that makes the change."""

    def __init__(
        self,
        *,
        storage: Storage,
        config: Config,
        audiences: Audiences,
        people: People,
        i18n: I18n,
        outbox: Outbox,
        clock: Clock,
    ) -> None:
        tz = config.general.tz
        quiet = QuietHours(config.quiet_hours.start, config.quiet_hours.end, tz)
        super().__init__(i18n=i18n, tz=tz, quiet=quiet, audiences=audiences)
        self._storage = storage
        self._repository = storage.schedules
        self._config = config
        self._people = people
        self._outbox = outbox
        self._clock = clock
        self._grace = timedelta(hours=config.schedules.grace_hours)
        self._audit = AuditLog(storage, clock)
        self._firing = asyncio.Lock()
        self.changed: list[Callable[[Schedule], None]] = []
        """Called after a schedule is created, paused, resumed or deleted (to re-register
        its job)."""

    # -- defining -------------------------------------------------------------------------------

    def timetable(self, schedule: NewSchedule) -> Timetable:
        return Timetable(schedule.recurrence, schedule.reminders, self._tz)

    def check(self, schedule: NewSchedule) -> None:
        """`Refused` (STEP_MISSING, REMINDER_AFTER_EVENT, SCHEDULE_IN_PAST, saying what in its
        subject) if the schedule cannot work as defined."""
        self.timetable(schedule)
        try:
            self._audiences.check(schedule.audience)
        except ValueError as error:
            raise Refused(Reason.STEP_MISSING, subject=str(error)) from error
        default = self._i18n.default_language
        if not schedule.title.get(default) or not schedule.message.get(default):
            raise Refused(
                Reason.STEP_MISSING, subject=f"the title and the message need a {default} text"
            )
        if self.timetable(schedule).next_event(self._clock.now()) is None:
            raise Refused(Reason.SCHEDULE_IN_PAST, subject="that date and time has already passed")

    def require_office(self, actor_id: int, command: str | None = None) -> None:
        """`Refused(OFFICE_ONLY)` unless the actor is an office admin (`command` names the
        command for its words; a button's refusal has none)."""
        if not self._people.is_office(actor_id):
            raise Refused(Reason.OFFICE_ONLY, command=command, subject=f"schedules by {actor_id}")

    async def seed(self, seeds: list[tuple[str, NewSchedule]]) -> None:
        """Write the configured schedules (new ones start counting firings from now)."""
        now = self._clock.now()
        for key, schedule in seeds:
            await self._repository.seed(key, schedule.definition(), now)

    async def create(self, actor_id: int, schedule: NewSchedule) -> Schedule:
        """Store a new schedule for the office admin `actor_id`, audited with it."""
        self.require_office(actor_id, "schedules")
        self.check(schedule)
        async with self._storage.database.transaction() as connection:
            schedule_id = await self._repository.add(
                schedule.definition(),
                created_by=actor_id,
                now=self._clock.now(),
                connection=connection,
            )
            await self._audit.record(
                actor_id, "schedule_create", f"#{schedule_id}", schedule.kind, connection=connection
            )
        log.info("office admin %s created schedule %d", actor_id, schedule_id)
        return self._announce(await self.get(schedule_id))

    async def get(self, schedule_id: int) -> Schedule:
        """The schedule, unless it is gone or deleted (`ScheduleNotFound`, SCHEDULE_GONE)."""
        row = await self._repository.get(schedule_id)
        if row is None or row.state == ScheduleState.DELETED:
            raise ScheduleNotFound(schedule_id)
        return schedule_from(row)

    async def listed(self) -> list[Schedule]:
        """Every schedule the office can see (not the deleted ones)."""
        rows = await self._repository.in_states(
            ScheduleState.ACTIVE, ScheduleState.PAUSED, ScheduleState.FINISHED
        )
        return [schedule_from(row) for row in rows]

    async def active(self) -> list[Schedule]:
        return [
            schedule_from(row) for row in await self._repository.in_states(ScheduleState.ACTIVE)
        ]

    async def pause(self, actor_id: int, schedule_id: int) -> Schedule:
        """Stop a running schedule for now (no change if it is not running)."""
        return await self._set_state(
            actor_id, schedule_id, ScheduleState.PAUSED, ScheduleState.ACTIVE
        )

    async def resume(self, actor_id: int, schedule_id: int) -> Schedule:
        """Active again; what would have fired while paused is neither sent nor reported."""
        return await self._set_state(
            actor_id, schedule_id, ScheduleState.ACTIVE, ScheduleState.PAUSED
        )

    async def delete(self, actor_id: int, schedule_id: int) -> Schedule:
        """Delete a schedule, whatever its state (it stays in the database as deleted)."""
        self.require_office(actor_id)
        schedule = await self.get(schedule_id)
        return await self._set_state(actor_id, schedule_id, ScheduleState.DELETED, schedule.state)

    async def last_firing(self, schedule_id: int) -> LastFiring | None:
        return await self._repository.last_firing(schedule_id)

    def upcoming(self, schedule: NewSchedule, count: int) -> list[datetime]:
        """The next `count` events (fewer for a single date)."""
        events: list[datetime] = []
        moment: datetime | None = self._clock.now()
        while len(events) < count and moment is not None:
            moment = self.timetable(schedule).next_event(moment)
            events += [moment] if moment else []
        return events

    async def recipients(self, schedule: NewSchedule) -> list[tuple[int, str]]:
        return await self._audiences.recipients(schedule.audience)

    def describe_audience(self, audience: Audience, language: str) -> str:
        return self._audiences.describe(audience, language)

    def next_event(self, schedule: Schedule) -> datetime | None:
        if schedule.state != ScheduleState.ACTIVE:
            return None
        return self.timetable(schedule).next_event(self._clock.now())

    async def _set_state(
        self, actor_id: int, schedule_id: int, state: ScheduleState, expected: ScheduleState
    ) -> Schedule:
        """Move the schedule from `expected` to `state` with its audit entry, in one
        transaction; a schedule in another state is left as it is, with no entry."""
        self.require_office(actor_id)
        schedule = await self.get(schedule_id)
        if schedule.state == expected:
            now = self._clock.now()
            restart = now if state == ScheduleState.ACTIVE else None
            async with self._storage.database.transaction() as connection:
                changed = await self._repository.set_state(
                    schedule_id, state, now, checked_until=restart, connection=connection
                )
                if not changed:
                    raise ScheduleNotFound(schedule_id)
                await self._audit.record(
                    actor_id, f"schedule_{state}", f"#{schedule_id}", connection=connection
                )
        row = await self._repository.get(schedule_id)
        assert row is not None
        return self._announce(schedule_from(row))

    def _announce(self, schedule: Schedule) -> Schedule:
        for listener in self.changed:
            listener(schedule)
        return schedule

    # -- firing -----------------------------------------------------------------------------------

    async def fire_due(self) -> int:
        """Send every firing that has come due since each schedule was last checked; returns
        how many were sent (missed and skipped ones are recorded, not sent)."""
        async with self._firing:
            sent = 0
            missed: list[tuple[Schedule, Firing]] = []
            for schedule in await self.active():
                now = self._clock.now()
                assert schedule.checked_until is not None
                timetable = self.timetable(schedule)
                firings = timetable.firings(schedule.checked_until, now)
                if firings or timetable.next_firing(now) is None:
                    done, late = await self._fire(schedule, firings, now)
                    sent += done
                    missed += [(schedule, firing) for firing in late]
            if missed:
                await self._report_missed(missed)
        if sent or missed:
            self._outbox.poke()
        return sent

    async def _fire(
        self, schedule: Schedule, firings: list[Firing], now: datetime
    ) -> tuple[int, list[Firing]]:
        outcomes = [(firing, self._outcome(firing, now)) for firing in firings]
        recipients = []
        if any(outcome == Outcome.SENT for _, outcome in outcomes):
            recipients = await self._audiences.recipients(schedule.audience)
        sent, missed = 0, []
        finished = self.timetable(schedule).next_firing(now) is None
        async with self._storage.database.transaction() as connection:
            for firing, outcome in outcomes:
                recorded = await self._repository.record_firing(
                    connection,
                    schedule_id=schedule.id,
                    occurrence_at=firing.occurrence,
                    step=firing.step,
                    due_at=firing.at,
                    outcome=outcome,
                    recipients=len(recipients) if outcome == Outcome.SENT else 0,
                    now=now,
                )
                if not recorded:
                    continue  # handled before: by another job, or before a restart
                if outcome == Outcome.SENT:
                    await self._send(connection, schedule, firing, recipients)
                    sent += 1
                elif outcome == Outcome.MISSED:
                    missed.append(firing)
            await self._repository.checked(connection, schedule.id, now, finished=finished)
        if sent:
            log.info("schedule %d fired to %d chat(s)", schedule.id, len(recipients))
        if finished:
            self._announce(await self.get(schedule.id))
        return sent, missed

    def _outcome(self, firing: Firing, now: datetime) -> Outcome:
        if not firing.is_event and firing.occurrence <= now:
            return Outcome.SKIPPED
        if now - firing.at > self._grace:
            return Outcome.MISSED
        return Outcome.SENT

    async def _send(
        self,
        connection: Transaction,
        schedule: Schedule,
        firing: Firing,
        recipients: list[tuple[int, str]],
    ) -> None:
        """One outbox row per recipient, rendered once per language (each goes in the one its
        reader reads when it is sent). Reminders to people wait for the end of quiet hours; a
        department's group chat is not held."""
        hold = schedule.audience.kind != AudienceKind.DEPARTMENT
        now = self._clock.now()
        worded = Worded.each(
            self._i18n, lambda language: self.render(schedule, firing, language, now)
        )
        notifications = [
            Notification(chat_id, worded, priority=Priority.BULK, hold_at_night=hold)
            for chat_id, _language in recipients
        ]
        await self._outbox.add_many(connection, notifications)

    async def _report_missed(self, missed: list[tuple[Schedule, Firing]]) -> None:
        def missed_list(language: str) -> tuple[Part, ...]:
            _ = self._i18n.translator(language).gettext
            lines = [
                "<b>"
                + _(
                    "⚠️ Not sent: the bot was not running, and these reminders are now more "
                    "than {hours:g} h late"
                ).format(hours=self._config.schedules.grace_hours)
                + "</b>"
            ]
            for schedule, firing in missed[:MISSED_LISTED]:
                what = self.title(schedule, language)
                if not firing.is_event:
                    what = _("reminder for {title}").format(title=what)
                lines.append(f"• {html.escape(what)} — {self.local_time(firing.at, language)}")
            if len(missed) > MISSED_LISTED:
                lines.append(_("…and {count} more").format(count=len(missed) - MISSED_LISTED))
            return (Part("text", text="\n".join(lines)),)

        worded = Worded.each(self._i18n, missed_list)
        async with self._storage.database.transaction() as connection:
            await self._outbox.add_many(
                connection,
                [Notification(chat_id, worded) for chat_id in self._people.office_recipients()],
            )
        log.warning("%d schedule firing(s) missed", len(missed))
