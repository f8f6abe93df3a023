"""The bot's overall send budget, counted the way Telegram counts it.

Telegram (and `bot/emulator/limits.py`) refuses a message when the bot already has `limit`
messages in the one-second window before it: a sliding window over the moments the server
takes each message in. The server takes a message somewhere between the moment we start
sending it and the moment its answer is back, so the pace counts every send from its start
until one second after its answer: then no window the server sees can hold more than the
budget, however the network delays one request against another.
"""

from __future__ import annotations

import asyncio
import collections
import math
import time
from collections.abc import Callable

Seconds = Callable[[], float]


class Pace:
    """At most `per_second` sends in any second, evenly spaced; `async with pace:` around
    each send. A 429 slows it by a small step, and a calm spell lets it climb back gently."""

    WINDOW = 1.0
    CATCH_UP_SECONDS = 0.02
    """A wake-up this late keeps the schedule (the next send makes it up); after a longer
    stall the schedule starts again from now, so a stall never saves up a burst."""
    STEP = 0.05
    """A 429 with retry_after of one second slows the rate by this share; each further second
    Telegram asks us to wait doubles it (we were further over), up to `MAX_STEP`."""
    MAX_STEP = 0.2
    RECOVERY_SECONDS = 5.0
    """Calm after a 429 before the rate climbs back ..."""
    RECOVERY_PER_SECOND = 0.01
    """... by this share of the configured rate each second."""

    def __init__(self, per_second: float, clock: Seconds = time.monotonic) -> None:
        self.configured = per_second
        self._clock = clock
        self._slowed_to = per_second
        self._slowed_at = -math.inf
        self._next_slot = -math.inf
        self._in_flight = 0
        self._answered: collections.deque[float] = collections.deque()
        """When the answers of recent sends came back, oldest first."""
        self._turn = asyncio.Lock()
        self._ended = asyncio.Event()

    @property
    def current(self) -> float:
        """The rate now: the configured one, or on its way back to it after a 429."""
        calm = self._clock() - self._slowed_at - self.RECOVERY_SECONDS
        if calm <= 0:
            return self._slowed_to
        return min(
            self.configured, self._slowed_to + self.configured * self.RECOVERY_PER_SECOND * calm
        )

    @property
    def budget(self) -> int:
        """Sends allowed in one window at the current rate."""
        return max(1, math.floor(self.current * self.WINDOW))

    def wait(self) -> float | None:
        """Seconds until one more send may start (0: now); None until a send in flight ends."""
        now = self._clock()
        while self._answered and self._answered[0] <= now - self.WINDOW:
            self._answered.popleft()
        spacing = max(0.0, self._next_slot - now)
        over = self._in_flight + len(self._answered) - self.budget + 1
        if over <= 0:
            return spacing
        if over > len(self._answered):
            return None
        return max(spacing, self._answered[over - 1] + self.WINDOW - now)

    def start(self) -> None:
        """Count a send that begins now (after `wait` said 0)."""
        now = self._clock()
        self._in_flight += 1
        on_time = now - self._next_slot <= self.CATCH_UP_SECONDS
        self._next_slot = (self._next_slot if on_time else now) + 1 / self.current

    def end(self) -> None:
        """Its answer is back (or it failed): it counts for one more window."""
        self._in_flight -= 1
        self._answered.append(self._clock())
        self._ended.set()

    def slow_down(self, retry_after: float = 1) -> None:
        """A 429: slow by a step that grows with how long Telegram asked us to wait."""
        doublings = min(max(0.0, retry_after - 1), math.log2(self.MAX_STEP / self.STEP))
        step = self.STEP * 2**doublings
        self._slowed_to = max(self.configured / 10, self.current * (1 - step))
        self._slowed_at = self._clock()

    async def __aenter__(self) -> None:
        async with self._turn:  # first come, first served
            while (delay := self.wait()) != 0:
                if delay is None:
                    self._ended.clear()
                    await self._ended.wait()
                else:
                    await asyncio.sleep(delay)
            self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        self.end()
