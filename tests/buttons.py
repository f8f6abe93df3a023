"""Pressing and finding typed buttons (`bot.core.callbacks.CallbackData`) in end-to-end tests,
matched by parsing, not by string prefix (`"v2:rv"` is a prefix of `"v2:rvk:…"`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.core.callbacks import CallbackData
from bot.emulator.users import EmulatedUser

Json = dict[str, Any]


def payloads(message: Json) -> list[str]:
    """The callback data of every inline button on the message."""
    rows = (message.get("reply_markup") or {}).get("inline_keyboard") or []
    return [button["callback_data"] for row in rows for button in row if "callback_data" in button]


def has_button(*kinds: type[CallbackData]) -> Callable[[Json], bool]:
    """A check for `wait_for`: the message has a button of each of these classes."""

    def check(message: Json) -> bool:
        found = payloads(message)
        return all(any(kind.parse(data) is not None for data in found) for kind in kinds)

    return check


def press(user: EmulatedUser, message: Json, button: CallbackData) -> Json:
    """Press the button on the message whose data is exactly this one."""
    return user.press(message, button.pack())
