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
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from bot.core.audit import AuditLog
from bot.core.clock import Clock
from bot.core.config import Config, ConfigError, ScheduleSeedConfig
from bot.core.errors import Reason, Refused
from bot.core.i18n import N_, I18n
from bot.core.when import ahead, clock_text, day_text, moment_text
from bot.delivery.audiences import Audience, AudienceKind, Audiences, check_audience
from bot.delivery.outbox import Notification, Outbox, Part, Priority
from bot.delivery.quiet_hours import QuietHours
from bot.people.directory import People
from bot.places.grid import Grid
from bot.schedules.recurrence import (
    LAST_DAY,
    WEEKDAYS,
    Advance,
    Firing,
    Recurrence,
    Repeat,
    Timetable,
)
from storage import Storage, Transaction
from storage.schedules import Definition, LastFiring, ScheduleRow

log = logging.getLogger(__name__)

MAX_TITLE = 60
MAX_MESSAGE = 3500
MISSED_LISTED = 10
WEEKDAY_LABELS = (N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"), N_("Fri"), N_("Sat"), N_("Sun"))


class ScheduleKind(StrEnum):
    CLEANUP = "cleanup"
    INSPECTION = "inspection"
    CUSTOM = "custom"


class ScheduleState(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    FINISHED = "finished"  # a single date that has passed
    DELETED = "deleted"


class Outcome(StrEnum):
    SENT = "sent"
    MISSED = "missed"  # later than the grace window: not sent, the office is told
    SKIPPED = "skipped"  # an advance reminder whose event had already come


@dataclass(frozen=True)
class NewSchedule:
    """A schedule as the office defines it (texts by language; the default one is required)."""

    kind: ScheduleKind
    title: dict[str, str]
    recurrence: Recurrence
    reminders: tuple[Advance, ...]
    audience: Audience
    message: dict[str, str]

    def definition(self) -> Definition:
        return Definition(
            kind=self.kind,
            title=json.dumps(self.title, ensure_ascii=False),
            recurrence=self.recurrence.to_json(),
            reminders=json.dumps([advance.to_dict() for advance in self.reminders]),
            audience=self.audience.to_json(),
            message=json.dumps(self.message, ensure_ascii=False),
        )


@dataclass(frozen=True)
class Schedule(NewSchedule):
    id: int = 0
    state: ScheduleState = ScheduleState.ACTIVE
    checked_until: datetime | None = None
    seed_key: str | None = None


class ScheduleNotFound(Refused):
    """The schedule is gone or deleted: `Refused(SCHEDULE_GONE)` (the class stays while
    `handlers.refusals.LEGACY` still names it)."""

    def __init__(self, schedule_id: int) -> None:
        super().__init__(Reason.SCHEDULE_GONE, subject=f"schedule {schedule_id}")


class ScheduleService:
    """Creates, lists, pauses, resumes, deletes and fires schedules; renders what people get.

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
        self._storage = storage
        self._repository = storage.schedules
        self._config = config
        self._tz = config.general.tz
        self._audiences = audiences
        self._people = people
        self._i18n = i18n
        self._outbox = outbox
        self._clock = clock
        self._grace = timedelta(hours=config.schedules.grace_hours)
        self._quiet = QuietHours(config.quiet_hours.start, config.quiet_hours.end, self._tz)
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
        return _schedule(row)

    async def listed(self) -> list[Schedule]:
        """Every schedule the office can see (not the deleted ones)."""
        rows = await self._repository.in_states(
            ScheduleState.ACTIVE, ScheduleState.PAUSED, ScheduleState.FINISHED
        )
        return [_schedule(row) for row in rows]

    async def active(self) -> list[Schedule]:
        return [_schedule(row) for row in await self._repository.in_states(ScheduleState.ACTIVE)]

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
        return self._announce(_schedule(row))

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
        """One outbox row per recipient, rendered once per language. Reminders to people wait
        for the end of quiet hours; a department's group chat is not held."""
        hold = schedule.audience.kind != AudienceKind.DEPARTMENT
        rendered: dict[str, tuple[Part, ...]] = {}
        notifications = []
        for chat_id, language in recipients:
            if language not in rendered:
                rendered[language] = self.render(schedule, firing, language)
            notifications.append(
                Notification(
                    chat_id, rendered[language], priority=Priority.BULK, hold_at_night=hold
                )
            )
        await self._outbox.add_many(connection, notifications)

    async def _report_missed(self, missed: list[tuple[Schedule, Firing]]) -> None:
        async with self._storage.database.transaction() as connection:
            notifications = []
            for chat_id in self._people.office_recipients():
                language = self._i18n.pick(await self._storage.users.language(chat_id))
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
                notifications.append(Notification(chat_id, (Part("text", text="\n".join(lines)),)))
            await self._outbox.add_many(connection, notifications)
        log.warning("%d schedule firing(s) missed", len(missed))

    # -- what people see --------------------------------------------------------------------------

    def render(self, schedule: NewSchedule, firing: Firing, language: str) -> tuple[Part, ...]:
        """The message for one recipient: the event itself with its message, or an advance
        reminder saying when it is ("tomorrow 08:00"), as read when it arrives (after quiet
        hours if it is held). The event's own message is for the day itself ("today is…"),
        so a reminder does not repeat it."""
        _ = self._i18n.translator(language).gettext
        heading = f"{self.kind_label(schedule.kind, language)}: {self.title(schedule, language)}"
        if not firing.is_event:
            seen = self._quiet.release(firing.at) or firing.at
            when = ahead(
                firing.occurrence, seen, language, self._tz, self._i18n.translator(language)
            )
            lines = [
                "<b>" + html.escape(_("⏰ Reminder — {heading}").format(heading=heading)) + "</b>",
                _("Coming up: {when}").format(when=when),
            ]
            return (Part("text", text="\n".join(lines)),)
        message = schedule.message.get(language) or schedule.message.get(
            self._i18n.default_language, ""
        )
        lines = [f"<b>{html.escape(heading)}</b>"]
        return (Part("text", text="\n".join(lines) + "\n\n" + html.escape(message)),)

    def title(self, schedule: NewSchedule, language: str) -> str:
        return schedule.title.get(language) or schedule.title.get(self._i18n.default_language, "")

    def kind_label(self, kind: ScheduleKind, language: str) -> str:
        _ = self._i18n.translator(language).gettext
        return {
            ScheduleKind.CLEANUP: _("🧹 Cleanup day"),
            ScheduleKind.INSPECTION: _("🔍 Inspection"),
            ScheduleKind.CUSTOM: _("📢 Notice"),
        }[kind]

    def describe(self, schedule: NewSchedule, language: str) -> str:
        """Kind, title, when, to whom and reminders — for the list and the preview."""
        _ = self._i18n.translator(language).gettext
        lines = [
            "<b>"
            + html.escape(
                f"{self.kind_label(schedule.kind, language)}: {self.title(schedule, language)}"
            )
            + "</b>",
            _("When: {when}").format(when=self.recurrence_text(schedule.recurrence, language)),
            _("To: {audience}").format(
                audience=html.escape(self._audiences.describe(schedule.audience, language))
            ),
        ]
        if schedule.reminders:
            lines.append(
                _("Reminders: {reminders}").format(
                    reminders=", ".join(self.reminder_text(r, language) for r in schedule.reminders)
                )
            )
        return "\n".join(lines)

    def recurrence_text(self, recurrence: Recurrence, language: str) -> str:
        _ = self._i18n.translator(language).gettext
        at = clock_text(recurrence.at)
        day = _("the last day") if recurrence.day == LAST_DAY else str(recurrence.day)
        match recurrence.repeat:
            case Repeat.DAILY:
                return _("every day at {time}").format(time=at)
            case Repeat.WEEKLY:
                days = ", ".join(_(WEEKDAY_LABELS[index]) for index in sorted(recurrence.weekdays))
                return _("every week on {days} at {time}").format(days=days, time=at)
            case Repeat.MONTHLY:
                return _("every month on day {day} at {time}").format(day=day, time=at)
            case Repeat.QUARTERLY:
                assert recurrence.month is not None
                months = "/".join(str(recurrence.month + 3 * k) for k in range(4))
                return _("every quarter (months {months}) on day {day} at {time}").format(
                    months=months, day=day, time=at
                )
            case Repeat.YEARLY:
                return _("every year, month {month}, on day {day} at {time}").format(
                    month=recurrence.month, day=day, time=at
                )
            case Repeat.ONCE:
                assert recurrence.on is not None
                return _("once, on {date} at {time}").format(
                    date=day_text(recurrence.on, language), time=at
                )

    def reminder_text(self, advance: Advance, language: str) -> str:
        _ = self._i18n.translator(language).gettext
        if advance.at is not None:
            at = clock_text(advance.at)
            if advance.days_before == 0:
                return _("on the day at {time}").format(time=at)
            if advance.days_before == 1:
                return _("the day before at {time}").format(time=at)
            return _("{days} days before at {time}").format(days=advance.days_before, time=at)
        if advance.minutes_before % 60 == 0:
            return _("{hours} h before").format(hours=advance.minutes_before // 60)
        return _("{minutes} min before").format(minutes=advance.minutes_before)

    def local_time(self, moment: datetime, language: str) -> str:
        """ "Sat 5 Dec 08:00" / "12月5日 周六 08:00" in the town's timezone."""
        return moment_text(moment, language, self._tz)


def seeded_schedules(config: Config, grid: Grid) -> list[tuple[str, NewSchedule]]:
    """The schedules written in `config.toml`, checked: a mistake is a `ConfigError` naming
    the key, like every other configuration problem."""
    seeds = []
    for index, seed in enumerate(config.schedules.seed):
        try:
            schedule = _from_seed(seed)
            Timetable(schedule.recurrence, schedule.reminders, config.general.tz)
            check_audience(schedule.audience, grid, config)
        except (ValueError, Refused) as error:
            raise ConfigError(f"schedules.seed[{index}] ({seed.key}): {error}") from error
        seeds.append((seed.key, schedule))
    if len({key for key, _ in seeds}) != len(seeds):
        raise ConfigError("schedules.seed: two schedules have the same key")
    return seeds


def _from_seed(seed: ScheduleSeedConfig) -> NewSchedule:
    recurrence = Recurrence(
        repeat=Repeat(seed.repeat),
        at=seed.at,
        weekdays=tuple(WEEKDAYS.index(day) for day in seed.weekdays),
        day=LAST_DAY if seed.day == "last" else seed.day,
        month=seed.month,
        on=seed.on,
    )
    reminders = tuple(
        Advance(days_before=reminder.days_before, at=reminder.at)
        if reminder.at is not None
        else Advance(minutes_before=round((reminder.hours_before or 0) * 60))
        for reminder in seed.reminders
    )
    return NewSchedule(
        kind=ScheduleKind(seed.kind),
        title=seed.title.model_dump(),
        recurrence=recurrence,
        reminders=reminders,
        audience=Audience(AudienceKind(seed.audience.kind), tuple(seed.audience.ids)),
        message=seed.message.model_dump(),
    )


def _schedule(row: ScheduleRow) -> Schedule:
    return Schedule(
        id=row.id,
        kind=ScheduleKind(row.kind),
        title=json.loads(row.title),
        recurrence=Recurrence.from_json(row.recurrence),
        reminders=tuple(Advance.from_dict(item) for item in json.loads(row.reminders)),
        audience=Audience.from_json(row.audience),
        message=json.loads(row.message),
        state=ScheduleState(row.state),
        checked_until=row.checked_until,
        seed_key=row.seed_key,
    )
