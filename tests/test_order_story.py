"""A rectification order (整改函) through the real bot and the emulator: the office issues it,
the hamlet's grid member gets a task with the usual buttons and fixes it with a photo, the
office confirms — and an order to a whole village goes to its lead."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.reporting.buttons import (
    AcceptTask,
    AssignReport,
    ConfirmFixed,
    MarkFixed,
    NotMyArea,
    StillThere,
)
from bot.reporting.lifecycle import Action, State
from handlers.buttons import AssignHamlet, AssignVillage, SkipFixNote
from tests.buttons import words
from tests.conftest import Town
from tests.test_deadline_story import NABI_LEAD, at, mentions
from tests.test_recurrence import SANTANG
from tests.test_report_story import has_buttons


async def issue(town: Town, village_id: str, place: str, text: str, days: int = 3) -> dict:
    """The admin walks /order: village → `place` (a hamlet button or the whole village) →
    text → a photo → deadline → Issue; returns the admin's confirmation."""
    admin = town.admin
    admin.send_text("/order")
    villages = await admin.wait_for(has_buttons("v2:zv:"))
    admin.press(villages, f"v2:zv:{village_id}")
    hamlets = await admin.wait_for(has_buttons("v2:zw"))
    admin.press(hamlets, place)
    await admin.wait_for(lambda m: bool(m.get("text")) and not has_buttons("v2:")(m))
    admin.send_text(text)
    await admin.wait_for(has_buttons("v2:zps"))
    admin.send_photo()
    deadlines = await admin.wait_for(has_buttons("v2:zd:"))
    admin.press(deadlines, f"v2:zd:{days}")
    preview = await admin.wait_for(has_buttons("v2:zok"))
    assert text in preview["text"]
    admin.press(preview, "v2:zok")
    return await admin.wait_for(mentions("📜", "R-0"))


async def test_a_rectification_order_from_issue_to_close(town: Town) -> None:
    admin, member = town.admin, town.member
    nabi = town.hamlet_id("那笔坡")
    issued = await issue(town, "v01", f"v2:zh:{nabi}", "河边堆放建筑垃圾，请三天内清运。")
    assert "R-000001" in issued["text"] and "12月5日 周六 18:00" in issued["text"]

    # The card is one message since issue #15: the photo, the card as its caption, the buttons.
    card = await member.wait_for(
        has_buttons(AcceptTask(1).pack(), NotMyArea(1).pack(), MarkFixed(1).pack())
    )
    assert "photo" in card
    assert "📜" in words(card) and "河边堆放建筑垃圾" in words(card)
    await town.office.wait_for(mentions("📜", "R-000001"))

    admin.send_text("/orders")
    listed = await admin.wait_for(mentions("R-000001", "12月5日 周六 18:00"))
    assert "那笔坡" in listed["text"]

    member.press(card, AcceptTask(1).pack())
    await admin.wait_for(mentions("👷", "R-000001"))  # the issuer hears it is being handled
    # 75 % of the 80 hours allowed is Friday 22:00: quiet hours, so the reminder waits.
    await at(town, 4, 22, 30)
    assert not [m for m in member.messages if "⏰" in words(m)]
    await at(town, 5, 7)
    await member.wait_for(mentions("⏰", "R-000001"))
    member.press(card, MarkFixed(1).pack())
    await member.wait_for(mentions("R-000001"))
    member.send_photo()
    skip = await member.wait_for(has_buttons(SkipFixNote().pack()))
    member.press(skip, SkipFixNote().pack())

    after = await admin.wait_for(lambda m: "photo" in m)
    assert after["photo"][-1]["file_id"]
    question = await admin.wait_for(has_buttons(ConfirmFixed(1).pack(), StillThere(1).pack()))
    admin.press(question, ConfirmFixed(1).pack())
    await town.office.wait_for(mentions("✅", "R-000001"))

    order = await town.bot.storage.reports.get(1)
    assert order.is_order and order.state == State.CLOSED
    events = await town.bot.storage.reports.events(1)
    assert [e.action for e in events] == [
        Action.ISSUE,
        Action.ACCEPT,
        Action.REMIND,
        Action.FIX,
        Action.CONFIRM,
    ]
    media = await town.bot.storage.reports.media(1)
    assert len(media.photos) == 1 and len(media.after_photos) == 1
    admin.send_text("/orders")
    await admin.wait_for(lambda m: "R-000001" not in words(m) and "/order" in m["text"])


async def test_an_order_to_a_whole_village_goes_to_its_lead(town: Town) -> None:
    lead = town.emulator.user(NABI_LEAD, "黄秀兰", language_code="zh")
    await issue(town, "v01", "v2:zw", "村道两旁杂物较多，请组织清理。", days=7)
    await lead.wait_for(has_buttons(AcceptTask(1).pack(), MarkFixed(1).pack()))
    assert not [m for m in town.member.messages if "R-000001" in words(m)]
    lead.send_text("/tasks")
    await lead.wait_for(lambda m: has_buttons(MarkFixed(1).pack())(m) and "那笔村" in m["text"])

    # Overdue: nobody above the lead in the village, so the office hears of it at once.
    town.clock.set(datetime(2026, 12, 9, 18, 0, 1, tzinfo=SANTANG))
    await town.bot.time_moved()
    await town.office.wait_for(mentions("⚠️", "R-000001"))
    events = await town.bot.storage.reports.events(1)
    # Never accepted either: the accept-by deadline went to the office too, then a day later.
    assert [e.note for e in events if e.action == Action.ESCALATE] == [
        "ack:office",
        "ack:office",
        "fix:office",
    ]
    assert not [m for m in lead.messages if "⚠️" in words(m)]


async def test_orders_are_for_the_office_only(town: Town) -> None:
    town.member.send_text("/order")
    refusal = await town.member.next_message()
    assert "/order" in refusal["text"]
    town.member.send_text("/orders")
    assert "/orders" in (await town.member.next_message())["text"]


async def test_an_order_handed_back_is_assigned_again_with_the_time_first_allowed(
    town: Town,
) -> None:
    member, admin = town.member, town.admin
    await issue(town, "v01", f"v2:zh:{town.hamlet_id('那笔坡')}", "塘边垃圾，请清理。", days=7)
    card = await member.wait_for(has_buttons(NotMyArea(1).pack()))
    issued = await town.bot.storage.reports.get(1)
    assert issued is not None and issued.fix_due_at and issued.assigned_at
    allowed = issued.fix_due_at - issued.assigned_at  # the time first allowed
    assert abs(issued.fix_due_at - datetime(2026, 12, 9, 18, 0, tzinfo=SANTANG)) < timedelta(0, 1)
    member.press(card, NotMyArea(1).pack())
    await member.wait_for(mentions("R-000001"))
    member.send_text("这是隔壁坡的塘")
    queued = await town.office.wait_for(has_buttons(AssignReport(1).pack()))
    assert "这是隔壁坡的塘" in words(queued)
    other = next(
        h.id
        for h in town.bot.grid.hamlets.values()
        if h.village_id == "v01" and town.bot.people.grid_members_of(h.id) != [member.user_id]
    )
    town.clock.advance(timedelta(days=1))
    admin.send_text("/queue")
    item = await admin.wait_for(has_buttons(AssignReport(1).pack()))
    admin.press(item, AssignReport(1).pack())
    villages = await admin.wait_for(has_buttons(AssignVillage(1, "v01").pack()))
    admin.press(villages, AssignVillage(1, "v01").pack())
    hamlets = await admin.wait_for(has_buttons(AssignHamlet(1, other).pack()))
    admin.press(hamlets, AssignHamlet(1, other).pack())
    new_member = town.emulator.user(town.bot.people.grid_members_of(other)[0], "黄网格")
    await new_member.wait_for(has_buttons(AcceptTask(1).pack(), MarkFixed(1).pack()))
    order = await town.bot.storage.reports.get(1)
    assert order.state == State.ASSIGNED and order.is_order
    assert order.fix_due_at - order.assigned_at == allowed


async def test_the_skip_and_deadline_buttons_go_once_answered_by_typing(town: Town) -> None:
    """Issue 14: a photo sent instead of ⏭ Skip, and a date typed instead of a deadline button,
    leave no live buttons behind."""
    admin = town.admin
    admin.send_text("/order")
    villages = await admin.wait_for(has_buttons("v2:zv:"))
    admin.press(villages, "v2:zv:v01")
    hamlets = await admin.wait_for(has_buttons("v2:zw"))
    admin.press(hamlets, "v2:zw")
    await admin.wait_for(lambda m: bool(m.get("text")) and not has_buttons("v2:")(m))
    admin.send_text("村道两旁杂物较多，请组织清理。")
    skip = await admin.wait_for(has_buttons("v2:zps"))
    admin.send_photo()
    deadlines = await admin.wait_for(has_buttons("v2:zd:"))
    assert not (admin.emulator.current(skip) or {}).get("reply_markup")
    admin.send_text("2026-12-20")
    await admin.wait_for(has_buttons("v2:zok"))
    assert not (admin.emulator.current(deadlines) or {}).get("reply_markup")
