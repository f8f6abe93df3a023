"""Where evidence files are kept on disk, checking a picture can be decoded, and reading GPS from
a photo's EXIF."""

from __future__ import annotations

import io
import logging
import os
import re
import time
from dataclasses import dataclass
from functools import cache
from pathlib import Path

log = logging.getLogger(__name__)

MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024  # the Bot API's getFile limit
# Telegram keeps a photo's sides under about 10,000 px together; 2,560 px keeps it sharp and
# far under the 10 MB photo upload limit.
PHOTO_MAX_SIDE = 2560
PHOTO_QUALITY = 87
MAX_IMAGE_PIXELS = 50_000_000
"""The most pixels we decode: a 50-megapixel phone camera (8160×6120), about 150 MB once decoded.
Set on Pillow too, so no code path decodes more; bigger (or lying) files are refused politely."""
GPS_IFD = 0x8825
GPS_LATITUDE_REF, GPS_LATITUDE, GPS_LONGITUDE_REF, GPS_LONGITUDE = 1, 2, 3, 4
_SAFE_NAME = re.compile(r"[^A-Za-z0-9_-]")
RECOUNT_SECONDS = 60.0
"""How long a listing of the folder is trusted while the folder is far from full (see
`MediaStore.known_bytes`): every photo asked for the folder's size, and a listing of a town's
years of evidence is a stat of each of tens of thousands of files."""


@dataclass
class _Count:
    at: float
    """`time.monotonic()` of the listing."""
    listed: int
    added: int = 0
    """Bytes of the files kept since the listing."""


class MediaStore:
    """Keeps a copy of every photo and voice note so evidence outlives Telegram's links."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._count: _Count | None = None

    def path_for(self, file_unique_id: str, suffix: str) -> Path:
        """A stable, safe file name per Telegram file (the same file is stored once)."""
        name = _SAFE_NAME.sub("_", file_unique_id)[:80] or "file"
        clean_suffix = _SAFE_NAME.sub("", suffix.lstrip("."))[:8] or "bin"
        self.folder.mkdir(parents=True, exist_ok=True)
        return self.folder / f"{name}.{clean_suffix}"

    @staticmethod
    def too_big(size: int | None) -> bool:
        return size is not None and size > MAX_DOWNLOAD_BYTES

    def kept(self, path: Path) -> None:
        """A file was just written at `path`: it counts until the next listing."""
        if self._count is not None and path.is_file():
            self._count.added += path.stat().st_size

    def known_bytes(self, trusted_below: int) -> int | None:
        """The folder's size from a listing of the last `RECOUNT_SECONDS` and the files kept
        since, if that is under `trusted_below`; None when the folder must be listed again
        (`used_bytes`). Near the limit every call lists, so that a file put there by anything
        else counts at once; far from it, one counts within a minute. Files deleted count
        until the next listing: the figure errs on the full side."""
        count = self._count
        if count is None or time.monotonic() - count.at >= RECOUNT_SECONDS:
            return None
        used = count.listed + count.added
        return used if used < trusted_below else None

    def used_bytes(self) -> int:
        """The folder's total size now (one directory listing, a stat per file: call it off the
        event loop), remembered for `known_bytes`."""
        started, before = time.monotonic(), self._count
        added_before = before.added if before is not None else 0
        listed = 0
        if self.folder.is_dir():
            listed = sum(
                entry.stat().st_size for entry in os.scandir(self.folder) if entry.is_file()
            )
        # A file kept while the listing ran (in its thread) may have been passed by it: it
        # counts on, at worst twice until the next listing (the figure errs on the full side).
        kept_meanwhile = before.added - added_before if before is not None else 0
        self._count = _Count(started, listed, kept_meanwhile)
        return listed + kept_meanwhile


class NotAnImage(ValueError):
    """The bytes are not a picture Pillow can read."""


@cache
def _decode_errors() -> tuple[type[Exception], ...]:
    """What Pillow raises for a file that is not a picture, is broken, or claims too many pixels.
    The first call imports Pillow (only pictures need it, start-up does not) and caps it at
    `MAX_IMAGE_PIXELS`, so every function here calls this before opening a file."""
    from PIL import Image, UnidentifiedImageError

    Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS
    return (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError)


def check_picture(original: bytes) -> None:
    """NotAnImage unless the bytes decode to a picture of at most `MAX_IMAGE_PIXELS`: the size is
    checked before decoding, so a tiny file claiming 20000×20000 px costs nothing."""
    errors = _decode_errors()
    from PIL import Image

    try:
        with Image.open(io.BytesIO(original)) as image:
            width, height = image.size
            if width * height > MAX_IMAGE_PIXELS:
                raise NotAnImage(f"{width}×{height} px is more than we decode")
            image.load()
    except errors as error:
        raise NotAnImage(str(error)) from error


def photo_without_metadata(original: bytes) -> bytes:
    """A JPEG of the picture with no EXIF (no GPS, no camera), turned upright and at most
    `PHOTO_MAX_SIDE` px: what Telegram itself would make of a photo, for people who must not
    get the original file (our stored copy keeps it)."""
    errors = _decode_errors()
    from PIL import Image, ImageOps

    try:
        with Image.open(io.BytesIO(original)) as image:
            upright = ImageOps.exif_transpose(image)
            upright.thumbnail((PHOTO_MAX_SIDE, PHOTO_MAX_SIDE))
            rgb = upright.convert("RGB")
    except errors as error:
        raise NotAnImage(str(error)) from error
    output = io.BytesIO()
    rgb.save(output, format="JPEG", quality=PHOTO_QUALITY)
    return output.getvalue()


def gps_from_image(path: Path) -> tuple[float, float] | None:
    """(latitude, longitude) from a JPEG/TIFF's EXIF GPS tags, or None if absent or odd."""
    errors = _decode_errors()
    from PIL import Image

    try:
        with Image.open(path) as image:
            gps = image.getexif().get_ifd(GPS_IFD)
    except errors:
        return None
    try:
        latitude = _degrees(gps[GPS_LATITUDE]) * (-1 if gps.get(GPS_LATITUDE_REF) == "S" else 1)
        longitude = _degrees(gps[GPS_LONGITUDE]) * (-1 if gps.get(GPS_LONGITUDE_REF) == "W" else 1)
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        return None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return None
    return latitude, longitude


def _degrees(value: tuple[float, ...]) -> float:
    degrees, minutes, seconds = (float(part) for part in value)
    return degrees + minutes / 60 + seconds / 3600
