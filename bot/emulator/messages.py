"""The Bot API methods that send, copy, edit and delete messages, with Telegram's refusals.

Mixed into `BotApiEmulator`: texts and captions are parsed (`formatting`) into plain text and
entities and checked for length, files are re-sent only as their own kind (`files`), inline
keyboards and chat ids are checked (`checks`), and flood control counts every message sent.
"""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from bot.emulator.base import Json
from bot.emulator.checks import (
    MAX_CAPTION,
    MAX_TEXT,
    ApiError,
    bad_request,
    chat_id,
    check_markup,
)
from bot.emulator.files import FileStore, StoredFile, Upload, check_upload
from bot.emulator.formatting import parse
from bot.emulator.limits import FloodControl
from bot.emulator.ogg import ogg_opus_seconds
from bot.emulator.users import EmulatedChat, EmulatedUser, describe

log = logging.getLogger(__name__)

BotMessageListener = Callable[[Json], Awaitable[None]]
"""Awaited with each message the bot sends or edits (an edited one carries `edit_date`)."""

MEDIA_KEYS = ("photo", "document", "voice", "audio", "video", "animation", "video_note")
CONTENT_KEYS = (
    *MEDIA_KEYS,
    *("text", "entities", "caption", "caption_entities"),
    *("sticker", "location", "venue", "contact", "dice", "poll"),
)
"""What copyMessage and forwardMessage carry over from the original message."""
ALBUM_KINDS = {"photo": "visual", "video": "visual", "document": "document", "audio": "audio"}
"""sendMediaGroup: photos and videos mix; documents only with documents, audio only with audio."""
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)


class MessagingApi:
    """sendMessage, sendPhoto, ..., copyMessage, editMessage*, deleteMessage, and the message
    ids and listeners they share; the state it names is set up by `BotApiEmulator`."""

    files: FileStore
    flood: FloodControl
    chats: dict[int, EmulatedChat]
    bot_user: Json
    sent: list[Json]
    on_bot_message: list[BotMessageListener]
    on_bot_delete: list[BotMessageListener]
    _messages: dict[tuple[int, int], Json]
    _message_ids: dict[int, itertools.count[int]]
    _ids: itertools.count[int]

    def new_id(self) -> str:
        """A fresh identifier for callback queries, polls and media groups."""
        return str(next(self._ids))

    def _next_message_id(self, chat_id: int) -> int:
        return next(self._message_ids.setdefault(chat_id, itertools.count(1)))

    async def _notify(
        self, message: Json, listeners: list[BotMessageListener] | None = None
    ) -> None:
        """Tell the listeners; a broken listener is logged, never turned into a bot error."""
        for listener in list(self.on_bot_message if listeners is None else listeners):
            try:
                await listener(message)
            except Exception:
                log.exception("on_bot_message listener failed on message %s", describe(message))

    # -- sending -----------------------------------------------------------------------------

    async def _api_sendmessage(self, params: Json) -> Json:
        chat = self._target(params)
        content = formatted_text(need(params, "text"), params)
        return await self._deliver(chat, params, content)

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

    async def _api_sendanimation(self, params: Json) -> Json:
        return await self._send_media(params, "animation")

    async def _api_sendlocation(self, params: Json) -> Json:
        chat = self._target(params)
        return await self._deliver(chat, params, {"location": _location(params)})

    async def _api_sendvenue(self, params: Json) -> Json:
        chat = self._target(params)
        location = _location(params)
        venue = {
            "location": location,
            "title": str(need(params, "title")),
            "address": str(need(params, "address")),
        }
        return await self._deliver(chat, params, {"location": location, "venue": venue})

    async def _api_sendmediagroup(self, params: Json) -> list[Json]:
        """An album: one message per item, all sharing a media_group_id, the caption on each
        item its own; 2–10 items of kinds Telegram lets share an album."""
        chat = self._target(params)
        items = need(params, "media")
        if not isinstance(items, list) or not 2 <= len(items) <= 10:
            raise bad_request("media group must contain 2-10 items")
        media = [_as_input_media(item) for item in items]
        groups = {ALBUM_KINDS.get(item["type"]) for item in media}
        if None in groups:
            raise bad_request("unsupported media type in a media group")
        if len(groups) > 1:
            raise bad_request(
                "documents and audio can be sent in a media group only with their own kind"
            )
        group_id = self.new_id()
        contents = [
            {
                "media_group_id": group_id,
                **self._input_media(item, params),
                **formatted_caption(item.get("caption"), item),
            }
            for item in media
        ]
        self.flood.admit(chat.chat_id, chat.chat_type)
        return [await self._deliver(chat, params, content, counted=False) for content in contents]

    async def _api_copymessage(self, params: Json) -> Json:
        """The content of a message sent anew, with no link to its author (returns MessageId)."""
        source = self._source(params, "message to copy not found")
        chat = self._target(params)
        content = {key: source[key] for key in CONTENT_KEYS if key in source}
        if "caption" in params:
            content.pop("caption", None)
            content.pop("caption_entities", None)
            content.update(formatted_caption(params["caption"], params))
        message = await self._deliver(chat, params, content)
        return {"message_id": message["message_id"]}

    async def _api_forwardmessage(self, params: Json) -> Json:
        """The message itself, marked with its original sender in `forward_origin`."""
        source = self._source(params, "message to forward not found")
        chat = self._target(params)
        content = {key: source[key] for key in CONTENT_KEYS if key in source}
        if "sender_chat" in source:
            origin = {"type": "chat", "sender_chat": source["sender_chat"]}
        else:
            origin = {"type": "user", "sender_user": source["from"]}
        origin["date"] = source["date"]
        return await self._deliver(chat, {}, {**content, "forward_origin": origin})

    # -- changing sent messages --------------------------------------------------------------

    async def _api_editmessagetext(self, params: Json) -> Json:
        chat, message = self._editable(params)
        if "text" not in message:
            raise bad_request("there is no text in the message to edit")
        changes = {"entities": None, **formatted_text(need(params, "text"), params)}
        return await self._edit(chat, message, params, changes)

    async def _api_editmessagecaption(self, params: Json) -> Json:
        chat, message = self._editable(params)
        if not any(key in message for key in MEDIA_KEYS):
            raise bad_request("there is no caption in the message to edit")
        changes = {"caption": None, "caption_entities": None}
        changes.update(formatted_caption(params.get("caption"), params))
        return await self._edit(chat, message, params, changes)

    async def _api_editmessagereplymarkup(self, params: Json) -> Json:
        chat, message = self._editable(params)
        return await self._edit(chat, message, params, {})

    async def _api_editmessagemedia(self, params: Json) -> Json:
        chat, message = self._editable(params)
        if not any(key in message for key in MEDIA_KEYS):
            raise bad_request("there is no media in the message to edit")
        media = _as_input_media(need(params, "media"))
        changes: Json = dict.fromkeys((*MEDIA_KEYS, "caption", "caption_entities"))
        changes.update(self._input_media(media, params))
        changes.update(formatted_caption(media.get("caption"), media))
        return await self._edit(chat, message, params, changes)

    async def _api_deletemessage(self, params: Json) -> bool:
        chat = self._target(params)
        key = (chat.chat_id, _message_id(params.get("message_id")))
        message = self._messages.pop(key, None)
        if message is None:
            raise bad_request("message to delete not found")
        chat.forget(message)
        await self._notify(message, self.on_bot_delete)
        return True

    # -- helpers -----------------------------------------------------------------------------

    def _known_chat(self, value: object) -> EmulatedChat:
        chat = self.chats.get(chat_id(value))
        if chat is None:
            raise bad_request("chat not found")
        return chat

    def _target(self, params: Json) -> EmulatedChat:
        """The chat the bot writes to: it must exist and must not have blocked the bot."""
        chat = self._known_chat(params.get("chat_id"))
        if isinstance(chat, EmulatedUser) and chat.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return chat

    def _source(self, params: Json, missing: str) -> Json:
        chat = self._known_chat(params.get("from_chat_id"))
        message = self._messages.get((chat.chat_id, _message_id(params.get("message_id"))))
        if message is None:
            raise bad_request(missing)
        return message

    def _editable(self, params: Json) -> tuple[EmulatedChat, Json]:
        """A bot message to edit; inline messages (inline mode) do not exist here."""
        if "inline_message_id" in params:
            raise bad_request("MESSAGE_ID_INVALID")
        chat = self._target(params)
        message = self._messages.get((chat.chat_id, _message_id(params.get("message_id"))))
        if message is None:
            raise bad_request("message to edit not found")
        if message["from"]["id"] != self.bot_user["id"]:
            raise bad_request("message can't be edited")
        return chat, message

    async def _send_media(self, params: Json, kind: str) -> Json:
        chat = self._target(params)
        caption = formatted_caption(params.get("caption"), params)
        content = {**self._media_content(kind, need(params, kind), params, params), **caption}
        return await self._deliver(chat, params, content)

    def _input_media(self, media: Json, params: Json) -> Json:
        """The message field for one InputMedia of an album or of editMessageMedia."""
        return self._media_content(media["type"], media["media"], media, params)

    def _media_content(self, kind: str, reference: object, options: Json, params: Json) -> Json:
        """The message field for one photo/document/voice/audio/video.

        `reference` is an upload, an `attach://` part of the request, or the file_id of a file
        Telegram already has, of the same kind; `options` holds duration/width/height.
        """
        if kind not in MEDIA_KEYS:
            raise bad_request(f"unsupported media type {kind!r}")
        if isinstance(reference, str) and reference.startswith("attach://"):
            reference = params.get(reference.removeprefix("attach://"))
        if kind == "photo":
            if isinstance(reference, Upload):
                check_upload(reference.data, kind)
                return {"photo": self.files.add_photo(reference.data)}
            stored = self._known_file(reference, kind)
            return {"photo": [{**stored.fields(), "width": stored.width, "height": stored.height}]}
        stored = self._stored(reference, kind)
        body = stored.fields()
        if kind in ("document", "audio", "video", "animation"):
            body.update(file_name=stored.file_name, mime_type=stored.mime_type)
        if kind in ("voice", "audio", "video", "animation", "video_note"):
            body["duration"] = int(options.get("duration") or ogg_opus_seconds(stored.data) or 1)
        if kind in ("video", "animation"):
            body.update(
                width=int(options.get("width") or 640), height=int(options.get("height") or 480)
            )
        if kind == "video_note":
            body["length"] = int(options.get("length") or 240)
        return {kind: {key: value for key, value in body.items() if value is not None}}

    def _stored(self, reference: object, kind: str) -> StoredFile:
        """An uploaded file stored as it came (documents keep their bytes and EXIF), or one
        Telegram already holds."""
        if isinstance(reference, Upload):
            check_upload(reference.data, kind)
            return self.files.add(
                reference.data,
                kind,
                file_name=reference.filename,
                mime_type=reference.content_type,
            )
        return self._known_file(reference, kind)

    def _known_file(self, reference: object, kind: str) -> StoredFile:
        if not isinstance(reference, str) or not reference:
            raise bad_request("wrong file identifier/HTTP URL specified")
        return self.files.for_sending(reference, kind)

    async def _deliver(
        self, chat: EmulatedChat, params: Json, content: Json, *, counted: bool = True
    ) -> Json:
        """Check, store and announce a new bot message; return it as the Bot API would."""
        markup = params.get("reply_markup")
        check_markup(markup)
        reply = self._replied_message(chat, params)
        if counted:
            self.flood.admit(chat.chat_id, chat.chat_type)
        message: Json = {
            "message_id": self._next_message_id(chat.chat_id),
            "from": self.bot_user,
            "date": int(time.time()),
            "chat": chat.chat_dict,
            **content,
        }
        if reply is not None:
            message["reply_to_message"] = reply
        if markup:
            message["reply_markup"] = markup
        self._messages[chat.chat_id, message["message_id"]] = message
        self.sent.append(message)
        chat.receive(message)
        await self._notify(message)
        return public(message)

    def _replied_message(self, chat: EmulatedChat, params: Json) -> Json | None:
        """The message this one replies to (reply_parameters or the older reply_to_message_id)."""
        reply = params.get("reply_parameters") or {}
        if not isinstance(reply, dict):
            raise bad_request("can't parse reply parameters JSON object")
        message_id = reply.get("message_id") or params.get("reply_to_message_id")
        if message_id is None:
            return None
        original = self._messages.get((chat.chat_id, _message_id(message_id)))
        if original is None:
            if reply.get("allow_sending_without_reply") or params.get(
                "allow_sending_without_reply"
            ):
                return None
            raise bad_request("message to be replied not found")
        return {key: value for key, value in public(original).items() if key != "reply_to_message"}

    async def _edit(self, chat: EmulatedChat, message: Json, params: Json, changes: Json) -> Json:
        """Apply `changes` (None removes a field) and the new inline keyboard, in place.

        As in Telegram, an edit without `reply_markup` removes the inline keyboard, and an edit
        that changes neither content (text and entities) nor keyboard is refused.
        """
        markup = params.get("reply_markup")
        check_markup(markup)
        if markup and "inline_keyboard" not in markup:
            raise bad_request("inline keyboard expected")
        edited = {**message, **changes}
        if markup:
            edited["reply_markup"] = markup
        elif "inline_keyboard" in (message.get("reply_markup") or {}):
            del edited["reply_markup"]
        edited = {key: value for key, value in edited.items() if value not in (None, [])}
        unchanged = {key: value for key, value in message.items() if key != "edit_date"}
        if {key: value for key, value in edited.items() if key != "edit_date"} == unchanged:
            raise ApiError(400, NOT_MODIFIED)
        message.clear()
        message.update(edited, edit_date=int(time.time()))
        chat.receive_edit(message)
        await self._notify(message)
        return public(message)


def formatted_text(text: object, params: Json) -> Json:
    """A message text as Telegram stores it: parsed, trimmed, 1–4096 characters."""
    plain, entities = parse(str(text), params.get("parse_mode"), params.get("entities"))
    if not plain:
        raise bad_request("message text is empty")
    if len(plain) > MAX_TEXT:
        raise bad_request("message is too long")
    return {"text": plain, "entities": entities} if entities else {"text": plain}


def formatted_caption(caption: object, params: Json) -> Json:
    """A caption as Telegram stores it: parsed, trimmed, at most 1024 characters; none if
    empty."""
    if caption is None:
        return {}
    plain, entities = parse(str(caption), params.get("parse_mode"), params.get("caption_entities"))
    if len(plain) > MAX_CAPTION:
        raise bad_request("message caption is too long")
    if not plain:
        return {}
    return {"caption": plain, "caption_entities": entities} if entities else {"caption": plain}


def public(message: Json) -> Json:
    """The message as the Bot API returns it: with only an inline keyboard as reply_markup
    (Telegram never echoes reply keyboards)."""
    shown = dict(message)
    if "inline_keyboard" not in (shown.get("reply_markup") or {}):
        shown.pop("reply_markup", None)
    return shown


def need(params: Json, key: str) -> Any:
    """A required parameter, or the 400 Telegram gives when it is missing."""
    if params.get(key) is None:
        raise bad_request(f"{key} is empty" if key != "text" else "message text is empty")
    return params[key]


def _message_id(value: object) -> int:
    """A message_id as a number or its decimal string; anything else names no message."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lstrip("-").isdigit():
        return int(value)
    return 0


def _as_input_media(value: object) -> Json:
    """One InputMedia of sendMediaGroup or editMessageMedia: a dict with a type and a media."""
    if not isinstance(value, dict) or "type" not in value or "media" not in value:
        raise bad_request("can't parse InputMedia")
    return value


def _location(params: Json) -> Json:
    """The Location of a sendLocation/sendVenue call, refusing impossible coordinates."""
    try:
        latitude, longitude = float(params["latitude"]), float(params["longitude"])
    except (KeyError, TypeError, ValueError):
        raise bad_request("wrong latitude or longitude") from None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise bad_request("wrong latitude or longitude")
    location: Json = {"latitude": latitude, "longitude": longitude}
    accuracy = params.get("horizontal_accuracy")
    if accuracy is not None:
        if not 0 <= float(accuracy) <= 1500:
            raise bad_request("wrong horizontal accuracy specified")
        location["horizontal_accuracy"] = float(accuracy)
    return location
