"""A button that has done its work stops being live (issue 14, item 8), the office's Assign
picker has ⬅ Back and ✖ Cancel (item 3), the description is scrubbed for everyone but the
office, and a report-card button of the old v1 kind still gets a polite answer."""

from __future__ import annotations

from collections.abc import Callable

from bot.core.i18n import I18n
from bot.emulator import EmulatedUser
from bot.reporting.buttons import (
    AcceptTask,
    AssignBack,
    AssignCancel,
    AssignReport,
    MarkFixed,
    NotMyArea,
    RejectReport,
)
from handlers.buttons import AssignVillage, SkipFixNote, SubmitReport
from tests.buttons import words
from tests.conftest import Town

ZH = I18n("zh").translator("zh").gettext
Json = dict


def data_of(message: Json) -> list[str]:
    """The callback data of a message's inline buttons."""
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return [button["callback_data"] for row in rows for button in row if "callback_data" in button]


def has(*packed: str) -> Callable[[Json], bool]:
    """A message carrying every one of these buttons."""
    return lambda message: all(data in data_of(message) for data in packed)


def now(user: EmulatedUser, message: Json) -> Json:
    """The message as the user sees it now (edits applied)."""
    current = user.emulator.current(message)
    assert current is not None
    return current


async def report_by(town: Town, user: EmulatedUser, description: str | None = None) -> Json:
    """A report in 那笔坡 (routed to its grid member); returns the category question."""
    user.send_photo()
    await user.wait_for(lambda m: bool(m.get("reply_markup", {}).get("keyboard")))
    user.send_location(*town.inside("那笔坡"))
    categories = await user.wait_for(lambda m: any(d.startswith("v2:rc:") for d in data_of(m)))
    user.press(categories, "v2:rc:household")
    summary = await user.wait_for(has(SubmitReport().pack()))
    if description is not None:
        user.send_text(description)
        summary = await user.wait_for(
            lambda m: has(SubmitReport().pack())(m) and "📝" in (m.get("text") or "")
        )
    user.press(summary, SubmitReport().pack())
    await user.wait_for(lambda m: "R-0" in (m.get("text") or ""))
    return categories


async def test_a_chosen_category_and_an_older_summary_lose_their_buttons(town: Town) -> None:
    """The pressed question becomes the summary (its category buttons give way to Submit);
    a newer summary takes Submit away from the older one."""
    villager = town.villager
    villager.send_photo()
    await villager.wait_for(lambda m: bool(m.get("reply_markup", {}).get("keyboard")))
    villager.send_location(*town.inside("那笔坡"))
    categories = await villager.wait_for(lambda m: any(d.startswith("v2:rc:") for d in data_of(m)))
    villager.press(categories, "v2:rc:household")
    first = await villager.wait_for(has(SubmitReport().pack()))
    assert first["message_id"] == categories["message_id"]
    assert not [d for d in data_of(now(villager, categories)) if d.startswith("v2:rc:")]
    villager.send_text("门口一堆垃圾")
    second = await villager.wait_for(
        lambda m: has(SubmitReport().pack())(m) and "门口一堆垃圾" in (m.get("text") or "")
    )
    assert SubmitReport().pack() not in data_of(now(villager, first))
    assert SubmitReport().pack() in data_of(now(villager, second))


async def test_accept_fix_and_a_typed_note_retire_their_buttons(town: Town) -> None:
    villager, member = town.villager, town.member
    await report_by(town, villager)
    card = await member.wait_for(has(AcceptTask(1).pack(), MarkFixed(1).pack()))
    member.press(card, AcceptTask(1).pack())
    accepted = await member.wait_for(
        lambda m: m["message_id"] == card["message_id"] and ZH("✅ Accepted by you.") in words(m)
    )
    assert data_of(accepted) == [NotMyArea(1).pack(), MarkFixed(1).pack()]
    member.press(accepted, MarkFixed(1).pack())
    await member.wait_for(lambda m: "R-000001" in words(m))
    member.send_photo()
    skip = await member.wait_for(has(SkipFixNote().pack()))
    member.send_text("已清理")
    await member.wait_for(lambda m: "🧹" in words(m) and "R-000001" in words(m))
    assert not data_of(now(member, skip))
    assert not data_of(now(member, card))


async def test_the_assign_picker_goes_back_and_cancels(town: Town) -> None:
    villager, member, admin = town.villager, town.member, town.admin
    await report_by(town, villager)
    card = await member.wait_for(has(NotMyArea(1).pack()))
    member.press(card, NotMyArea(1).pack())
    await member.wait_for(lambda m: "/cancel" in words(m))
    member.send_text("隔壁坡的")
    await member.wait_for(lambda m: "R-000001" in words(m))
    admin.send_text("/queue")
    item = await admin.wait_for(has(AssignReport(1).pack(), RejectReport(1).pack()))
    admin.press(item, AssignReport(1).pack())
    village = town.bot.grid.hamlets[town.hamlet_id("那笔坡")].village_id
    villages = await admin.wait_for(has(AssignVillage(1, village).pack(), AssignCancel(1).pack()))
    assert AssignBack(1).pack() not in data_of(villages)  # the first step has nowhere back to
    admin.press(villages, AssignVillage(1, village).pack())
    hamlets = await admin.wait_for(has(AssignBack(1).pack(), AssignCancel(1).pack()))
    assert any(data.startswith("v2:oah:1:") for data in data_of(hamlets))
    admin.press(hamlets, AssignBack(1).pack())
    await admin.wait_for(lambda m: has(AssignVillage(1, village).pack())(m))
    admin.press(item, AssignCancel(1).pack())
    restored = await admin.wait_for(has(AssignReport(1).pack(), RejectReport(1).pack()))
    assert restored["message_id"] == item["message_id"]
    report = await town.bot.storage.reports.get(1)
    assert report is not None and report.hamlet_id is None  # nothing was assigned


async def test_the_office_reads_the_description_as_written_the_member_scrubbed(
    town: Town,
) -> None:
    villager, member = town.villager, town.member
    await report_by(town, villager, "我是王阿婆，电话13812345678，门口有垃圾")
    card = await member.wait_for(has(AcceptTask(1).pack()))
    assert "13812345678" not in words(card) and "王阿婆" not in words(card)
    assert ZH("[phone hidden]") in words(card) and "门口有垃圾" in words(card)
    office = await town.office.wait_for(lambda m: "R-000001" in words(m))
    assert "13812345678" in words(office) and "王阿婆" in words(office)
    report = await town.bot.storage.reports.get(1)
    assert report is not None and report.description == "我是王阿婆，电话13812345678，门口有垃圾"
    assert report.public_description is not None and "13812345678" not in (
        report.public_description
    )


async def test_an_old_v1_card_button_is_answered_politely(town: Town) -> None:
    villager, member = town.villager, town.member
    await report_by(town, villager)
    card = await member.wait_for(has(AcceptTask(1).pack()))
    pressed = member.press_raw(card, "v1:acc:1")
    answer = await member.answer_to(pressed)
    assert answer["text"] == ZH("This button is no longer active.")
    report = await town.bot.storage.reports.get(1)
    assert report is not None and report.accepted_by is None


async def test_a_card_of_tasks_accepted_shows_its_new_status(town: Town) -> None:
    """The /tasks card is drawn again: "being handled", not "sent to the grid member" above
    "✅ Accepted by you."."""
    villager, member = town.villager, town.member
    await report_by(town, villager)
    await member.wait_for(has(AcceptTask(1).pack()))
    member.send_text("/tasks")
    listed = await member.wait_for(
        lambda m: has(AcceptTask(1).pack())(m) and (m.get("text") or "").startswith("R-000001 · ")
    )
    assert ZH("sent to the grid member") in words(listed)
    member.press(listed, AcceptTask(1).pack())
    accepted = await member.wait_for(
        lambda m: m["message_id"] == listed["message_id"] and ZH("✅ Accepted by you.") in words(m)
    )
    assert ZH("being handled") in words(accepted)
    assert ZH("sent to the grid member") not in words(accepted)
    assert data_of(accepted) == [NotMyArea(1).pack(), MarkFixed(1).pack()]


async def test_a_question_telegram_will_not_edit_is_answered_with_a_new_summary(
    town: Town,
) -> None:
    """Telegram refuses to edit the pressed message (here: the press comes on the villager's own
    message): the summary comes as a new message instead, and its Submit files the report."""
    villager = town.villager
    villager.send_photo()
    await villager.wait_for(lambda m: bool(m.get("reply_markup", {}).get("keyboard")))
    place = villager.send_location(*town.inside("那笔坡"))
    categories = await villager.wait_for(lambda m: any(d.startswith("v2:rc:") for d in data_of(m)))
    villager.press_raw(place, "v2:rc:household")
    summary = await villager.wait_for(has(SubmitReport().pack()))
    assert summary["message_id"] not in (place["message_id"], categories["message_id"])
    villager.press(summary, SubmitReport().pack())
    await villager.wait_for(lambda m: "R-0" in (m.get("text") or ""))
