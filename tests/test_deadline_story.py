"""Deadlines chase themselves, through the real bot and the emulator on a controllable clock:
the grid member is reminded, the village lead and then the office are told, quiet hours hold
what can wait (never the office's), /tasks and /overdue say how late, and a fix nobody
confirms closes by itself."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.reporting.buttons import AcceptTask, ConfirmFixed, MarkFixed
from bot.reporting.deadlines import AUTO_CLOSE_NOTE
from bot.reporting.lifecycle import Action, State
from handlers.buttons import SkipFixNote
from tests.buttons import words
from tests.conftest import Town
from tests.test_recurrence import SANTANG
from tests.test_report_story import data_of, has_buttons, report_at, zh

NABI_LEAD = 200001  # the sample lead of 那笔村


def mentions(*marks: str):
    return lambda message: all(mark in words(message) for mark in marks)


async def at(town: Town, day: int, hour: int, minute: int = 0) -> None:
    """Move the clock to the last second of that minute of December 2026 (Santang time) and let
    the bot catch up: the town's clock runs on from 10:00:00 in real time, so on a busy machine a
    report is made some seconds after it, and its deadlines fall as many seconds past the minute."""
    town.clock.set(datetime(2026, 12, day, hour, minute, 59, tzinfo=SANTANG))
    await town.bot.time_moved()


async def test_the_escalation_ladder_of_a_report(town: Town) -> None:
    """Household garbage: accept within 12 h, fix within 72 h, from Wednesday 10:00."""
    member, office = town.member, town.office
    lead = town.emulator.user(NABI_LEAD, "黄秀兰", language_code="zh")
    await report_at(town, town.villager, town.inside("那笔坡"))
    card = await member.wait_for(has_buttons(AcceptTask(1).pack()))

    await at(town, 2, 18, 59)
    assert await town.bot.sweep_now() == 0
    await at(town, 2, 19)  # 75 % of the 12 hours: the grid member is reminded, with buttons
    reminder = await member.wait_for(mentions("⏰", "R-000001"))
    assert has_buttons(AcceptTask(1).pack(), MarkFixed(1).pack())(reminder)

    await at(town, 2, 22)  # not accepted in 12 h: the lead — but it is 22:00, quiet hours
    held = await town.bot.storage.database.fetch_one(
        "SELECT not_before FROM outbox WHERE chat_id = ?", (NABI_LEAD,)
    )
    assert datetime.fromisoformat(held["not_before"]) == datetime(2026, 12, 3, 7, 0, tzinfo=SANTANG)
    await at(town, 3, 6, 59)
    assert not [m for m in lead.messages if "R-000001" in words(m)]
    await at(town, 3, 7)  # morning: the lead hears of it
    told = await lead.wait_for(mentions("⚠️", "R-000001"))
    assert "12月2日 周三 22:00" in told["text"] and "韦建国" in told["text"]

    await at(town, 3, 22)  # still not accepted a day later: the office, at night too
    await office.wait_for(mentions("⚠️", "R-000001"))

    member.send_text("/tasks")
    task = await member.wait_for(has_buttons(AcceptTask(1).pack()))
    assert zh("overdue {hours} h").format(hours=24) in task["text"]
    assert "📣" in task["text"]  # the office was told
    member.press(card, AcceptTask(1).pack())
    await member.wait_for(lambda m: m is not task and "R-000001" in words(m))

    # Fix by Saturday 10:00: reminded Friday 16:00, the lead at 10:00, the office a day later.
    await at(town, 4, 16)
    await member.wait_for(mentions("⏰", "R-000001", "12月5日 周六 10:00"))
    await at(town, 5, 10)
    await lead.wait_for(mentions("⚠️", "R-000001", "12月5日 周六 10:00"))
    await at(town, 5, 15)
    member.send_text("/tasks")
    late = await member.wait_for(has_buttons(MarkFixed(1).pack()))
    assert zh("overdue {hours} h").format(hours=5) in late["text"]
    await at(town, 6, 10)
    await office.wait_for(mentions("⚠️", "R-000001", "12月5日 周六 10:00"))

    town.admin.send_text("/overdue")
    listed = await town.admin.wait_for(mentions("R-000001"))
    assert zh("overdue {hours} h").format(hours=24) in listed["text"]
    events = await town.bot.storage.reports.events(1)
    assert [(e.action, e.note) for e in events if e.action in (Action.REMIND, Action.ESCALATE)] == [
        (Action.REMIND, "ack:member"),
        (Action.ESCALATE, "ack:lead"),
        (Action.ESCALATE, "ack:office"),
        (Action.REMIND, "fix:member"),
        (Action.ESCALATE, "fix:lead"),
        (Action.ESCALATE, "fix:office"),
    ]
    assert all(e.to_state == e.from_state for e in events if e.action == Action.ESCALATE)


async def test_a_long_outage_escalates_but_does_not_remind_too_late(town: Town) -> None:
    """Down for two days: on start-up the lead and the office hear of it, once each; a
    reminder of a deadline that has passed is not sent."""
    member, lead = town.member, town.emulator.user(NABI_LEAD, "黄秀兰", language_code="zh")
    await report_at(town, town.villager, town.inside("那笔坡"))
    await member.wait_for(has_buttons(AcceptTask(1).pack()))
    await town.restart(down_until=datetime(2026, 12, 4, 12, 0, tzinfo=SANTANG))
    await town.office.wait_for(mentions("⚠️", "R-000001"))
    await lead.wait_for(mentions("⚠️", "R-000001"))
    assert await town.bot.sweep_now() == 0
    events = await town.bot.storage.reports.events(1)
    assert [e.note for e in events if e.action in (Action.REMIND, Action.ESCALATE)] == [
        "ack:lead",
        "ack:office",
    ]
    assert not [m for m in member.messages if "⏰" in words(m)]


async def test_a_fix_nobody_confirms_closes_by_itself(town: Town) -> None:
    villager, member = town.villager, town.member
    await report_at(town, villager, town.inside("那笔坡"))
    card = await member.wait_for(has_buttons(MarkFixed(1).pack()))
    member.press(card, MarkFixed(1).pack())
    await member.wait_for(mentions("R-000001"))
    member.send_photo()
    skip = await member.wait_for(has_buttons(SkipFixNote().pack()))
    member.press(skip, SkipFixNote().pack())
    question = await villager.wait_for(has_buttons(ConfirmFixed(1).pack()))

    fixed_at = (await town.bot.storage.reports.get(1)).fixed_at
    town.clock.set(fixed_at + timedelta(days=3) - timedelta(minutes=1))
    await town.bot.time_moved()
    assert (await town.bot.storage.reports.get(1)).state == State.FIXED
    town.clock.set(fixed_at + timedelta(days=3, seconds=1))
    await town.bot.time_moved()
    report = await town.bot.storage.reports.get(1)
    assert report.state == State.CLOSED
    last = (await town.bot.storage.reports.events(1))[-1]
    assert (last.action, last.note, last.actor_id) == (Action.AUTO_CLOSE, AUTO_CLOSE_NOTE, None)
    await town.office.wait_for(mentions("✅", "R-000001"))
    await villager.wait_for(lambda m: m is not question and "R-000001" in words(m))
    late = villager.press_raw(question, ConfirmFixed(1).pack())
    assert (await villager.answer_to(late))["show_alert"]  # already closed: nothing changes
    assert data_of(question)


async def test_a_message_held_through_quiet_hours_says_how_late_it_is_when_it_arrives(
    town: Town,
) -> None:
    """The lead's "not accepted" falls due at 22:00 and is held until 07:00: it says nine
    hours overdue when it arrives, not the "less than an hour" of when it was queued."""
    lead = town.emulator.user(NABI_LEAD, "黄秀兰", language_code="zh")
    await report_at(town, town.villager, town.inside("那笔坡"))
    await town.member.wait_for(has_buttons(AcceptTask(1).pack()))
    await at(town, 2, 22)
    await at(town, 3, 7)
    told = await lead.wait_for(mentions("⚠️", "R-000001"))
    assert "已超期 9 小时" in told["text"] and "超时不到 1 小时" not in told["text"]
