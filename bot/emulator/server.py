"""A Telegram Bot API server for tests and demos, speaking real HTTP on 127.0.0.1.

It implements the methods this bot uses — long-polled getUpdates, sending, copying, editing and
deleting messages, albums, locations, voice, callback answers, getFile and file downloads — with
the refusals Telegram would give (unknown chat, blocked user, message not modified, and those in
`checks`). Tests can also make it answer 429, 5xx, 403 or 400 on demand, slow it down or drop
connections, so the bot's failure paths run without reaching Telegram. The in-process side
(`user`, `group`, `sent`, `requests`, `on_bot_message`, `on_bot_delete`) is what tests and the
playground drive.

It does not import `telegram`: it is an independent implementation to test the bot against.
"""

from __future__ import annotations

import asyncio
import collections
import itertools
import json
import logging
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from bot.emulator.base import Json, Signal
from bot.emulator.checks import ApiError, check_markup, check_text
from bot.emulator.files import MAX_DOWNLOAD_BYTES, FileStore, StoredFile, Upload, photo_sizes
from bot.emulator.users import (
    EmulatedChannel,
    EmulatedChat,
    EmulatedGroup,
    EmulatedUser,
    describe,
)
from bot.emulator.webhook import Webhook

log = logging.getLogger(__name__)

BotMessageListener = Callable[[Json], Awaitable[None]]
"""Awaited with each message the bot sends or edits (an edited one carries `edit_date`)."""

MAX_UPLOAD_BYTES = 50 * 1024 * 1024
SHUTDOWN_SECONDS = 0.5  # how long `stop` lets in-flight requests (a delayed call) finish

DESCRIPTIONS = {
    400: "Bad Request: chat not found",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
}
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
# Parameters that are free text: never JSON-decoded, so a text "123" stays a string.
TEXT_PARAMS = frozenset(
    {"text", "caption", "title", "address", "question", "callback_query_id", "file_id", "url"}
    | {"phone_number", "first_name", "last_name", "description", "short_description", "name"}
)
MEDIA_KEYS = ("photo", "document", "voice", "audio", "video", "animation", "video_note")
# What copyMessage and forwardMessage carry over from the original message.
CONTENT_KEYS = (
    *MEDIA_KEYS,
    *("text", "entities", "caption", "caption_entities", "parse_mode"),
    *("sticker", "location", "venue", "contact", "dice", "poll"),
)


SENDING_PREFIXES = ("send", "copy", "forward")


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


class BotApiEmulator:
    """The HTTP server, the state of the emulated Telegram, and the handles tests drive it by."""

    def __init__(self, token: str = "123456:TEST", host: str = "127.0.0.1", port: int = 0) -> None:
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
        self._open_queries: dict[str, EmulatedUser] = {}  # callback query id -> who pressed
        self._faults: list[_Fault] = []
        self._delay = 0.0
        self._drops = 0
        self._rate_limit: float | None = None
        self._recent_sends: collections.deque[float] = collections.deque()
        self.too_many_requests = 0
        """How many calls were refused with 429 by `enforce_rate`."""
        self._closing = False
        self._runner: web.AppRunner | None = None
        self.webhook = Webhook(self)

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        """Listen on host:port (port 0 picks a free one, then `port` holds it)."""
        app = web.Application(client_max_size=MAX_UPLOAD_BYTES)
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

    def enforce_rate(self, per_second: float | None) -> None:
        """Refuse message-sending calls beyond `per_second` within any one second with 429
        (retry_after 1), as Telegram's flood control does; None lifts the limit."""
        self._rate_limit = per_second
        self._recent_sends.clear()

    def _over_rate(self, method: str) -> bool:
        if self._rate_limit is None or not method.startswith(SENDING_PREFIXES):
            return False
        if method == "sendchataction":
            return False
        now = time.monotonic()
        while self._recent_sends and now - self._recent_sends[0] >= 1:
            self._recent_sends.popleft()
        if len(self._recent_sends) >= self._rate_limit:
            self.too_many_requests += 1
            return True
        self._recent_sends.append(now)
        return False

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
        query = {
            "id": self.new_id(),
            "from": user.user_dict,
            "chat_instance": f"ci{message['chat']['id']}",
            "message": _public(self.current(message) or message),
            "data": data,
        }
        self._open_queries[query["id"]] = user
        self._post_update("callback_query", query)
        return query

    def new_id(self) -> str:
        """A fresh identifier for callback queries, polls and media groups."""
        return str(next(self._ids))

    def _post_update(self, kind: str, payload: Json) -> None:
        self._updates.append({"update_id": next(self._update_ids), kind: payload})
        self._update_posted.fire()

    def _next_message_id(self, chat_id: int) -> int:
        return next(self._message_ids.setdefault(chat_id, itertools.count(1)))

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
        if self._over_rate(name):
            return _error(429, "Too Many Requests: retry after 1", 1)
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
            return _error(error.code, error.description)
        return web.json_response({"ok": True, "result": result})

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        stored = self.files.at_path(request.match_info["path"])
        if stored is None:
            return _error(404, "Not Found")
        return web.Response(body=stored.data, content_type="application/octet-stream")

    async def _notify(
        self, message: Json, listeners: list[BotMessageListener] | None = None
    ) -> None:
        """Tell the listeners; a broken listener is logged, never turned into a bot error."""
        for listener in list(self.on_bot_message if listeners is None else listeners):
            try:
                await listener(message)
            except Exception:
                log.exception("on_bot_message listener failed on message %s", describe(message))

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
        self.commands[_commands_key(params)] = _need(params, "commands")
        return True

    async def _api_getmycommands(self, params: Json) -> list[Json]:
        return self.commands.get(_commands_key(params), [])

    async def _api_deletemycommands(self, params: Json) -> bool:
        self.commands.pop(_commands_key(params), None)
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
        user_id = _as_int(params.get("user_id"))
        if user_id == self.bot_user["id"]:
            return {"status": "member", "user": self.bot_user}
        user = self.chats.get(user_id or 0)
        if not isinstance(user, EmulatedUser):
            raise ApiError(400, "Bad Request: user not found")
        return {"status": "member", "user": user.user_dict}

    async def _api_sendchataction(self, params: Json) -> bool:
        self._target(params)
        return True

    async def _api_setmessagereaction(self, params: Json) -> bool:
        self._target(params)
        return True

    # -- Bot API: sending --------------------------------------------------------------------

    async def _api_sendmessage(self, params: Json) -> Json:
        chat = self._target(params)
        return await self._deliver(chat, params, {"text": str(_need(params, "text"))})

    async def _api_sendphoto(self, params: Json) -> Json:
        return await self._send_media(params, "photo")

    async def _api_senddocument(self, params: Json) -> Json:
        return await self._send_media(params, "document")

    async def _api_sendvoice(self, params: Json) -> Json:
        return await self._send_media(params, "voice")

    async def _api_sendaudio(self, params: Json) -> Json:
        return await self._send_media(params, "audio")

    async def _api_sendvideo(self, params: Json) -> Json:
        return await self._send_media(params, "video")

    async def _api_sendlocation(self, params: Json) -> Json:
        chat = self._target(params)
        return await self._deliver(chat, params, {"location": _location(params)})

    async def _api_sendvenue(self, params: Json) -> Json:
        chat = self._target(params)
        location = _location(params)
        venue = {
            "location": location,
            "title": str(_need(params, "title")),
            "address": str(_need(params, "address")),
        }
        return await self._deliver(chat, params, {"location": location, "venue": venue})

    async def _api_sendmediagroup(self, params: Json) -> list[Json]:
        """An album: one message per item, all sharing a media_group_id."""
        chat = self._target(params)
        items = _need(params, "media")
        if not isinstance(items, list) or not 2 <= len(items) <= 10:
            raise ApiError(400, "Bad Request: media group must contain 2-10 items")
        group_id = self.new_id()
        contents = [
            {"media_group_id": group_id, **self._input_media(_as_input_media(item), params)}
            for item in items
        ]
        return [
            await self._deliver(chat, {**params, **item}, content)
            for item, content in zip(items, contents, strict=True)
        ]

    async def _api_copymessage(self, params: Json) -> Json:
        """The content of a message sent anew, with no link to its author (returns MessageId)."""
        source = self._source(params, "Bad Request: message to copy not found")
        chat = self._target(params)
        content = {key: source[key] for key in CONTENT_KEYS if key in source}
        if "caption" in params:
            content.pop("caption_entities", None)
        message = await self._deliver(chat, params, content)
        return {"message_id": message["message_id"]}

    async def _api_forwardmessage(self, params: Json) -> Json:
        """The message itself, marked with its original sender in `forward_origin`."""
        source = self._source(params, "Bad Request: message to forward not found")
        chat = self._target(params)
        content = {key: source[key] for key in CONTENT_KEYS if key in source}
        origin = {"type": "user", "sender_user": source["from"], "date": source["date"]}
        return await self._deliver(chat, {}, {**content, "forward_origin": origin})

    # -- Bot API: changing sent messages -----------------------------------------------------

    async def _api_editmessagetext(self, params: Json) -> Json:
        chat, message = self._editable(params)
        if "text" not in message:
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        text = str(_need(params, "text"))
        check_text(text, params.get("parse_mode"))
        changes = {key: params.get(key) for key in ("parse_mode", "entities")}
        return await self._edit(chat, message, params, {**changes, "text": text})

    async def _api_editmessagecaption(self, params: Json) -> Json:
        chat, message = self._editable(params)
        changes = {key: params.get(key) for key in ("caption", "parse_mode", "caption_entities")}
        if changes["caption"] is not None:
            check_text(str(changes["caption"]), changes["parse_mode"], caption=True)
        return await self._edit(chat, message, params, changes)

    async def _api_editmessagereplymarkup(self, params: Json) -> Json:
        chat, message = self._editable(params)
        return await self._edit(chat, message, params, {})

    async def _api_editmessagemedia(self, params: Json) -> Json:
        chat, message = self._editable(params)
        media = _as_input_media(_need(params, "media"))
        changes = {key: media.get(key) for key in ("caption", "parse_mode", "caption_entities")}
        if changes["caption"] is not None:
            check_text(str(changes["caption"]), changes["parse_mode"], caption=True)
        changes.update(dict.fromkeys(MEDIA_KEYS))
        changes.update(self._input_media(media, params))
        return await self._edit(chat, message, params, changes)

    async def _api_deletemessage(self, params: Json) -> bool:
        chat = self._target(params)
        message = self._messages.pop((chat.chat_id, _as_int(params.get("message_id")) or 0), None)
        if message is None:
            raise ApiError(400, "Bad Request: message to delete not found")
        chat.forget(message)
        await self._notify(message, self.on_bot_delete)
        return True

    async def _api_answercallbackquery(self, params: Json) -> bool:
        """Record the answer with the user who pressed; a query can be answered only once."""
        query_id = str(_need(params, "callback_query_id"))
        user = self._open_queries.pop(query_id, None)
        if user is None:
            raise ApiError(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is invalid",
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
        stored = self.files.get(str(_need(params, "file_id")))
        if stored is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        if stored.size > MAX_DOWNLOAD_BYTES:
            raise ApiError(400, "Bad Request: file is too big")
        return {**stored.fields(), "file_path": stored.path}

    # -- helpers -----------------------------------------------------------------------------

    def _known_chat(self, chat_id: object) -> EmulatedChat:
        chat = self.chats.get(_as_int(chat_id) or 0)
        if chat is None:
            raise ApiError(400, "Bad Request: chat not found")
        return chat

    def _target(self, params: Json) -> EmulatedChat:
        """The chat the bot writes to: it must exist and must not have blocked the bot."""
        chat = self._known_chat(params.get("chat_id"))
        if isinstance(chat, EmulatedUser) and chat.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return chat

    def _source(self, params: Json, missing: str) -> Json:
        chat = self._known_chat(params.get("from_chat_id"))
        message = self._messages.get((chat.chat_id, _as_int(params.get("message_id")) or 0))
        if message is None:
            raise ApiError(400, missing)
        return message

    def _editable(self, params: Json) -> tuple[EmulatedChat, Json]:
        """A bot message to edit; inline messages (inline mode) do not exist here."""
        if "inline_message_id" in params:
            raise ApiError(400, "Bad Request: MESSAGE_ID_INVALID")
        chat = self._target(params)
        message = self._messages.get((chat.chat_id, _as_int(params.get("message_id")) or 0))
        if message is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        if message["from"]["id"] != self.bot_user["id"]:
            raise ApiError(400, "Bad Request: message can't be edited")
        return chat, message

    async def _send_media(self, params: Json, kind: str) -> Json:
        chat = self._target(params)
        content = self._media_content(kind, _need(params, kind), params, params)
        return await self._deliver(chat, params, content)

    def _input_media(self, media: Json, params: Json) -> Json:
        """The message field for one InputMedia of an album or of editMessageMedia."""
        return self._media_content(media["type"], media["media"], media, params)

    def _media_content(self, kind: str, reference: object, options: Json, params: Json) -> Json:
        """The message field for one photo/document/voice/audio/video.

        `reference` is an upload, an `attach://` part of the request, or the file_id of a file
        Telegram already has; `options` holds duration/width/height where given.
        """
        if kind not in MEDIA_KEYS:
            raise ApiError(400, f"Bad Request: unsupported media type {kind!r}")
        stored = self._resolve(reference, params, kind)
        if kind == "photo":
            return {"photo": photo_sizes(stored)}
        body = stored.fields()
        if kind in ("document", "audio", "video", "animation"):
            body.update(file_name=stored.file_name, mime_type=stored.mime_type)
        if kind in ("voice", "audio", "video", "animation", "video_note"):
            body["duration"] = int(options.get("duration") or 1)
        if kind in ("video", "animation"):
            body.update(
                width=int(options.get("width") or 640), height=int(options.get("height") or 480)
            )
        if kind == "video_note":
            body["length"] = int(options.get("length") or 240)
        return {kind: {key: value for key, value in body.items() if value is not None}}

    def _resolve(self, reference: object, params: Json, kind: str) -> StoredFile:
        if isinstance(reference, str) and reference.startswith("attach://"):
            reference = params.get(reference.removeprefix("attach://"))
        if isinstance(reference, Upload):
            return self.files.add(
                reference.data,
                kind,
                file_name=reference.filename,
                mime_type=reference.content_type,
            )
        stored = self.files.get(reference) if isinstance(reference, str) else None
        if stored is None:
            raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
        return stored

    async def _deliver(self, chat: EmulatedChat, params: Json, content: Json) -> Json:
        """Check, store and announce a new bot message; return it as the Bot API would."""
        if "text" in content:
            check_text(str(content["text"]), params.get("parse_mode"))
        if params.get("caption") is not None:
            check_text(str(params["caption"]), params.get("parse_mode"), caption=True)
        check_markup(params.get("reply_markup"))
        message: Json = {
            "message_id": self._next_message_id(chat.chat_id),
            "from": self.bot_user,
            "date": int(time.time()),
            "chat": chat.chat_dict,
            **content,
        }
        reply = self._replied_message(chat, params)
        if reply is not None:
            message["reply_to_message"] = reply
        for key in ("caption", "parse_mode", "entities", "caption_entities", "reply_markup"):
            if params.get(key) is not None:
                message[key] = params[key]
        self._messages[chat.chat_id, message["message_id"]] = message
        self.sent.append(message)
        chat.receive(message)
        await self._notify(message)
        return _public(message)

    def _replied_message(self, chat: EmulatedChat, params: Json) -> Json | None:
        """The message this one replies to (reply_parameters or the older reply_to_message_id)."""
        reply = params.get("reply_parameters") or {}
        message_id = _as_int(reply.get("message_id") or params.get("reply_to_message_id"))
        if message_id is None:
            return None
        original = self._messages.get((chat.chat_id, message_id))
        if original is None:
            if reply.get("allow_sending_without_reply") or params.get(
                "allow_sending_without_reply"
            ):
                return None
            raise ApiError(400, "Bad Request: message to be replied not found")
        return {key: value for key, value in _public(original).items() if key != "reply_to_message"}

    async def _edit(self, chat: EmulatedChat, message: Json, params: Json, changes: Json) -> Json:
        """Apply `changes` (None removes a field) and the new inline keyboard, in place.

        As in Telegram, an edit without `reply_markup` removes the inline keyboard, and an edit
        that changes nothing is refused with "message is not modified".
        """
        markup = params.get("reply_markup")
        check_markup(markup)
        edited = {**message, **changes}
        if markup:
            edited["reply_markup"] = markup
        elif "inline_keyboard" in (message.get("reply_markup") or {}):
            del edited["reply_markup"]
        edited = {key: value for key, value in edited.items() if value is not None}
        if edited == message:
            raise ApiError(400, NOT_MODIFIED)
        message.clear()
        message.update(edited, edit_date=int(time.time()))
        chat.receive_edit(message)
        await self._notify(message)
        return _public(message)


def _public(message: Json) -> Json:
    """The message as the Bot API returns it: without the emulator's `parse_mode` note, and
    with only an inline keyboard as reply_markup (Telegram never echoes reply keyboards)."""
    public = {key: value for key, value in message.items() if key != "parse_mode"}
    if "inline_keyboard" not in (public.get("reply_markup") or {}):
        public.pop("reply_markup", None)
    return public


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


def _need(params: Json, key: str) -> Any:
    """A required parameter, or the 400 Telegram gives when it is missing."""
    if params.get(key) is None:
        raise ApiError(400, f"Bad Request: {key} is empty")
    return params[key]


def _as_int(value: object) -> int | None:
    """An id given as a number or a numeric string; None for anything else (e.g. "@name")."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and re.fullmatch(r"-?\d+", value):
        return int(value)
    return None


def _as_input_media(value: object) -> Json:
    """One InputMedia of sendMediaGroup or editMessageMedia: a dict with a type and a media."""
    if not isinstance(value, dict) or "type" not in value or "media" not in value:
        raise ApiError(400, "Bad Request: can't parse InputMedia")
    return value


def _location(params: Json) -> Json:
    """The Location of a sendLocation/sendVenue call, refusing impossible coordinates."""
    try:
        latitude, longitude = float(params["latitude"]), float(params["longitude"])
    except (KeyError, TypeError, ValueError):
        raise ApiError(400, "Bad Request: wrong latitude or longitude") from None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise ApiError(400, "Bad Request: wrong latitude or longitude")
    return {"latitude": latitude, "longitude": longitude}


def _commands_key(params: Json) -> tuple[str, str]:
    """Where set/get/deleteMyCommands keep a command list: its scope and language."""
    scope = params.get("scope") or {"type": "default"}
    return json.dumps(scope, sort_keys=True), str(params.get("language_code") or "")
