"""Bot bugs the strict emulator (issue 10) brings to light, kept as strict expected failures.

Another engineer fixes these in bot code (bot/notifier.py, bot/outbox.py, handlers/delivery.py);
the lead removes each marker when that fix merges, and the test must then pass.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from handlers.reporting import PHOTO_LOCATION_BUTTON
from tests.conftest import Town
from tests.test_report_story import has_buttons, zh

SAMPLE = Path(__file__).parent.parent / "bot/sample"


@pytest.mark.xfail(
    strict=True,
    reason="issue 10: a document's file_id re-sent with sendPhoto by the notifier, and the "
    "outbox drops the whole notification on that 400",
)
async def test_a_photo_sent_as_a_file_reaches_the_grid_member_as_a_photo(town: Town) -> None:
    villager, member = town.villager, town.member
    data = (SAMPLE / "photos/with_gps.jpg").read_bytes()
    villager.send_text("/report")
    await villager.next_message()
    villager.send_document(data, "IMG_0001.jpg", "image/jpeg")
    await villager.wait_for(lambda m: bool(m.get("reply_markup", {}).get("keyboard")))
    villager.send_text(zh(PHOTO_LOCATION_BUTTON))
    villager.press(await villager.wait_for(has_buttons("v1:rc:")), "v1:rc:dead_corner")
    villager.press(await villager.wait_for(has_buttons("v1:rs")), "v1:rs")
    await villager.wait_for(lambda m: "R-000001" in (m.get("text") or ""))
    photo = await member.wait_for(lambda m: "photo" in m)
    await member.wait_for(has_buttons("v1:acc:1"))
    received = town.emulator.file_bytes(photo["photo"][-1]["file_id"])
    with Image.open(io.BytesIO(received)) as image:
        assert not image.getexif()  # the reporter's GPS and camera stay with the office
