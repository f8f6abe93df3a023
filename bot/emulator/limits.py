"""Telegram's flood control: how many messages a bot may send, per chat and overall.

Telegram answers 429 "Too Many Requests: retry after N" past about one message a second to a
private chat (short bursts tolerated), 20 a minute to a group and about 30 a second overall.
The limits read a clock the tests can replace, so no test has to sleep.
"""

from __future__ import annotations

import collections
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.emulator.checks import ApiError

Clock = Callable[[], float]


@dataclass
class Window:
    """At most `limit` events in any `seconds`-long window."""

    limit: float
    seconds: float
    events: collections.deque[float] = field(default_factory=collections.deque)

    def wait(self, now: float) -> float:
        """Seconds until one more event fits (0: it fits now)."""
        while self.events and now - self.events[0] >= self.seconds:
            self.events.popleft()
        if len(self.events) < self.limit:
            return 0.0
        return self.events[0] + self.seconds - now

    def record(self, now: float) -> None:
        self.events.append(now)


@dataclass(frozen=True)
class FloodLimits:
    """Which limits apply; None switches one off."""

    private_burst: int | None = 3
    """Messages to one private chat within `private_seconds` (≈1/s with a short burst)."""
    private_seconds: float = 3.0
    group_per_minute: int | None = 20
    overall_per_second: float | None = 30


TELEGRAM_LIKE = FloodLimits()
"""Limits close to Telegram's own, for tests and benchmarks that check the bot keeps to them."""


class FloodControl:
    """Counts the bot's messages and refuses, with 429 and retry_after, those over a limit."""

    def __init__(self, clock: Clock = time.monotonic) -> None:
        self.clock = clock
        self.limits: FloodLimits | None = None
        self.refused = 0
        self._windows: dict[object, Window] = {}

    def switch(self, limits: FloodLimits | None) -> None:
        """Apply `limits` from now on (None: no flood control) with every count reset."""
        self.limits = limits
        self._windows.clear()

    def admit(self, chat_id: int, chat_type: str) -> None:
        """Count one message to `chat_id`, or raise the 429 Telegram would answer."""
        if self.limits is None:
            return
        now = self.clock()
        windows = [window for window in self._applicable(chat_id, chat_type) if window]
        wait = max((window.wait(now) for window in windows), default=0.0)
        if wait > 0:
            self.refused += 1
            retry_after = max(1, math.ceil(wait))
            raise ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after)
        for window in windows:
            window.record(now)

    def _applicable(self, chat_id: int, chat_type: str) -> list[Window | None]:
        limits = self.limits
        assert limits is not None
        found: list[Window | None] = [
            self._window("overall", limits.overall_per_second, 1.0),
        ]
        if chat_type == "private":
            found.append(self._window(chat_id, limits.private_burst, limits.private_seconds))
        elif chat_type in ("group", "supergroup"):
            found.append(self._window(chat_id, limits.group_per_minute, 60.0))
        return found

    def _window(self, key: object, limit: float | None, seconds: float) -> Window | None:
        if limit is None:
            return None
        if key not in self._windows:
            self._windows[key] = Window(limit, seconds)
        return self._windows[key]
