"""Small shared pieces of the emulator: the JSON alias, a wake-up signal and a waiting helper."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any, TypeVar

Json = dict[str, Any]
"""A Bot API object (Message, Update, User, ...) as plain JSON-compatible data."""

T = TypeVar("T")


class Signal:
    """Wakes every current waiter when something new happens.

    Firing swaps in a fresh event instead of clearing one, so a waiter can never miss a
    wake-up, and `fire` is synchronous: test code can call it without awaiting.
    """

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def fire(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait(self, timeout: float) -> None:
        """Return on the next `fire` or after `timeout` seconds, whichever comes first."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._event.wait(), timeout)


async def wait_until(
    find: Callable[[], T | None], signal: Signal, timeout: float, explain: Callable[[], str]
) -> T:
    """Re-run `find` on every `signal` until it returns something, for `timeout` seconds.

    On timeout raise TimeoutError(explain()), so the failure says what did happen instead.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while (found := find()) is None:
        remaining = deadline - loop.time()
        if remaining <= 0:
            raise TimeoutError(explain())
        await signal.wait(remaining)
    return found
