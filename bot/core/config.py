"""Typed configuration read from `config.toml` and checked once, at start-up.

Every problem is reported as one `ConfigError` naming the file and the key, so that
`python -m bot` can print it and exit with code 2 instead of a traceback. The sections are in
`config_running` (how the bot runs) and `config_town` (the town's rules and people).
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path

from pydantic import Field, ValidationError, model_validator

from bot.core.config_running import (
    DeliveryConfig,
    DuplicatesConfig,
    GeneralConfig,
    GridConfig,
    LimitsConfig,
    NoticesConfig,
    PrivacyConfig,
    ReportingConfig,
    RolesConfig,
    Section,
    StorageConfig,
    TelegramConfig,
)
from bot.core.config_town import (
    AudienceConfig,
    CategoryConfig,
    DeadlinesConfig,
    DepartmentConfig,
    GridMemberConfig,
    OfficeConfig,
    OrdersConfig,
    PlaygroundConfig,
    QuietHoursConfig,
    RankingWeights,
    ReminderConfig,
    SchedulesConfig,
    ScheduleSeedConfig,
    StatsConfig,
    VillageLeadConfig,
)

__all__ = [
    "AudienceConfig",
    "Config",
    "ConfigError",
    "DeadlinesConfig",
    "RankingWeights",
    "ReminderConfig",
    "ScheduleSeedConfig",
    "load_config",
    "token_problem",
]


class ConfigError(Exception):
    """A configuration problem, phrased for the person who edits the file."""


class Config(Section):
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
    departments: dict[str, DepartmentConfig] = Field(default_factory=dict)
    categories: dict[str, CategoryConfig] = Field(min_length=1)
    grid_members: list[GridMemberConfig] = Field(default_factory=list)
    village_leads: list[VillageLeadConfig] = Field(default_factory=list)
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
