"""The reporter stays hidden: through a long report story with every role, no message the bot
sends to a chat other than the reporter's and the office's carries anything that identifies
the reporter — in its text, caption, buttons or links, as a voice, or in a photo's EXIF — and
nothing is forwarded."""

from __future__ import annotations

import re

from bot.emulator.base import Json
from bot.reporting.buttons import (
    AcceptTask,
    AssignReport,
    ConfirmFixed,
    MarkFixed,
    NotMyArea,
    StillThere,
)
from handlers.buttons import (
    AssignHamlet,
    AssignVillage,
    InviteDepartment,
    InviteVillage,
    SkipFixNote,
)
from tests.conftest import OFFICE_ADMIN, OFFICE_CHAT, Town
from tests.test_image_files import WITH_GPS, has_exif
from tests.test_report_story import SAMPLE, has_buttons
from tests.test_roles import containing, invite, join, nabi_village

PHONE, ID_NUMBER = "138-1234-5678", "11010519491231002X"
"""How the villager signs the report, besides their name and handle."""
FILE_KINDS = ("document", "audio", "video", "voice", "video_note", "animation", "sticker")


def visible_parts(message: Json) -> list[str]:
    """Everything of a message a reader can see or follow."""
    parts = [message.get("text") or "", message.get("caption") or ""]
    for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
        for button in row:
            parts += [
                button.get("text", ""),
                button.get("callback_data", ""),
                button.get("url", ""),
            ]
    for entity in [*message.get("entities", []), *message.get("caption_entities", [])]:
        parts += [entity.get("url", ""), str((entity.get("user") or {}).get("id", ""))]
    venue = message.get("venue") or {}
    parts += [venue.get("title", ""), venue.get("address", "")]
    return parts


async def report_story(town: Town) -> list[Json]:
    """A report signed in every way a villager might, worked by every role; returns every
    message the bot sent to a chat other than the reporter's and the office's."""
    villager, member, admin = town.villager, town.member, town.admin
    lead = town.emulator.user(700200, "村长", language_code="zh")
    fields = town.emulator.user(700201, "农服中心", language_code="en")
    await join(lead, await invite(town, admin, "village_lead", InviteVillage(nabi_village(town))))
    await join(
        fields, await invite(town, admin, "department_member", InviteDepartment("clean_fields"))
    )

    # A picture sent as a file (EXIF with GPS and all) with a caption that signs it: name,
    # handle, id, phone and ID number; a voice note (left to the office, the default) and a
    # location; the member accepts, then hands it back.
    villager.send_document(
        WITH_GPS,
        "IMG_0001.jpg",
        "image/jpeg",
        caption=f"我家门口看到的 —— 王阿婆 @Wang_Apo 555001 电话 {PHONE} 身份证 {ID_NUMBER}",
    )
    await villager.wait_for(lambda m: bool(m.get("reply_markup", {}).get("keyboard")))
    villager.send_location(*town.inside("那笔坡"))
    categories = await villager.wait_for(has_buttons("v2:rc:"))
    villager.press(categories, "v2:rc:fields")
    await villager.wait_for(has_buttons("v2:rs"))
    villager.send_voice((SAMPLE / "voice.ogg").read_bytes())
    summary = await villager.wait_for(lambda m: has_buttons("v2:rs")(m) and "🎤" in m["text"])
    villager.press(summary, "v2:rs")
    await villager.wait_for(containing("R-000001"))
    card = await member.wait_for(has_buttons(NotMyArea(1).pack()))
    member.press(card, AcceptTask(1).pack())
    member.press(card, NotMyArea(1).pack())
    await member.wait_for(containing("R-000001", "/cancel"))
    member.send_text("隔壁坡的")
    await member.wait_for(containing("R-000001", "退回"))
    # The office routes it back to the same hamlet; the member fixes it; the villager reopens.
    admin.send_text("/queue")
    item = await admin.wait_for(has_buttons(AssignReport(1).pack()))
    admin.press(item, AssignReport(1).pack())
    nabi = town.hamlet_id("那笔坡")
    villages = await admin.wait_for(has_buttons(AssignVillage(1, nabi_village(town)).pack()))
    admin.press(villages, AssignVillage(1, nabi_village(town)).pack())
    hamlets = await admin.wait_for(has_buttons(AssignHamlet(1, nabi).pack()))
    admin.press(hamlets, AssignHamlet(1, nabi).pack())
    for attempt in range(2):
        card = await member.wait_for(has_buttons(MarkFixed(1).pack()))
        member.press(card, MarkFixed(1).pack())
        await member.wait_for(containing("R-000001", "📷"))
        member.send_photo()
        await member.wait_for(has_buttons(SkipFixNote().pack()))
        member.send_text("清理好了")
        question = await villager.wait_for(
            has_buttons(ConfirmFixed(1).pack(), StillThere(1).pack())
        )
        villager.press(question, StillThere(1).pack() if attempt == 0 else ConfirmFixed(1).pack())
    await villager.wait_for(containing("R-000001", "🎉"))
    await town.office.wait_for(containing("R-000001", "✅"))
    # Everyone looks at their lists.
    member.send_text("/tasks")
    await member.next_message()
    for person in (lead, fields):
        person.send_text("/area")
        await person.next_message()
    admin.send_text("/who R-000001")
    await admin.wait_for(containing("555001"))  # the office may see who it was

    office_chats = {villager.user_id, OFFICE_CHAT, OFFICE_ADMIN}
    others = [m for m in town.emulator.sent if m["chat"]["id"] not in office_chats]
    reached = {m["chat"]["id"] for m in others}
    assert {member.user_id, lead.user_id, fields.user_id} <= reached
    assert len(others) > 15
    return others


async def test_no_identifier_of_the_reporter_reaches_anyone_but_the_office(town: Town) -> None:
    villager = town.villager
    others = await report_story(town)
    identifiers = [str(villager.user_id), villager.first_name, villager.username]
    photos = 0
    for message in others:
        for part in visible_parts(message):
            for identifier in identifiers:
                assert identifier not in part, (identifier, message)
        assert "forward_origin" not in message and "contact" not in message, message
        assert not [kind for kind in FILE_KINDS if kind in message], message  # no voice, no file
        if "photo" in message:
            photos += 1
            assert not has_exif(town.emulator.file_bytes(message["photo"][-1]["file_id"]))
    assert photos >= 3  # the report's picture reached the member, the lead's list or department
    assert not [r for r in town.emulator.requests if r[0] in ("forwardMessage", "copyMessage")]
    sent_voices = [
        params for method, params in town.emulator.requests if method.lower() == "sendvoice"
    ]
    assert all(
        str(params.get("chat_id")) in (str(villager.user_id), str(OFFICE_CHAT))
        for params in sent_voices
    )


async def test_no_phone_or_id_number_of_the_reporter_reaches_anyone_but_the_office(
    town: Town,
) -> None:
    others = await report_story(town)
    digits = [re.sub(r"\D", "", PHONE), ID_NUMBER]
    for message in others:
        for part in visible_parts(message):
            flat = re.sub(r"[\s\-.]", "", part)
            for number in digits:
                assert number not in flat, (number, message)
