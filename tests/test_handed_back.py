"""A report handed back with 🙅 Not my area keeps its place (issue #14): the office's line and
its /queue card say where the villager said it was, with the photo and the grid member's reason."""

from __future__ import annotations

from bot.reporting.buttons import AssignReport, NotMyArea
from handlers.reporting import PICK_HAMLET_BUTTON
from tests.buttons import words
from tests.conftest import Town
from tests.test_report_story import has_buttons, zh

HUAWEI_MEMBER = 100003  # the sample grid member of 花围坡 (h07)
UNKNOWN_PLACE = zh("not matched to a hamlet")


async def test_the_office_sees_the_picked_hamlet_the_photo_and_the_reason(town: Town) -> None:
    villager, admin = town.villager, town.admin
    member = town.emulator.user(HUAWEI_MEMBER, "覃志强", language_code="zh")
    huawei = town.bot.grid.hamlets[town.hamlet_id("花围坡")]
    photo = villager.send_photo()
    await villager.wait_for(lambda m: bool(m.get("reply_markup", {}).get("keyboard")))
    villager.send_text(zh(PICK_HAMLET_BUTTON))
    villages = await villager.wait_for(has_buttons("v2:rv:"))
    villager.press(villages, f"v2:rv:{huawei.village_id}")
    hamlets = await villager.wait_for(has_buttons(f"v2:rh:{huawei.id}"))
    villager.press(hamlets, f"v2:rh:{huawei.id}")
    question = await villager.wait_for(has_buttons("v2:rc:"))
    villager.press(question, "v2:rc:household")
    summary = await villager.wait_for(has_buttons("v2:rs"))
    villager.press(summary, "v2:rs")
    await villager.wait_for(lambda m: "R-000001" in (m.get("text") or ""))

    card = await member.wait_for(has_buttons(NotMyArea(1).pack()))
    member.press(card, NotMyArea(1).pack())
    await member.wait_for(lambda m: "/cancel" in (m.get("text") or ""))
    member.send_text("这块地归镇上管")
    await member.wait_for(lambda m: "R-000001" in (m.get("text") or ""))
    line = await town.office.wait_for(has_buttons(AssignReport(1).pack()))
    assert "这块地归镇上管" in words(line) and "花围坡" in words(line)
    assert UNKNOWN_PLACE not in words(line)
    sent = photo["photo"][-1]["file_unique_id"]
    assert line["photo"][-1]["file_unique_id"] == sent  # the line carries the villager's photo
    report = await town.bot.storage.reports.get(1)
    assert report is not None and report.hamlet_id is None  # routed to nobody now
    assert report.reported_hamlet_id == huawei.id  # but where the villager said it was

    admin.clear()
    admin.send_text("/queue")
    shown = await admin.wait_for(lambda m: "photo" in m)
    item = await admin.wait_for(has_buttons(AssignReport(1).pack()))
    unique_id = photo["photo"][-1]["file_unique_id"]
    assert shown["photo"][-1]["file_unique_id"] == unique_id and "R-000001" in shown["caption"]
    assert "花围坡" in item["text"] and "这块地归镇上管" in item["text"]
    assert UNKNOWN_PLACE not in item["text"]
