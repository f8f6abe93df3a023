"""The playground's engine: the real bot, pointed at the built-in emulator, on a movable clock.

It owns the emulator, the bot and their chats, keeps every chat's transcript (what people
sent and what the bot sent, edits applied), and tells the open pages about each change
through `EventHub`. Its database and media folder are its own (`[playground] data_dir`) and
start clean at every start and reset, so nothing here touches a real deployment.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import secrets
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from PIL import Image, ImageOps, UnidentifiedImageError
from pydantic import SecretStr

from bot.app import CleanVillageBot
from bot.core.clock import OffsetClock
from bot.core.config import Config, ConfigError
from bot.delivery.quiet_hours import QuietHours
from bot.emulator import BotApiEmulator, EmulatedUser
from bot.emulator.base import Json
from bot.emulator.files import MAX_UPLOAD_BYTES
from bot.emulator.ogg import ogg_opus_seconds
from bot.places.grid import Grid
from bot.playground.events import EventHub
from bot.playground.personas import Persona, build_personas, default_panes, department_groups
from bot.playground.town_map import town_map

log = logging.getLogger(__name__)

SAMPLES = Path(__file__).parent.parent / "sample"
SAMPLE_PHOTOS = SAMPLES / "photos"
SAMPLE_VOICE = SAMPLES / "voice.ogg"
DATABASE_NAME = "playground.sqlite3"
MEDIA_FOLDER = "media"
EMULATOR_BOT_ID = 700000001
GPS_FAILURE_DISTANCE_M = 25_000  # a stale cell-tower fix, well outside the town
LARGEST_PHOTO_SIDE = 1280  # Telegram's compressed photos are at most this wide or high
ANSWER_TIMEOUT_SECONDS = 10
# Shown inline on the page (an <img> or <audio> cannot run script); anything else downloads.
INLINE_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp", "audio/ogg"})
DOWNLOAD_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "oga": "audio/ogg",
    "ogg": "audio/ogg",
    "pdf": "application/pdf",
    "png": "image/png",
    "txt": "text/plain; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


class PlaygroundError(Exception):
    """Something a person did on the page that cannot work; the message says why."""


class Playground:
    """The emulator, the bot and the people of the sample town, driven from the web page."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.settings = config.playground
        self.database = self.settings.data_dir / DATABASE_NAME
        self.media_dir = self.settings.data_dir / MEDIA_FOLDER
        if self.database == config.storage.database or self.media_dir == config.storage.media_dir:
            raise ConfigError(
                "playground.data_dir: must not hold the real [storage] database or media folder"
            )
        self.grid = Grid.load(
            config.grid.geojson,
            snap_distance_m=config.grid.snap_distance_m,
            far_outside_m=config.grid.far_outside_m,
        )
        self.personas = build_personas(config, self.grid)
        self.default_panes = default_panes(config, self.personas)
        self.map = town_map(self.grid, self.settings.rivers_geojson)
        self.events = EventHub()
        self.clock = OffsetClock()
        self.emulator: BotApiEmulator | None = None
        self.bot: CleanVillageBot | None = None
        self._by_key = {persona.key: persona for persona in self.personas}
        self._transcripts: dict[int, dict[int, Json]] = {}
        self._lock = asyncio.Lock()
        self._answer_waits: set[asyncio.Task[None]] = set()

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        """Start clean: an empty database and media folder, a new emulator, the bot on it."""
        async with self._lock:
            await self._start()

    async def stop(self) -> None:
        async with self._lock:
            await self._stop()

    async def reset(self) -> None:
        """Throw everything away and start again from nothing, as at the first start."""
        async with self._lock:
            await self._stop()
            await self._start()
        self.events.publish({"kind": "reset"})

    async def fast_forward(self, delta: timedelta) -> None:
        """Move the bot's clock ahead and let it do what has come due."""
        async with self._lock:
            self.clock.advance(delta)
            await self._running_bot().time_moved()
        self.events.publish({"kind": "clock", **self.clock_state()})

    async def _start(self) -> None:
        self._wipe()
        self.clock = OffsetClock()
        self._transcripts = {}
        emulator = self.emulator = BotApiEmulator(token=new_token())
        await emulator.start()
        for persona in self.personas:  # every chat the bot may write to exists from the start
            emulator.user(persona.user_id, persona.name, persona.language)
            if persona.is_group:
                emulator.group(persona.chat_id, persona.name)
        emulator.on_bot_message.append(self._bot_wrote)
        emulator.on_bot_delete.append(self._bot_deleted)
        self.bot = CleanVillageBot(self._bot_config(emulator), clock=self.clock)
        try:
            await self.bot.start()
        except BaseException:
            await self._stop()
            raise
        log.info("playground bot running against the emulator at %s", emulator.base_url)

    async def _stop(self) -> None:
        waits = list(self._answer_waits)
        for task in waits:
            task.cancel()
        await asyncio.gather(*waits, return_exceptions=True)
        if self.bot is not None:
            await self.bot.stop()
            self.bot = None
        if self.emulator is not None:
            await self.emulator.stop()
            self.emulator = None

    def _wipe(self) -> None:
        """Remove only the playground's own files: its database (with WAL files) and media."""
        for leftover in self.database.parent.glob(f"{DATABASE_NAME}*"):
            leftover.unlink()
        if self.media_dir.exists():
            for path in sorted(self.media_dir.rglob("*"), reverse=True):
                if path.is_dir():
                    path.rmdir()
                else:
                    path.unlink()
        self.settings.data_dir.mkdir(parents=True, exist_ok=True)

    def _bot_config(self, emulator: BotApiEmulator) -> Config:
        """The configuration as given, pointed at the emulator and the playground's storage."""
        groups = department_groups(self.config)
        return self.config.model_copy(
            update={
                "telegram": self.config.telegram.model_copy(
                    update={
                        "token": SecretStr(emulator.token),
                        "base_url": emulator.base_url,
                        "base_file_url": emulator.base_file_url,
                    }
                ),
                "storage": self.config.storage.model_copy(
                    update={"database": self.database, "media_dir": self.media_dir}
                ),
                "departments": {
                    key: department.model_copy(update={"chat_id": groups[key]})
                    for key, department in self.config.departments.items()
                },
            }
        )

    # -- what the page reads ---------------------------------------------------------------

    def persona(self, key: str) -> Persona:
        try:
            return self._by_key[key]
        except KeyError:
            raise PlaygroundError(f"nobody called {key!r} in this playground") from None

    def transcript(self, chat_id: int) -> list[Json]:
        """Everything in the chat so far, oldest first, edits applied."""
        return list(self._transcripts.get(chat_id, {}).values())

    def clock_state(self) -> Json:
        """The bot's clock for the page, with the end of the quiet hours it is in (or None)."""
        now = self.clock.now()
        quiet = self.config.quiet_hours
        ends = QuietHours(quiet.start, quiet.end, self.config.general.tz).release(now)
        return {
            "now_ms": _ms(now),
            "offset_hours": self.clock.offset.total_seconds() / 3600,
            "timezone": self.config.general.timezone,
            "quiet_until_ms": _ms(ends) if ends else None,
        }

    async def held(self) -> list[Json]:
        """Per chat, the notifications quiet hours are holding back now, and until when."""
        if self.bot is None or self.bot.storage is None:
            return []
        rows = await self.bot.storage.outbox.held(self.clock.now())
        return [
            {"chat_id": chat_id, "count": count, "until_ms": _ms(until)}
            for chat_id, count, until in rows
        ]

    def commands(self, key: str) -> list[Json]:
        """The bot's command menu as this person's Telegram would show it."""
        persona = self.persona(key)
        commands = self._running_emulator().commands
        scope = _scope("all_group_chats" if persona.is_group else "all_private_chats")
        own = json.dumps({"type": "chat", "chat_id": persona.chat_id}, sort_keys=True)
        for wanted in (
            (own, persona.language),
            (own, ""),
            (scope, persona.language),
            (scope, ""),
            (_scope("default"), ""),
        ):
            if wanted in commands:
                return commands[wanted]
        return []

    def file(self, file_id: str, *, download: bool) -> tuple[bytes, str, str | None]:
        """A file of any chat: bytes, a safe content type, and the name to save it under when
        it must download (asked for, or anything but a picture or a voice note).

        The type comes from the file's extension, never from what the sender claimed, and is
        never HTML or SVG, so nothing stored can run as a page on the playground's origin.
        """
        stored = self._running_emulator().files.get(file_id)
        if stored is None:
            raise PlaygroundError(f"no file {file_id!r}")
        name = stored.file_name or stored.path.rsplit("/", 1)[-1]
        extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
        mime = DOWNLOAD_TYPES.get(extension, "application/octet-stream")
        if not download and mime in INLINE_TYPES:
            return stored.data, mime, None
        return stored.data, mime, name

    def sample_photos(self) -> list[str]:
        return sorted(path.stem for path in SAMPLE_PHOTOS.glob("*.jpg"))

    # -- what people do on the page ------------------------------------------------------

    async def send_text(self, key: str, text: str) -> Json:
        if not text.strip():
            raise PlaygroundError("an empty message cannot be sent")
        async with self._lock:
            persona = self.persona(key)
            emulator = self._running_emulator()
            if persona.is_group:
                group = emulator.group(persona.chat_id)
                message = group.send_text(emulator.user(persona.user_id), text)
            else:
                message = self._user(persona).send_text(text)
            return self._record(message)

    async def send_photo(self, key: str, data: bytes, *, as_file: bool, name: str) -> Json:
        """A photo as Telegram delivers one (re-encoded JPEG, no EXIF), or the file itself."""
        if len(data) > MAX_UPLOAD_BYTES:
            raise PlaygroundError("the file is larger than Telegram's 50 MB")
        async with self._lock:
            user = self._private_user(key)
            if as_file:
                return self._record(user.send_document(data, name, "image/jpeg"))
            return self._record(user.send_photo(compress_photo(data)))

    async def send_sample_photo(self, key: str, sample: str, *, as_file: bool) -> Json:
        if sample not in self.sample_photos():
            raise PlaygroundError(f"no sample photo {sample!r}")
        data = (SAMPLE_PHOTOS / f"{sample}.jpg").read_bytes()
        return await self.send_photo(key, data, as_file=as_file, name=f"{sample}.jpg")

    async def send_voice(self, key: str) -> Json:
        """The bundled voice note (a few seconds of Ogg Opus)."""
        async with self._lock:
            user = self._private_user(key)
            data = SAMPLE_VOICE.read_bytes()
            return self._record(user.send_voice(data, duration=ogg_opus_seconds(data) or 1))

    async def send_location(self, key: str, latitude: float, longitude: float) -> Json:
        if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            raise PlaygroundError("that is not a place on Earth")
        async with self._lock:
            return self._record(self._private_user(key).send_location(latitude, longitude))

    async def send_failed_gps(self, key: str) -> Json:
        """What a phone sends when its GPS fails indoors: a stale fix far from the spot."""
        latitude, longitude = self.grid.point_outside(GPS_FAILURE_DISTANCE_M)
        return await self.send_location(key, latitude, longitude)

    async def press(self, key: str, message_id: int, data: str) -> Json:
        """Press an inline button; the bot's answer (a toast) reaches the page as an event."""
        async with self._lock:
            persona = self.persona(key)
            message = self._transcripts.get(persona.chat_id, {}).get(message_id)
            if message is None:
                raise PlaygroundError("that message is no longer in the chat")
            user = self._running_emulator().user(persona.user_id)
            query = user.press_raw(message, data)
        task = asyncio.create_task(self._relay_answer(persona, user, query))
        self._answer_waits.add(task)
        task.add_done_callback(self._answer_waits.discard)
        return query

    # -- inside ----------------------------------------------------------------------------

    async def _relay_answer(self, persona: Persona, user: EmulatedUser, query: Json) -> None:
        try:
            answer = await user.answer_to(query, ANSWER_TIMEOUT_SECONDS)
        except TimeoutError:
            log.warning("the bot did not answer the press %r of %s", query["data"], persona.key)
            return
        if answer.get("text"):
            self.events.publish(
                {
                    "kind": "answer",
                    "chat_id": persona.chat_id,
                    "text": answer["text"],
                    "alert": answer["show_alert"],
                }
            )

    async def _bot_wrote(self, message: Json) -> None:
        self._record(message)

    async def _bot_deleted(self, message: Json) -> None:
        chat_id = message["chat"]["id"]
        self._transcripts.get(chat_id, {}).pop(message["message_id"], None)
        self.events.publish(
            {"kind": "deleted", "chat_id": chat_id, "message_id": message["message_id"]}
        )

    def _record(self, message: Json) -> Json:
        """Keep a new or edited message in its chat's transcript and tell the pages.

        The page's copy carries `bot_time_ms`, when it was sent on the bot's (fast-forwarded)
        clock; an edit keeps the original time and adds `bot_edit_ms`.
        """
        chat_id = message["chat"]["id"]
        chat = self._transcripts.setdefault(chat_id, {})
        earlier = chat.get(message["message_id"])
        now = _ms(self.clock.now())
        shown = {**message, "bot_time_ms": earlier["bot_time_ms"] if earlier else now}
        if earlier is not None:
            shown["bot_edit_ms"] = now
        chat[message["message_id"]] = shown
        self.events.publish({"kind": "message", "chat_id": chat_id, "message": shown})
        return message

    def _user(self, persona: Persona) -> EmulatedUser:
        return self._running_emulator().user(persona.user_id)

    def _private_user(self, key: str) -> EmulatedUser:
        persona = self.persona(key)
        if persona.is_group:
            raise PlaygroundError("only text can be sent in a group here")
        return self._user(persona)

    def _running_emulator(self) -> BotApiEmulator:
        if self.emulator is None:
            raise PlaygroundError("the playground is not running")
        return self.emulator

    def _running_bot(self) -> CleanVillageBot:
        if self.bot is None:
            raise PlaygroundError("the playground is not running")
        return self.bot


def new_token() -> str:
    """A fresh bot token for each start, shaped like Telegram's, so no other page can guess it."""
    return f"{EMULATOR_BOT_ID}:{secrets.token_urlsafe(26)}"


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _scope(kind: str) -> str:
    """A command scope as the emulator files setMyCommands under."""
    return json.dumps({"type": kind}, sort_keys=True)


def compress_photo(data: bytes) -> bytes:
    """Re-encode an image as Telegram does a photo: JPEG, at most 1280 px, metadata dropped."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            picture: Any = ImageOps.exif_transpose(image).convert("RGB")
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise PlaygroundError("that file is not a picture; choose a JPEG or PNG photo") from None
    picture.thumbnail((LARGEST_PHOTO_SIDE, LARGEST_PHOTO_SIDE))
    output = io.BytesIO()
    picture.save(output, "JPEG", quality=85)
    return output.getvalue()
