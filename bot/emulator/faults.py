"""Failures on demand: the next calls answer 429, 5xx, 403 or 400 (to any chat or to one),
come late, or lose their connection; and Telegram's flood control, switched on by the tests of
pacing."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from aiohttp import web

from bot.emulator.base import Json
from bot.emulator.checks import ApiError, chat_id
from bot.emulator.limits import TELEGRAM_LIKE, FloodControl, FloodLimits

DESCRIPTIONS = {
    400: "Bad Request: chat not found",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
}
KICKED_FROM_GROUP = "Forbidden: bot was kicked from the group chat"
KICKED_FROM_SUPERGROUP = "Forbidden: bot was kicked from the supergroup chat"
"""403s for a group (or supergroup) that removed the bot, as Telegram words them."""
DEACTIVATED = "Forbidden: user is deactivated"
"""The 403 for a user who deleted their Telegram account."""


def error_response(code: int, description: str, retry_after: int | None = None) -> web.Response:
    """A Bot API error as Telegram sends it."""
    body: Json = {"ok": False, "error_code": code, "description": description}
    if retry_after is not None:
        body["parameters"] = {"retry_after": retry_after}
    return web.json_response(body, status=code)


@dataclass
class Fault:
    """An injected error for the next `remaining` calls of `method` (lower case, or "*"), to
    `chat_id` only when it is set."""

    method: str
    status: int
    remaining: int
    retry_after: int | None
    description: str | None
    chat_id: int | None = None

    def matches(self, method: str, params: Json) -> bool:
        if not (self.method == method or (self.method == "*" and method != "getupdates")):
            return False
        return self.chat_id is None or _chat_of(params) == self.chat_id

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
        chat_id: int | None = None,
    ) -> None:
        """The next `times` calls of `method` ("*": any but getUpdates) fail with `status`;
        with `chat_id`, only the calls to that chat (others go as usual), so a test can say
        which recipient Telegram refuses, whatever the order the bot sends in.

        429 carries `retry_after` (default 1 s) as Telegram does; the description defaults to
        Telegram's usual one for the status (`DEACTIVATED`, `KICKED_FROM_GROUP`: more of its own).
        """
        if times < 1:
            raise ValueError("times must be at least 1")
        fault = Fault(method.lower(), status, times, retry_after, description, chat_id)
        self._faults.append(fault)

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

    def end_faults(self, *, chat_id: int | None = None) -> None:
        """Call off the injected failures and drops that have not happened yet; with `chat_id`,
        only the failures injected for that chat."""
        if chat_id is not None:
            self._faults = [fault for fault in self._faults if fault.chat_id != chat_id]
            return
        self._faults.clear()
        self._drops = 0

    def faults_left(self) -> int:
        """Injected failures and dropped connections still to come (0: the storm is over)."""
        return sum(fault.remaining for fault in self._faults) + self._drops

    async def _injected(
        self, name: str, params: Json, request: web.Request
    ) -> web.StreamResponse | None:
        """What an injected failure makes of this call of `name` (lower case) with `params`: a
        dropped connection or an error, after the delay; None when it is answered as usual."""
        if name != "getupdates":
            if self._drops:
                self._drops -= 1
                if request.transport is not None:
                    request.transport.close()
                return web.Response()  # never written: the connection is gone
            if self._delay:
                await asyncio.sleep(self._delay)
        fault = next((fault for fault in self._faults if fault.matches(name, params)), None)
        if fault is None:
            return None
        fault.remaining -= 1
        if not fault.remaining:
            self._faults.remove(fault)
        return fault.response()


def _chat_of(params: Json) -> int | None:
    """The chat a call is for, None if it names none Telegram would take."""
    try:
        return chat_id(params.get("chat_id"))
    except ApiError:
        return None
