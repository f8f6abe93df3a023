"""Per-person limits as plain arithmetic on timestamps: message floods, reports per hour and
per day, and the /join lockout. Time always comes from the injected clock."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import Enum

from bot.core.clock import Clock


class Flood(Enum):
    PASS = "pass"
    WARN = "warn"
    """Just went over the limit: say "slow down" once."""
    DROP = "drop"
    """Still muted: ignore silently."""


@dataclass
class _Sender:
    recent: deque[float] = field(default_factory=deque)
    muted_until: float = 0.0
    last_burst: str | None = None


class FloodGuard:
    """More than `max_updates` within `window` mutes a person for `mute`: the update that
    crosses the line is answered once, the rest are dropped. O(1) per update, one person's
    flood never touches anyone else's state."""

    PRUNE_EVERY = 1000

    def __init__(
        self, clock: Clock, *, max_updates: int, window: timedelta, mute: timedelta
    ) -> None:
        self._clock = clock
        self._max = max_updates
        self._window = window.total_seconds()
        self._mute = mute.total_seconds()
        self._senders: dict[int, _Sender] = {}
        self._checks = 0

    def check(self, person: int, burst: str | None = None) -> Flood:
        """Count one update of `person`. Updates sharing a `burst` key (an album's
        media_group_id) count once, since Telegram sends an album as one message each."""
        now = self._clock.now().timestamp()
        self._checks += 1
        if self._checks % self.PRUNE_EVERY == 0:
            self._prune(now)
        sender = self._senders.setdefault(person, _Sender())
        if now < sender.muted_until:
            return Flood.DROP
        if burst is not None and burst == sender.last_burst:
            return Flood.PASS
        sender.last_burst = burst
        recent = sender.recent
        recent.append(now)
        while recent and recent[0] <= now - self._window:
            recent.popleft()
        if len(recent) > self._max:
            recent.clear()
            sender.muted_until = now + self._mute
            return Flood.WARN
        return Flood.PASS

    def _prune(self, now: float) -> None:
        """Forget people who have been quiet for a whole window and are not muted."""
        quiet = [
            person
            for person, sender in self._senders.items()
            if sender.muted_until <= now
            and (not sender.recent or sender.recent[-1] <= now - self._window)
        ]
        for person in quiet:
            del self._senders[person]


def locked_until(
    moments: list[datetime], *, most: int, within: timedelta, lock: timedelta
) -> datetime | None:
    """When `most` of `moments` fell within `within` of each other, the end of the `lock` that
    started at the last of them (the latest such lock); None when that never happened."""
    ordered = sorted(moments)
    ends = [
        ordered[index] + lock
        for index in range(most - 1, len(ordered))
        if ordered[index] - ordered[index - most + 1] <= within
    ]
    return max(ends, default=None)


def quota_free_at(
    moments: list[datetime], now: datetime, limits: list[tuple[int, timedelta]]
) -> datetime | None:
    """When another one is allowed, if `now` is over any (count, period) limit; else None.

    E.g. limits [(10, 1 h), (30, 24 h)] over the times of a person's recent reports.
    """
    free_at: datetime | None = None
    for count, period in limits:
        inside = sorted(moment for moment in moments if moment > now - period)
        if len(inside) >= count:
            ends = inside[-count] + period
            free_at = ends if free_at is None else max(free_at, ends)
    return free_at
