"""The journeys of the grand tour (`tests/grand_tour.py`): each role's paths through the real
bot, found by typed buttons and report numbers, never by words, so one story runs in any
language. `words(msgid)` gives a reply-keyboard label in the tour's language."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

from bot.core.callbacks import CallbackData
from bot.delivery.audiences import AudienceKind
from bot.emulator import EmulatedUser
from bot.people.directory import Role
from bot.reporting.buttons import (
    AcceptTask,
    AssignReport,
    ConfirmFixed,
    MarkFixed,
    NotMyArea,
    RejectReport,
    StillThere,
)
from bot.schedules.recurrence import Repeat
from bot.schedules.service import ScheduleKind
from handlers.buttons import (
    AskRevoke,
    AssignHamlet,
    AssignVillage,
    CancelNotice,
    ChooseLanguage,
    DeleteSchedule,
    DeleteScheduleNo,
    DeleteScheduleYes,
    ForgetYes,
    HomeHamlet,
    HomeVillage,
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
    ReportBack,
    ReportCategory,
    ReportHamlet,
    ReportVillage,
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
    SkipFixNote,
    SkipHome,
    SubmitReport,
)
from handlers.common import CANCEL_BUTTON, MY_REPORTS_BUTTON, REPORT_BUTTON
from handlers.reporting import PICK_HAMLET_BUTTON
from handlers.voice import ChooseVoiceAudience
from tests.buttons import button_data, has_button, press
from tests.conftest import Town
from tests.test_deadline_story import NABI_LEAD
from tests.test_recurrence import SANTANG

Json = dict[str, Any]
SECOND_VILLAGER = 555102  # starts with /report, never /start
THIRD_VILLAGER = 555103  # starts with a photo, never /start
CODE = re.compile(r"/join ([A-Z0-9]{5}-[A-Z0-9]{5})")
Words = Callable[[str], str]
B = TypeVar("B", bound=CallbackData)


def text_of(message: Json) -> str:
    return message.get("text") or message.get("caption") or ""


def mentions(*marks: str) -> Callable[[Json], bool]:
    return lambda message: all(mark in text_of(message) for mark in marks)


async def choose(
    user: EmulatedUser, kind: type[B], which: Callable[[B], bool] = lambda _: True
) -> Json:
    """Press the first `kind` button that `which` accepts, on the newest message showing one
    (waiting for such a message if none does)."""

    def offers(message: Json) -> list[B]:
        options = [kind.parse(data) for data in button_data(message)]
        return [option for option in options if option is not None and which(option)]

    showing = [message for message in user.messages if offers(message)]
    message = showing[-1] if showing else await user.wait_for(lambda m: bool(offers(m)), 10)
    press(user, message, offers(message)[0])
    return message


async def tap(user: EmulatedUser, button: CallbackData) -> Json:
    """Press this button on the newest message showing it, waiting for one if none does."""
    showing = [message for message in user.messages if has_button(button)(message)]
    message = showing[-1] if showing else await user.wait_for(has_button(button), timeout=10)
    press(user, message, button)
    return message


async def at(town: Town, day: int, hour: int, minute: int = 0) -> None:
    """The clock to the last second of that minute of December 2026, and the bot catches up."""
    town.clock.set(datetime(2026, 12, day, hour, minute, 59, tzinfo=SANTANG))
    await town.bot.time_moved()


async def villager_settles_in(town: Town, words: Words) -> None:
    """/start with the home question, /help, /lang, /mydata."""
    villager = town.villager
    village = town.bot.grid.hamlets[town.hamlet_id("那笔坡")].village_id
    villager.send_text("/start")
    await choose(villager, HomeVillage, lambda b: b.village_id == village)
    await choose(villager, HomeHamlet, lambda b: b.hamlet_id == town.hamlet_id("那笔坡"))
    await villager.wait_for(
        mentions(town.bot.grid.hamlets[town.hamlet_id("那笔坡")].label(town_language(town)))
    )
    for command in ("/help", "/mydata", "/news"):
        villager.send_text(command)
        await villager.next_message()
    villager.send_text("/lang")
    await choose(villager, ChooseLanguage, lambda b: b.language == town_language(town))
    await villager.next_message()


def town_language(town: Town) -> str:
    return town.villager.language_code or "zh"


async def villager_reports(town: Town, words: Words) -> Json:
    """Report 1: the button, a photo with a caption, the location, a category, a voice note and
    a typed note, Submit; then /myreports and the My reports button."""
    villager = town.villager
    villager.send_text(words(REPORT_BUTTON))
    await villager.next_message()
    villager.send_photo(caption="路边一大堆垃圾")
    await villager.wait_for(lambda m: bool((m.get("reply_markup") or {}).get("keyboard")))
    villager.send_location(*town.inside("那笔坡"))
    await choose(villager, ReportCategory, lambda b: b.category == "household")
    await villager.wait_for(has_button(SubmitReport()))
    villager.send_voice()
    await choose(villager, ChooseVoiceAudience, lambda b: b.member_too)
    villager.send_text("靠近村口")
    summary = await villager.wait_for(mentions("靠近村口"))
    press(villager, summary, SubmitReport())
    done = await villager.wait_for(mentions("R-000001"))
    villager.send_text("/myreports")
    await villager.wait_for(mentions("R-000001"))
    villager.send_text(words(MY_REPORTS_BUTTON))
    await villager.wait_for(mentions("R-000001"))
    return done


async def villager_reports_by_picker(town: Town, words: Words, hamlet: str, number: str) -> None:
    """Another report, placed with the village → hamlet picker instead of a location."""
    villager = town.villager
    village = town.bot.grid.hamlets[town.hamlet_id(hamlet)].village_id
    villager.send_photo()
    await villager.wait_for(lambda m: bool((m.get("reply_markup") or {}).get("keyboard")))
    villager.send_text(words(PICK_HAMLET_BUTTON))
    await choose(villager, ReportVillage, lambda b: b.village_id == village)
    await choose(villager, ReportHamlet, lambda b: b.hamlet_id == town.hamlet_id(hamlet))
    await choose(villager, ReportCategory, lambda b: b.category == "construction")
    await tap(villager, SubmitReport())
    await villager.wait_for(mentions(number))


async def member_fixes(town: Town, report_id: int, *, accept: bool = True) -> None:
    member = town.member
    if accept:
        await tap(member, AcceptTask(report_id))
    await tap(member, MarkFixed(report_id))
    await member.next_message()
    member.send_photo()
    await tap(member, SkipFixNote())
    await member.wait_for(mentions(f"R-{report_id:06d}"))


async def fix_reopen_confirm(town: Town) -> None:
    """The grid member accepts and fixes report 1, the villager says it is still there, it is
    fixed again and confirmed."""
    await member_fixes(town, 1)
    await tap(town.villager, StillThere(1))
    await town.villager.next_message()
    await member_fixes(town, 1, accept=False)
    question = await town.villager.wait_for(has_button(ConfirmFixed(1)))
    press(town.villager, question, ConfirmFixed(1))
    await town.villager.wait_for(mentions("R-000001"))


async def not_my_area_and_assign(town: Town) -> None:
    """Report 2: the grid member hands it back; the office assigns it from /queue."""
    member, admin = town.member, town.admin
    await tap(member, NotMyArea(2))
    await member.next_message()
    member.send_text("这是隔壁村的")
    await member.next_message()
    admin.send_text("/queue")
    await tap(admin, AssignReport(2))
    await choose(admin, AssignVillage, lambda b: b.report_id == 2)
    await choose(admin, AssignHamlet, lambda b: b.report_id == 2)
    await admin.next_message()


async def deadlines_and_auto_close(town: Town) -> None:
    """Report 3 waits: the reminder, the escalation held by quiet hours, /tasks, /overdue;
    then it is fixed and nobody confirms, so it closes by itself."""
    member = town.member
    await at(town, 2, 19, 5)
    await member.wait_for(mentions("⏰", "R-000003"))
    await at(town, 2, 22, 5)  # the village lead is told, but at 07:00: quiet hours
    await at(town, 3, 7)
    await at(town, 3, 22, 5)
    await town.office.wait_for(mentions("⚠️", "R-000003"))
    member.send_text("/tasks")
    await member.wait_for(mentions("R-000003"))
    town.admin.send_text("/overdue")
    await town.admin.wait_for(mentions("R-000003"))
    await member_fixes(town, 3)
    fixed_at = (await town.bot.storage.reports.get(3)).fixed_at
    assert fixed_at is not None
    town.clock.set(fixed_at + timedelta(days=3, seconds=1))
    await town.bot.time_moved()
    await town.office.wait_for(mentions("✅", "R-000003"))


async def everybody_says_hello(town: Town) -> None:
    """The grid member and the admin write first, so the bot knows their language."""
    for person in (town.member, town.admin):
        person.send_text("/start")
        await person.next_message()
        person.send_text("/help")
        await person.next_message()


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


def count_with(user: EmulatedUser, key: str) -> int:
    return sum(1 for message in user.messages if key in message)


async def wait_until_count(user: EmulatedUser, key: str, count: int) -> None:
    """Wait until `count` of the chat's messages carry `key` (a photo, a document)."""
    for _ in range(300):
        if count_with(user, key) >= count:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"chat {user.chat_id}: fewer than {count} messages with {key}")


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
    admin.send_text("网格员例会")
    await tap(admin, NoticePreview())
    await tap(admin, NoticeSendLater())
    await admin.next_message()
    when = (town.clock.now() + timedelta(hours=2)).astimezone(SANTANG)
    admin.send_text(when.strftime("%Y-%m-%d %H:%M"))
    await tap(admin, NoticeConfirm())
    await admin.next_message()
    admin.send_text("/notices")
    await admin.next_message()
    town.clock.advance(timedelta(hours=2, minutes=1))
    await town.bot.time_moved()
    await town.member.wait_for(mentions("网格员例会"), timeout=15)


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
    await admin.next_message()
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


async def say(town: Town, user: EmulatedUser, *texts: str) -> None:
    """Send each text and wait for the bot's answer to it, resting now and then (no flood)."""
    for index, text in enumerate(texts):
        if index and index % 8 == 0:
            rest(town)
        user.send_text(text)
        await user.next_message(timeout=10)


async def newcomer_pokes_around(town: Town) -> None:
    """Someone new, who has reported nothing: office commands refused, stray input, wrong
    codes, notices off and on, /mydata with nothing kept, /home skipped, /forgetme."""
    language = town_language(town)
    stranger = town.emulator.user(555900, "过路人", language_code=language)
    await say(town, stranger, "/start")
    await tap(stranger, SkipHome())
    await stranger.next_message()
    rest(town)
    await say(
        town,
        stranger,
        "/myreports",
        "/mydata",
        "/queue",
        "/invite",
        "/notice",
        "/order",
        "/orders",
        "/overdue",
        "/deliveries",
        "/schedules",
        "/team",
        "/tasks",
        "/audit",
        "/stats",
        "你好",
        "/join",
        "/join ABCDE-FGHJK",
        "/notices",
        "/notices off",
        "/notices on",
        "/notices maybe",
        "13800138000",
    )
    rest(town)
    for send in (
        stranger.send_sticker,
        stranger.send_video,
        lambda: stranger.send_document(b"%PDF-1.4", "a.pdf", "application/pdf"),
    ):
        send()
        await stranger.next_message(timeout=10)
    rest(town)
    stranger.send_text("/forgetme")
    await tap(stranger, ForgetYes())
    await stranger.next_message()


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


async def second_villager_goes_astray(town: Town, words: Words) -> None:
    """Another villager: text where a photo is wanted, text where a place is, a point outside
    the town, text where a category is, Back, then a report near 花围坡 that a third villager
    reports again (a duplicate); the grid member hands it back and the office rejects it."""
    language = town_language(town)
    second = town.emulator.user(SECOND_VILLAGER, "覃大叔", language_code=language)
    third = town.emulator.user(THIRD_VILLAGER, "黄婶", language_code=language)
    await say(town, huawei_member(town), "/start")
    await say(town, second, "/report", "这里有垃圾")
    second.send_photo()
    await second.next_message()
    await say(town, second, "在村口")
    second.send_location(30.0, 100.0)  # far outside the town
    await second.next_message()
    rest(town)
    await choose(second, ReportVillage)
    await second.wait_for(has_button(ReportHamlet))
    second.send_location(*town.inside("花围坡"))  # a pin where a hamlet button is wanted
    await second.next_message()
    await tap(second, ReportBack())
    await second.wait_for(has_button(ReportVillage))
    second.send_text("花围坡")
    await second.next_message()
    village = town.bot.grid.hamlets[town.hamlet_id("花围坡")].village_id
    await choose(second, ReportVillage, lambda b: b.village_id == village)
    await choose(second, ReportHamlet, lambda b: b.hamlet_id == town.hamlet_id("花围坡"))
    await second.wait_for(has_button(ReportCategory))
    await say(town, second, "随便写写")
    await choose(second, ReportCategory, lambda b: b.category == "household")
    await tap(second, ReportBack())
    await choose(second, ReportCategory, lambda b: b.category == "household")
    await second.wait_for(has_button(SubmitReport()))
    await tap(second, SubmitReport())
    await second.wait_for(mentions("R-0"))
    rest(town)
    third.send_photo()
    await third.next_message()
    third.send_location(*town.inside("花围坡"))
    await choose(third, ReportCategory, lambda b: b.category == "household")
    await tap(third, SubmitReport())
    await third.wait_for(mentions("R-0"))
    rest(town)
    third.send_text(words(REPORT_BUTTON))
    await third.next_message()
    third.send_text(words(CANCEL_BUTTON))
    await third.next_message()


def huawei_member(town: Town) -> EmulatedUser:
    """The grid member of 花围坡."""
    owner = town.bot.people.grid_members_of(town.hamlet_id("花围坡"))[0]
    return town.emulator.user(owner, "覃网格", language_code=town_language(town))


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
    admin.send_text("取消的通知")
    await tap(admin, NoticePreview())
    await tap(admin, NoticeSendLater())
    await admin.next_message()
    admin.send_text("明天")
    await admin.next_message()
    admin.send_text("2020-01-01 08:00")
    await admin.next_message()
    when = (town.clock.now() + timedelta(hours=3)).astimezone(SANTANG)
    admin.send_text(when.strftime("%Y-%m-%d %H:%M"))
    await tap(admin, NoticeConfirm())
    await admin.next_message()
    admin.send_text("/notices")
    await choose(admin, CancelNotice)
    await admin.next_message()


async def lead_and_member_look(town: Town) -> None:
    """The village lead and the grid member look at their areas and tasks."""
    lead = town.emulator.user(NABI_LEAD, "黄秀兰", language_code=town_language(town))
    await say(town, lead, "/start", "/area", "/tasks", "/stats")
    await say(town, town.member, "/area", "/tasks", "/mydata")


def rest(town: Town) -> None:
    """A pause longer than the flood window, so a busy journey is not taken for a flood."""
    town.clock.advance(timedelta(seconds=11))


TYPED = (
    "路边一大堆垃圾",
    "靠近村口",
    "这是隔壁村的",
    "全村大扫除",
    "Village cleanup",
    "网格员例会",
    "三塘清洁日",
    "河边堆放建筑垃圾，请三天内清运。",
    "新网格员",
    "太多假照片",
    "这里有垃圾",
    "在村口",
    "随便写写",
    "不归我管",
    "这是私人院子",
    "取消的通知",
    "明天",
)
"""What the story's people type: shown back to them and to others, not the bot's words."""


async def story(town: Town, words: Words) -> tuple[str, ...]:
    """Every journey in turn; returns what people typed."""
    journeys = [
        lambda: everybody_says_hello(town),
        lambda: villager_settles_in(town, words),
        lambda: villager_reports(town, words),
        lambda: fix_reopen_confirm(town),
        lambda: villager_reports_by_picker(town, words, "岭头坡", "R-000002"),
        lambda: not_my_area_and_assign(town),
        lambda: villager_reports_by_picker(town, words, "塘头坡", "R-000003"),
        lambda: deadlines_and_auto_close(town),
        lambda: office_reads(town),
        lambda: office_sends_notices(town),
        lambda: office_issues_an_order(town),
        lambda: roles_come_and_go(town),
        lambda: office_schedules_a_cleanup(town),
        lambda: newcomer_pokes_around(town),
        lambda: office_moderates(town),
        lambda: second_villager_goes_astray(town, words),
        lambda: the_office_rejects(town),
        lambda: office_manages(town),
        lambda: lead_and_member_look(town),
    ]
    for journey in journeys:
        rest(town)
        await journey()
    return TYPED
