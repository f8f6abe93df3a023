"""The emulator's file storage: what users send, what the bot uploads, and where to download it."""

from __future__ import annotations

import base64
import io
import itertools
import re
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from bot.emulator.base import Json
from bot.emulator.checks import ApiError, bad_request

MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024
"""getFile refuses larger files, as the real Bot API does."""
MAX_PHOTO_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
MAX_PHOTO_SIDES_SUM, MAX_PHOTO_RATIO = 10000, 20

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

PHOTO_SIDES = (90, 320, 800, 1280, 2560)
"""Telegram's photo sizes (s, m, x, y, w): each a JPEG whose longer side is at most this."""

KIND_NAMES = {
    "photo": "Photo",
    "document": "Document",
    "voice": "VoiceNote",
    "audio": "Audio",
    "video": "Video",
    "animation": "Animation",
    "sticker": "Sticker",
    "video_note": "VideoNote",
}
"""tdlib's names for file types, as its "can't use file of type X as Y" refusal spells them."""
ALSO_SENDABLE_AS = {"animation": {"document"}}
"""A GIF's message carries it both as animation and as document, so either method takes it."""

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
    kind: str
    data: bytes
    path: str
    size: int
    """The size Telegram reports; may exceed len(data) to play a file too big to download."""
    file_name: str | None = None
    mime_type: str | None = None
    width: int = 0
    height: int = 0
    """A photo size's dimensions (0 for other kinds)."""

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
        width, height = _picture_size(data) if kind == "photo" else (0, 0)
        stored = StoredFile(
            file_id=f"emu-{kind}-{number}",
            file_unique_id=f"U{number:06d}",
            kind=kind,
            data=data,
            path=f"{folder}/file_{number}.{extension}",
            size=len(data) if size is None else size,
            file_name=file_name,
            mime_type=mime_type,
            width=width,
            height=height,
        )
        self._by_id[stored.file_id] = stored
        self._by_path[stored.path] = stored
        return stored

    def get(self, file_id: str) -> StoredFile | None:
        return self._by_id.get(file_id)

    def at_path(self, path: str) -> StoredFile | None:
        return self._by_path.get(path)

    def for_sending(self, file_id: str, kind: str) -> StoredFile:
        """The file a send call names by file_id, refused as Telegram refuses it: an unknown
        id (a file_unique_id too) or a file of another kind."""
        stored = self._by_id.get(file_id)
        if stored is None:
            raise bad_request("wrong file identifier/HTTP URL specified")
        if kind != stored.kind and kind not in ALSO_SENDABLE_AS.get(stored.kind, set()):
            raise bad_request(
                f"can't use file of type {KIND_NAMES[stored.kind]} as {KIND_NAMES[kind]}"
            )
        return stored

    def add_photo(self, data: bytes) -> list[Json]:
        """A photo as Telegram stores one: new JPEGs without metadata (EXIF dropped), one
        PhotoSize per standard size up to the original's, smallest first; each its own file.
        Each size is scaled from the next larger one, not from the original: a third less of
        the emulator's time on a large picture, which the bot's own answer waits for."""
        picture = _decode_picture(data)
        longest = max(picture.size)
        sides = [side for side in PHOTO_SIDES if side < longest] + [min(longest, PHOTO_SIDES[-1])]
        sizes: list[Json] = []
        for side in sorted(set(sides), reverse=True):
            picture.thumbnail((side, side))
            output = io.BytesIO()
            picture.save(output, "JPEG", quality=87)
            stored = self.add(output.getvalue(), "photo", mime_type="image/jpeg")
            sizes.insert(0, {**stored.fields(), "width": stored.width, "height": stored.height})
        return sizes


def check_upload(data: bytes, kind: str) -> None:
    """Telegram's upload limits: nothing empty, photos up to 10 MB, other files up to 50 MB."""
    if not data:
        raise bad_request("file must be non-empty")
    if kind == "photo" and len(data) > MAX_PHOTO_UPLOAD_BYTES:
        raise bad_request("PHOTO_SAVE_FILE_INVALID")
    if len(data) > MAX_UPLOAD_BYTES:
        raise ApiError(413, "Request Entity Too Large")


def _decode_picture(data: bytes) -> Image.Image:
    """The upright RGB picture in `data`, or the refusal Telegram gives for what is not one or
    whose sides are out of proportion (sum over 10000 px, ratio over 20)."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            picture = ImageOps.exif_transpose(image).convert("RGB")
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise bad_request("IMAGE_PROCESS_FAILED") from None
    width, height = picture.size
    if width + height > MAX_PHOTO_SIDES_SUM or max(width, height) > MAX_PHOTO_RATIO * min(
        width, height
    ):
        raise bad_request("PHOTO_INVALID_DIMENSIONS")
    return picture


def _picture_size(data: bytes) -> tuple[int, int]:
    """Width and height of the image in `data` from its header; (0, 0) if it is none."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            return image.size
    except (UnidentifiedImageError, OSError, ValueError):
        return 0, 0
