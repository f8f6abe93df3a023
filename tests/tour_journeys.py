"""The grand tour's story (`tests/grand_tour.py`): the villagers', grid members' and village
lead's journeys here, the office's in `tests/tour_office.py`, in an order in which each finds
what the one before left. `words(msgid)` gives a reply-keyboard label in the tour's language."""

from __future__ import annotations

from datetime import timedelta

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
    ChooseLanguage,
    ForgetYes,
    HomeHamlet,
    HomeVillage,
    ReportBack,
    ReportCategory,
    ReportHamlet,
    ReportVillage,
    SkipFixNote,
    SkipHome,
    SubmitReport,
)
from handlers.main_menu import CANCEL_BUTTON, MY_REPORTS_BUTTON, REPORT_BUTTON
from handlers.reporting import PICK_HAMLET_BUTTON
from handlers.voice import ChooseVoiceAudience
from tests.buttons import has_button, press
from tests.conftest import Town
from tests.test_deadline_story import NABI_LEAD
from tests.tour_edges import TYPED as EDGES_TYPED
from tests.tour_edges import edge_paths
from tests.tour_failures import TYPED as FAILURES_TYPED
from tests.tour_failures import delivery_failures
from tests.tour_office import (
    office_issues_an_order,
    office_manages,
    office_moderates,
    office_reads,
    office_schedules_a_cleanup,
    office_sends_notices,
    roles_come_and_go,
    the_office_rejects,
)
from tests.tour_office_more import TYPED as OFFICE_MORE_TYPED
from tests.tour_office_more import office_more
from tests.tour_people import TYPED as PEOPLE_TYPED
from tests.tour_people import (
    before_anything,
    blocked_and_unblocked,
    forged_button,
    numbers_by_period,
    roles_and_codes,
)
from tests.tour_steps import (
    SECOND_VILLAGER,
    THIRD_VILLAGER,
    Json,
    Words,
    at,
    choose,
    huawei_member,
    mentions,
    rest,
    say,
    tap,
    town_language,
)
from tests.tour_voice import TYPED as VOICE_TYPED
from tests.tour_voice import voice_for_the_office
from tests.tour_wizards import TYPED as WIZARD_TYPED
from tests.tour_wizards import notice_side_paths, order_side_paths, schedule_side_paths


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
    await member.wait_for(mentions("R-000002", "/cancel"))  # the card's pin may come first
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


async def lead_and_member_look(town: Town) -> None:
    """The village lead and the grid member look at their areas and tasks."""
    lead = town.emulator.user(NABI_LEAD, "黄秀兰", language_code=town_language(town))
    await say(town, lead, "/start", "/area", "/tasks", "/stats")
    await say(town, town.member, "/area", "/tasks", "/mydata")


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
        lambda: before_anything(town),
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
        lambda: schedule_side_paths(town),
        lambda: notice_side_paths(town),
        lambda: order_side_paths(town),
        lambda: forged_button(town),
        lambda: blocked_and_unblocked(town),
        lambda: voice_for_the_office(town),
        lambda: roles_and_codes(town),
        lambda: numbers_by_period(town),
        lambda: edge_paths(town, words),
        lambda: office_more(town, words),
        lambda: delivery_failures(town, words),
    ]
    for journey in journeys:
        rest(town)
        await journey()
    return (
        TYPED
        + WIZARD_TYPED
        + PEOPLE_TYPED
        + VOICE_TYPED
        + EDGES_TYPED
        + OFFICE_MORE_TYPED
        + FAILURES_TYPED
    )
