"""A Telegram Bot API server for tests and demos, speaking real HTTP on 127.0.0.1.

It implements the methods this bot uses — long-polled getUpdates, sending, copying, editing and
deleting messages (`messages`), albums, locations, voice, callback answers, commands, getFile and
file downloads — as strictly as Telegram: the refusals and formatting of `checks`, `formatting`,
`files` and `limits`, listed with their Bot API sections in README.md. Tests can also make it
answer 429, 5xx, 403 or 400 on demand, slow it down or drop connections, so the bot's failure
paths run without reaching Telegram. The in-process side
(`user`, `group`, `sent`, `requests`, `on_bot_message`, `on_bot_delete`) is what tests and the
playground drive.

It does not import `telegram`: it is an independent implementation to test the bot against.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from bot.emulator.base import Json, Signal
from bot.emulator.checks import ApiError, bad_request, check_commands, commands_key
from bot.emulator.files import MAX_DOWNLOAD_BYTES, MAX_UPLOAD_BYTES, FileStore, Upload
from bot.emulator.http_guard import http_guard
from bot.emulator.limits import TELEGRAM_LIKE, Clock, FloodControl, FloodLimits
from bot.emulator.messages import BotMessageListener, MessagingApi, need, public
from bot.emulator.users import (
    EmulatedChannel,
    EmulatedChat,
    EmulatedGroup,
    EmulatedUser,
)
from bot.emulator.webhook import Webhook

log = logging.getLogger(__name__)

CALLBACK_ANSWER_SECONDS = 15.0
"""How long Telegram waits for answerCallbackQuery before the query expires."""
CHAT_ACTIONS = frozenset(
    {"typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice"}
    | {"upload_document", "choose_sticker", "find_location", "record_video_note"}
    | {"upload_video_note"}
)
MAX_CALLBACK_ANSWER = 200
"""Characters of an answerCallbackQuery text (a notification or alert)."""
REQUEST_OVERHEAD = 1024 * 1024
"""Room for the other fields of an upload, so a file just over 50 MB meets Telegram's JSON 413."""
SHUTDOWN_SECONDS = 0.5  # how long `stop` lets in-flight requests (a delayed call) finish

DESCRIPTIONS = {
    400: "Bad Request: chat not found",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
}
# Parameters that are free text: never JSON-decoded, so a text "123" stays a string.
TEXT_PARAMS = frozenset(
    {"text", "caption", "title", "address", "question", "callback_query_id", "file_id", "url"}
    | {"phone_number", "first_name", "last_name", "description", "short_description", "name"}
)


@dataclass
class _Fault:
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
        return _error(self.status, description, retry_after)


class BotApiEmulator(MessagingApi):
    """The HTTP server, the state of the emulated Telegram, and the handles tests drive it by."""

    def __init__(
        self,
        token: str = "123456:TEST_token-shaped-like-one-from-BotFather",
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.token = token
        self.host = host
        self.port = port
        bot_id = token.split(":", 1)[0]
        self.bot_user: Json = {
            "id": int(bot_id) if bot_id.isdigit() else 1,
            "is_bot": True,
            "first_name": "清洁乡村助手",
            "username": "clean_village_bot",
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }
        self.chats: dict[int, EmulatedChat] = {}
        self.files = FileStore()
        self.sent: list[Json] = []
        """Every message the bot sent, anywhere, in order (edits applied in place)."""
        self.requests: list[tuple[str, Json]] = []
        """(method as called, decoded parameters) of every Bot API call; uploads are `Upload`s."""
        self.commands: dict[tuple[str, str], list[Json]] = {}
        """setMyCommands by (scope as sorted JSON, language code or "")."""
        self.on_bot_message: list[BotMessageListener] = []
        self.on_bot_delete: list[BotMessageListener] = []
        """Awaited with each message the bot deletes (the playground removes it from its pane)."""
        self._messages: dict[tuple[int, int], Json] = {}  # every message, by (chat id, id)
        self._message_ids: dict[int, itertools.count[int]] = {}
        self._updates: list[Json] = []
        self._update_ids = itertools.count(1)
        self._update_posted = Signal()
        self._ids = itertools.count(1)
        self.clock: Clock = time.monotonic
        """The emulator's sense of elapsed time (callback query expiry, flood control); tests
        may replace it to move time on without sleeping."""
        self.flood = FloodControl(lambda: self.clock())
        self._open_queries: dict[str, tuple[EmulatedUser, float]] = {}  # id -> presser, when
        self._faults: list[_Fault] = []
        self._delay = 0.0
        self._drops = 0
        self._closing = False
        self._runner: web.AppRunner | None = None
        self.webhook = Webhook(self)

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        """Listen on host:port (port 0 picks a free one, then `port` holds it)."""
        app = web.Application(
            client_max_size=MAX_UPLOAD_BYTES + REQUEST_OVERHEAD,
            middlewares=[http_guard(lambda: self.port)],
        )
        app.router.add_post("/bot{token}/{method}", self._handle_method)
        app.router.add_get("/bot{token}/{method}", self._handle_method)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        self._closing = False
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=SHUTDOWN_SECONDS)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.host, self.port).start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        """Answer pending long polls at once, then close the server and its connections."""
        self._closing = True
        self._update_posted.fire()
        await self.webhook.stop()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def base_url(self) -> str:
        """For ApplicationBuilder().base_url / Bot(base_url=): PTB appends the token."""
        return f"http://{self.host}:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://{self.host}:{self.port}/file/bot"

    # -- people and chats --------------------------------------------------------------------

    def user(
        self,
        user_id: int,
        first_name: str = "Villager",
        language_code: str | None = "zh",
        username: str | None = None,
    ) -> EmulatedUser:
        """The person with this id (created on first use), in a private chat with the bot."""
        existing = self.chats.get(user_id)
        if existing is None:
            existing = EmulatedUser(self, user_id, first_name, language_code, username)
            self.chats[user_id] = existing
        if not isinstance(existing, EmulatedUser):
            raise ValueError(f"chat {user_id} is a group, not a user")
        return existing

    def group(self, chat_id: int, title: str = "Group") -> EmulatedGroup:
        """The group with this id (created on first use); the bot's messages there are kept."""
        existing = self.chats.get(chat_id)
        if existing is None:
            existing = EmulatedGroup(self, chat_id, title)
            self.chats[chat_id] = existing
        if not isinstance(existing, EmulatedGroup):
            raise ValueError(f"chat {chat_id} is a user, not a group")
        return existing

    def channel(self, chat_id: int, title: str = "Channel") -> EmulatedChannel:
        """The channel with this id (created on first use), with the bot among its admins."""
        existing = self.chats.get(chat_id)
        if existing is None:
            existing = EmulatedChannel(self, chat_id, title)
            self.chats[chat_id] = existing
        if not isinstance(existing, EmulatedChannel):
            raise ValueError(f"chat {chat_id} is not a channel")
        return existing

    # -- fault injection and inspection ------------------------------------------------------

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
        self._faults.append(_Fault(method.lower(), status, times, retry_after, description))

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

    def file_bytes(self, file_id: str) -> bytes:
        """The content of any file the emulator holds, sent by users or uploaded by the bot."""
        stored = self.files.get(file_id)
        if stored is None:
            raise KeyError(f"no file {file_id!r}")
        return stored.data

    def current(self, message: Json) -> Json | None:
        """The message as it is now (edits applied), or None if it was deleted."""
        return self._messages.get((message["chat"]["id"], message["message_id"]))

    # -- what users do (called by EmulatedUser and EmulatedGroup) ----------------------------

    def post_message(self, chat: EmulatedChat, sender: Json, content: Json) -> Json:
        """A message someone wrote in `chat`, queued as a `message` update."""
        message = {
            "message_id": self._next_message_id(chat.chat_id),
            "from": sender,
            "date": int(time.time()),
            "chat": chat.chat_dict,
            **content,
        }
        self._messages[chat.chat_id, message["message_id"]] = message
        self._post_update("message", message)
        return message

    def post_edit(self, message: Json, changes: Json, kind: str = "edited_message") -> Json:
        """Someone edited their message (text, or a live location): an `edited_message` update
        (`edited_channel_post` for a channel's post)."""
        edited = {**(self.current(message) or message), **changes, "edit_date": int(time.time())}
        self._messages[edited["chat"]["id"], edited["message_id"]] = edited
        self._post_update(kind, edited)
        return edited

    def post_channel_post(self, channel: EmulatedChannel, content: Json) -> Json:
        """A post in a channel, queued as a `channel_post` update."""
        message = {
            "message_id": self._next_message_id(channel.chat_id),
            "sender_chat": channel.chat_dict,
            "date": int(time.time()),
            "chat": channel.chat_dict,
            **content,
        }
        self._messages[channel.chat_id, message["message_id"]] = message
        self._post_update("channel_post", message)
        return message

    def take_updates(self) -> list[Json]:
        """Every queued update, removed from the queue: for tests that feed updates to an
        Application themselves (its polling stopped) and so know when each one is handled."""
        taken, self._updates = self._updates, []
        return taken

    def post_callback_query(self, user: EmulatedUser, message: Json, data: str) -> Json:
        """`user` pressed a button with `data` under `message`: a `callback_query` update."""
        query: Json = {
            "id": self.new_id(),
            "from": user.user_dict,
            "chat_instance": f"ci{message['chat']['id']}",
            "message": public(self.current(message) or message),
            "data": data,
        }
        self._open_queries[query["id"]] = (user, self.clock())
        self._post_update("callback_query", query)
        return query

    def _post_update(self, kind: str, payload: Json) -> None:
        self._updates.append({"update_id": next(self._update_ids), kind: payload})
        self._update_posted.fire()

    # -- HTTP --------------------------------------------------------------------------------

    async def _handle_method(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        method = request.match_info["method"]
        params = await _read_params(request)
        self.requests.append((method, params))
        name = method.lower()
        if name != "getupdates":
            if self._drops:
                self._drops -= 1
                if request.transport is not None:
                    request.transport.close()
                return web.Response()  # never written: the connection is gone
            if self._delay:
                await asyncio.sleep(self._delay)
        fault = next((fault for fault in self._faults if fault.matches(name)), None)
        if fault is not None:
            fault.remaining -= 1
            if not fault.remaining:
                self._faults.remove(fault)
            return fault.response()
        handler: Callable[[Json], Awaitable[Any]] | None = getattr(self, f"_api_{name}", None)
        if handler is None:
            return _error(404, "Not Found: method not found")
        try:
            result = await handler(params)
        except ApiError as error:
            log.info("refused %s with %d: %s", method, error.code, error.description)
            return _error(error.code, error.description, error.retry_after)
        return web.json_response({"ok": True, "result": result})

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        stored = self.files.at_path(request.match_info["path"])
        if stored is None:
            return _error(404, "Not Found")
        return web.Response(body=stored.data, content_type="application/octet-stream")

    # -- Bot API: session, updates, commands -------------------------------------------------

    async def _api_getme(self, params: Json) -> Json:
        return self.bot_user

    async def _api_logout(self, params: Json) -> bool:
        return True

    async def _api_close(self, params: Json) -> bool:
        return True

    async def _api_deletewebhook(self, params: Json) -> bool:
        return await self.webhook.delete(params)

    async def _api_setwebhook(self, params: Json) -> bool:
        return await self.webhook.set(params)

    async def _api_getwebhookinfo(self, params: Json) -> Json:
        return self.webhook.info()

    async def _api_getupdates(self, params: Json) -> list[Json]:
        """Long polling: confirm updates below `offset`, wait up to `timeout` s for news."""
        self.webhook.refuse_get_updates()
        offset = int(params.get("offset") or 0)
        if offset < 0:  # the last -offset updates; all earlier ones are forgotten
            self._updates = self._updates[offset:]
        elif offset:
            self._updates = [update for update in self._updates if update["update_id"] >= offset]
        limit = min(max(int(params.get("limit") or 100), 1), 100)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + float(params.get("timeout") or 0)
        while not self._updates and not self._closing and (left := deadline - loop.time()) > 0:
            await self._update_posted.wait(left)
        return self._updates[:limit]

    async def _api_setmycommands(self, params: Json) -> bool:
        key = commands_key(params)
        self.commands[key] = check_commands(need(params, "commands"))
        return True

    async def _api_getmycommands(self, params: Json) -> list[Json]:
        return self.commands.get(commands_key(params), [])

    async def _api_deletemycommands(self, params: Json) -> bool:
        self.commands.pop(commands_key(params), None)
        return True

    async def _api_setchatmenubutton(self, params: Json) -> bool:
        return True

    # -- Bot API: chats ----------------------------------------------------------------------

    async def _api_getchat(self, params: Json) -> Json:
        gifts = dict.fromkeys(
            [
                "unlimited_gifts",
                "limited_gifts",
                "unique_gifts",
                "premium_subscription",
                "gifts_from_channels",
            ],
            True,
        )
        return {
            **self._known_chat(params.get("chat_id")).chat_dict,
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": gifts,
        }

    async def _api_getchatmember(self, params: Json) -> Json:
        self._known_chat(params.get("chat_id"))
        user_id = params.get("user_id")
        if user_id == self.bot_user["id"]:
            return {"status": "member", "user": self.bot_user}
        user = self.chats.get(user_id) if isinstance(user_id, int) else None
        if not isinstance(user, EmulatedUser):
            raise ApiError(400, "Bad Request: user not found")
        return {"status": "member", "user": user.user_dict}

    async def _api_sendchataction(self, params: Json) -> bool:
        """ "typing…" and friends: only the actions the Bot API lists."""
        self._target(params)
        if params.get("action") not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        return True

    async def _api_setmessagereaction(self, params: Json) -> bool:
        self._target(params)
        return True

    async def _api_answercallbackquery(self, params: Json) -> bool:
        """Record the answer with the user who pressed: once, within 15 s, text up to 200."""
        query_id = str(need(params, "callback_query_id"))
        if len(str(params.get("text") or "")) > MAX_CALLBACK_ANSWER:
            raise bad_request("MESSAGE_TOO_LONG")
        user, pressed = self._open_queries.pop(query_id, (None, 0.0))
        if user is None or self.clock() - pressed > CALLBACK_ANSWER_SECONDS:
            raise bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        answer = {
            "callback_query_id": query_id,
            "text": params.get("text"),
            "show_alert": bool(params.get("show_alert", False)),
            "url": params.get("url"),
        }
        user.record_answer(answer)
        return True

    # -- Bot API: files ----------------------------------------------------------------------

    async def _api_getfile(self, params: Json) -> Json:
        stored = self.files.get(str(need(params, "file_id")))
        if stored is None:
            raise bad_request("invalid file_id")
        if stored.size > MAX_DOWNLOAD_BYTES:
            raise bad_request("file is too big")
        return {**stored.fields(), "file_path": stored.path}


def _error(code: int, description: str, retry_after: int | None = None) -> web.Response:
    body: Json = {"ok": False, "error_code": code, "description": description}
    if retry_after is not None:
        body["parameters"] = {"retry_after": retry_after}
    return web.json_response(body, status=code)


async def _read_params(request: web.Request) -> Json:
    """Query, form or multipart fields: values JSON-decoded unless free text, uploads kept."""
    form = await request.post()
    params: Json = {}
    for key, value in [*request.query.items(), *form.items()]:
        if isinstance(value, web.FileField):
            params[key] = Upload(value.file.read(), value.filename, value.content_type)
            continue
        text = value.decode() if isinstance(value, bytes) else value
        if key in TEXT_PARAMS:
            params[key] = text
        else:
            try:
                params[key] = json.loads(text)
            except ValueError:
                params[key] = text
    return params
