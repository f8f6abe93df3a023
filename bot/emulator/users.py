"""The people side of the emulator: chats that receive the bot's messages, and users who act.

Every user action builds a Bot API object of the shape python-telegram-bot 22.8 (Bot API 10.0)
accepts and hands it to the emulator, which queues it as an Update for `getUpdates`. Every
message the bot sends lands in its chat, where a test reads it with a per-chat cursor.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from bot.emulator.base import Json, Signal, wait_until
from bot.emulator.checks import ApiError
from bot.emulator.files import FAKE_MP4, FAKE_OGG, FAKE_WEBP, SMALL_JPEG

if TYPE_CHECKING:
    from bot.emulator.server import BotApiEmulator

Predicate = Callable[[Json], bool]

GROUP_ANONYMOUS_BOT: Json = {
    "id": 1087968824,
    "is_bot": True,
    "first_name": "Group",
    "username": "GroupAnonymousBot",
}
"""The `from` of a message an anonymous group admin writes (its `sender_chat` is the group)."""
CHANNEL_BOT: Json = {
    "id": 136817688,
    "is_bot": True,
    "first_name": "Channel",
    "username": "Channel_Bot",
}
"""The `from` of a message posted in a group on behalf of a channel."""


class EmulatedChat:
    """A chat the bot can write to: the messages it holds, and a read cursor for tests.

    The cursor walks a feed in which a message appears when it is sent and again each time it
    is edited, so `wait_for` also sees a keyboard being replaced by a confirmation.
    """

    def __init__(self, emulator: BotApiEmulator, chat_id: int, chat_type: str) -> None:
        self.emulator = emulator
        self.chat_id = chat_id
        self.chat_type = chat_type
        self.messages: list[Json] = []
        """The bot's messages still in this chat, in order; edits are applied in place."""
        self.reply_keyboard: list[list[str]] | None = None
        """Button texts of the reply keyboard the bot last showed here, or None once removed."""
        self._feed: list[Json] = []
        self._cursor = 0
        self._arrived = Signal()

    @property
    def chat_dict(self) -> Json:
        """This chat as a Bot API Chat, the `chat` of every message in it."""
        return {"id": self.chat_id, "type": self.chat_type}

    # -- called by the emulator --------------------------------------------------------------

    def receive(self, message: Json) -> None:
        """A new message from the bot; a reply keyboard in it replaces or removes the current."""
        markup = message.get("reply_markup") or {}
        if "keyboard" in markup:
            self.reply_keyboard = [
                [button if isinstance(button, str) else button["text"] for button in row]
                for row in markup["keyboard"]
            ]
        elif markup.get("remove_keyboard"):
            self.reply_keyboard = None
        self.messages.append(message)
        self._announce(message)

    def receive_edit(self, message: Json) -> None:
        """The bot edited one of its messages (already changed in place): it is news again."""
        self._announce(message)

    def forget(self, message: Json) -> None:
        """The bot deleted one of its messages."""
        self.messages[:] = [kept for kept in self.messages if kept is not message]

    # -- reading, for tests ----------------------------------------------------------------

    def clear(self) -> None:
        """Skip everything received so far."""
        self._cursor = len(self._feed)

    async def next_message(self, timeout: float = 5.0) -> Json:
        """The next message (or edit) after the cursor; the cursor moves past it."""
        return await self.wait_for(lambda _message: True, timeout)

    async def wait_for(self, predicate: Predicate, timeout: float = 5.0) -> Json:
        """The first message (or edit) from the cursor on that matches; the cursor moves past it."""

        def find() -> Json | None:
            for index in range(self._cursor, len(self._feed)):
                if predicate(self._feed[index]):
                    self._cursor = index + 1
                    return self._feed[index]
            return None

        return await wait_until(find, self._arrived, timeout, lambda: self._explain(timeout))

    def _announce(self, message: Json) -> None:
        self._feed.append(message)
        self._arrived.fire()

    def _explain(self, timeout: float) -> str:
        unread = [describe(message) for message in self._feed[self._cursor :]]
        read = [describe(message) for message in self._feed[: self._cursor][-3:]]
        return (
            f"chat {self.chat_id}: no matching message from the bot within {timeout} s; "
            f"unread: {unread or 'nothing'}; last read before that: {read or 'nothing'}"
        )


class EmulatedGroup(EmulatedChat):
    """A group the bot is a member of; ids starting with -100 are supergroups."""

    def __init__(self, emulator: BotApiEmulator, chat_id: int, title: str) -> None:
        chat_type = "supergroup" if str(chat_id).startswith("-100") else "group"
        super().__init__(emulator, chat_id, chat_type)
        self.title = title

    @property
    def chat_dict(self) -> Json:
        return {**super().chat_dict, "title": self.title}

    def send_text(self, from_user: EmulatedUser | Json, text: str) -> Json:
        """A member (an EmulatedUser or a User dict) writes in the group."""
        sender = from_user.user_dict if isinstance(from_user, EmulatedUser) else from_user
        return self.emulator.post_message(self, sender, text_content(text))

    def send_as_group(self, text: str) -> Json:
        """An anonymous admin writes: Telegram shows the group, not the person, as sender."""
        content = {**text_content(text), "sender_chat": self.chat_dict}
        return self.emulator.post_message(self, GROUP_ANONYMOUS_BOT, content)

    def send_as_channel(self, channel: EmulatedChannel, text: str) -> Json:
        """Someone posts in the group on behalf of a channel (or a linked channel's post is
        forwarded automatically): the sender is the channel."""
        content = {**text_content(text), "sender_chat": channel.chat_dict}
        return self.emulator.post_message(self, CHANNEL_BOT, content)

    def send_photo(self, from_user: EmulatedUser) -> Json:
        """A member posts a photo in the group (re-encoded, as Telegram stores photos)."""
        content = {"photo": self.emulator.files.add_photo(SMALL_JPEG)}
        return self.emulator.post_message(self, from_user.user_dict, content)


class EmulatedChannel(EmulatedChat):
    """A channel the bot is an admin of; its posts reach the bot as `channel_post` updates."""

    def __init__(self, emulator: BotApiEmulator, chat_id: int, title: str) -> None:
        super().__init__(emulator, chat_id, "channel")
        self.title = title

    @property
    def chat_dict(self) -> Json:
        return {**super().chat_dict, "title": self.title}

    def post(self, text: str) -> Json:
        """A post in the channel (no `from`: channel posts are signed by the channel)."""
        return self.emulator.post_channel_post(self, text_content(text))

    def edit_post(self, message: Json, text: str) -> Json:
        """An edited post: an `edited_channel_post` update."""
        return self.emulator.post_edit(message, {"text": text}, kind="edited_channel_post")


class EmulatedUser(EmulatedChat):
    """A person in a private chat with the bot (the chat id is the user id)."""

    def __init__(
        self,
        emulator: BotApiEmulator,
        user_id: int,
        first_name: str,
        language_code: str | None,
        username: str | None,
    ) -> None:
        super().__init__(emulator, user_id, "private")
        self.user_id = user_id
        self.first_name = first_name
        self.language_code = language_code
        self.username = username
        self.blocked = False
        self.callback_answers: list[Json] = []
        """The bot's answerCallbackQuery calls for this user's presses, in order."""
        self._answered = Signal()

    @property
    def chat_dict(self) -> Json:
        chat = {**super().chat_dict, "first_name": self.first_name}
        if self.username:
            chat["username"] = self.username
        return chat

    @property
    def user_dict(self) -> Json:
        """This person as a Bot API User, the `from` of everything they send."""
        user: Json = {"id": self.user_id, "is_bot": False, "first_name": self.first_name}
        if self.language_code:
            user["language_code"] = self.language_code
        if self.username:
            user["username"] = self.username
        return user

    # -- writing to the bot ----------------------------------------------------------------

    def send_text(self, text: str) -> Json:
        """A text message; a leading /command gets its bot_command entity, as in Telegram."""
        return self._send(text_content(text))

    def send_photo(
        self,
        data: bytes | None = None,
        caption: str | None = None,
        media_group_id: str | None = None,
    ) -> Json:
        """A photo (a small green JPEG unless `data` is given), optionally part of an album.

        Like Telegram, the bot gets new JPEGs without metadata (EXIF dropped), in sizes up to
        the original's; `data` that is not a picture raises ValueError (no client sends it).
        """
        try:
            sizes = self.emulator.files.add_photo(data or SMALL_JPEG)
        except ApiError as error:
            raise ValueError(f"not a photo Telegram would take: {error.description}") from None
        content: Json = {"photo": sizes}
        if caption is not None:
            content["caption"] = caption
        if media_group_id is not None:
            content["media_group_id"] = media_group_id
        return self._send(content)

    def send_album(self, count: int, caption: str | None = None) -> list[Json]:
        """`count` photos sent together: one message each, sharing a media_group_id (the
        caption, as in Telegram, on the first)."""
        album = self.emulator.new_id()
        return [
            self.send_photo(caption=caption if index == 0 else None, media_group_id=album)
            for index in range(count)
        ]

    def send_document(
        self,
        data: bytes,
        file_name: str,
        mime_type: str,
        caption: str | None = None,
        file_size: int | None = None,
    ) -> Json:
        """A file; `file_size` may claim more than len(data), e.g. an image over 20 MB."""
        stored = self.emulator.files.add(
            data, "document", file_name=file_name, mime_type=mime_type, size=file_size
        )
        content: Json = {
            "document": {**stored.fields(), "file_name": file_name, "mime_type": mime_type}
        }
        if caption is not None:
            content["caption"] = caption
        return self._send(content)

    def send_voice(self, data: bytes | None = None, duration: int = 3) -> Json:
        """A voice note (a few bytes of fake Ogg unless `data` is given)."""
        stored = self.emulator.files.add(data or FAKE_OGG, "voice", mime_type="audio/ogg")
        voice = {**stored.fields(), "duration": duration, "mime_type": "audio/ogg"}
        return self._send({"voice": voice})

    def send_location(
        self,
        latitude: float,
        longitude: float,
        horizontal_accuracy: float | None = None,
        live_period: int | None = None,
    ) -> Json:
        """A pinned point, or the start of a live location when `live_period` is given."""
        location: Json = {"latitude": latitude, "longitude": longitude}
        if horizontal_accuracy is not None:
            location["horizontal_accuracy"] = horizontal_accuracy
        if live_period is not None:
            location["live_period"] = live_period
        return self._send({"location": location})

    def edit_location(self, message: Json, latitude: float, longitude: float) -> Json:
        """A live location moves: Telegram delivers it as an edited_message."""
        location = {**message["location"], "latitude": latitude, "longitude": longitude}
        return self.emulator.post_edit(message, {"location": location})

    def send_venue(self, latitude: float, longitude: float, title: str, address: str) -> Json:
        location = {"latitude": latitude, "longitude": longitude}
        venue = {"location": location, "title": title, "address": address}
        return self._send({"location": location, "venue": venue})

    def send_sticker(self) -> Json:
        """A regular static sticker, for testing how the bot treats unexpected content."""
        stored = self.emulator.files.add(FAKE_WEBP, "sticker", mime_type="image/webp")
        sticker = {
            **stored.fields(),
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": "😀",
        }
        return self._send({"sticker": sticker})

    def send_contact(self, phone_number: str, first_name: str) -> Json:
        """A shared contact card."""
        return self._send({"contact": {"phone_number": phone_number, "first_name": first_name}})

    def send_animation(self) -> Json:
        """A GIF; like Telegram, the message carries it both as animation and as document."""
        stored = self.emulator.files.add(
            FAKE_MP4, "animation", file_name="funny.gif.mp4", mime_type="video/mp4"
        )
        document = {**stored.fields(), "file_name": stored.file_name, "mime_type": "video/mp4"}
        animation = {**document, "width": 320, "height": 240, "duration": 2}
        return self._send({"animation": animation, "document": document})

    def send_video(self) -> Json:
        """A short video (fake MP4 bytes)."""
        stored = self.emulator.files.add(FAKE_MP4, "video", mime_type="video/mp4")
        video = {**stored.fields(), "width": 640, "height": 480, "duration": 5}
        return self._send({"video": video})

    def send_video_note(self) -> Json:
        """A round video message (fake MP4 bytes)."""
        stored = self.emulator.files.add(FAKE_MP4, "video_note", mime_type="video/mp4")
        return self._send({"video_note": {**stored.fields(), "length": 240, "duration": 3}})

    def send_dice(self, emoji: str = "🎲", value: int = 4) -> Json:
        """A thrown dice (or 🎯, 🏀, ... with `emoji`)."""
        return self._send({"dice": {"emoji": emoji, "value": value}})

    def send_poll(self, question: str, options: list[str]) -> Json:
        """An anonymous regular poll, with the fields Bot API 10.0 made required."""
        poll = {
            "id": self.emulator.new_id(),
            "question": question,
            "options": [
                {"text": option, "voter_count": 0, "persistent_id": str(index)}
                for index, option in enumerate(options)
            ],
            "total_voter_count": 0,
            "is_closed": False,
            "is_anonymous": True,
            "type": "regular",
            "allows_multiple_answers": False,
            "allows_revoting": True,
            "members_only": False,
        }
        return self._send({"poll": poll})

    def edit_text(self, message: Json, text: str) -> Json:
        """The user edits one of their text messages: an edited_message update."""
        return self.emulator.post_edit(message, {"text": text})

    # -- buttons ----------------------------------------------------------------------------

    def press(self, message: Json, button: str) -> Json:
        """Press an inline button, by visible text or callback data, as the message shows now."""
        current = self.emulator.current(message)
        if current is None:
            raise AssertionError(f"message {describe(message)} was deleted by the bot")
        buttons = [
            candidate
            for row in (current.get("reply_markup") or {}).get("inline_keyboard", [])
            for candidate in row
        ]
        for candidate in buttons:
            if button in (candidate.get("text"), candidate.get("callback_data")):
                if "callback_data" not in candidate:
                    raise AssertionError(f"button {candidate} has no callback_data to press")
                return self.press_raw(current, candidate["callback_data"])
        raise AssertionError(f"no button {button!r} on message {describe(current)}")

    def press_raw(self, message: Json, data: str) -> Json:
        """A callback query with any data, on any message: a forged or replayed button."""
        return self.emulator.post_callback_query(self, message, data)

    def record_answer(self, answer: Json) -> None:
        """The bot answered one of this user's presses (called by the emulator)."""
        self.callback_answers.append(answer)
        self._answered.fire()

    async def answer_to(self, query: Json, timeout: float = 5.0) -> Json:
        """The bot's answer to one press (the dict `press`/`press_raw` returned)."""

        def find() -> Json | None:
            return next(
                (a for a in self.callback_answers if a["callback_query_id"] == query["id"]), None
            )

        def explain() -> str:
            return f"user {self.user_id}: press {query['data']!r} not answered in {timeout} s"

        return await wait_until(find, self._answered, timeout, explain)

    def block_bot(self) -> None:
        """From now on every call to this chat fails with 403, as for a real blocked bot."""
        self.blocked = True

    def unblock_bot(self) -> None:
        """The user lets the bot write again."""
        self.blocked = False

    def _send(self, content: Json) -> Json:
        return self.emulator.post_message(self, self.user_dict, content)


def text_content(text: str) -> Json:
    """The fields of a text message; a leading /command is marked as Telegram marks it."""
    content: Json = {"text": text}
    if text.startswith("/"):
        command = text.split(maxsplit=1)[0]
        length = len(command.encode("utf-16-le")) // 2
        content["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
    return content


def describe(message: Json) -> str:
    """A one-line summary of a message for failure messages: kind, text and buttons."""
    kinds = [key for key in ("photo", "document", "voice", "location", "venue") if key in message]
    text = message.get("text") or message.get("caption") or ""
    buttons = [
        f"{button.get('text')}→{button.get('callback_data', button.get('url'))}"
        for row in (message.get("reply_markup") or {}).get("inline_keyboard", [])
        for button in row
    ]
    summary = f"#{message.get('message_id')} {' '.join(kinds)} {text[:100]!r}"
    return f"{summary} buttons={buttons}" if buttons else summary
