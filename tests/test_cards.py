"""A report card as Bot API messages: one captioned photo when it fits, else photo and card."""

from __future__ import annotations

from types import SimpleNamespace

from bot.core.models import MediaRef
from bot.delivery.cards import MAX_CAPTION, caption_fits, card_parts
from bot.delivery.outbox import Button

BUTTONS = ((Button("✅", "v2:acc:1"),),)
REPORT = SimpleNamespace(latitude=23.1, longitude=108.2, voice_audience=None)


def media(photos: int) -> SimpleNamespace:
    refs = [MediaRef(f"file-{i}", f"unique-{i}") for i in range(photos)]
    return SimpleNamespace(photos=refs, voice=None)


def test_the_caption_limit_is_counted_after_the_html_is_parsed() -> None:
    assert caption_fits("<b>" + "x" * MAX_CAPTION + "</b>")
    assert caption_fits("&amp;" * MAX_CAPTION)
    assert not caption_fits("x" * (MAX_CAPTION + 1))
    assert not caption_fits("🧹" * (MAX_CAPTION // 2 + 1))  # two UTF-16 units each


def test_one_photo_carries_the_card_and_the_pin_follows_for_who_goes_there() -> None:
    parts = card_parts(REPORT, media(1), "<b>R-000001</b>", BUTTONS, pin=True)  # type: ignore[arg-type]
    assert [part.kind for part in parts] == ["photo", "location"]
    assert parts[0].text == "<b>R-000001</b>" and parts[0].buttons == BUTTONS
    office = card_parts(REPORT, media(1), "<b>R-000001</b>", ())  # type: ignore[arg-type]
    assert [part.kind for part in office] == ["photo"]


def test_a_long_card_or_an_album_goes_after_the_pictures() -> None:
    long = "x" * (MAX_CAPTION + 1)
    parts = card_parts(REPORT, media(1), long, BUTTONS)  # type: ignore[arg-type]
    assert [part.kind for part in parts] == ["photo", "text"]
    assert parts[0].text is None and parts[1].buttons == BUTTONS
    album = card_parts(REPORT, media(3), "short", BUTTONS)  # type: ignore[arg-type]
    assert [part.kind for part in album] == ["album", "text"]
    assert len(album[0].files) == 3
