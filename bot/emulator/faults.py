"""Failures on demand: the next calls answer 429, 5xx, 403 or 400, come late, or lose their
connection; and Telegram's flood control, switched on by the tests of pacing."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from aiohttp import web

from bot.emulator.base import Json
from bot.emulator.limits import TELEGRAM_LIKE, FloodControl, FloodLimits

DESCRIPTIONS = {
    400: "Bad Request: chat not found",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
}


def error_response(code: int, description: str, retry_after: int | None = None) -> web.Response:
    """A Bot API error as Telegram sends it."""
    body: Json = {"ok": False, "error_code": code, "description": description}
    if retry_after is not None:
        body["parameters"] = {"retry_after": retry_after}
    return web.json_response(body, status=code)


@dataclass
class Fault:
    """An injected error for the next `remaining` calls of `method` (lower case, or "*")."""

    method: str
    status: int
    remaining: int
    retry_after: int | None
    description: str | None

    def matches(self, method: str) -> bool:
        return self.method == method or (self.method == "*" and method != "getupdates")

    def response(self) -> web.Response:
        retry_after = (self.retry_after or 1) if self.status == 429 else None
        if self.description:
            description = self.description
        elif retry_after is not None:
            description = f"Too Many Requests: retry after {retry_after}"
        elif self.status >= 500:
            description = "Internal Server Error"
        else:
            description = DESCRIPTIONS.get(self.status, f"Error {self.status}")
        return error_response(self.status, description, retry_after)


class FaultInjection:
    """The emulator's handles for failures (a part of `BotApiEmulator`)."""

    flood: FloodControl

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._delay = 0.0
        self._drops = 0

    def fail_next(
        self,
        method: str,
        status: int,
        *,
        times: int = 1,
        retry_after: int | None = None,
        description: str | None = None,
    ) -> None:
        """The next `times` calls of `method` ("*": any but getUpdates) fail with `status`.

        429 carries `retry_after` (default 1 s) as Telegram does; the description defaults to
        Telegram's usual one for the status.
        """
        if times < 1:
            raise ValueError("times must be at least 1")
        self._faults.append(Fault(method.lower(), status, times, retry_after, description))

    def enforce_limits(self, limits: FloodLimits | None = TELEGRAM_LIKE) -> None:
        """Switch on Telegram's flood control (by default about 1 message/s per private chat
        with bursts of 3, 20/min per group, 30/s overall); None switches it off.

        Off by default: the suite fires bursts as fast as it can and tests the bot's answers,
        not its pacing; the tests of pacing and the notice benchmark switch it on.
        """
        self.flood.switch(limits)

    def enforce_rate(self, per_second: float | None) -> None:
        """Only the overall limit, at `per_second` messages a second (None lifts it)."""
        limits = None if per_second is None else FloodLimits(None, 1.0, None, per_second)
        self.flood.switch(limits)

    @property
    def too_many_requests(self) -> int:
        """How many calls flood control refused with 429."""
        return self.flood.refused

    def set_delay(self, seconds: float) -> None:
        """Answer every call except getUpdates `seconds` late (a slow network)."""
        self._delay = seconds

    def drop_connections(self, count: int) -> None:
        """Close the connection of the next `count` calls except getUpdates, without answering."""
        self._drops += count

    def end_faults(self) -> None:
        """Call off the injected failures and drops that have not happened yet."""
        self._faults.clear()
        self._drops = 0

    def faults_left(self) -> int:
        """Injected failures and dropped connections still to come (0: the storm is over)."""
        return sum(fault.remaining for fault in self._faults) + self._drops

    async def _injected(self, name: str, request: web.Request) -> web.StreamResponse | None:
        """What an injected failure makes of this call of `name` (lower case): a dropped
        connection or an error, after the delay; None when the call is answered as usual."""
        if name != "getupdates":
            if self._drops:
                self._drops -= 1
                if request.transport is not None:
                    request.transport.close()
                return web.Response()  # never written: the connection is gone
            if self._delay:
                await asyncio.sleep(self._delay)
        fault = next((fault for fault in self._faults if fault.matches(name)), None)
        if fault is None:
            return None
        fault.remaining -= 1
        if not fault.remaining:
            self._faults.remove(fault)
        return fault.response()
