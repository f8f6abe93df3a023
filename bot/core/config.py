"""Typed configuration read from `config.toml` and checked once, at start-up.

Every problem is reported as one `ConfigError` naming the file and the key, so that
`python -m bot` can print it and exit with code 2 instead of a traceback.
"""

from __future__ import annotations

import os
import re
import tomllib
from datetime import date, time
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

from bot.core.i18n import OFFICE_NAMES

SUPPORTED_LANGUAGES = ("zh", "en")
WEBHOOK_SECRET_SHAPE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


class ConfigError(Exception):
    """A configuration problem, phrased for the person who edits the file."""


def _supported(language: str) -> str:
    if language not in SUPPORTED_LANGUAGES:
        raise ValueError(f"must be one of {', '.join(SUPPORTED_LANGUAGES)}")
    return language


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Labels(_Section):
    """A user-facing label in every supported language (config carries its own text)."""

    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)

    def get(self, language: str) -> str:
        return getattr(self, language, self.zh)


class TelegramConfig(_Section):
    """How to reach Telegram. With `webhook_url` the bot runs in webhook mode (docs/deployment.md):
    it listens on `webhook_listen`:`webhook_port` at `/webhook_path` behind a TLS proxy, and
    Telegram POSTs updates to `webhook_url`, each carrying `webhook_secret`."""

    token: SecretStr = SecretStr("")
    base_url: str = "https://api.telegram.org/bot"
    base_file_url: str = "https://api.telegram.org/file/bot"
    webhook_url: str = ""
    webhook_secret: SecretStr = SecretStr("")
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = Field(default=8443, ge=1, le=65535)
    webhook_path: str = Field(default="telegram", pattern=r"^[A-Za-z0-9_./-]*$")
    webhook_max_connections: int = Field(default=40, ge=1, le=100)
    maintainer_chat_id: int | None = None
    """Where unexpected errors are reported (handlers.errors); unset: they are only logged."""

    @field_validator("webhook_url")
    @classmethod
    def _https_or_loopback(cls, value: str) -> str:
        """Telegram only calls HTTPS URLs; plain http is allowed on 127.0.0.1 (tests)."""
        if not value:
            return value
        parts = urlsplit(value)
        loopback = parts.hostname in ("127.0.0.1", "localhost")
        if parts.scheme != "https" and not (parts.scheme == "http" and loopback):
            raise ValueError("must be an https:// URL (plain http only on 127.0.0.1)")
        return value

    @model_validator(mode="after")
    def _webhook_has_a_secret(self) -> TelegramConfig:
        secret = self.webhook_secret.get_secret_value()
        if self.webhook_url and not secret and not os.environ.get("WEBHOOK_SECRET", "").strip():
            raise ValueError(
                "webhook_secret: needed with webhook_url (or set WEBHOOK_SECRET): 1-256 "
                "letters, digits, '_' or '-'"
            )
        if secret and not WEBHOOK_SECRET_SHAPE.match(secret):
            raise ValueError("webhook_secret: 1-256 letters, digits, '_' or '-'")
        return self


class DeliveryConfig(_Section):
    """How fast the outbox may send: under Telegram's limits by default (telegram-facts.md)."""

    messages_per_second: float = Field(default=25, gt=0)
    group_messages_per_minute: float = Field(default=20, gt=0)
    concurrency: int = Field(default=16, ge=2, le=256)


class NoticesConfig(_Section):
    """Office notices: how often the office's progress message is refreshed."""

    progress_every_seconds: float = Field(default=3, gt=0, le=60)


class StorageConfig(_Section):
    database: Path = Path("data/cleanvillage.sqlite3")
    media_dir: Path = Path("data/media")


class GeneralConfig(_Section):
    timezone: str = "Asia/Shanghai"
    default_language: str = "zh"

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"unknown timezone {value!r}") from error
        return value

    @field_validator("default_language")
    @classmethod
    def _supported_language(cls, value: str) -> str:
        return _supported(value)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class GridConfig(_Section):
    geojson: Path
    snap_distance_m: float = Field(default=300, ge=0)
    far_outside_m: float = Field(default=3000, ge=0)


class DuplicatesConfig(_Section):
    radius_m: float = Field(default=50, gt=0)
    window_days: int = Field(default=14, gt=0)


class ReportingConfig(_Section):
    max_photos: int = Field(default=5, ge=1, le=10)
    max_description_chars: int = Field(default=500, ge=1, le=3000)


class RolesConfig(_Section):
    """Invitations: how long a code lives, and the lockout after wrong codes in /join."""

    invitation_valid_hours: float = Field(default=72, gt=0)
    join_failures_per_hour: int = Field(default=5, ge=1)
    join_lockout_minutes: float = Field(default=60, gt=0)


class LimitsConfig(_Section):
    """Per-person limits: reports per hour and per day, and what counts as a message flood."""

    reports_per_hour: int = Field(default=10, ge=1)
    reports_per_day: int = Field(default=30, ge=1)
    flood_updates: int = Field(default=20, ge=2)
    flood_window_seconds: float = Field(default=10, gt=0)
    flood_mute_seconds: float = Field(default=60, gt=0)


class PrivacyConfig(_Section):
    """How long evidence files stay on disk; a daily job deletes older ones at `purge_hour`.
    `pepper`: the secret of the abuse controls' keyed hashes (`storage.keys`) kept out of the
    database; empty: one generated at first start and stored with the data. Never change it."""

    media_retention_days: int = Field(default=365, ge=1)
    purge_hour: int = Field(default=3, ge=0, le=23)
    pepper: SecretStr = SecretStr("")
    draft_files_per_person: int = Field(default=10, ge=1)
    """Files of unsent drafts one person may have on disk: two drafts' photos and a voice."""
    draft_megabytes_per_person: int = Field(default=30, ge=1)
    """Their total size: ten phone photos as Telegram compresses them, or a few original files."""
    draft_keep_hours: int = Field(default=24, ge=1)
    """Files of drafts never sent are deleted by the daily job once they are this old."""
    media_folder_megabytes: int = Field(default=10_000, ge=1)
    """The media folder's size limit: past it, new files keep only Telegram's file id."""
    media_folder_warn_percent: int = Field(default=80, ge=1, le=100)
    """From this share of the limit the office is warned, once a day."""


class OfficeName(Labels):
    """What every message calls the office, per language: a plain name, no braces or line
    breaks. English without "the", so that it also reads before a noun ("… admin")."""

    @field_validator("zh", "en")
    @classmethod
    def _plain(cls, value: str) -> str:
        if value != value.strip() or any(character in value for character in "{}\n"):
            raise ValueError("a plain name: no braces, line breaks or spaces around it")
        return value


class OfficeConfig(_Section):
    admins: list[int] = Field(min_length=1)
    chat_id: int | None = None
    name: OfficeName = OfficeName(**OFFICE_NAMES)


class DepartmentConfig(_Section):
    name: Labels
    chat_id: int | None = None


class CategoryConfig(_Section):
    label: Labels
    department: str | None = None
    ack_hours: float = Field(default=12, gt=0)
    fix_hours: float = Field(default=72, gt=0)


class DeadlinesConfig(_Section):
    """The escalation ladder of a report's deadlines (accept-by and fix-by, from `categories`):
    a reminder to the grid member at `remind_at` of the time allowed, the village lead when it
    is overdue, the office `office_after_hours` later; fixed reports nobody confirms close
    after `auto_close_days`. The sweep looks every `sweep_every_seconds`."""

    remind_at: float = Field(default=0.75, gt=0, lt=1)
    office_after_hours: float = Field(default=24, gt=0)
    auto_close_days: float = Field(default=3, gt=0)
    sweep_every_seconds: float = Field(default=60, ge=1, le=3600)


class QuietHoursConfig(_Section):
    """Reminders to villagers, grid members and village leads wait from `start` to `end`
    (local time); the same time twice turns quiet hours off."""

    start: time = time(22, 0)
    end: time = time(7, 0)


class OrdersConfig(_Section):
    """Rectification orders (整改函): the fix-by deadline is set per order; accept-by is this."""

    ack_hours: float = Field(default=12, gt=0)


class AudienceConfig(_Section):
    kind: Literal[
        "everyone",
        "villages",
        "hamlet",
        "grid_members",
        "village_leads",
        "village_staff",
        "department",
    ]
    ids: list[str] = []


class ReminderConfig(_Section):
    """An advance reminder: `days_before` at `at`, or `hours_before` the event."""

    days_before: int = Field(default=0, ge=0, le=31)
    at: time | None = None
    hours_before: float | None = Field(default=None, gt=0, le=744)


class ScheduleSeedConfig(_Section):
    """A schedule written in the configuration; `key` ties it to its row in the database, so
    a restart updates it but never brings back one the office paused or deleted."""

    key: str = Field(pattern=r"^[a-z0-9_-]{1,40}$")
    kind: Literal["cleanup", "inspection", "custom"]
    title: Labels
    repeat: Literal["daily", "weekly", "monthly", "quarterly", "yearly", "once"]
    at: time
    weekdays: list[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]] = []
    day: int | Literal["last"] | None = None
    month: int | None = None
    on: date | None = None
    audience: AudienceConfig
    message: Labels
    reminders: list[ReminderConfig] = []


class SchedulesConfig(_Section):
    """Recurring reminders. A firing missed while the bot was down is still sent on start-up
    if at most `grace_hours` late; otherwise it is recorded as missed and the office told."""

    grace_hours: float = Field(default=6, ge=0)
    seed: list[ScheduleSeedConfig] = []


class RankingWeights(_Section):
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


class StatsConfig(_Section):
    """The office's numbers: recurrence, ranking and the periodic digest (README: Numbers)."""

    recurrence_radius_m: float = Field(default=50, gt=0)
    recurrence_window_days: int = Field(default=90, gt=0)
    min_cases_to_rank: int = Field(default=3, ge=1)
    top: int = Field(default=10, ge=1, le=50)
    digest_hour: int = Field(default=8, ge=0, le=23)
    digest_catch_up_days: int = Field(default=7, ge=1)
    check_every_seconds: float = Field(default=60, gt=0, le=3600)
    weights: RankingWeights = RankingWeights()


class GridMemberConfig(_Section):
    user_id: int
    name: str
    hamlets: list[str] = Field(min_length=1)


class VillageLeadConfig(_Section):
    user_id: int
    name: str
    village: str


class PlaygroundVillager(_Section):
    """A made-up villager the playground offers as a persona (fake Telegram user id)."""

    user_id: int
    name: str = Field(min_length=1)
    hamlet: str
    language: str = "zh"

    @field_validator("language")
    @classmethod
    def _supported_language(cls, value: str) -> str:
        return _supported(value)


class PlaygroundConfig(_Section):
    """The token-free playground: the bot against the built-in emulator, shown in a browser.

    It listens on 127.0.0.1 only; `port = 0` picks a free port. Its database and media live
    in `data_dir`, apart from a real deployment's `[storage]`.
    """

    port: int = Field(default=8765, ge=0, le=65535)
    data_dir: Path = Path("data/playground")
    open_browser: bool = True
    rivers_geojson: Path | None = None
    villagers: list[PlaygroundVillager] = []


class Config(_Section):
    """The whole `config.toml`."""

    telegram: TelegramConfig = TelegramConfig()
    storage: StorageConfig = StorageConfig()
    delivery: DeliveryConfig = DeliveryConfig()
    notices: NoticesConfig = NoticesConfig()
    general: GeneralConfig = GeneralConfig()
    grid: GridConfig
    duplicates: DuplicatesConfig = DuplicatesConfig()
    reporting: ReportingConfig = ReportingConfig()
    roles: RolesConfig = RolesConfig()
    limits: LimitsConfig = LimitsConfig()
    privacy: PrivacyConfig = PrivacyConfig()
    office: OfficeConfig
    departments: dict[str, DepartmentConfig] = {}
    categories: dict[str, CategoryConfig] = Field(min_length=1)
    grid_members: list[GridMemberConfig] = []
    village_leads: list[VillageLeadConfig] = []
    deadlines: DeadlinesConfig = DeadlinesConfig()
    quiet_hours: QuietHoursConfig = QuietHoursConfig()
    orders: OrdersConfig = OrdersConfig()
    schedules: SchedulesConfig = SchedulesConfig()
    playground: PlaygroundConfig = PlaygroundConfig()
    stats: StatsConfig = StatsConfig()

    @model_validator(mode="after")
    def _categories_name_known_departments(self) -> Config:
        for key, category in self.categories.items():
            if category.department is not None and category.department not in self.departments:
                raise ValueError(
                    f"categories.{key}.department: no department {category.department!r} "
                    f"in [departments]"
                )
        return self

    @property
    def token(self) -> str:
        """The bot token; the BOT_TOKEN environment variable wins over the file. Blank (or
        only whitespace) counts as none."""
        from_environment = os.environ.get("BOT_TOKEN", "").strip()
        return from_environment or self.telegram.token.get_secret_value().strip()

    @property
    def webhook_secret(self) -> str:
        """The webhook's secret token; the WEBHOOK_SECRET environment variable wins."""
        from_environment = os.environ.get("WEBHOOK_SECRET", "").strip()
        return from_environment or self.telegram.webhook_secret.get_secret_value()


TOKEN_SHAPE = re.compile(r"^[0-9]{1,20}:[A-Za-z0-9_-]{30,60}$")
"""What @BotFather hands out: the bot's id, a colon and about 35 letters, digits, _ or -."""


def token_problem(token: str) -> str | None:
    """Why `token` cannot be a bot token (never quoting it), or None if it looks like one."""
    if TOKEN_SHAPE.match(token):
        return None
    return (
        "the bot token (BOT_TOKEN or [telegram] token) does not look like one: expected "
        "digits, a colon and about 35 letters, digits, '_' or '-', as @BotFather gives it"
    )


def load_config(path: Path) -> Config:
    """Read and validate `path`; relative paths inside it are resolved against its folder."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise ConfigError(f"{path}: file not found") from error
    except OSError as error:
        raise ConfigError(f"{path}: cannot read it ({error.strerror})") from error
    except UnicodeDecodeError as error:
        raise ConfigError(f"{path}: not UTF-8 text") from error
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML ({error})") from error
    try:
        config = Config.model_validate(raw)
    except ValidationError as error:
        raise ConfigError(_describe(path, error)) from error
    return _resolve_paths(config, path.parent)


def _describe(path: Path, error: ValidationError) -> str:
    first = error.errors()[0]
    key = ".".join(str(part) for part in first["loc"])
    message = first["msg"].removeprefix("Value error, ")
    if first["type"] == "extra_forbidden":
        message = "unknown key"
    more = len(error.errors()) - 1
    suffix = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
    return f"{path}: {key or 'top level'}: {message}{suffix}"


def _resolve_paths(config: Config, base: Path) -> Config:
    def resolve(value: Path) -> Path:
        return value if value.is_absolute() else (base / value).resolve()

    return config.model_copy(
        update={
            "storage": config.storage.model_copy(
                update={
                    "database": resolve(config.storage.database),
                    "media_dir": resolve(config.storage.media_dir),
                }
            ),
            "grid": config.grid.model_copy(update={"geojson": resolve(config.grid.geojson)}),
            "playground": config.playground.model_copy(
                update={
                    "data_dir": resolve(config.playground.data_dir),
                    "rivers_geojson": config.playground.rivers_geojson
                    and resolve(config.playground.rivers_geojson),
                }
            ),
        }
    )
