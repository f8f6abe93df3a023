"""Schedules through the real bot and the emulator: an office admin builds a cleanup day with
buttons and it reaches that village only; a restart neither loses nor repeats a firing."""

from __future__ import annotations

import asyncio
import re
from datetime import datetime, time

from bot.delivery.audiences import Audience, AudienceKind
from bot.schedules.recurrence import Recurrence, Repeat
from bot.schedules.service import NewSchedule, ScheduleKind
from handlers.buttons import (
    DeleteSchedule,
    DeleteScheduleYes,
    PauseSchedule,
    ResumeSchedule,
    SaveSchedule,
    ScheduleAudience,
    ScheduleKindChosen,
    ScheduleRemindersDone,
    ScheduleRepeat,
    ScheduleStandardMessage,
    ScheduleSuggestedTitle,
    ScheduleTime,
    ScheduleToggleReminder,
    ScheduleToggleWeekday,
    ScheduleVillage,
    ScheduleWeekdaysDone,
)
from handlers.buttons import NewSchedule as NewScheduleButton
from tests.buttons import has_button, no_buttons, press
from tests.conftest import OFFICE_ADMIN, OFFICE_CHAT, Town
from tests.test_notices import living_in
from tests.test_recurrence import SANTANG


def texts_with(town: Town, mark: str) -> list[tuple[int, str]]:
    """(chat, text) of every message the bot sent that contains `mark`."""
    return [
        (message["chat"]["id"], message.get("text") or "")
        for message in town.emulator.sent
        if mark in (message.get("text") or "")
    ]


async def outbox_drained(town: Town) -> None:
    for _ in range(100):
        rows = await town.bot.storage.database.fetch_all(
            "SELECT 1 FROM outbox WHERE state IN ('pending', 'sending') AND not_before IS NULL"
        )
        if not rows:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the outbox did not drain")


async def test_the_office_builds_a_cleanup_day_and_it_reaches_that_village_only(
    town: Town,
) -> None:
    admin = town.admin
    santang_village = town.bot.grid.hamlets[town.hamlet_id("花围坡")].village_id
    inside = await living_in(town, 620001, "花围坡")
    elsewhere = await living_in(town, 620002, "那笔坡")

    admin.send_text("/schedules")
    listing = await admin.wait_for(has_button(NewScheduleButton))
    press(admin, listing, NewScheduleButton())
    kinds = await admin.wait_for(has_button(ScheduleKindChosen))
    press(admin, kinds, ScheduleKindChosen(ScheduleKind.CLEANUP))
    repeats = await admin.wait_for(has_button(ScheduleRepeat))
    press(admin, repeats, ScheduleRepeat(Repeat.WEEKLY))
    days = await admin.wait_for(has_button(ScheduleToggleWeekday))
    press(admin, days, ScheduleToggleWeekday(5))  # Saturday
    days = await admin.wait_for(lambda m: "✅" in str(m.get("reply_markup")))
    press(admin, days, ScheduleWeekdaysDone())
    times = await admin.wait_for(has_button(ScheduleTime))
    assert no_buttons(town.emulator.current(days))  # a used step is no longer live
    admin.send_text("8 点")  # not a time: asked again, politely
    await admin.wait_for(lambda m: "08:30" in (m.get("text") or ""))
    press(admin, times, ScheduleTime("0800"))
    audiences = await admin.wait_for(has_button(ScheduleAudience))
    press(admin, audiences, ScheduleAudience(AudienceKind.VILLAGES))
    villages = await admin.wait_for(has_button(ScheduleVillage))
    press(admin, villages, ScheduleVillage(AudienceKind.VILLAGES, santang_village))
    title = await admin.wait_for(has_button(ScheduleSuggestedTitle))
    admin.send_text("三塘村周六清洁日")
    message = await admin.wait_for(has_button(ScheduleStandardMessage))
    press(admin, message, ScheduleStandardMessage())  # the standard 门前三包 text
    reminders = await admin.wait_for(has_button(ScheduleToggleReminder(0)))
    press(admin, reminders, ScheduleToggleReminder(0))  # the day before at 18:00
    reminders = await admin.wait_for(lambda m: "✅" in str(m.get("reply_markup")))
    press(admin, reminders, ScheduleRemindersDone())
    shown = await admin.wait_for(lambda m: "门前三包" in (m.get("text") or ""))
    assert "三塘村周六清洁日" in shown["text"]
    summary = await admin.wait_for(has_button(SaveSchedule))
    assert "12月5日 周六 08:00" in summary["text"] and "18:00" in summary["text"]
    press(admin, summary, SaveSchedule())
    saved = await admin.wait_for(lambda m: "#4" in (m.get("text") or ""))
    assert "12月5日 周六 08:00" in saved["text"]
    assert title and town.bot.application.job_queue.get_jobs_by_name("schedule-4")

    town.clock.set(datetime(2026, 12, 4, 18, 0, 5, tzinfo=SANTANG))
    await town.bot.time_moved()
    reminder = await inside.wait_for(lambda m: "三塘村周六清洁日" in (m.get("text") or ""))
    assert "⏰" in reminder["text"] and "明天 08:00" in reminder["text"]
    assert "今天" not in reminder["text"]
    town.clock.set(datetime(2026, 12, 5, 8, 0, 5, tzinfo=SANTANG))
    await town.bot.time_moved()
    cleanup = await inside.wait_for(lambda m: "门前三包" in (m.get("text") or ""))
    assert "三塘村周六清洁日" in cleanup["text"] and "⏰" not in cleanup["text"]
    await outbox_drained(town)
    reached = [chat for chat, _ in texts_with(town, "三塘村周六清洁日") if chat != admin.chat_id]
    assert reached == [inside.chat_id, inside.chat_id]
    assert elsewhere.chat_id not in reached and OFFICE_CHAT not in reached

    admin.send_text("/schedules")
    card = await admin.wait_for(
        lambda m: "#4" in (m.get("text") or "") and has_button(PauseSchedule(4))(m)
    )
    assert "12月12日 周六 08:00" in card["text"]  # the next run
    press(admin, card, PauseSchedule(4))
    paused = await admin.wait_for(has_button(ResumeSchedule(4)))
    press(admin, paused, DeleteSchedule(4))
    confirm = await admin.wait_for(has_button(DeleteScheduleYes(4)))
    press(admin, confirm, DeleteScheduleYes(4))
    await admin.wait_for(lambda m: "🗑" in (m.get("text") or "") and no_buttons(m))
    stale = admin.press_raw(card, "v1:sp:4")  # a button from before typed buttons
    assert (await admin.answer_to(stale))["text"] == "这个按钮已经失效了。"
    old_new = admin.press_raw(card, "v1:sn")  # ➕ New schedule under an old /schedules list
    assert (await admin.answer_to(old_new))["text"] == "这个按钮已经失效了。"
    assert not town.bot.application.job_queue.get_jobs_by_name("schedule-4")
    assert [s.id for s in await town.bot.schedules.listed()] == [1, 2, 3]
    audit = town.bot.application.bot_data["services"].audit
    logged = [(row.actor_id, row.action, row.subject) for row in await audit.recent()]
    for action in ("schedule_create", "schedule_paused", "schedule_deleted"):
        assert (OFFICE_ADMIN, action, "#4") in logged


async def test_schedules_are_for_the_office_only(town: Town) -> None:
    villager = town.villager
    villager.send_text("/schedules")
    refusal = await villager.next_message()
    assert "/schedules" in refusal["text"]
    villager.send_text("/newschedule")
    await villager.next_message()
    assert not [m for m in villager.messages if has_button(ScheduleKindChosen)(m)]
    forged = villager.press_raw(refusal, DeleteScheduleYes(1).pack())
    assert (await villager.answer_to(forged))["show_alert"]
    assert len(await town.bot.schedules.listed()) == 3  # the seeded ones, untouched


async def test_a_restart_neither_loses_nor_repeats_a_firing(town: Town) -> None:
    inside = await living_in(town, 620001, "花围坡")
    village = town.bot.grid.hamlets[town.hamlet_id("花围坡")].village_id
    schedule = await town.bot.schedules.create(
        OFFICE_ADMIN,
        NewSchedule(
            kind=ScheduleKind.CLEANUP,
            title={"zh": "三塘村清洁日"},
            recurrence=Recurrence(Repeat.WEEKLY, time(8, 0), weekdays=(5,)),
            reminders=(),
            audience=Audience(AudienceKind.VILLAGES, (village,)),
            message={"zh": "请清扫门前三包区域。"},
        ),
    )
    # Down from Wednesday until Saturday 09:30: the 08:00 firing is within the grace window.
    await town.restart(down_until=datetime(2026, 12, 5, 9, 30, tzinfo=SANTANG))
    await inside.wait_for(lambda m: "三塘村清洁日" in (m.get("text") or ""))
    assert town.bot.application.job_queue.get_jobs_by_name(f"schedule-{schedule.id}")
    await town.restart()
    assert await town.bot.sweep_now() == 0
    await outbox_drained(town)
    assert len(texts_with(town, "三塘村清洁日")) == 1
    firings = await town.bot.storage.schedules.firings(schedule.id)
    assert [(step, outcome) for _, step, outcome, _ in firings] == [("event", "sent")]


async def test_a_tapped_suggested_title_is_kept_in_every_language(town: Town) -> None:
    """The wizard suggests "kind · audience" in the admin's language; tapped, it is stored in
    each, so an English reader's reminder is not headed in Chinese (a typed title is the
    office's own words, in one)."""
    admin = town.admin
    admin.send_text("/newschedule")
    press(
        admin,
        await admin.wait_for(has_button(ScheduleKindChosen)),
        ScheduleKindChosen(ScheduleKind.INSPECTION),
    )
    press(admin, await admin.wait_for(has_button(ScheduleRepeat)), ScheduleRepeat(Repeat.DAILY))
    press(admin, await admin.wait_for(has_button(ScheduleTime)), ScheduleTime("0800"))
    audiences = await admin.wait_for(has_button(ScheduleAudience))
    press(admin, audiences, ScheduleAudience(AudienceKind.GRID_MEMBERS))
    press(admin, await admin.wait_for(has_button(ScheduleSuggestedTitle)), ScheduleSuggestedTitle())
    message = await admin.wait_for(has_button(ScheduleStandardMessage))
    press(admin, message, ScheduleStandardMessage())
    reminders = await admin.wait_for(has_button(ScheduleRemindersDone))
    press(admin, reminders, ScheduleRemindersDone())
    press(admin, await admin.wait_for(has_button(SaveSchedule)), SaveSchedule())
    await admin.wait_for(lambda m: "✅" in (m.get("text") or "") and no_buttons(m))
    saved = (await town.bot.schedules.listed())[-1]
    assert saved.title == {
        "zh": "🔍 考核检查 · 全体网格员",
        "en": "🔍 Inspection · all grid members",
    }


async def test_a_department_without_a_group_chat_gets_one_alert(town: Town) -> None:
    """With no department group chat configured, 🏢 A department answers the press with an
    alert saying so, and the wizard stays at the audience (a press takes one answer: the
    alert must be that answer, not a second one after a silent one)."""
    config = town.config_path.read_text(encoding="utf-8")
    town.config_path.write_text(re.sub(r"chat_id = -1006\d\d\n", "", config), encoding="utf-8")
    await town.restart()
    admin = town.admin
    admin.send_text("/newschedule")
    press(
        admin,
        await admin.wait_for(has_button(ScheduleKindChosen)),
        ScheduleKindChosen(ScheduleKind.CUSTOM),
    )
    press(admin, await admin.wait_for(has_button(ScheduleRepeat)), ScheduleRepeat(Repeat.DAILY))
    press(admin, await admin.wait_for(has_button(ScheduleTime)), ScheduleTime("0800"))
    audiences = await admin.wait_for(has_button(ScheduleAudience))
    pressed = press(admin, audiences, ScheduleAudience(AudienceKind.DEPARTMENT))
    answer = await admin.answer_to(pressed)
    assert answer.get("show_alert") and "部门" in answer.get("text", ""), answer
    press(admin, audiences, ScheduleAudience(AudienceKind.GRID_MEMBERS))
    await admin.wait_for(has_button(ScheduleSuggestedTitle))
