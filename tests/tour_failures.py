"""The grand tour's deliveries that go wrong (`tests/tour_journeys.py` walks them last): Telegram
refuses each kind of part — a message, a photo, an album, a map pin, a voice note, a file — to
each kind of recipient (a villager, a grid member, the office group, an office admin), a
department group removed the bot, a villager deleted their account, a notice gives up after its
retries; the office hears of it (⚠️, /deliveries, /audit). A notice with a blocked reader is
cancelled mid-send, and one a villager received can no longer be shown in /news.

Each failure is injected for one chat only (`fail_next(chat_id=…)`), so which recipient is
refused never depends on the order the outbox sends in."""

from __future__ import annotations

import asyncio
import re
from datetime import datetime, timedelta
from typing import Any

from bot.delivery.audiences import AudienceKind
from bot.emulator import EmulatedUser
from bot.emulator.faults import DEACTIVATED, KICKED_FROM_SUPERGROUP
from bot.people.directory import Role
from bot.reporting.buttons import AcceptTask
from handlers.buttons import (
    AskRevoke,
    CancelNotice,
    ForgetYes,
    HomeHamlet,
    HomeVillage,
    InviteHamletsDone,
    InviteRole,
    InviteToggleHamlet,
    InviteVillage,
    NoticeConfirm,
    NoticeHamlet,
    NoticeHamletVillage,
    NoticePreview,
    NoticeSendNow,
    ReportCategory,
    RetryDelivery,
    RevokeYes,
    SubmitReport,
)
from handlers.voice import ChooseVoiceAudience
from tests.buttons import has_button, press
from tests.conftest import CLEAN_WATER_CHAT, OFFICE_ADMIN, OFFICE_CHAT, Town
from tests.tour_edges import hello, reported_at, submitted
from tests.tour_office import CODE
from tests.tour_office_more import aside, report_id
from tests.tour_people import person
from tests.tour_steps import Words, choose, mentions, rest, tap, text_of, town_language
from tests.tour_wizards import Wizard, answered, new_notice, typed

REPORTER, GONE, READER, BLOCKER, STUCK, NEWCOMER = range(700451, 700457)
WORKED = "红庄坡"
"""Where the reports are made; its grid member is told of them."""
HOME = "坛良坡"
"""Where the notices' readers live (nobody else in the tour does)."""
INVITED_TO = "李村坡"
WORKER = 100005  # the sample grid member of 红庄坡
TYPED = ("报事的人", "销号的人", "读通知的人", "屏蔽的人", "收不到的人", "来去的人")
TYPED += ("停水通知", "通知文件")
"""What this part's people type or are called (shown back to them and to others)."""
FILE_REFUSED = "Bad Request: wrong file identifier/HTTP URL specified"
TEXT_REFUSED = 'Bad Request: can\'t parse entities: Unsupported start tag "x" at byte offset 0'
PIN_REFUSED = "Bad Request: wrong latitude or longitude"
COUNT = re.compile(r"\d+")
RETRIES = 11
"""A notice to one person is given up on its 11th failed attempt (`MAX_NOTICE_ATTEMPTS` = 10
attempts before it)."""
NO_LONGER_SHOWN = "(Notice #{id} of {when} can no longer be shown.)"
CANCEL_MARGIN = timedelta(seconds=3)
"""A notice row retried with backoff is cancelled only this long before its next attempt: a
row in flight when the notice is cancelled would be sent, not counted as cancelled."""


async def delivery_failures(town: Town, words: Words) -> None:
    """Every failure in turn; the office hears of them all at the end."""
    town.emulator.fail_next("sendPhoto", 400, chat_id=OFFICE_CHAT, description=FILE_REFUSED)
    first = await newest_row(town)
    for path in (
        refused_parts_of_a_report,
        an_account_deleted,
        an_invitation_the_office_cannot_hear_of,
        a_notice_cancelled_mid_send,
        a_notice_given_up,
        a_notice_no_longer_shown,
    ):
        rest(town)
        await path(town, words)
    rest(town)
    await the_office_hears_of_it(town, first)


def services(town: Town) -> Any:
    return town.bot.application.bot_data["services"]


def worker_of(town: Town) -> EmulatedUser:
    """The grid member of `WORKED`."""
    return person(town, WORKER, "梁网格")


async def newest_row(town: Town) -> int:
    """The id of the newest outbox row (0: none yet)."""
    row = await town.bot.storage.database.fetch_one("SELECT MAX(id) AS id FROM outbox")
    return int(row["id"] or 0)


async def kept(town: Town, chat_id: int, *, part: str | None = None, seconds: int = 30) -> None:
    """Wait until a failure to `chat_id` is kept: that part refused, or (no `part`) the whole
    notification given up (the outbox works on its own; polled, a guard, never a fixed wait)."""
    for _ in range(seconds * 20):
        for failure in await town.bot.storage.deliveries.open_failures(1000):
            if failure.chat_id == chat_id and (
                failure.part_kind == part if part else failure.gave_up
            ):
                return
        await asyncio.sleep(0.05)
    raise AssertionError(f"no failure to {chat_id} kept ({part or 'given up'})")


async def refused_parts_of_a_report(town: Town, words: Words) -> None:
    """A report with two photos and a voice note the grid member may hear: its grid member's
    album, map pin and voice note are refused, and the department group has removed the bot;
    the grid member takes it and the news of it is refused to the reporter."""
    emulator, worker = town.emulator, worker_of(town)
    await hello(worker)
    reporter = person(town, REPORTER, "报事的人")
    await hello(reporter)
    emulator.fail_next("sendMediaGroup", 400, chat_id=WORKER, description=FILE_REFUSED)
    emulator.fail_next("sendLocation", 400, chat_id=WORKER, description=PIN_REFUSED)
    emulator.fail_next("sendVoice", 400, chat_id=WORKER, description=FILE_REFUSED)
    emulator.fail_next(
        "sendMediaGroup", 403, chat_id=CLEAN_WATER_CHAT, description=KICKED_FROM_SUPERGROUP
    )
    await answered(reporter, lambda: reporter.send_album(2))
    reporter.send_location(*town.inside(WORKED))
    await choose(reporter, ReportCategory, lambda b: b.category == "water")
    await reporter.wait_for(has_button(SubmitReport()), 10)
    reporter.send_voice()
    await choose(reporter, ChooseVoiceAudience, lambda b: b.member_too)
    number = await submitted(reporter)
    for part in ("album", "location", "voice"):
        await kept(town, WORKER, part=part)
    await kept(town, CLEAN_WATER_CHAT)
    emulator.fail_next("sendMessage", 400, chat_id=REPORTER, description=TEXT_REFUSED)
    await tap(worker, AcceptTask(report_id(number)))
    await kept(town, REPORTER, part="text")


async def an_account_deleted(town: Town, words: Words) -> None:
    """A one-photo report whose task card's photo is refused (the card goes alone); its
    reporter deletes their Telegram account before the grid member takes it."""
    gone, worker = person(town, GONE, "销号的人"), worker_of(town)
    await hello(gone)
    town.emulator.fail_next("sendPhoto", 400, chat_id=WORKER, description=FILE_REFUSED)
    number = await reported_at(gone, aside(town, WORKED, 2), "household")
    await kept(town, WORKER, part="photo")
    town.emulator.fail_next("sendMessage", 403, chat_id=GONE, description=DEACTIVATED)
    await tap(worker, AcceptTask(report_id(number)))
    await kept(town, GONE)


async def an_invitation_the_office_cannot_hear_of(town: Town, words: Words) -> None:
    """An invited grid member joins (the news is refused to the admin who invited them), is
    revoked and has themselves forgotten: /audit can name them only by number."""
    admin, newcomer = town.admin, person(town, NEWCOMER, "来去的人")
    await hello(newcomer)
    hamlet = town.hamlet_id(INVITED_TO)
    wizard = Wizard(admin)
    admin.send_text("/invite")
    await wizard.pick(InviteRole, lambda b: b.role == Role.GRID_MEMBER)
    await wizard.pick(
        InviteVillage, lambda b: b.village_id == town.bot.grid.hamlets[hamlet].village_id
    )
    await wizard.pick(InviteToggleHamlet, lambda b: b.hamlet_id == hamlet)
    await admin.next_message(timeout=10)
    await wizard.pick(InviteHamletsDone)
    shown = await admin.wait_for(lambda m: bool(CODE.search(text_of(m))), 10)
    town.emulator.fail_next("sendMessage", 400, chat_id=OFFICE_ADMIN, description=TEXT_REFUSED)
    await typed(newcomer, "/join " + CODE.search(text_of(shown)).group(1))
    await kept(town, OFFICE_ADMIN, part="text")
    grant = next(g for g in town.bot.people.all_grants() if g.user_id == NEWCOMER)
    await answered(admin, lambda: admin.send_text("/team"))
    await choose(admin, AskRevoke, lambda b: b.grant_id == grant.id)
    await choose(admin, RevokeYes, lambda b: b.grant_id == grant.id)
    await newcomer.next_message(timeout=10)  # the role has ended
    await typed(newcomer, "/forgetme")
    await choose(newcomer, ForgetYes)
    await newcomer.next_message(timeout=10)


async def lives_in(town: Town, user: EmulatedUser, hamlet: str) -> None:
    """/start, with `hamlet` as home."""
    hamlet_id = town.hamlet_id(hamlet)
    village = town.bot.grid.hamlets[hamlet_id].village_id
    user.send_text("/start")
    await choose(user, HomeVillage, lambda b: b.village_id == village)
    await choose(user, HomeHamlet, lambda b: b.hamlet_id == hamlet_id)
    label = town.bot.grid.hamlets[hamlet_id].label(town_language(town))
    await user.wait_for(mentions(label), 10)


async def notice_to_home(town: Town, send: Any) -> int:
    """/notice to the hamlet `HOME`, its content sent by `send(admin)`, sent now; its id."""
    admin = town.admin
    hamlet_id = town.hamlet_id(HOME)
    wizard = await new_notice(admin, AudienceKind.HAMLET)
    village = town.bot.grid.hamlets[hamlet_id].village_id
    await wizard.pick(NoticeHamletVillage, lambda b: b.village_id == village)
    await wizard.pick(NoticeHamlet, lambda b: b.hamlet_id == hamlet_id)
    await admin.next_message(timeout=10)
    send(admin)
    await wizard.pick(NoticePreview)
    await wizard.pick(NoticeSendNow)
    await wizard.pick(NoticeConfirm)
    await admin.next_message(timeout=10)
    notices = await town.bot.storage.notices.recent(1)
    return notices[0].id


async def row_of(town: Town, chat_id: int, notice_id: int) -> Any:
    return await town.bot.storage.database.fetch_one(
        "SELECT state, next_attempt_at FROM outbox WHERE chat_id = ? AND notice_id = ?",
        (chat_id, notice_id),
    )


async def waiting_calmly(town: Town, chat_id: int, notice_id: int) -> None:
    """Wait until the notice's row to `chat_id` waits for a retry at least `CANCEL_MARGIN`
    away (Telegram failed it, the backoff doubles with each attempt)."""
    for _ in range(600):
        row = await row_of(town, chat_id, notice_id)
        if row is not None and row["state"] == "pending":
            due = datetime.fromisoformat(row["next_attempt_at"])
            if due - town.clock.now() >= CANCEL_MARGIN:
                return
        await asyncio.sleep(0.02)
    raise AssertionError(f"the notice row to {chat_id} never waited for a retry")


async def a_notice_cancelled_mid_send(town: Town, words: Words) -> None:
    """A notice to three readers of one hamlet: one gets it, one blocked the bot, one Telegram
    keeps failing; the progress counts the blocked one, /notices what is still to send, and the
    office cancels it: the last one is not sent."""
    admin, emulator = town.admin, town.emulator
    reader, blocker = person(town, READER, "读通知的人"), person(town, BLOCKER, "屏蔽的人")
    stuck = person(town, STUCK, "收不到的人")
    for user in (reader, blocker, stuck):
        await lives_in(town, user, HOME)
    blocker.block_bot()
    emulator.fail_next("sendMessage", 500, chat_id=STUCK, times=RETRIES)
    notice = await notice_to_home(town, lambda user: user.send_text("停水通知"))
    progress = await admin.wait_for(
        lambda m: has_button(CancelNotice(notice))(m) and "2 / 3" in text_of(m), 10
    )
    await waiting_calmly(town, STUCK, notice)
    admin.send_text("/notices")
    summary = await admin.wait_for(
        lambda m: has_button(CancelNotice(notice))(m) and m["message_id"] != progress["message_id"],
        10,
    )
    await admin.answer_to(press(admin, summary, CancelNotice(notice)), 10)
    await admin.wait_for(
        lambda m: m["message_id"] == summary["message_id"] and not has_button(CancelNotice)(m), 10
    )
    emulator.end_faults(chat_id=STUCK)  # the failures left for the reader it was not sent to


async def a_notice_given_up(town: Town, words: Words) -> None:
    """A notice with a file: Telegram refuses the file to one reader and keeps failing the
    other until the outbox gives up (the clock moved to each retry)."""
    emulator = town.emulator
    emulator.fail_next("sendDocument", 400, chat_id=READER, description=FILE_REFUSED)
    emulator.fail_next("sendDocument", 500, chat_id=STUCK, times=RETRIES)
    notice = await notice_to_home(
        town,
        lambda user: user.send_document(
            b"%PDF-1.4", "notice.pdf", "application/pdf", caption="通知文件"
        ),
    )
    await kept(town, READER, part="document")
    outbox = town.bot.outbox
    assert outbox is not None
    for _ in range(3000):
        row = await row_of(town, STUCK, notice)
        if row is not None and row["state"] == "dropped":
            break
        if row is not None and row["state"] == "pending":
            due = datetime.fromisoformat(row["next_attempt_at"])
            if due > town.clock.now():
                town.clock.set(due + timedelta(seconds=1))  # the next retry is due
                outbox.poke()
        await asyncio.sleep(0.02)
    await kept(town, STUCK)


async def a_notice_no_longer_shown(town: Town, words: Words) -> None:
    """/news of the reader who got the first notice: Telegram refuses it now."""
    reader = person(town, READER, "读通知的人")
    apology = words(NO_LONGER_SHOWN).rsplit("}", 1)[1]  # the words after the notice's date
    town.emulator.fail_next("sendMessage", 400, chat_id=READER, description=TEXT_REFUSED)
    reader.send_text("/news")
    await reader.wait_for(mentions(apology), 10)


async def the_office_hears_of_it(town: Town, first: int) -> None:
    """The office group's photo refused (the first it was to get after the journey began: a
    card of the tour's backlog, which the group's 20 messages a minute hold back, or else of
    this journey's), its ⚠️ line queued (the minute's job, run now; it goes out behind that
    backlog too), /deliveries with every failure and /audit, where the forgotten newcomer is a
    number."""
    admin = town.admin
    await kept(town, OFFICE_CHAT, part="photo", seconds=120)
    await services(town).deliveries.tell_office()
    alert = await town.bot.storage.database.fetch_one(
        """SELECT 1 FROM outbox WHERE chat_id = ? AND id > ?
           AND json_extract(payload, '$.meta.kind') = 'deliveries'""",
        (OFFICE_CHAT, first),
    )
    assert alert is not None, "the office group was not told of the failed deliveries"
    listed = await answered(admin, lambda: admin.send_text("/deliveries"))
    for _ in range(int(COUNT.search(text_of(listed)).group())):  # each with its Retry
        await admin.wait_for(has_button(RetryDelivery), 10)
    rest(town)
    admin.clear()
    admin.send_text("/audit")
    await admin.wait_for(mentions(str(NEWCOMER)), 10)
