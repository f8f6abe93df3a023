"""A Telegram Bot API server for tests and demos, speaking real HTTP on 127.0.0.1.

It implements the methods this bot uses — long-polled getUpdates, sending, copying, editing and
deleting messages (`messages`), albums, locations, voice, callback answers, commands, getFile and
file downloads — as strictly as Telegram: the refusals and formatting of `checks`, `formatting`,
`files` and `limits`, listed with their Bot API sections in README.md. Tests can also make it
answer 429, 5xx, 403 or 400 on demand, slow it down or drop connections, so the bot's failure
paths run without reaching Telegram (`faults`; the HTTP side is `http_api`). The in-process side
(`user`, `group`, `sent`, `requests`, `on_bot_message`, `on_bot_delete`) is what tests and the
playground drive.

It does not import `telegram`: it is an independent implementation to test the bot against.
"""

from __future__ import annotations

import asyncio
import itertools
import time

from bot.emulator.base import Json, Signal
from bot.emulator.checks import ApiError, bad_request, check_commands, commands_key
from bot.emulator.files import MAX_DOWNLOAD_BYTES, FileStore
from bot.emulator.http_api import HttpApi
from bot.emulator.limits import Clock, FloodControl
from bot.emulator.messages import BotMessageListener, MessagingApi, need, public
from bot.emulator.users import (
    EmulatedChannel,
    EmulatedChat,
    EmulatedGroup,
    EmulatedUser,
)
from bot.emulator.webhook import Webhook

CALLBACK_ANSWER_SECONDS = 15.0
"""How long Telegram waits for answerCallbackQuery before the query expires."""
CHAT_ACTIONS = frozenset(
    {"typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice"}
    | {"upload_document", "choose_sticker", "find_location", "record_video_note"}
    | {"upload_video_note"}
)
MAX_CALLBACK_ANSWER = 200
"""Characters of an answerCallbackQuery text (a notification or alert)."""


class BotApiEmulator(HttpApi, MessagingApi):
    """The state of the emulated Telegram and the handles tests drive it by; its HTTP server is
    `HttpApi` with its failures on demand (`FaultInjection`), its messages `MessagingApi`."""

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
        HttpApi.__init__(self)
        self.webhook = Webhook(self)

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

    # -- inspection --------------------------------------------------------------------------

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
