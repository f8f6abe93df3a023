"""The grand tour's office side paths (`tests/tour_journeys.py` walks them last): a voice
description passed on in words (stopped, blank, then sent), a rejection left with /cancel, a
block of an office admin, a villager who blocked the bot seen in /deliveries and a task taken
twice, a deleted schedule's button, /stats with an unknown word and an empty /area, a daily
inspection whose reminder goes late and a single date for an empty hamlet, /audit, and New
Year's Day with the month's figures for every grid member and village lead."""

from __future__ import annotations

import asyncio
import re
from datetime import datetime, timedelta

from bot.core.callbacks import CallbackData
from bot.delivery.audiences import AudienceKind
from bot.emulator import EmulatedUser
from bot.reporting.buttons import AcceptTask, RejectReport
from bot.reporting.voice import RelayVoice
from bot.schedules.recurrence import Repeat
from bot.schedules.service import ScheduleKind
from handlers.buttons import (
    PauseSchedule,
    ReportCategory,
    SaveSchedule,
    ScheduleAudience,
    ScheduleHamlet,
    ScheduleHamletVillage,
    ScheduleRemindersDone,
    ScheduleStandardMessage,
    ScheduleSuggestedTitle,
    ScheduleTime,
    ScheduleToggleReminder,
    SubmitReport,
)
from handlers.voice import ChooseVoiceAudience
from tests.buttons import has_button
from tests.conftest import OFFICE_ADMIN, Town
from tests.test_deadline_story import NABI_LEAD
from tests.test_recurrence import SANTANG
from tests.tour_edges import BETWEEN_HAMLETS, hello, reported_at
from tests.tour_people import person
from tests.tour_steps import Json, Words, at, choose, mentions, rest, tap, text_of
from tests.tour_wizards import Wizard, answered, cancelled, new_schedule, typed

SPEAKER, BLOCKER, STRAY = range(700351, 700354)
QUIET_LEAD = 200005  # the sample lead of 建新村, where nothing is open
NUMBER = re.compile(r"R-(\d{6})")
TYPED = ("说话的人", "不理人的人", "乱走的人", "桥东头有一堆垃圾")
"""What this part's people type or are called (shown back to them and to others)."""


async def office_more(town: Town, words: Words) -> None:
    """Every office side path in turn, each after a pause longer than the flood window."""
    for path in (
        voice_passed_on_in_words,
        rejected_then_left,
        blocks_the_office_cannot_make,
        a_villager_who_blocked_the_bot,
        gone_buttons,
        numbers_and_an_empty_area,
        a_daily_and_a_single_date_schedule,
        the_audit_of_it_all,
        the_month_ends,
    ):
        rest(town)
        await path(town)


def report_id(number: str) -> int:
    return int(NUMBER.search(number).group(1))


def aside(town: Town, hamlet: str, steps: int) -> tuple[float, float]:
    """A point of `hamlet` `steps` × about 130 m north of the one other journeys report at
    (farther than the duplicate radius: a new report, not a "+1")."""
    latitude, longitude = town.inside(hamlet)
    point = (latitude + 0.0012 * steps, longitude)
    found = town.bot.grid.locate(*point).hamlet
    assert found is not None and found.name == hamlet, point
    return point


async def reported_in(
    town: Town, villager: EmulatedUser, point: tuple[float, float], *, voice: bool
) -> str:
    """Photo, the point, category, (a voice note only the office hears), Submit."""
    villager.send_photo()
    await villager.wait_for(lambda m: bool((m.get("reply_markup") or {}).get("keyboard")), 10)
    villager.send_location(*point)
    await choose(villager, ReportCategory, lambda b: b.category == "household")
    await villager.wait_for(has_button(SubmitReport()), 10)
    if voice:
        villager.send_voice()
        await choose(villager, ChooseVoiceAudience, lambda b: not b.member_too)
    await tap(villager, SubmitReport())
    done = await villager.wait_for(lambda m: bool(NUMBER.search(text_of(m))), 10)
    return NUMBER.search(text_of(done)).group(0)


def press_anywhere(user: EmulatedUser, button: CallbackData) -> Json:
    """Press `button` as if on the newest message of the chat (which need not show it)."""
    return user.press_raw(user.messages[-1], button.pack())


async def voice_passed_on_in_words(town: Town) -> None:
    """The office is asked for words, stops, gives blank words, then words the grid member
    reads (and finds again on /tasks)."""
    villager = person(town, SPEAKER, "说话的人")
    await hello(villager)
    number = await reported_in(town, villager, aside(town, "那笔坡", 1), voice=True)
    relay = RelayVoice(report_id=report_id(number))
    # The office group's copy carries the button, but the group is throttled to 20 messages a
    # minute and the tour has filled it: the admin presses it in their own chat, as an office
    # without a group does.
    admin = town.admin
    for words in ("/cancel", "   "):
        admin.clear()
        press_anywhere(admin, relay)
        await admin.wait_for(mentions(number, "/cancel"), 10)
        await typed(admin, words)
    await typed(admin, "桥东头有一堆垃圾")
    await town.member.wait_for(mentions(number, "桥东头有一堆垃圾"), 10)
    await answered(town.member, lambda: town.member.send_text("/tasks"))


async def rejected_then_left(town: Town) -> None:
    """A report from between the hamlets waits in /queue; the office starts rejecting it and
    stops."""
    villager, admin = person(town, STRAY, "乱走的人"), town.admin
    await hello(villager)
    number = await reported_at(villager, BETWEEN_HAMLETS, "household")
    wizard = Wizard(admin)
    await answered(admin, lambda: admin.send_text("/queue"))
    await wizard.pick(RejectReport, lambda b: b.report_id == report_id(number))
    await admin.wait_for(mentions(number, "/cancel"), 10)
    await cancelled(admin)


async def blocks_the_office_cannot_make(town: Town) -> None:
    """/block of an office admin by their user id."""
    await typed(town.admin, f"/block {OFFICE_ADMIN} 乱报")


async def a_villager_who_blocked_the_bot(town: Town) -> None:
    """A villager blocks the bot; the grid member takes their report and the news of it cannot
    reach them: /deliveries says why in the office's words."""
    villager = person(town, BLOCKER, "不理人的人")
    await hello(villager)
    number = await reported_in(town, villager, aside(town, "那笔坡", 2), voice=False)
    villager.block_bot()
    await tap(town.member, AcceptTask(report_id(number)))
    await failed_to(town, villager.chat_id)
    await answered(town.admin, lambda: town.admin.send_text("/deliveries"))
    villager.unblock_bot()
    member = town.member  # taking it again: nothing changes, and says so
    await member.answer_to(press_anywhere(member, AcceptTask(report_id(number))), 10)


async def gone_buttons(town: Town) -> None:
    """A schedule's Pause from a list older than its deletion (/schedules in the office's
    journey deleted #1)."""
    admin = town.admin
    await admin.answer_to(press_anywhere(admin, PauseSchedule(1)), 10)


async def failed_to(town: Town, chat_id: int) -> None:
    """Wait until a delivery to `chat_id` has failed for good (the outbox works on its own)."""
    for _ in range(300):
        failures = await town.bot.storage.deliveries.open_failures(1000)
        if any(failure.chat_id == chat_id for failure in failures):
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"no failed delivery to {chat_id}")


async def numbers_and_an_empty_area(town: Town) -> None:
    """The office's /stats with a word it does not know; /area, as their first message, of a
    village lead whose village has nothing open."""
    await typed(town.admin, "/stats 明年")
    await typed(person(town, QUIET_LEAD, "梁春梅"), "/area")  # their first message


async def the_month_ends(town: Town) -> None:
    """New Year's Day 08:00: December's digest, and each grid member's and village lead's own
    figures, the quiet lead's too (the last journey: everything else the clock brings comes
    with it)."""
    town.clock.set(datetime(2027, 1, 1, 8, 0, 59, tzinfo=SANTANG))
    await town.bot.time_moved()
    await town.member.wait_for(mentions("📊"), 15)
    await person(town, NABI_LEAD, "黄秀兰").wait_for(mentions("📊"), 15)
    await person(town, QUIET_LEAD, "梁春梅").wait_for(mentions("📊"), 15)


async def a_daily_and_a_single_date_schedule(town: Town) -> None:
    """A daily inspection saved; a single-date one for a hamlet nobody lives in, previewed and
    left."""
    admin = town.admin
    wizard = await new_schedule(admin, ScheduleKind.INSPECTION, Repeat.DAILY)
    await wizard.pick(ScheduleTime, lambda b: b.at == "0800")
    await wizard.pick(ScheduleAudience, lambda b: b.kind == AudienceKind.GRID_MEMBERS)
    title = label_of(await wizard.pick(ScheduleSuggestedTitle), ScheduleSuggestedTitle())
    await wizard.pick(ScheduleStandardMessage)
    await wizard.pick(ScheduleToggleReminder, lambda b: b.index == 2)  # an hour before
    await wizard.pick(ScheduleRemindersDone)
    await wizard.pick(SaveSchedule)
    await admin.wait_for(mentions("/schedules"), 10)
    rest(town)
    tomorrow = (town.clock.now() + timedelta(days=1)).astimezone(SANTANG)
    await at(town, tomorrow.day, 7, 15)  # the 07:00 reminder goes late: "in 44 minutes"
    await town.member.wait_for(mentions(title, "⏰"), 15)

    empty = town.hamlet_id("岭头坡")
    later = (town.clock.now() + timedelta(days=3)).astimezone(SANTANG)
    wizard = await new_schedule(admin, ScheduleKind.INSPECTION, Repeat.ONCE)
    await typed(admin, later.strftime("%Y-%m-%d"))
    await wizard.pick(ScheduleTime, lambda b: b.at == "0800")
    await wizard.pick(ScheduleAudience, lambda b: b.kind == AudienceKind.HAMLET)
    village = town.bot.grid.hamlets[empty].village_id
    await wizard.pick(ScheduleHamletVillage, lambda b: b.village_id == village)
    await wizard.pick(ScheduleHamlet, lambda b: b.hamlet_id == empty)
    await wizard.pick(ScheduleSuggestedTitle)
    await wizard.pick(ScheduleStandardMessage)
    await wizard.pick(ScheduleRemindersDone)
    await admin.wait_for(has_button(SaveSchedule()), 10)
    await cancelled(admin)


def label_of(message: Json, button: CallbackData) -> str:
    """The words of `button` on the message."""
    rows = (message.get("reply_markup") or {}).get("inline_keyboard") or []
    return next(b["text"] for row in rows for b in row if b.get("callback_data") == button.pack())


async def the_audit_of_it_all(town: Town) -> None:
    """/audit with the most entries it shows."""
    await typed(town.admin, "/audit 100")
