"""The grand tour's second town (`tests/grand_tour.py`): the sample town configured otherwise,
for what the sample's config never lets happen — no department group chat, a village with
neither grid member nor village lead, a one-megabyte media folder, hour-long deadlines,
schedules seeded with every kind of reminder — and, halfway, a hamlet taken out of the grid
while the bot is down (a restart on the same database). Its own story, merged into the same
tour as the sample town's (`tests/tour_journeys.py`); each journey finds what the one before
left."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from pathlib import Path

from bot.delivery.audiences import AudienceKind
from bot.reporting.buttons import AcceptTask, AssignReport, ConfirmFixed
from bot.schedules.recurrence import Repeat
from bot.schedules.service import ScheduleKind
from handlers.buttons import (
    AssignVillage,
    IssueOrder,
    OrderDeadline,
    OrderSkipPhoto,
    OrderVillage,
    OrderWholeVillage,
    ReportCategory,
    SaveSchedule,
    ScheduleAudience,
    ScheduleDay,
    ScheduleHamlet,
    ScheduleHamletVillage,
    ScheduleRemindersDone,
    ScheduleSuggestedTitle,
    ScheduleTime,
    SkipHome,
    SubmitReport,
)
from tests.buttons import has_button
from tests.conftest import CLEAN_HOMES_CHAT, CLEAN_WATER_CHAT, ROOT, Town
from tests.test_recurrence import SANTANG
from tests.tour_journeys import everybody_says_hello, member_fixes
from tests.tour_steps import Words, at, choose, mentions, rest, say, tap, wait_until_count
from tests.tour_wizards import Wizard, answered, cancelled, new_notice, new_schedule, typed

UNSERVED = "v18"
"""坛头村: in this town neither a grid member nor a village lead serves it."""
GONE = "h02"
"""岭头坡: taken out of the grid at the restart."""
BIG_PHOTO = ROOT / "bot" / "sample" / "photos" / "river_bank.jpg"
"""About 21 kB: past the warning share of a one-megabyte media folder at once."""

SEEDS = """
[[schedules.seed]]
key = "market-sweep"
kind = "custom"
title = { zh = "那笔村集市清扫", en = "Nabi market sweep" }
repeat = "yearly"
month = 12
day = 6
at = "12:00"
audience = { kind = "village_staff", ids = ["v01"] }
message = { zh = "集市散后请组织清扫。", en = "Please organise the sweep after the market." }
reminders = [
  { days_before = 3, at = "11:00" }, { days_before = 0, at = "08:00" }, { hours_before = 0.5 },
]

[[schedules.seed]]
key = "grid-meeting"
kind = "inspection"
title = { zh = "网格员碰头会", en = "Grid members' meeting" }
repeat = "once"
on = 2026-12-04
at = "10:00"
audience = { kind = "grid_members" }
message = { zh = "请按时参加碰头会。", en = "Please come to the meeting on time." }
reminders = [{ days_before = 1, at = "14:00" }]

"""
"""The market sweep's reminders say "on Sun 6 Dec 12:00" (3 days before) and "today 12:00"
(at 08:00); the meeting's reminder falls while the bot is down, too long ago to be sent."""

TYPED = ("岭头坡大扫除", "村口垃圾", "集合")
"""What this town's people type (shown back to them), not the bot's words."""


def second_town(text: str, folder: Path) -> str:
    """The sample config without department group chats, with 坛头村 unserved, a 1 MB media
    folder warned of from 1 %, household garbage due in 1 h (accept) and 2 h (fix), and the
    seeds above instead of the sample's."""
    text = text.replace(f"chat_id = {CLEAN_HOMES_CHAT}\n", "").replace(
        f"chat_id = {CLEAN_WATER_CHAT}\n", ""
    )
    for table, user_id in (
        ("grid_members", 100041),
        ("grid_members", 100042),
        ("village_leads", 200018),
    ):
        text = re.sub(rf"\[\[{table}\]\]\nuser_id = {user_id}\n(?:(?!\[\[).*\n)*", "", text)
    text = text.replace("media_folder_megabytes = 10000", "media_folder_megabytes = 1")
    text = text.replace("media_folder_warn_percent = 80", "media_folder_warn_percent = 1")
    text = re.sub(
        r"(\[categories\.household\]\n(?:.*\n){2})ack_hours = 12\nfix_hours = 72",
        r"\1ack_hours = 1\nfix_hours = 2",
        text,
    )
    start, end = text.index("[[schedules.seed]]"), text.index("# `make run` with no token")
    return text[:start] + SEEDS.lstrip("\n") + text[end:]


def without_gone_hamlet(text: str, folder: Path) -> str:
    """The running config with 岭头坡 out of the grid file and of its grid member's list."""
    grid = json.loads((ROOT / "bot" / "sample" / "santang_grid.geojson").read_text("utf-8"))
    grid["features"] = [f for f in grid["features"] if f["properties"]["id"] != GONE]
    smaller = folder / "grid_without_lingtou.geojson"
    smaller.write_text(json.dumps(grid, ensure_ascii=False), encoding="utf-8")
    text = text.replace(
        f'geojson = "{ROOT}/bot/sample/santang_grid.geojson"', f'geojson = "{smaller}"'
    )
    return text.replace('hamlets = ["h01", "h02", "h03"]', 'hamlets = ["h01", "h03"]')


def title(town: Town, key: str, language: str | None = None) -> str:
    """A seeded schedule's title in `language`, by default the town's people's."""
    seed = next(seed for seed in town.config.schedules.seed if seed.key == key)
    return str(seed.title.model_dump()[language or town.villager.language_code or "zh"])


async def settling_in(town: Town) -> None:
    """The grid member and the admin say hello; the villager skips the home question and
    turns office notices off, and /mydata says so."""
    await everybody_says_hello(town)
    villager = town.villager
    await say(town, villager, "/start")
    await tap(villager, SkipHome())
    await villager.next_message()
    await say(town, villager, "/notices off", "/mydata")


async def no_department_has_a_chat(town: Town) -> None:
    """A notice and a schedule for a department: none has a group chat, an alert each."""
    admin = town.admin
    await new_notice(admin, AudienceKind.DEPARTMENT)
    await cancelled(admin)
    wizard = await new_schedule(admin, ScheduleKind.CUSTOM, Repeat.DAILY)
    await wizard.pick(ScheduleTime, lambda b: b.at == "0800")
    await wizard.pick(ScheduleAudience, lambda b: b.kind == AudienceKind.DEPARTMENT)
    await cancelled(admin)


async def nobody_serves_the_village(town: Town, words: Words) -> None:
    """Report 1 is in 上塘坡 of 坛头村, with a big photo: it waits in the office's queue, and
    the office finds no hamlet there to assign it to, nor anyone to receive an order."""
    villager, admin = town.villager, town.admin
    villager.send_photo(BIG_PHOTO.read_bytes())
    await villager.wait_for(lambda m: bool((m.get("reply_markup") or {}).get("keyboard")))
    villager.send_location(*town.inside("上塘坡"))
    await choose(villager, ReportCategory, lambda b: b.category == "household")
    await tap(villager, SubmitReport())
    await villager.wait_for(mentions("R-000001"))
    rest(town)
    admin.send_text("/queue")
    await tap(admin, AssignReport(1))
    await choose(admin, AssignVillage, lambda b: b.village_id == UNSERVED)  # an alert
    rest(town)
    wizard = Wizard(admin)
    await answered(admin, lambda: admin.send_text("/order"))
    await wizard.pick(OrderVillage, lambda b: b.village_id == UNSERVED)
    await wizard.pick(OrderWholeVillage)
    await admin.wait_for(mentions(words("Please pick another place above, or /cancel.")))
    await cancelled(admin)


async def too_late_meanwhile(town: Town, words: Words) -> None:
    """A one-off schedule for 10:45 today and an order due at 11:00, each confirmed a minute
    too late."""
    admin = town.admin
    wizard = await new_schedule(admin, ScheduleKind.CUSTOM, Repeat.ONCE)
    await typed(admin, "2026-12-02")
    admin.send_text("10:45")
    await wizard.pick(ScheduleAudience, lambda b: b.kind == AudienceKind.GRID_MEMBERS)
    await wizard.pick(ScheduleSuggestedTitle)
    admin.send_text("集合")  # the message, answered in turn after the title
    await admin.wait_for(has_button(ScheduleRemindersDone()))
    await at(town, 2, 10, 46)
    await wizard.pick(ScheduleRemindersDone)
    await admin.wait_for(mentions("/newschedule"))
    rest(town)

    village = town.bot.grid.hamlets[town.hamlet_id("那笔坡")].village_id
    wizard = Wizard(admin)
    admin.send_text("/order")
    await wizard.pick(OrderVillage, lambda b: b.village_id == village)
    await wizard.pick(OrderWholeVillage)
    admin.send_text("村口垃圾")
    await wizard.pick(OrderSkipPhoto)
    await admin.wait_for(has_button(OrderDeadline))
    admin.send_text("2026-12-02 11:00")
    await admin.wait_for(has_button(IssueOrder()))
    await at(town, 2, 11, 1)
    await tap(admin, IssueOrder())
    await admin.wait_for(
        mentions(words("The deadline has passed meanwhile. Please start again with /order."))
    )


async def overdue_within_the_hour(town: Town, words: Words) -> None:
    """Report 2, in 那笔坡 (its photo warns the office that the media folder fills): /tasks
    half an hour after it should have been accepted, then fixed half an hour late, so the
    export says it was not on time."""
    villager, member, admin = town.villager, town.member, town.admin
    villager.send_photo()
    await villager.wait_for(lambda m: bool((m.get("reply_markup") or {}).get("keyboard")))
    villager.send_location(*town.inside("那笔坡"))
    await choose(villager, ReportCategory, lambda b: b.category == "household")
    await tap(villager, SubmitReport())
    await villager.wait_for(mentions("R-000002"))
    await town.office.wait_for(mentions("💾"))
    assigned = (await town.bot.storage.reports.get(2)).ack_due_at
    assert assigned is not None
    town.clock.set(assigned + timedelta(minutes=30))
    await town.bot.time_moved()
    member.send_text("/tasks")
    await member.wait_for(mentions("R-000002", words("overdue less than 1 h")))
    rest(town)
    await tap(member, AcceptTask(2))
    fix_due = (await town.bot.storage.reports.get(2)).fix_due_at
    assert fix_due is not None
    town.clock.set(fix_due + timedelta(minutes=30))
    await member_fixes(town, 2, accept=False)
    await villager.wait_for(has_button(ConfirmFixed(2)))
    rest(town)
    admin.send_text("/export")
    await wait_until_count(admin, "document", 3)


async def reminder_days_ahead(town: Town) -> None:
    """Thursday 11:00: the market sweep is on Sunday, the grid member hears."""
    await at(town, 3, 11, 0)
    await town.member.wait_for(mentions("⏰", title(town, "market-sweep")))


async def hamlet_taken_out(town: Town, words: Words) -> None:
    """A monthly schedule for 岭头坡 is saved and another left before its preview; the bot
    stops, 岭头坡 leaves the grid, and the bot starts again at 20:30, too late for the
    meeting's 14:00 reminder (the office hears it was not sent). The list says the hamlet is
    gone, and the other schedule's preview that a step is missing."""
    admin = town.admin
    village = town.bot.grid.hamlets[GONE].village_id
    for save in (True, False):
        wizard = await new_schedule(admin, ScheduleKind.CUSTOM, Repeat.MONTHLY)
        await wizard.pick(ScheduleDay, lambda b: b.day == 20)
        await wizard.pick(ScheduleTime, lambda b: b.at == "0800")
        await wizard.pick(ScheduleAudience, lambda b: b.kind == AudienceKind.HAMLET)
        await wizard.pick(ScheduleHamletVillage, lambda b: b.village_id == village)
        await wizard.pick(ScheduleHamlet, lambda b: b.hamlet_id == GONE)
        await wizard.pick(ScheduleSuggestedTitle)
        admin.send_text("岭头坡大扫除")  # the message, answered in turn after the title
        await admin.wait_for(has_button(ScheduleRemindersDone()))
        if save:
            await wizard.pick(ScheduleRemindersDone)
            await wizard.pick(SaveSchedule)
            await admin.wait_for(mentions("/schedules"))
            rest(town)
    town.config_path.write_text(
        without_gone_hamlet(town.config_path.read_text("utf-8"), town.config_path.parent),
        encoding="utf-8",
    )
    await town.restart(down_until=datetime(2026, 12, 3, 20, 30, tzinfo=SANTANG))
    office_language = town.config.general.default_language  # a group's
    await town.office.wait_for(mentions(title(town, "grid-meeting", office_language)))
    await tap(admin, ScheduleRemindersDone())
    await admin.wait_for(mentions("/newschedule"))
    admin.send_text("/schedules")
    await admin.wait_for(mentions(words("a hamlet that no longer exists")))


async def reminder_the_same_day(town: Town) -> None:
    """Sunday 08:00: the market sweep is today at noon."""
    await at(town, 6, 8, 0)
    await town.member.wait_for(mentions("⏰", title(town, "market-sweep")))


async def second_story(town: Town, words: Words) -> tuple[str, ...]:
    """Every journey of the second town in turn; returns what people typed."""
    journeys = [
        lambda: settling_in(town),
        lambda: no_department_has_a_chat(town),
        lambda: nobody_serves_the_village(town, words),
        lambda: too_late_meanwhile(town, words),
        lambda: overdue_within_the_hour(town, words),
        lambda: reminder_days_ahead(town),
        lambda: hamlet_taken_out(town, words),
        lambda: reminder_the_same_day(town),
    ]
    for journey in journeys:
        rest(town)
        await journey()
    return TYPED
