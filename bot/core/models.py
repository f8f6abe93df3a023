"""Plain records the services and repositories pass around."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.reporting.lifecycle import Action, State

ORDER = "order"

FORGOTTEN_REPORTER = 0
"""The reporter of reports whose author used /forgetme (Telegram ids are never 0)."""


@dataclass(frozen=True)
class MediaRef:
    """A file a user sent: Telegram's ids plus where our copy lives (None if not saved).

    `kind` is "document" for a picture sent as a file: its id can only be re-sent as a
    document (with its EXIF), so others get a photo made from our copy instead."""

    file_id: str
    file_unique_id: str
    local_path: str | None = None
    kind: str = "photo"


@dataclass(frozen=True)
class Location:
    latitude: float
    longitude: float
    source: str  # "gps", "venue", "exif" or "picker"


@dataclass
class Draft:
    """A report being put together in the chat, before the villager confirms it."""

    photos: list[MediaRef] = field(default_factory=list)
    location: Location | None = None
    hamlet_id: str | None = None
    exif_location: Location | None = None
    category: str | None = None
    description: str | None = None
    voice: MediaRef | None = None
    id: str | None = None
    """Given when the draft is started; the report made from it keeps it (once only)."""
    voice_audience: str = "office"
    """Who may hear the voice note: "office" (the default) or "member" (the grid member too)."""


@dataclass(frozen=True)
class Report:
    id: int
    reporter_id: int
    category: str
    state: State
    latitude: float | None
    longitude: float | None
    location_source: str
    hamlet_id: str | None
    village_id: str | None
    description: str | None
    duplicate_of: int | None
    created_at: datetime
    assigned_at: datetime | None
    ack_due_at: datetime | None
    fix_due_at: datetime | None
    accepted_by: int | None
    fixed_at: datetime | None
    fix_note: str | None
    closed_at: datetime | None
    duplicates: int = 0
    kind: str = "report"
    next_step_at: datetime | None = None
    public_description: str | None = None
    """The description scrubbed for everyone but the office (None: stored before 0011)."""
    voice_audience: str = "office"
    """Who may hear the voice description: "office" or "member" (see `bot.reporting.voice`)."""
    voice_relay: str | None = None
    """The office's words for a voice only the office may hear, passed on to the grid member."""
    has_voice: bool = False
    reported_hamlet_id: str | None = None
    """The hamlet the villager gave; unlike `hamlet_id` (whom it is routed to) it stays when
    a grid member hands the report back."""

    @property
    def number(self) -> str:
        """The number people quote, e.g. `R-000123`."""
        return format_number(self.id)

    @property
    def is_order(self) -> bool:
        """A rectification order (整改函) from the office, not a villager's report."""
        return self.kind == ORDER


@dataclass(frozen=True)
class ReportMedia:
    photos: list[MediaRef]
    voice: MediaRef | None
    after_photos: list[MediaRef]


@dataclass(frozen=True)
class Event:
    report_id: int
    at: datetime
    actor_id: int | None
    from_state: State | None
    to_state: State
    note: str | None
    action: Action | None = None


def format_number(report_id: int) -> str:
    return f"R-{report_id:06d}"


def parse_number(text: str) -> int | None:
    """`R-000123`, `r123` or `123` → 123; anything else → None."""
    digits = text.strip().upper().removeprefix("R").removeprefix("-")
    return int(digits) if digits.isdigit() and 0 < int(digits) < 10**9 else None
