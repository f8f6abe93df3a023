"""A report card as Bot API messages: as few as Telegram allows, the photo carrying the card."""

from __future__ import annotations

import re
from dataclasses import replace
from html import unescape

from bot.core.models import MediaRef, Report, ReportMedia
from bot.delivery.outbox import Button, Part
from bot.reporting.voice import member_may_hear

MAX_CAPTION = 1024
_TAG = re.compile(r"<[^>]*>")


def photo_parts(kind: str, refs: list[MediaRef]) -> list[Part]:
    """One photo or album part for `refs` (none if empty), pictures sent as files marked."""
    if not refs:
        return []
    return [
        Part(
            kind,
            files=tuple(ref.file_id for ref in refs),
            image_files=tuple(
                (ref.file_id, ref.local_path) for ref in refs if ref.kind == "document"
            ),
        )
    ]


def card_parts(
    report: Report,
    media: ReportMedia,
    text: str,
    buttons: tuple[tuple[Button, ...], ...],
    *,
    pin: bool = False,
    voice: bool = False,
) -> tuple[Part, ...]:
    """A report card as few messages as it takes: one photo with the card as its caption and
    the buttons; an album and then the card (an album has no buttons), or the photo and then
    the card when the caption would pass Telegram's limit; the card alone without a photo.

    The map pin follows, only for those who must go to the place (`pin`: the grid member, a
    department), so the card that asks for action comes first; the office reads the place in
    the card and has no use for a pin. The voice note goes to the office (`voice`), or to
    whoever works the report if the reporter let the grid member hear it.
    """
    photos = photo_parts("photo" if len(media.photos) == 1 else "album", media.photos)
    if len(media.photos) == 1 and caption_fits(text):
        parts = [replace(photos[0], text=text, buttons=buttons)]
    else:
        parts = [*photos, Part("text", text=text, buttons=buttons)]
    if pin and report.latitude is not None and report.longitude is not None:
        parts.append(Part("location", latitude=report.latitude, longitude=report.longitude))
    if media.voice and (voice or member_may_hear(report)):
        parts.append(Part("voice", files=(media.voice.file_id,)))
    return tuple(parts)


def caption_fits(html_text: str) -> bool:
    """Whether the text, once Telegram has parsed its HTML, is within the caption limit (counted
    in UTF-16 code units, as Telegram counts, so an emoji counts twice: never too long)."""
    plain = unescape(_TAG.sub("", html_text)).strip()
    return len(plain.encode("utf-16-le")) // 2 <= MAX_CAPTION
