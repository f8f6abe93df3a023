"""The length of an Ogg Opus voice note, read from its pages as Telegram reads it.

A voice note the bot re-sends by file_id keeps its length in Telegram; the emulator, which does
not keep it with the file, reads it from the bytes instead.
"""

from __future__ import annotations

import struct

OPUS_RATE = 48_000  # Opus granule positions always count 48 kHz samples
PAGE_HEADER = 27


def ogg_opus_seconds(data: bytes) -> int | None:
    """Whole seconds (rounded, at least 1) of an Ogg Opus stream; None if it is not one."""
    position, pre_skip, last_granule = 0, None, 0
    while position + PAGE_HEADER <= len(data) and data[position : position + 4] == b"OggS":
        granule = struct.unpack_from("<q", data, position + 6)[0]
        segments = data[position + 26]
        body_start = position + PAGE_HEADER + segments
        body_size = sum(data[position + PAGE_HEADER : body_start])
        body = data[body_start : body_start + body_size]
        if pre_skip is None and body.startswith(b"OpusHead") and len(body) >= 12:
            pre_skip = int(struct.unpack_from("<H", body, 10)[0])
        if granule > 0:
            last_granule = granule
        position = body_start + body_size
    if pre_skip is None or last_granule <= pre_skip:
        return None
    return max(1, round((last_granule - pre_skip) / OPUS_RATE))
