"""Quiet hours: a nightly window (default 22:00–07:00, local time) in which reminders and other
notifications that can wait are held until morning. The office's escalations are never held."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo


class QuietHours:
    def __init__(self, start: time, end: time, tz: ZoneInfo) -> None:
        self.start = start
        self.end = end
        self._tz = tz

    def release(self, moment: datetime) -> datetime | None:
        """When the quiet window that `moment` falls in ends (UTC); None if it is not quiet."""
        if self.start == self.end:
            return None
        local = moment.astimezone(self._tz)
        now, today = local.time().replace(tzinfo=None), local.date()
        if self.start < self.end:
            ends = today if self.start <= now < self.end else None
        elif now >= self.start:
            ends = today + timedelta(days=1)
        else:
            ends = today if now < self.end else None
        if ends is None:
            return None
        return datetime.combine(ends, self.end, tzinfo=self._tz).astimezone(UTC)
