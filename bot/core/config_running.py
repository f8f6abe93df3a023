"""Configuration: how the bot runs — Telegram, storage, pace, limits, privacy — and the
pieces every section is made of (`Section`, `Labels`). Read and checked by `bot.core.config`."""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    field_validator,
    model_validator,
)

SUPPORTED_LANGUAGES = ("zh", "en")
WEBHOOK_SECRET_SHAPE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


def supported(language: str) -> str:
    """`language` if the bot speaks it (a validator's check), else a ValueError saying which."""
    if language not in SUPPORTED_LANGUAGES:
        raise ValueError(f"must be one of {', '.join(SUPPORTED_LANGUAGES)}")
    return language


class Section(BaseModel):
    """A table of config.toml: unknown keys are errors, values never change once read."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Labels(Section):
    """A user-facing label in every supported language (config carries its own text)."""

    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)

    def get(self, language: str) -> str:
        return getattr(self, language, self.zh)


class TelegramConfig(Section):
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


class DeliveryConfig(Section):
    """How fast the outbox may send: under Telegram's limits by default (telegram-facts.md)."""

    messages_per_second: float = Field(default=25, gt=0)
    group_messages_per_minute: float = Field(default=20, gt=0)
    concurrency: int = Field(default=16, ge=2, le=256)


class NoticesConfig(Section):
    """Office notices: how often the office's progress message is refreshed."""

    progress_every_seconds: float = Field(default=3, gt=0, le=60)


class StorageConfig(Section):
    database: Path = Path("data/cleanvillage.sqlite3")
    media_dir: Path = Path("data/media")


class GeneralConfig(Section):
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
        return supported(value)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class GridConfig(Section):
    geojson: Path
    snap_distance_m: float = Field(default=300, ge=0)
    far_outside_m: float = Field(default=3000, ge=0)


class DuplicatesConfig(Section):
    radius_m: float = Field(default=50, gt=0)
    window_days: int = Field(default=14, gt=0)


class ReportingConfig(Section):
    max_photos: int = Field(default=5, ge=1, le=10)
    max_description_chars: int = Field(default=500, ge=1, le=3000)


class RolesConfig(Section):
    """Invitations: how long a code lives, and the lockout after wrong codes in /join."""

    invitation_valid_hours: float = Field(default=72, gt=0)
    join_failures_per_hour: int = Field(default=5, ge=1)
    join_lockout_minutes: float = Field(default=60, gt=0)


class LimitsConfig(Section):
    """Per-person limits: reports per hour and per day, and what counts as a message flood."""

    reports_per_hour: int = Field(default=10, ge=1)
    reports_per_day: int = Field(default=30, ge=1)
    flood_updates: int = Field(default=20, ge=2)
    flood_window_seconds: float = Field(default=10, gt=0)
    flood_mute_seconds: float = Field(default=60, gt=0)


class PrivacyConfig(Section):
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
