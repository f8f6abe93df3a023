"""What the real Bot API refuses in parameters, so the bot meets those refusals in tests.

Telegram answers these with 400 Bad Request: a missing or malformed chat_id, inline keyboards
with empty buttons, callback data outside 1–64 bytes or URLs it cannot open, and setMyCommands
calls with a bad scope, language code or command list. Texts and captions are checked where
they are parsed (`formatting`, `server._formatted`).
"""

from __future__ import annotations

import json
import re

from bot.emulator.base import Json

MAX_TEXT, MAX_CAPTION = 4096, 1024
MAX_COMMANDS, MAX_COMMAND, MAX_COMMAND_DESCRIPTION = 100, 32, 256
URL_SCHEMES = ("http://", "https://", "tg://", "ton://")
SCOPES_WITH_CHAT = {"chat", "chat_administrators", "chat_member"}
SCOPE_TYPES = {"default", "all_private_chats", "all_group_chats", "all_chat_administrators"}
SCOPE_TYPES |= SCOPES_WITH_CHAT


class ApiError(Exception):
    """Answer the current request with a Bot API error (HTTP status = error_code)."""

    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after


def bad_request(detail: str) -> ApiError:
    return ApiError(400, f"Bad Request: {detail}")


def chat_id(value: object) -> int:
    """A chat_id as Telegram takes it: an integer or its decimal string ("@name" is unknown
    here: the emulator's chats have no public usernames)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and re.fullmatch(r"-?\d{1,20}", value):
        return int(value)
    if value is None or value == "":
        raise bad_request("chat_id is empty")
    raise bad_request("chat not found")


def check_markup(markup: object) -> None:
    """An inline keyboard as Telegram accepts it: rows of buttons, each with a text and exactly
    one action; callback data of 1–64 bytes; URLs Telegram can open."""
    if markup is None:
        return
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise bad_request("can't parse inline keyboard markup JSON object")
        for row in rows:
            for button in row:
                _check_inline_button(button)
    elif "keyboard" in markup:
        for row in markup["keyboard"]:
            for button in row:
                text = button if isinstance(button, str) else (button or {}).get("text")
                if not text:
                    raise bad_request("can't parse keyboard button: Text must be non-empty")
    elif not (markup.get("remove_keyboard") or markup.get("force_reply")):
        raise bad_request("can't parse reply keyboard markup JSON object")


def _check_inline_button(button: object) -> None:
    if not isinstance(button, dict) or not button.get("text"):
        raise bad_request("can't parse inline keyboard button: Text must be non-empty")
    actions = [key for key in button if key != "text"]
    if not actions:
        raise bad_request(
            "can't parse inline keyboard button: InlineKeyboardButton must have exactly one "
            "optional field"
        )
    if "callback_data" in button:
        data = button["callback_data"]
        if not isinstance(data, str) or not 1 <= len(data.encode()) <= 64:
            raise bad_request("BUTTON_DATA_INVALID")
    if "url" in button:
        url = str(button["url"])
        if not url.lower().startswith(URL_SCHEMES) or len(url) <= len("https://"):
            raise bad_request("BUTTON_URL_INVALID")


def commands_key(params: Json) -> tuple[str, str]:
    """Where set/get/deleteMyCommands keep a command list: its checked scope and language."""
    scope = params.get("scope") or {"type": "default"}
    if not isinstance(scope, dict) or scope.get("type") not in SCOPE_TYPES:
        raise bad_request("unsupported bot command scope type")
    if scope["type"] in SCOPES_WITH_CHAT and scope.get("chat_id") in (None, ""):
        raise bad_request("chat_id is empty")
    if scope["type"] == "chat_member" and not isinstance(scope.get("user_id"), int):
        raise bad_request("user_id is empty")
    language = params.get("language_code") or ""
    if not isinstance(language, str) or (language and not re.fullmatch(r"[a-z]{2}", language)):
        raise bad_request("invalid language code specified")
    return json.dumps(scope, sort_keys=True), language


def check_commands(commands: object) -> list[Json]:
    """A setMyCommands list as Telegram stores it (descriptions trimmed), or its refusal."""
    if not isinstance(commands, list):
        raise bad_request("can't parse commands JSON object")
    if len(commands) > MAX_COMMANDS:
        raise bad_request("BOT_COMMANDS_TOO_MUCH")
    stored = []
    for entry in commands:
        if not isinstance(entry, dict):
            raise bad_request("can't parse BotCommand JSON object")
        command = str(entry.get("command") or "").strip().removeprefix("/")
        description = str(entry.get("description") or "").strip()
        if not command:
            raise bad_request("command must be non-empty")
        if len(command) > MAX_COMMAND:
            raise bad_request(f"command length must not exceed {MAX_COMMAND}")
        if not re.fullmatch(r"[a-z0-9_]+", command):
            raise bad_request("BOT_COMMAND_INVALID")
        if not description:
            raise bad_request("command description must be non-empty")
        if len(description) > MAX_COMMAND_DESCRIPTION:
            raise bad_request(
                f"command description length must not exceed {MAX_COMMAND_DESCRIPTION}"
            )
        stored.append({"command": command, "description": description})
    return stored
