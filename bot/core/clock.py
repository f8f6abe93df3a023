"""Where services get the time from, so tests and the playground can move it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware (UTC)."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class OffsetClock:
    """The system clock moved forward by a settable offset (tests, playground fast-forward)."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, delta: timedelta) -> None:
        self.offset += delta

    def set(self, moment: datetime) -> None:
        """Run on from `moment` (a test's fixed starting point)."""
        self.offset = moment - datetime.now(UTC)
