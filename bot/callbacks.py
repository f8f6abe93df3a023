"""Button payloads: a short versioned prefix, an action code and ids only (≤ 64 bytes).

Buttons outlive the messages that carry them, so handlers decode defensively and re-check
everything against the database; a payload is never trusted.
"""

from __future__ import annotations

from dataclasses import dataclass

PREFIX = "v1"
MAX_BYTES = 64


@dataclass(frozen=True)
class Callback:
    action: str
    args: tuple[str, ...]

    def int_arg(self, index: int = 0) -> int | None:
        try:
            return int(self.args[index])
        except (IndexError, ValueError):
            return None

    def str_arg(self, index: int = 0) -> str | None:
        return self.args[index] if index < len(self.args) else None


def encode(action: str, *args: object) -> str:
    data = ":".join([PREFIX, action, *(str(arg) for arg in args)])
    if len(data.encode()) > MAX_BYTES:
        raise ValueError(f"callback data over {MAX_BYTES} bytes: {data!r}")
    return data


def decode(data: str | None) -> Callback | None:
    """The payload, or None for anything that is not ours or not well-formed."""
    if not data or len(data.encode()) > MAX_BYTES:
        return None
    prefix, _, rest = data.partition(":")
    if prefix != PREFIX or not rest:
        return None
    action, *args = rest.split(":")
    return Callback(action, tuple(args)) if action else None


def pattern(*actions: str) -> str:
    """A regex for CallbackQueryHandler that matches these actions."""
    return rf"^{PREFIX}:({'|'.join(actions)})(:|$)"
