"""What the /newschedule wizard offers and how its draft becomes a schedule: the advance
reminders on offer, each kind's standard message, and `schedule_of` (a `ScheduleDraft` as a
`NewSchedule`, or `Refused(STEP_MISSING)` naming what is missing)."""

from __future__ import annotations

from datetime import time

from bot.core.errors import Reason, Refused
from bot.core.i18n import N_
from bot.schedules.recurrence import Advance, Recurrence
from bot.schedules.service import NewSchedule, ScheduleKind
from handlers.drafts import ScheduleDraft

OFFERED_REMINDERS = (
    Advance(days_before=1, at=time(18, 0)),
    Advance(minutes_before=120),
    Advance(minutes_before=60),
)
"""The advance reminders the wizard offers; the draft keeps their indexes."""

STANDARD_MESSAGES = {
    ScheduleKind.CLEANUP: N_(
        "Today is cleanup day: please clean the area in front of your door and take the rubbish "
        "to the collection point. Thank you!"
    ),
    ScheduleKind.INSPECTION: N_(
        "Inspection is due: please check every hamlet you are responsible for, and report or "
        "fix what you find."
    ),
}
"""The text a kind offers to tap instead of writing one (sent in each reader's language)."""


def schedule_of(draft: ScheduleDraft, default_language: str) -> NewSchedule:
    """The draft as a schedule: `Refused(STEP_MISSING)` when a step was not answered, or what
    the recurrence itself refuses (STEP_MISSING, REMINDER_AFTER_EVENT)."""
    missing = [
        name
        for name, value in (
            ("kind", draft.kind),
            ("repeat", draft.repeat),
            ("time", draft.at),
            ("audience", draft.audience),
            ("title", draft.title),
        )
        if value is None
    ]
    if not draft.message:
        missing.append("message")
    if missing:
        raise Refused(Reason.STEP_MISSING, subject=f"the draft has no {', '.join(missing)}")
    assert draft.kind and draft.repeat and draft.at and draft.audience and draft.title
    if any(not 0 <= index < len(OFFERED_REMINDERS) for index in draft.reminders):
        raise Refused(Reason.STEP_MISSING, subject="a reminder the wizard does not offer")
    recurrence = Recurrence(
        repeat=draft.repeat,
        at=time.fromisoformat(draft.at),
        weekdays=tuple(sorted(draft.weekdays)),
        day=draft.day,
        month=draft.month,
        on=draft.on,
    )
    return NewSchedule(
        kind=draft.kind,
        title=dict(draft.titles) if draft.titles else {default_language: draft.title},
        recurrence=recurrence,
        reminders=tuple(OFFERED_REMINDERS[index] for index in sorted(draft.reminders)),
        audience=draft.audience.audience(),
        message=dict(draft.message),
    )
