"""The buttons of the schedule wizard (handlers.new_schedule) and the list of schedules
(handlers.schedules)."""

from __future__ import annotations

from bot.core.callbacks import CallbackData
from bot.delivery.audiences import AudienceKind
from bot.schedules.recurrence import Repeat
from bot.schedules.service import ScheduleKind

# -- the office adds a schedule (handlers.new_schedule) -------------------------------------------


class NewSchedule(CallbackData, prefix="sn"):
    """➕ under /schedules: start a new schedule."""


class ScheduleKindChosen(CallbackData, prefix="sk"):
    """Cleanup, inspection or a custom reminder."""

    kind: ScheduleKind


class ScheduleRepeat(CallbackData, prefix="sr"):
    """How often it runs."""

    repeat: Repeat


class ScheduleToggleWeekday(CallbackData, prefix="sw"):
    """Tick or untick a weekday (0 is Monday)."""

    weekday: int


class ScheduleWeekdaysDone(CallbackData, prefix="swd"):
    """The ticked weekdays are the recurrence."""


class ScheduleQuarterMonth(CallbackData, prefix="sq"):
    """The month within each quarter, 1–3."""

    month: int


class ScheduleMonth(CallbackData, prefix="smo"):
    """The month of a yearly schedule, 1–12."""

    month: int


class ScheduleDay(CallbackData, prefix="sd"):
    """The day of the month, 1–28, or `bot.schedules.recurrence.LAST_DAY`."""

    day: int


class ScheduleTime(CallbackData, prefix="st"):
    """A common time of day, local, as HHMM (e.g. "0800")."""

    at: str


class ScheduleAudience(CallbackData, prefix="sa"):
    """Who the schedule's messages are for."""

    kind: AudienceKind


class ScheduleVillage(CallbackData, prefix="sv"):
    """A village, for a village audience or its staff (the kind says which)."""

    kind: AudienceKind
    village_id: str


class ScheduleHamletVillage(CallbackData, prefix="shv"):
    """The village whose hamlets to offer."""

    village_id: str


class ScheduleHamlet(CallbackData, prefix="sh"):
    """The one hamlet the schedule is for."""

    hamlet_id: str


class ScheduleDepartment(CallbackData, prefix="sdp"):
    """The department the schedule is for."""

    department: str


class ScheduleSuggestedTitle(CallbackData, prefix="sts"):
    """Take the suggested title."""


class ScheduleStandardMessage(CallbackData, prefix="ssm"):
    """Take the standard message of the kind."""


class ScheduleToggleReminder(CallbackData, prefix="srm"):
    """Tick or untick an offered advance reminder (its index in OFFERED_REMINDERS)."""

    index: int


class ScheduleRemindersDone(CallbackData, prefix="srd"):
    """The ticked reminders are chosen: show the preview."""


class SaveSchedule(CallbackData, prefix="ssv"):
    """Save the previewed schedule."""


class ScheduleAbandon(CallbackData, prefix="sxx"):
    """Leave the schedule flow; nothing is saved."""


# -- the office's list of schedules (handlers.schedules) -----------------------------------------


class PauseSchedule(CallbackData, prefix="sp"):
    """⏸ Pause a schedule."""

    schedule_id: int


class ResumeSchedule(CallbackData, prefix="su"):
    """▶ Resume a schedule."""

    schedule_id: int


class DeleteSchedule(CallbackData, prefix="sdl"):
    """🗑 Ask before deleting a schedule."""

    schedule_id: int


class DeleteScheduleYes(CallbackData, prefix="sdy"):
    """Yes, delete it."""

    schedule_id: int


class DeleteScheduleNo(CallbackData, prefix="sdn"):
    """Keep it."""

    schedule_id: int
