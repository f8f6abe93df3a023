"""Pictures sent "as a file" (phones do it to keep the GPS): everyone else gets a photo without
EXIF, our stored copy keeps the original — in reports, after-photos, orders and notices.
The emulator refuses a document's file id in sendPhoto, as Telegram does, so a test here fails if
the bot ever re-sends the villager's file.
"""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

from bot.delivery.audiences import AudienceKind
from bot.emulator import BotApiEmulator
from bot.emulator.files import Upload
from bot.reporting.buttons import AcceptTask, ConfirmFixed, MarkFixed, StillThere
from bot.reporting.media import GPS_IFD, gps_from_image
from handlers.buttons import NoticeAudience, NoticePreview, NoticeSendNow, SkipFixNote
from tests.buttons import has_button, press, words
from tests.conftest import Town
from tests.test_notices import final_summary, living_in, notices_in, send_now
from tests.test_report_story import has_buttons, zh

SAMPLE = Path(__file__).parent.parent / "bot/sample"
WITH_GPS = (SAMPLE / "photos/with_gps.jpg").read_bytes()


def has_exif(data: bytes) -> bool:
    with Image.open(io.BytesIO(data)) as image:
        exif = image.getexif()
        return bool(exif) or bool(exif.get_ifd(GPS_IFD))


def photo_uploads(emulator: BotApiEmulator) -> list[bytes]:
    """The bytes of every photo the bot uploaded (sendPhoto or an album)."""
    found = []
    for method, params in emulator.requests:
        if method.lower() in ("sendphoto", "sendmediagroup"):
            found += [value.data for value in params.values() if isinstance(value, Upload)]
    return found


async def test_a_report_with_a_picture_sent_as_a_file(town: Town) -> None:
    villager, member = town.villager, town.member
    assert has_exif(WITH_GPS) and gps_from_image(SAMPLE / "photos/with_gps.jpg")
    villager.send_text("/report")
    await villager.next_message()
    villager.send_document(WITH_GPS, "IMG_0001.jpg", "image/jpeg")
    await villager.wait_for(lambda m: bool(m.get("reply_markup", {}).get("keyboard")))
    villager.send_text(zh("📷 Use the photo's location"))
    categories = await villager.wait_for(has_buttons("v2:rc:"))
    villager.press(categories, "v2:rc:household")
    summary = await villager.wait_for(has_buttons("v2:rs"))
    villager.press(summary, "v2:rs")
    await villager.wait_for(lambda m: "R-000001" in words(m))

    # The grid member, the office and the department each get the card as one message since
    # issue #15: the photo with the card as its caption.
    card = await member.wait_for(has_buttons(AcceptTask(1).pack(), MarkFixed(1).pack()))
    photos = [
        card,
        await town.office.wait_for(lambda m: "photo" in m and "R-000001" in words(m)),
        await town.clean_homes.wait_for(lambda m: "photo" in m and "R-000001" in words(m)),
    ]
    for photo in photos:
        assert not has_exif(town.emulator.file_bytes(photo["photo"][-1]["file_id"]))
    assert not any("document" in message for message in town.emulator.sent)
    # Uploaded once; the other two were sent by the new photo's file id.
    assert len(photo_uploads(town.emulator)) == 1
    assert len({photo["photo"][-1]["file_id"] for photo in photos}) == 1
    # Our copy is the original, EXIF and all.
    services = town.bot.application.bot_data["services"]
    media = await services.storage.reports.media(1)
    assert media.photos[0].kind == "document"
    assert Path(media.photos[0].local_path).read_bytes() == WITH_GPS

    # The after-photo, sent as a file too, reaches the reporter as a photo without EXIF.
    member.press(card, AcceptTask(1).pack())
    await villager.wait_for(lambda m: "R-000001" in words(m) and "photo" not in m)
    member.press(card, MarkFixed(1).pack())
    await member.wait_for(lambda m: "R-000001" in words(m))
    member.send_document(WITH_GPS, "after.jpg", "image/jpeg")
    skip = await member.wait_for(has_buttons(SkipFixNote().pack()))
    member.press(skip, SkipFixNote().pack())
    after = await villager.wait_for(lambda m: "photo" in m)
    assert not has_exif(town.emulator.file_bytes(after["photo"][-1]["file_id"]))
    question = await villager.wait_for(has_buttons(ConfirmFixed(1).pack(), StillThere(1).pack()))
    villager.press(question, ConfirmFixed(1).pack())
    await villager.wait_for(lambda m: "R-000001" in words(m) and m is not question)
    assert (await services.reports.get(1)).state.value == "closed"


async def test_an_order_photo_sent_as_a_file(town: Town) -> None:
    admin, member = town.admin, town.member
    admin.send_text("/order")
    admin.press(await admin.wait_for(has_buttons("v2:zv:")), "v2:zv:v01")
    hamlets = await admin.wait_for(has_buttons("v2:zw"))
    admin.press(hamlets, f"v2:zh:{town.hamlet_id('那笔坡')}")
    await admin.wait_for(lambda m: bool(m.get("text")) and not has_buttons("v2:")(m))
    admin.send_text("河边堆放建筑垃圾，请三天内清运。")
    await admin.wait_for(has_buttons("v2:zps"))
    admin.send_document(WITH_GPS, "order.jpg", "image/jpeg")
    deadlines = await admin.wait_for(has_buttons("v2:zd:"))
    admin.press(deadlines, "v2:zd:3")
    preview = await admin.wait_for(has_buttons("v2:zok"))
    # The admin's preview shows their own file again, by the right method.
    assert any("document" in message for message in admin.messages)
    admin.press(preview, "v2:zok")
    # The card is one message since issue #15: the photo, the card as its caption, the buttons.
    photo = await member.wait_for(has_buttons(AcceptTask(1).pack(), MarkFixed(1).pack()))
    assert not has_exif(town.emulator.file_bytes(photo["photo"][-1]["file_id"]))
    office_photo = await town.office.wait_for(lambda m: "photo" in m)
    assert not has_exif(town.emulator.file_bytes(office_photo["photo"][-1]["file_id"]))


async def test_a_notice_photo_sent_as_a_file(town: Town) -> None:
    admin = town.admin
    resident = await living_in(town, 620001, "那笔坡")
    admin.send_text("/notice")
    press(
        admin,
        await admin.wait_for(has_button(NoticeAudience)),
        NoticeAudience(AudienceKind.EVERYONE),
    )
    await admin.wait_for(lambda m: "发送对象" in words(m))
    admin.send_document(WITH_GPS, "poster.jpg", "image/jpeg", caption="周六大扫除")
    shown = await admin.wait_for(lambda m: "photo" in m)
    assert not has_exif(town.emulator.file_bytes(shown["photo"][-1]["file_id"]))
    press(admin, await admin.wait_for(has_button(NoticePreview)), NoticePreview())
    await send_now(town, await admin.wait_for(has_button(NoticeSendNow)))
    await final_summary(town)
    [notice] = notices_in(resident)
    assert "photo" in notice and "周六大扫除" in notice["caption"]
    assert notice["photo"][-1]["file_id"] == shown["photo"][-1]["file_id"]
    assert len(photo_uploads(town.emulator)) == 1
