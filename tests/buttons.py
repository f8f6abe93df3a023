"""Pressing and finding typed buttons (`bot.core.callbacks.CallbackData`) in tests, so a test
names a button by its class instead of a `"v1:…"` string, matched by parsing, never by string
prefix (`"v2:rv"` is a prefix of `"v2:rvk:…"`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.core.callbacks import CallbackData
from bot.emulator.users import EmulatedUser

Json = dict[str, Any]


def button_data(message: Json) -> list[str]:
    """Every callback payload on the message's inline keyboard."""
    rows = (message.get("reply_markup") or {}).get("inline_keyboard") or []
    return [button["callback_data"] for row in rows for button in row if "callback_data" in button]


def has_button(*buttons: type[CallbackData] | CallbackData) -> Callable[[Json], bool]:
    """A `wait_for` check: the message carries each of these buttons (an instance: exactly it;
    a class: any of its payloads)."""

    def present(button: type[CallbackData] | CallbackData, found: list[str]) -> bool:
        if isinstance(button, CallbackData):
            return button.pack() in found
        return any(button.parse(data) is not None for data in found)

    def check(message: Json) -> bool:
        found = button_data(message)
        return all(present(button, found) for button in buttons)

    return check


def no_buttons(message: Json) -> bool:
    """The message carries no inline keyboard at all (its buttons stopped being live)."""
    return not button_data(message)


def press(user: EmulatedUser, message: Json, button: CallbackData) -> Json:
    """Press the button on the message whose data is exactly this one (it must be there)."""
    return user.press(message, button.pack())


def words(message: Json) -> str:
    """What a message says: its text, or the caption of a photo (a task card is a captioned
    photo since issue #15)."""
    return message.get("text") or message.get("caption") or ""
