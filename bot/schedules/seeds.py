"""The schedules written in `config.toml` (`[[schedules.seed]]`), read and checked at start-up."""

from __future__ import annotations

from bot.core.config import Config, ConfigError, ScheduleSeedConfig
from bot.core.errors import Refused
from bot.delivery.audiences import Audience, AudienceKind, check_audience
from bot.places.grid import Grid
from bot.schedules.model import NewSchedule, ScheduleKind
from bot.schedules.recurrence import LAST_DAY, WEEKDAYS, Advance, Recurrence, Repeat, Timetable


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
