"""The office's journeys of the grand tour (`tests/grand_tour.py`): the numbers, notices,
schedules with their reminders, orders, roles, moderation and the queue."""

from __future__ import annotations

import re
from datetime import timedelta

from bot.delivery.audiences import AudienceKind
from bot.people.directory import Role
from bot.reporting.buttons import (
    AcceptTask,
    NotMyArea,
    RejectReport,
)
from bot.schedules.recurrence import Repeat
from bot.schedules.service import ScheduleKind
from handlers.buttons import (
    AskRevoke,
    CancelNotice,
    DeleteSchedule,
    DeleteScheduleNo,
    DeleteScheduleYes,
    InviteHamletsDone,
    InviteRole,
    InviteToggleHamlet,
    InviteVillage,
    IssueOrder,
    NoticeAddLanguage,
    NoticeAudience,
    NoticeConfirm,
    NoticePreview,
    NoticeSendLater,
    NoticeSendNow,
    NoticeToggleVillage,
    NoticeVillagesDone,
    OrderDeadline,
    OrderHamlet,
    OrderVillage,
    PauseSchedule,
    ResumeSchedule,
    RevokeYes,
    SaveSchedule,
    ScheduleAudience,
    ScheduleKindChosen,
    ScheduleRemindersDone,
    ScheduleRepeat,
    ScheduleStandardMessage,
    ScheduleTime,
    ScheduleToggleReminder,
    ScheduleToggleWeekday,
    ScheduleWeekdaysDone,
)
from tests.buttons import button_data, has_button
from tests.conftest import Town
from tests.test_recurrence import SANTANG
from tests.tour_steps import (
    SECOND_VILLAGER,
    Json,
    at,
    choose,
    count_with,
    huawei_member,
    mentions,
    rest,
    say,
    tap,
    text_of,
    town_language,
    wait_until_count,
)

CODE = re.compile(r"/join ([A-Z0-9]{5}-[A-Z0-9]{5})")


async def office_reads(town: Town) -> None:
    """/audit, /stats (summary and chart), /export, /deliveries, /team, /orders, /notices."""
    admin = town.admin
    for command, marks in (
        ("/audit", ()),
        ("/stats", ("photo",)),
        ("/ranking", ()),
        ("/map", ("photo",)),
        ("/export", ("document", "document")),
        ("/deliveries", ()),
        ("/schedules", ()),
    ):
        before = {mark: count_with(admin, mark) for mark in marks}
        admin.send_text(command)
        await admin.next_message(timeout=15)
        for mark in set(marks):
            await wait_until_count(admin, mark, before[mark] + marks.count(mark))


async def send_later(town: Town, text: str, *, hours: int, first: tuple[str, ...] = ()) -> None:
    """The notice's text, Preview, Send later, `first` (wrong times), the time `hours` ahead,
    Confirm; then /notices, until it lists the notice (so it is saved before the clock moves)."""
    admin = town.admin
    admin.send_text(text)
    await tap(admin, NoticePreview())
    await tap(admin, NoticeSendLater())
    await admin.next_message()
    for wrong in first:
        admin.send_text(wrong)
        await admin.next_message()
    when = (town.clock.now() + timedelta(hours=hours)).astimezone(SANTANG)
    admin.send_text(when.strftime("%Y-%m-%d %H:%M"))
    await tap(admin, NoticeConfirm())
    admin.send_text("/notices")
    await admin.wait_for(lambda m: "🕒" in text_of(m) and has_button(CancelNotice)(m))


async def office_sends_notices(town: Town) -> None:
    """A notice to everyone now (with an English version), one to the grid members sent later."""
    admin = town.admin
    admin.send_text("/notice")
    await choose(admin, NoticeAudience, lambda b: b.kind == AudienceKind.EVERYONE)
    admin.send_text("全村大扫除")
    await choose(admin, NoticeAddLanguage, lambda b: b.language == "en")
    await admin.next_message()
    admin.send_text("Village cleanup")
    await tap(admin, NoticePreview())
    await tap(admin, NoticeSendNow())
    await tap(admin, NoticeConfirm())
    await town.villager.wait_for(
        mentions("Village cleanup" if town_language(town) == "en" else "全村大扫除")
    )

    admin.send_text("/notice")
    await choose(admin, NoticeAudience, lambda b: b.kind == AudienceKind.GRID_MEMBERS)
    await send_later(town, "网格员例会", hours=2)
    town.clock.advance(timedelta(hours=2, minutes=1))
    await town.bot.time_moved()
    await town.member.wait_for(mentions("网格员例会"), timeout=15)


def saved_schedule(message: Json) -> bool:
    """The wizard's last edit, "✅ Saved as #N. Next: …": not just the admin's next message,
    which may be an unrelated notification that arrived first."""
    return "✅" in text_of(message) and "#" in text_of(message) and "/schedules" in text_of(message)


async def office_schedules_a_cleanup(town: Town) -> None:
    """A weekly Saturday cleanup with the day-before and the hour-before reminders."""
    admin, villager = town.admin, town.villager
    admin.send_text("/newschedule")
    await choose(admin, ScheduleKindChosen, lambda b: b.kind == ScheduleKind.CLEANUP)
    await choose(admin, ScheduleRepeat, lambda b: b.repeat == Repeat.WEEKLY)
    await tap(admin, ScheduleToggleWeekday(5))
    await tap(admin, ScheduleWeekdaysDone())
    await choose(admin, ScheduleTime, lambda b: b.at == "0800")
    await choose(admin, ScheduleAudience, lambda b: b.kind == AudienceKind.EVERYONE)
    await admin.next_message()
    admin.send_text("三塘清洁日")
    await tap(admin, ScheduleStandardMessage())
    await tap(admin, ScheduleToggleReminder(0))
    await admin.wait_for(has_button(ScheduleToggleReminder(2)))
    await tap(admin, ScheduleToggleReminder(2))
    await admin.next_message()
    await tap(admin, ScheduleRemindersDone())
    await tap(admin, SaveSchedule())
    await admin.wait_for(saved_schedule)  # saved before the clock moves, or its firing is past
    await at(town, 11, 18)  # Friday 18:00: "tomorrow 08:00"
    await villager.wait_for(mentions("三塘清洁日", "⏰"), timeout=15)
    await at(town, 12, 7)  # Saturday 07:00: "in 1 hour"
    await villager.wait_for(mentions("三塘清洁日", "⏰"), timeout=15)
    await at(town, 12, 8)
    await villager.wait_for(lambda m: "三塘清洁日" in text_of(m) and "⏰" not in text_of(m))


async def office_issues_an_order(town: Town) -> None:
    admin = town.admin
    village = town.bot.grid.hamlets[town.hamlet_id("那笔坡")].village_id
    admin.send_text("/order")
    await choose(admin, OrderVillage, lambda b: b.village_id == village)
    await choose(admin, OrderHamlet, lambda b: b.hamlet_id == town.hamlet_id("那笔坡"))
    await admin.next_message()
    admin.send_text("河边堆放建筑垃圾，请三天内清运。")
    await admin.next_message()
    admin.send_photo()
    await choose(admin, OrderDeadline, lambda b: b.days == 3)
    await tap(admin, IssueOrder())
    await admin.wait_for(mentions("📜"))
    admin.send_text("/orders")
    await admin.next_message()


async def roles_come_and_go(town: Town) -> None:
    """An invited grid member joins, works a task list, and is revoked."""
    admin = town.admin
    newcomer = town.emulator.user(700001, "新网格员", language_code=town_language(town))
    village = town.bot.grid.hamlets[town.hamlet_id("那笔坡")].village_id
    admin.send_text("/invite")
    await choose(admin, InviteRole, lambda b: b.role == Role.GRID_MEMBER)
    await choose(admin, InviteVillage, lambda b: b.village_id == village)
    await tap(admin, InviteToggleHamlet(town.hamlet_id("那笔坡")))
    await admin.next_message()
    await tap(admin, InviteHamletsDone())
    shown = await admin.wait_for(lambda m: bool(CODE.search(text_of(m))))
    newcomer.send_text("/join " + CODE.search(text_of(shown)).group(1))
    await newcomer.next_message()
    newcomer.send_text("/tasks")
    await newcomer.next_message()
    newcomer.send_text("/area")
    await newcomer.next_message()
    admin.send_text("/team")
    await choose(admin, AskRevoke)
    await choose(admin, RevokeYes)
    await newcomer.wait_for(lambda m: True, timeout=10)


async def office_moderates(town: Town) -> None:
    """/who, /block with and without a reason, the blocked villager tries, /unblock; /audit
    with a wrong number; a report rejected from /queue."""
    admin, villager = town.admin, town.villager
    await say(town, admin, "/who", "/who R-000001", "/block", "/block R-000001")
    await say(town, admin, "/block R-000001 太多假照片", "/block R-000001 again", "/audit 0")
    rest(town)
    villager.send_photo()
    await villager.next_message()
    rest(town)
    await say(town, admin, "/unblock R-000001", "/unblock R-000001", "/who R-999999")
    await villager.wait_for(lambda m: True, timeout=10)


async def the_office_rejects(town: Town) -> None:
    """The 花围坡 report goes back to the office, which rejects it with a reason."""
    member = huawei_member(town)
    card = await choose(member, NotMyArea)
    number = re.findall(r"R-\d+", text_of(card))[0]
    await member.wait_for(mentions(number, "/cancel"))
    member.send_text("不归我管")
    await member.wait_for(  # handed back: in the office's queue now
        lambda m: number in text_of(m) and "/cancel" not in text_of(m) and not button_data(m)
    )
    await tap(member, AcceptTask(5))  # the second villager's report: they hear it is taken
    await town.emulator.chats[SECOND_VILLAGER].wait_for(mentions("👷"), timeout=10)
    admin = town.admin
    admin.send_text("/queue")
    await choose(admin, RejectReport)
    await admin.next_message()
    admin.send_text("这是私人院子")
    await admin.wait_for(mentions("🚫"))


async def office_manages(town: Town) -> None:
    """Stats for a village and for periods, a schedule paused, resumed and deleted, a notice
    written for later and cancelled."""
    admin = town.admin
    await say(
        town,
        admin,
        "/stats last-month 那笔村",
        "/stats 2999",
        "/stats month 那笔坡",
        "/map 2999",
        "/ranking 2026-13",
    )
    rest(town)
    admin.send_text("/schedules")
    await tap(admin, PauseSchedule(1))
    await tap(admin, ResumeSchedule(1))
    await tap(admin, DeleteSchedule(1))
    await tap(admin, DeleteScheduleNo(1))
    await tap(admin, DeleteSchedule(1))
    await tap(admin, DeleteScheduleYes(1))
    await admin.wait_for(mentions("🗑"))
    rest(town)
    admin.send_text("/notice")
    await choose(admin, NoticeAudience, lambda b: b.kind == AudienceKind.VILLAGES)
    await choose(admin, NoticeToggleVillage)
    await tap(admin, NoticeVillagesDone())
    await admin.next_message()
    await send_later(town, "取消的通知", hours=3, first=("明天", "2020-01-01 08:00"))
    listed = await choose(admin, CancelNotice)
    await admin.wait_for(
        lambda m: m["message_id"] == listed["message_id"] and not has_button(CancelNotice)(m)
    )
