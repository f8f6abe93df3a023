"""When a schedule fires: its recurrence as an APScheduler cron trigger in the town's timezone,
plus advance reminders ("the day before at 18:00", "one hour before").

Everything is computed from an instant passed in, never from the wall clock, so the injected
clock decides what is due: tests and the playground can jump hours or days and the same
firings come out, once each, whatever the server's own timezone.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger

from bot.core.clock import Clock
from bot.core.errors import Reason, Refused

LAST_DAY = -1
"""`day` meaning the last day of the month (so "monthly on the 31st" never skips a month)."""

MAX_DAY = 28
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
EVENT = "event"
"""The step name of the event itself; advance reminders are named by `Advance.key`."""


def _missing(what: str) -> Refused:
    """A part of the definition is missing or does not fit: STEP_MISSING, saying which."""
    return Refused(Reason.STEP_MISSING, subject=what)


class Repeat(StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    YEARLY = "yearly"
    ONCE = "once"


@dataclass(frozen=True)
class Recurrence:
    """How often, and at what local time: weekdays (0 = Monday) for weekly, `day` (1–28 or
    `LAST_DAY`) for monthly / quarterly / yearly, `month` (1–12 for yearly; 1–3, the month
    within each quarter, for quarterly) and `on` for a single date."""

    repeat: Repeat
    at: time
    weekdays: tuple[int, ...] = ()
    day: int | None = None
    month: int | None = None
    on: date | None = None

    def __post_init__(self) -> None:
        if self.at.tzinfo is not None or self.at.second or self.at.microsecond:
            raise _missing("the time of day is hours and minutes, local time")
        needs_day = self.repeat in (Repeat.MONTHLY, Repeat.QUARTERLY, Repeat.YEARLY)
        if self.repeat == Repeat.WEEKLY and (
            not self.weekdays or any(not 0 <= day <= 6 for day in self.weekdays)
        ):
            raise _missing("weekly needs one or more weekdays")
        if needs_day and not (self.day == LAST_DAY or (self.day and 1 <= self.day <= MAX_DAY)):
            raise _missing(f"the day of the month must be 1–{MAX_DAY} or the last day")
        if self.repeat == Repeat.QUARTERLY and self.month not in (1, 2, 3):
            raise _missing("quarterly needs the month within the quarter: 1, 2 or 3")
        if self.repeat == Repeat.YEARLY and not (self.month and 1 <= self.month <= 12):
            raise _missing("yearly needs a month, 1–12")
        if self.repeat == Repeat.ONCE and self.on is None:
            raise _missing("a single date needs the date")

    def occurrences(self, after: datetime, tz: ZoneInfo) -> Iterator[datetime]:
        """The event's instants strictly after `after`, in order, in UTC."""
        if self.repeat == Repeat.ONCE:
            assert self.on is not None
            moment = datetime.combine(self.on, self.at, tzinfo=tz).astimezone(UTC)
            if moment > after:
                yield moment
            return
        trigger = self._cron(tz)
        moment = after
        while True:
            found = trigger.get_next_fire_time(None, moment + timedelta(microseconds=1))
            if found is None:
                return
            moment = found.astimezone(UTC)
            yield moment

    def _cron(self, tz: ZoneInfo) -> CronTrigger:
        fields: dict[str, object] = {"hour": self.at.hour, "minute": self.at.minute, "second": 0}
        day = "last" if self.day == LAST_DAY else self.day
        match self.repeat:
            case Repeat.WEEKLY:
                fields["day_of_week"] = ",".join(WEEKDAYS[index] for index in sorted(self.weekdays))
            case Repeat.MONTHLY:
                fields["day"] = day
            case Repeat.QUARTERLY:
                assert self.month is not None
                fields["month"] = ",".join(str(self.month + 3 * k) for k in range(4))
                fields["day"] = day
            case Repeat.YEARLY:
                fields["month"], fields["day"] = self.month, day
        return CronTrigger(timezone=tz, **fields)

    def to_json(self) -> str:
        return json.dumps(
            {
                "repeat": self.repeat.value,
                "at": self.at.strftime("%H:%M"),
                "weekdays": list(self.weekdays),
                "day": self.day,
                "month": self.month,
                "on": self.on.isoformat() if self.on else None,
            }
        )

    @classmethod
    def from_json(cls, text: str) -> Recurrence:
        data = json.loads(text)
        return cls(
            repeat=Repeat(data["repeat"]),
            at=time.fromisoformat(data["at"]),
            weekdays=tuple(data.get("weekdays") or ()),
            day=data.get("day"),
            month=data.get("month"),
            on=date.fromisoformat(data["on"]) if data.get("on") else None,
        )


@dataclass(frozen=True)
class Advance:
    """An advance reminder: `days_before` the event's date at the clock time `at`, or
    `minutes_before` the event."""

    days_before: int = 0
    at: time | None = None
    minutes_before: int = 0

    def __post_init__(self) -> None:
        if (self.at is None) == (self.minutes_before == 0):
            raise _missing("a reminder is either days before at a time, or minutes before")
        if self.at is not None and not 0 <= self.days_before <= 31:
            raise _missing("a reminder can be 0–31 days before")
        if self.minutes_before and not 0 < self.minutes_before <= 31 * 24 * 60:
            raise _missing("a reminder can be at most 31 days before")

    @property
    def key(self) -> str:
        """A stable name, part of each firing's unique key: `d1@18:00` or `m60`."""
        if self.at is not None:
            return f"d{self.days_before}@{self.at.strftime('%H:%M')}"
        return f"m{self.minutes_before}"

    @property
    def lead(self) -> timedelta:
        """At most this long before the event."""
        if self.at is not None:
            return timedelta(days=self.days_before + 1)
        return timedelta(minutes=self.minutes_before)

    def moment(self, occurrence: datetime, tz: ZoneInfo) -> datetime:
        if self.at is None:
            return occurrence - timedelta(minutes=self.minutes_before)
        day = occurrence.astimezone(tz).date() - timedelta(days=self.days_before)
        return datetime.combine(day, self.at, tzinfo=tz).astimezone(UTC)

    def to_dict(self) -> dict[str, Any]:
        if self.at is not None:
            return {"days_before": self.days_before, "at": self.at.strftime("%H:%M")}
        return {"minutes_before": self.minutes_before}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Advance:
        if data.get("at"):
            return cls(days_before=data.get("days_before", 0), at=time.fromisoformat(data["at"]))
        return cls(minutes_before=data["minutes_before"])


@dataclass(frozen=True, order=True)
class Firing:
    """One thing to send: the event itself (`step` = EVENT) or one of its advance reminders."""

    at: datetime
    occurrence: datetime = field(compare=False)
    step: str = field(compare=False)

    @property
    def is_event(self) -> bool:
        return self.step == EVENT


@dataclass(frozen=True)
class Timetable:
    """A recurrence with its advance reminders, in the town's timezone."""

    recurrence: Recurrence
    reminders: tuple[Advance, ...]
    tz: ZoneInfo

    def __post_init__(self) -> None:
        if len({advance.key for advance in self.reminders}) != len(self.reminders):
            raise _missing("the same reminder is given twice")
        event = datetime.combine(date(2001, 1, 1), self.recurrence.at, tzinfo=self.tz)
        for advance in self.reminders:
            if advance.moment(event, self.tz) >= event:
                raise Refused(
                    Reason.REMINDER_AFTER_EVENT, subject="a reminder must come before the event"
                )

    @property
    def _lead(self) -> timedelta:
        return max((advance.lead for advance in self.reminders), default=timedelta())

    def _firings_of(self, occurrence: datetime) -> list[Firing]:
        return [
            Firing(occurrence, occurrence, EVENT),
            *(
                Firing(advance.moment(occurrence, self.tz), occurrence, advance.key)
                for advance in self.reminders
            ),
        ]

    def firings(self, after: datetime, until: datetime) -> list[Firing]:
        """Every firing with `after` < instant ≤ `until`, in time order."""
        found = []
        for occurrence in self.recurrence.occurrences(after, self.tz):
            if occurrence - self._lead > until:
                break
            found += [f for f in self._firings_of(occurrence) if after < f.at <= until]
        return sorted(found)

    def next_firing(self, after: datetime) -> Firing | None:
        """The first firing strictly after `after` (an event or a reminder)."""
        best: Firing | None = None
        for occurrence in self.recurrence.occurrences(after, self.tz):
            if best is not None and occurrence - self._lead > best.at:
                break
            later = [f for f in self._firings_of(occurrence) if f.at > after]
            best = min([*later, *([best] if best else [])], default=None)
        return best

    def next_event(self, after: datetime) -> datetime | None:
        return next(self.recurrence.occurrences(after, self.tz), None)


class TimetableTrigger(BaseTrigger):  # type: ignore[misc]  # APScheduler ships no types
    """An APScheduler trigger that wakes a job at each firing of one timetable.

    APScheduler reasons in wall-clock time; the bot's clock may run ahead (the playground's
    fast-forward), so the next firing is found on the bot's clock and moved back by the
    difference. Waking is only a nudge: what is due is always decided from the database.
    """

    __slots__ = ("_clock", "_timetable")

    def __init__(self, timetable: Timetable, clock: Clock) -> None:
        self._timetable = timetable
        self._clock = clock

    def get_next_fire_time(
        self, previous_fire_time: datetime | None, now: datetime
    ) -> datetime | None:
        skew = self._clock.now() - now
        after = max(now, previous_fire_time or now) + skew
        firing = self._timetable.next_firing(after)
        return (firing.at - skew).astimezone(now.tzinfo) if firing else None
