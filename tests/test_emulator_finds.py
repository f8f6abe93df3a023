"""What the strict emulator (issue 10) checks in the bot's own stories.

Formatting that survives an edit, notice captions within Telegram's limit after the heading is
added, and the photo-as-file bug it found: a document's file id re-sent with sendPhoto, which
Telegram refuses, made the outbox drop the whole task card.
"""

from __future__ import annotations

import copy
import io
from pathlib import Path

import pytest
from PIL import Image

from bot.emulator.checks import MAX_CAPTION as TELEGRAM_MAX_CAPTION
from bot.emulator.checks import MAX_TEXT as TELEGRAM_MAX_TEXT
from bot.emulator.formatting import parse
from bot.notices.service import MAX_CAPTION, MAX_TEXT, Content, ContentKind
from bot.reporting.buttons import AcceptTask, ConfirmFixed, MarkFixed, StillThere
from handlers.buttons import SkipFixNote
from handlers.reporting import PHOTO_LOCATION_BUTTON
from tests.conftest import Town
from tests.test_report_story import has_buttons, report_at, zh

SAMPLE = Path(__file__).parent.parent / "bot/sample"


async def test_a_photo_sent_as_a_file_reaches_the_grid_member_as_a_photo(town: Town) -> None:
    villager, member = town.villager, town.member
    data = (SAMPLE / "photos/with_gps.jpg").read_bytes()
    villager.send_text("/report")
    await villager.next_message()
    villager.send_document(data, "IMG_0001.jpg", "image/jpeg")
    await villager.wait_for(lambda m: bool(m.get("reply_markup", {}).get("keyboard")))
    villager.send_text(zh(PHOTO_LOCATION_BUTTON))
    villager.press(await villager.wait_for(has_buttons("v2:rc:")), "v2:rc:dead_corner")
    villager.press(await villager.wait_for(has_buttons("v2:rs")), "v2:rs")
    await villager.wait_for(lambda m: "R-000001" in (m.get("text") or ""))
    photo = await member.wait_for(lambda m: "photo" in m)
    assert has_buttons(AcceptTask(1).pack())(photo)  # the card is this photo's caption (#15)
    received = town.emulator.file_bytes(photo["photo"][-1]["file_id"])
    with Image.open(io.BytesIO(received)) as image:
        assert not image.getexif()  # the reporter's GPS and camera stay with the office


async def test_an_accepted_task_card_keeps_its_formatting(town: Town) -> None:
    member = town.member
    await report_at(town, town.villager, town.inside("那笔坡"))
    card = copy.deepcopy(
        await member.wait_for(has_buttons(AcceptTask(1).pack()))
    )  # edits change it
    # The card is a photo's caption since issue 15; a card too long for one is still a text.
    text, entities = ("caption", "caption_entities") if "caption" in card else ("text", "entities")
    assert card[entities][0] == {**card[entities][0], "type": "bold", "offset": 0}
    member.press(card, AcceptTask(1).pack())
    edited = await member.wait_for(
        lambda m: m["message_id"] == card["message_id"] and "edit_date" in m
    )
    assert edited[text].startswith(card[text] + "\n") and "<b>" not in edited[text]
    assert edited[entities][: len(card[entities])] == card[entities]


@pytest.mark.parametrize("language", ["zh", "en"])
async def test_a_notice_of_the_longest_allowed_text_fits_telegrams_limits(
    town: Town, language: str
) -> None:
    notices = town.bot.application.bot_data["services"].notices
    for kind, longest, limit in [
        (ContentKind.TEXT, MAX_TEXT, TELEGRAM_MAX_TEXT),
        (ContentKind.PHOTO, MAX_CAPTION, TELEGRAM_MAX_CAPTION),
    ]:
        content = Content(kind, {"zh": "&" * longest}, "emu-photo-1")
        [part] = notices.render(content, language)
        shown, _ = parse(part.text or "", "HTML")
        assert len(shown) <= limit, (kind, language, len(shown))


async def test_an_after_photo_sent_as_a_file_still_asks_the_reporter(town: Town) -> None:
    villager, member = town.villager, town.member
    await report_at(town, villager, town.inside("那笔坡"))
    card = await member.wait_for(has_buttons(AcceptTask(1).pack(), MarkFixed(1).pack()))
    member.press(card, AcceptTask(1).pack())
    member.press(card, MarkFixed(1).pack())
    await member.wait_for(lambda m: "R-000001" in (m.get("text") or ""))
    data = (SAMPLE / "photos/with_gps.jpg").read_bytes()
    member.send_document(data, "IMG_0002.jpg", "image/jpeg")
    member.press(await member.wait_for(has_buttons(SkipFixNote().pack())), SkipFixNote().pack())
    after = await villager.wait_for(lambda m: "photo" in m)
    await villager.wait_for(has_buttons(ConfirmFixed(1).pack(), StillThere(1).pack()))
    with Image.open(io.BytesIO(town.emulator.file_bytes(after["photo"][-1]["file_id"]))) as image:
        assert not image.getexif()
