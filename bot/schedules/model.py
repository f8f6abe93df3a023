"""What a schedule is: its kind, state, definition (`NewSchedule`) and stored form
(`Schedule`), the limits the office writes within, and the refusal for one that is gone."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.core.errors import Reason, Refused
from bot.core.i18n import N_
from bot.delivery.audiences import Audience
from bot.schedules.recurrence import Advance, Recurrence
from storage.schedules import Definition, ScheduleRow

MAX_TITLE = 60
MAX_MESSAGE = 3500
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


def schedule_from(row: ScheduleRow) -> Schedule:
    """A stored row as a `Schedule`."""
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
