"""Configuration: the town's own rules and people — the office, departments, categories and
their deadlines, quiet hours, schedules, the numbers, grid members, village leads and the
playground's villagers. Read and checked by `bot.core.config`."""

from __future__ import annotations

from datetime import date, time
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator

from bot.core.config_running import Labels, Section, supported
from bot.core.i18n import OFFICE_NAMES

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


class OfficeName(Labels):
    """What every message calls the office, per language: a plain name of at most 40
    characters (a notice's heading must leave its caption room), no braces or line breaks.
    English without "the", so that it also reads before a noun ("… admin")."""

    zh: str = Field(min_length=1, max_length=40)
    en: str = Field(min_length=1, max_length=40)

    @field_validator("zh", "en")
    @classmethod
    def _plain(cls, value: str) -> str:
        if value != value.strip() or any(character in value for character in "{}\n"):
            raise ValueError("a plain name: no braces, line breaks or spaces around it")
        return value


class OfficeConfig(Section):
    admins: list[int] = Field(min_length=1)
    chat_id: int | None = None
    name: OfficeName = OfficeName(**OFFICE_NAMES)


class DepartmentConfig(Section):
    name: Labels
    chat_id: int | None = None


class CategoryConfig(Section):
    label: Labels
    department: str | None = None
    ack_hours: float = Field(default=12, gt=0)
    fix_hours: float = Field(default=72, gt=0)


class DeadlinesConfig(Section):
    """The escalation ladder of a report's deadlines (accept-by and fix-by, from `categories`):
    a reminder to the grid member at `remind_at` of the time allowed, the village lead when it
    is overdue, the office `office_after_hours` later; fixed reports nobody confirms close
    after `auto_close_days`. The sweep looks every `sweep_every_seconds`."""

    remind_at: float = Field(default=0.75, gt=0, lt=1)
    office_after_hours: float = Field(default=24, gt=0)
    auto_close_days: float = Field(default=3, gt=0)
    sweep_every_seconds: float = Field(default=60, ge=1, le=3600)


class QuietHoursConfig(Section):
    """Reminders to villagers, grid members and village leads wait from `start` to `end`
    (local time); the same time twice turns quiet hours off."""

    start: time = time(22, 0)
    end: time = time(7, 0)


class OrdersConfig(Section):
    """Rectification orders (整改函): the fix-by deadline is set per order; accept-by is this."""

    ack_hours: float = Field(default=12, gt=0)


class AudienceConfig(Section):
    kind: Literal[
        "everyone",
        "villages",
        "hamlet",
        "grid_members",
        "village_leads",
        "village_staff",
        "department",
    ]
    ids: list[str] = Field(default_factory=list)


class ReminderConfig(Section):
    """An advance reminder: `days_before` at `at`, or `hours_before` the event."""

    days_before: int = Field(default=0, ge=0, le=31)
    at: time | None = None
    hours_before: float | None = Field(default=None, gt=0, le=744)


class ScheduleSeedConfig(Section):
    """A schedule written in the configuration; `key` ties it to its row in the database, so
    a restart updates it but never brings back one the office paused or deleted."""

    key: str = Field(pattern=r"^[a-z0-9_-]{1,40}$")
    kind: Literal["cleanup", "inspection", "custom"]
    title: Labels
    repeat: Literal["daily", "weekly", "monthly", "quarterly", "yearly", "once"]
    at: time
    weekdays: list[Weekday] = Field(default_factory=list)
    day: int | Literal["last"] | None = None
    month: int | None = None
    on: date | None = None
    audience: AudienceConfig
    message: Labels
    reminders: list[ReminderConfig] = Field(default_factory=list)


class SchedulesConfig(Section):
    """Recurring reminders. A firing missed while the bot was down is still sent on start-up
    if at most `grace_hours` late; otherwise it is recorded as missed and the office told."""

    grace_hours: float = Field(default=6, ge=0)
    seed: list[ScheduleSeedConfig] = Field(default_factory=list)


class RankingWeights(Section):
    """How much each part counts in a hamlet's score (any scale: they are normalised)."""

    on_time: float = Field(default=0.4, ge=0)
    rework: float = Field(default=0.2, ge=0)
    recurrence: float = Field(default=0.2, ge=0)
    volume: float = Field(default=0.2, ge=0)

    @model_validator(mode="after")
    def _something_counts(self) -> RankingWeights:
        if self.on_time + self.rework + self.recurrence + self.volume <= 0:
            raise ValueError("at least one weight must be above 0")
        return self


class StatsConfig(Section):
    """The office's numbers: recurrence, ranking and the periodic digest (README: Numbers)."""

    recurrence_radius_m: float = Field(default=50, gt=0)
    recurrence_window_days: int = Field(default=90, gt=0)
    min_cases_to_rank: int = Field(default=3, ge=1)
    top: int = Field(default=10, ge=1, le=50)
    digest_hour: int = Field(default=8, ge=0, le=23)
    digest_catch_up_days: int = Field(default=7, ge=1)
    check_every_seconds: float = Field(default=60, gt=0, le=3600)
    weights: RankingWeights = RankingWeights()


class GridMemberConfig(Section):
    user_id: int
    name: str
    hamlets: list[str] = Field(min_length=1)


class VillageLeadConfig(Section):
    user_id: int
    name: str
    village: str


class PlaygroundVillager(Section):
    """A made-up villager the playground offers as a persona (fake Telegram user id)."""

    user_id: int
    name: str = Field(min_length=1)
    hamlet: str
    language: str = "zh"

    @field_validator("language")
    @classmethod
    def _supported_language(cls, value: str) -> str:
        return supported(value)


class PlaygroundConfig(Section):
    """The token-free playground: the bot against the built-in emulator, shown in a browser.

    It listens on 127.0.0.1 only; `port = 0` picks a free port. Its database and media live
    in `data_dir`, apart from a real deployment's `[storage]`.
    """

    port: int = Field(default=8765, ge=0, le=65535)
    data_dir: Path = Path("data/playground")
    open_browser: bool = True
    rivers_geojson: Path | None = None
    villagers: list[PlaygroundVillager] = Field(default_factory=list)
