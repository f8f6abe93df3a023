"""When schedules fire: recurrences, advance reminders and quiet hours as pure time arithmetic,
in the town's timezone whatever the server's own."""

from __future__ import annotations

import time as system_time
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from itertools import islice
from zoneinfo import ZoneInfo

import pytest

from bot.core.clock import OffsetClock
from bot.core.errors import Reason, Refused
from bot.delivery.quiet_hours import QuietHours
from bot.schedules.recurrence import (
    EVENT,
    LAST_DAY,
    Advance,
    Recurrence,
    Repeat,
    Timetable,
    TimetableTrigger,
)

SANTANG = ZoneInfo("Asia/Shanghai")
WEDNESDAY = datetime(2026, 12, 2, 10, 0, tzinfo=SANTANG)


def local(moments: Iterator[datetime] | list[datetime], count: int = 4) -> list[str]:
    return [m.astimezone(SANTANG).strftime("%a %Y-%m-%d %H:%M") for m in islice(moments, count)]


def test_weekly_on_chosen_days_at_local_time() -> None:
    recurrence = Recurrence(Repeat.WEEKLY, time(8, 0), weekdays=(5, 1))  # Sat and Tue
    assert local(recurrence.occurrences(WEDNESDAY, SANTANG)) == [
        "Sat 2026-12-05 08:00",
        "Tue 2026-12-08 08:00",
        "Sat 2026-12-12 08:00",
        "Tue 2026-12-15 08:00",
    ]
    first = next(recurrence.occurrences(WEDNESDAY, SANTANG))
    assert first == datetime(2026, 12, 5, 0, 0, tzinfo=UTC)  # 08:00 in Santang is midnight UTC


def test_monthly_on_a_day_and_on_the_last_day() -> None:
    on_the_25th = Recurrence(Repeat.MONTHLY, time(9, 0), day=25)
    assert local(on_the_25th.occurrences(WEDNESDAY, SANTANG), 3) == [
        "Fri 2026-12-25 09:00",
        "Mon 2027-01-25 09:00",
        "Thu 2027-02-25 09:00",
    ]
    last = Recurrence(Repeat.MONTHLY, time(17, 30), day=LAST_DAY)
    assert local(last.occurrences(WEDNESDAY, SANTANG), 3) == [
        "Thu 2026-12-31 17:30",
        "Sun 2027-01-31 17:30",
        "Sun 2027-02-28 17:30",
    ]


def test_quarterly_yearly_daily_and_once() -> None:
    quarterly = Recurrence(Repeat.QUARTERLY, time(9, 0), day=LAST_DAY, month=3)
    assert local(quarterly.occurrences(WEDNESDAY, SANTANG)) == [
        "Thu 2026-12-31 09:00",
        "Wed 2027-03-31 09:00",
        "Wed 2027-06-30 09:00",
        "Thu 2027-09-30 09:00",
    ]
    yearly = Recurrence(Repeat.YEARLY, time(8, 0), day=1, month=3)
    assert local(yearly.occurrences(WEDNESDAY, SANTANG), 2) == [
        "Mon 2027-03-01 08:00",
        "Wed 2028-03-01 08:00",
    ]
    daily = Recurrence(Repeat.DAILY, time(10, 0))
    assert local(daily.occurrences(WEDNESDAY, SANTANG), 2) == [
        "Thu 2026-12-03 10:00",  # strictly after: today's 10:00 is the starting instant itself
        "Fri 2026-12-04 10:00",
    ]
    once = Recurrence(Repeat.ONCE, time(15, 0), on=date(2026, 12, 20))
    assert local(once.occurrences(WEDNESDAY, SANTANG)) == ["Sun 2026-12-20 15:00"]
    assert list(once.occurrences(datetime(2026, 12, 21, tzinfo=UTC), SANTANG)) == []


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"repeat": Repeat.WEEKLY}, "weekday"),
        ({"repeat": Repeat.MONTHLY, "day": 31}, "day of the month"),
        ({"repeat": Repeat.QUARTERLY, "day": 1, "month": 4}, "quarter"),
        ({"repeat": Repeat.YEARLY, "day": 1}, "month"),
        ({"repeat": Repeat.ONCE}, "date"),
    ],
)
def test_incomplete_recurrences_are_refused(fields: dict, problem: str) -> None:
    with pytest.raises(Refused, match=problem) as refused:
        Recurrence(at=time(8, 0), **fields)
    assert refused.value.reason is Reason.STEP_MISSING


def test_advance_reminders_come_in_order_before_each_event() -> None:
    timetable = Timetable(
        Recurrence(Repeat.WEEKLY, time(8, 0), weekdays=(5,)),
        (Advance(days_before=1, at=time(18, 0)), Advance(minutes_before=60)),
        SANTANG,
    )
    firings = timetable.firings(WEDNESDAY, datetime(2026, 12, 11, 20, 0, tzinfo=SANTANG))
    assert [(local([f.at])[0], f.step) for f in firings] == [
        ("Fri 2026-12-04 18:00", "d1@18:00"),
        ("Sat 2026-12-05 07:00", "m60"),
        ("Sat 2026-12-05 08:00", EVENT),
        ("Fri 2026-12-11 18:00", "d1@18:00"),
    ]
    assert all(f.occurrence.astimezone(SANTANG).day in (5, 12) for f in firings)
    friday_noon = datetime(2026, 12, 4, 12, 0, tzinfo=SANTANG)
    assert timetable.next_firing(friday_noon) == firings[0]
    assert timetable.next_firing(firings[0].at) == firings[1]


def test_a_reminder_after_its_event_is_refused() -> None:
    with pytest.raises(Refused, match="before the event") as refused:
        Timetable(
            Recurrence(Repeat.DAILY, time(8, 0)), (Advance(days_before=0, at=time(9, 0)),), SANTANG
        )
    assert refused.value.reason is Reason.REMINDER_AFTER_EVENT


def test_local_time_whatever_the_servers_timezone(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two servers, in New York and in UTC, compute the same instants for Santang's 08:00."""
    timetable = Timetable(
        Recurrence(Repeat.WEEKLY, time(8, 0), weekdays=(5,)),
        (Advance(days_before=1, at=time(18, 0)),),
        SANTANG,
    )
    found = {}
    for server_zone in ("America/New_York", "UTC"):
        monkeypatch.setenv("TZ", server_zone)
        system_time.tzset()
        found[server_zone] = timetable.firings(WEDNESDAY, WEDNESDAY + timedelta(days=7))
    monkeypatch.undo()
    system_time.tzset()
    assert found["America/New_York"] == found["UTC"]
    assert found["UTC"][-1].at == datetime(2026, 12, 5, 0, 0, tzinfo=UTC)


def test_a_town_with_summer_time_keeps_its_local_hour() -> None:
    """In a zone with daylight saving, 08:00 stays 08:00 local: the UTC instant moves."""
    berlin = ZoneInfo("Europe/Berlin")
    weekly = Recurrence(Repeat.WEEKLY, time(8, 0), weekdays=(5,))
    before = datetime(2027, 3, 20, 12, 0, tzinfo=berlin)
    first, second = islice(weekly.occurrences(before, berlin), 2)
    assert [first.hour, second.hour] == [7, 6]  # 08:00 CET = 07:00 UTC; 08:00 CEST = 06:00 UTC
    assert {m.astimezone(berlin).hour for m in (first, second)} == {8}


@pytest.mark.parametrize(
    ("at", "released"),
    [
        ("21:59", None),
        ("22:00", "2026-12-03 07:00"),
        ("23:30", "2026-12-03 07:00"),
        ("03:00", "2026-12-02 07:00"),
        ("07:00", None),
        ("12:00", None),
    ],
)
def test_quiet_hours_hold_until_morning(at: str, released: str | None) -> None:
    quiet = QuietHours(time(22, 0), time(7, 0), SANTANG)
    moment = datetime.combine(date(2026, 12, 2), time.fromisoformat(at), SANTANG)
    release = quiet.release(moment)
    shown = release.astimezone(SANTANG).strftime("%Y-%m-%d %H:%M") if release else None
    assert shown == released


def test_quiet_hours_within_a_day_and_switched_off() -> None:
    afternoon = QuietHours(time(12, 0), time(14, 0), SANTANG)
    noon = datetime(2026, 12, 2, 12, 30, tzinfo=SANTANG)
    assert afternoon.release(noon) == datetime(2026, 12, 2, 14, 0, tzinfo=SANTANG)
    assert afternoon.release(noon + timedelta(hours=2)) is None
    assert QuietHours(time(0, 0), time(0, 0), SANTANG).release(noon) is None


def test_the_job_trigger_wakes_at_each_firing_on_the_bots_clock() -> None:
    """APScheduler thinks in wall-clock time; the bot's clock may be days ahead (fast-forward):
    the trigger wakes the job when the bot's clock reaches the firing."""
    timetable = Timetable(
        Recurrence(Repeat.WEEKLY, time(8, 0), weekdays=(5,)),
        (Advance(minutes_before=60),),
        SANTANG,
    )
    clock = OffsetClock()
    clock.set(WEDNESDAY)
    trigger = TimetableTrigger(timetable, clock)
    wall = datetime.now(UTC)
    skew = clock.now() - wall
    first = trigger.get_next_fire_time(None, wall)
    assert abs((first + skew) - datetime(2026, 12, 5, 7, 0, tzinfo=SANTANG)) < timedelta(seconds=1)
    second = trigger.get_next_fire_time(first, wall)
    assert abs((second + skew) - datetime(2026, 12, 5, 8, 0, tzinfo=SANTANG)) < timedelta(seconds=1)
