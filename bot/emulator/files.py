"""The emulator's file storage: what users send, what the bot uploads, and where to download it."""

from __future__ import annotations

import base64
import itertools
import re
from dataclasses import dataclass

from bot.emulator.base import Json

MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024
"""getFile refuses larger files, as the real Bot API does."""

SMALL_JPEG = base64.b64decode(
    "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDABALDA4MChAODQ4SERATGCgaGBYWGDEjJR0oOjM9PDkzODdASFxOQERX"
    "RTc4UG1RV19iZ2hnPk1xeXBkeFxlZ2P/2wBDARESEhgVGC8aGi9jQjhCY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2Nj"
    "Y2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2P/wAARCAAYACADASIAAhEBAxEB/8QAFQABAQAAAAAAAAAAAAAAAAAA"
    "AAP/xAAUEAEAAAAAAAAAAAAAAAAAAAAA/8QAFQEBAQAAAAAAAAAAAAAAAAAAAAT/xAAUEQEAAAAAAAAAAAAAAAAA"
    "AAAA/9oADAMBAAIRAxEAPwCICBOAAAAAA//Z"
)
"""A valid 32×24 green JPEG (made once with Pillow), the default photo a user sends."""

FAKE_OGG = b"OggS" + bytes(60)
FAKE_MP4 = b"\x00\x00\x00\x18ftypmp42" + bytes(32)
FAKE_WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + bytes(24)

PHOTO_SIZES = ((90, 68), (320, 240), (1280, 960))

_FOLDER_AND_EXTENSION = {
    "photo": ("photos", "jpg"),
    "document": ("documents", "bin"),
    "voice": ("voice", "oga"),
    "audio": ("music", "mp3"),
    "video": ("videos", "mp4"),
    "animation": ("animations", "mp4"),
    "video_note": ("video_notes", "mp4"),
    "sticker": ("stickers", "webp"),
}


@dataclass(frozen=True)
class Upload:
    """A file part of a multipart request, as PTB sends bytes or file objects."""

    data: bytes
    filename: str
    content_type: str


@dataclass(frozen=True)
class StoredFile:
    """One file Telegram would know: its ids, its bytes and its download path."""

    file_id: str
    file_unique_id: str
    data: bytes
    path: str
    size: int
    """The size Telegram reports; may exceed len(data) to play a file too big to download."""
    file_name: str | None = None
    mime_type: str | None = None

    def fields(self) -> Json:
        """The id and size fields shared by PhotoSize, Document, Voice, Audio and friends."""
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": self.size,
        }


class FileStore:
    """Every file in the emulated Telegram, by file_id and by download path."""

    def __init__(self) -> None:
        self._by_id: dict[str, StoredFile] = {}
        self._by_path: dict[str, StoredFile] = {}
        self._numbers = itertools.count(1)

    def add(
        self,
        data: bytes,
        kind: str,
        *,
        file_name: str | None = None,
        mime_type: str | None = None,
        size: int | None = None,
    ) -> StoredFile:
        """Store new content of a media `kind` ("photo", "voice", ...) under fresh ids."""
        number = next(self._numbers)
        folder, extension = _FOLDER_AND_EXTENSION.get(kind, ("documents", "bin"))
        if file_name and "." in file_name:
            extension = re.sub(r"[^A-Za-z0-9]", "", file_name.rsplit(".", 1)[1])[:8] or extension
        stored = StoredFile(
            file_id=f"emu-{kind}-{number}",
            file_unique_id=f"U{number:06d}",
            data=data,
            path=f"{folder}/file_{number}.{extension}",
            size=len(data) if size is None else size,
            file_name=file_name,
            mime_type=mime_type,
        )
        self._by_id[stored.file_id] = stored
        self._by_path[stored.path] = stored
        return stored

    def get(self, file_id: str) -> StoredFile | None:
        return self._by_id.get(file_id)

    def at_path(self, path: str) -> StoredFile | None:
        return self._by_path.get(path)


def photo_sizes(stored: StoredFile) -> list[Json]:
    """A photo as Telegram lists it: three PhotoSizes, smallest first, here all of one file."""
    return [{**stored.fields(), "width": width, "height": height} for width, height in PHOTO_SIZES]
