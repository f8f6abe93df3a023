"""The grand tour's villagers' edge paths (`tests/tour_journeys.py` walks them): pictures sent as
files (broken, over 20 MB, with a GPS location), a phone number, too long a text and voice note,
a place between hamlets, a "+1" report that follows its original to the end, one villager's
limit and another's flood, gone buttons and reports, group chats and an anonymous admin, an
order the office confirms, a notice whose picture cannot be read or shown, /home's Back,
/forgetme kept and done, an error on our side; and two states only an upgrade leaves (a report
forgotten before the abuse keys, a draft in an older shape)."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from bot.delivery.audiences import AudienceKind
from bot.emulator import EmulatedUser
from bot.places.grid import Fit
from bot.reporting.buttons import AcceptTask, ConfirmFixed, MarkFixed, NotMyArea
from handlers.buttons import (
    ForgetNo,
    ForgetYes,
    HomeBack,
    HomeVillage,
    IssueOrder,
    NoticeAudience,
    NoticePreview,
    OrderDeadline,
    OrderHamlet,
    OrderSkipPhoto,
    OrderVillage,
    ReportCategory,
    SkipFixNote,
    SkipHome,
    SubmitReport,
)
from handlers.drafts import ReportDraft
from handlers.report_states import PHOTO_LOCATION_BUTTON
from tests.buttons import button_data, has_button, press
from tests.conftest import Town
from tests.tour_people import person
from tests.tour_steps import Words, choose, mentions, rest, tap, text_of
from tests.tour_wizards import Wizard, answered, cancelled, typed

FILER, BETWEEN, FIRST, PLUS_ONE, BUSY, FLOODER = range(700301, 700307)
STRANGERS_GROUP = -100700
SAMPLE = Path(__file__).parent.parent / "bot/sample/photos"
WITH_GPS = (SAMPLE / "with_gps.jpg").read_bytes()
BROKEN = b"\xff\xd8\xff\xe0 not really a picture"
OVER_20_MB = 21 * 1024 * 1024
BETWEEN_HAMLETS = (22.8746, 108.4525)
"""A point in the town's surroundings, far from every hamlet: the office places it."""
WORKED = "蔗园坡"
"""The hamlet whose grid member works the "+1" report and the office's order here."""
NUMBER = re.compile(r"R-\d{6}")
TYPED = (
    "存图的人",
    "路过的人",
    "先报的人",
    "跟报的人",
    "常报的人",
    "刷屏的人",
    "桥下一堆砖头",
    "乱报",
    "图片通知",
)
"""What this part's people type or are called (shown back to them and to others)."""


async def edge_paths(town: Town, words: Words) -> None:
    """Every edge path in turn, each after a pause longer than the flood window."""
    for path in (
        pictures_as_files,
        between_hamlets_then_forgotten,
        plus_one_to_the_end,
        a_draft_from_an_older_version,
        the_office_confirms_an_order,
        a_notice_picture_that_cannot_be_used,
        groups_and_gone_buttons,
        a_limit_and_a_flood,
    ):
        rest(town)
        await path(town, words)


async def hello(user: EmulatedUser) -> None:
    """/start, and wait for its question where one lives (asked of everyone new)."""
    user.send_text("/start")
    await user.wait_for(has_button(SkipHome()), 10)


async def submitted(user: EmulatedUser) -> str:
    """Tap ✅ Submit; the report's number from the thanks."""
    await tap(user, SubmitReport())
    done = await user.wait_for(lambda m: bool(NUMBER.search(text_of(m))), 10)
    return NUMBER.search(text_of(done)).group(0)


async def reported_at(user: EmulatedUser, point: tuple[float, float], category: str) -> str:
    """Photo, location, category, Submit; the report's number."""
    await answered(user, user.send_photo)
    user.send_location(*point)
    await choose(user, ReportCategory, lambda b: b.category == category)
    await user.wait_for(has_button(SubmitReport()), 10)
    return await submitted(user)


async def pictures_as_files(town: Town, words: Words) -> None:
    """A broken picture, one over 20 MB and a phone number where the photo is wanted; then a
    picture with its GPS, placed by it, /mydata while writing, too long a text and voice note;
    then drafts abandoned until no more files are taken."""
    filer = person(town, FILER, "存图的人")
    await hello(filer)
    await typed(filer, "/report")
    await answered(filer, lambda: filer.send_document(BROKEN, "IMG_0002.jpg", "image/jpeg"))
    await answered(
        filer,
        lambda: filer.send_document(WITH_GPS, "IMG_0003.jpg", "image/jpeg", file_size=OVER_20_MB),
    )
    await answered(filer, lambda: filer.send_contact("+8613800138000", "存图的人"))
    await answered(filer, lambda: filer.send_document(WITH_GPS, "IMG_0001.jpg", "image/jpeg"))
    await typed(filer, "/mydata", words(PHOTO_LOCATION_BUTTON))
    await choose(filer, ReportCategory, lambda b: b.category == "household")
    await filer.wait_for(has_button(SubmitReport()), 10)
    await typed(filer, "长" * (town.config.reporting.max_description_chars + 1))
    voice = town.emulator.files.add(b"OggS", "voice", mime_type="audio/ogg", size=OVER_20_MB)
    long_note = {"voice": {**voice.fields(), "duration": 1800, "mime_type": "audio/ogg"}}
    await answered(filer, lambda: town.emulator.post_message(filer, filer.user_dict, long_note))
    await submitted(filer)
    rest(town)
    for _ in range(2):  # the files of drafts never sent count for a day
        await answered(filer, lambda: filer.send_album(town.config.reporting.max_photos))
        await cancelled(filer)
    await answered(filer, filer.send_photo)


async def between_hamlets_then_forgotten(town: Town, words: Words) -> None:
    """A report from between the hamlets goes to the office; its reporter keeps their data
    once, then has it deleted and looks again; the office looks them up and blocks them, also
    as a report forgotten before the keys existed."""
    assert town.bot.grid.locate(*BETWEEN_HAMLETS).fit is Fit.TOWN
    villager, admin = person(town, BETWEEN, "路过的人"), town.admin
    await hello(villager)
    number = await reported_at(villager, BETWEEN_HAMLETS, "household")
    rest(town)
    await typed(villager, "/home")
    home, village = villager.messages[-1], HomeVillage(next(iter(town.bot.grid.villages)))
    town.emulator.fail_next("answerCallbackQuery", 500)  # an error on our side: an apology
    await villager.answer_to(press(villager, home, village), 10)
    press(villager, home, village)
    await choose(villager, HomeBack)
    await villager.wait_for(has_button(SkipHome()), 10)
    await choose(villager, SkipHome)
    await typed(villager, "/forgetme")
    await choose(villager, ForgetNo)
    await villager.wait_for(mentions(words("Nothing was deleted.")), 10)
    await typed(villager, "/forgetme")
    await choose(villager, ForgetYes)
    rest(town)
    await hello(villager)
    await typed(villager, "/mydata")
    for command in (f"/who {number}", f"/block {number} 乱报", f"/unblock {number}"):
        await about(admin, command, number)
    await as_before_the_keys(town, number)
    await about(admin, f"/block {number} 乱报", number)


async def about(admin: EmulatedUser, command: str, number: str) -> None:
    """Send an office command and wait for its answer, the one naming `number`: something else
    reaching the office meanwhile (an alert, a ranking) is not taken for it."""
    admin.clear()
    admin.send_text(command)
    await admin.wait_for(mentions(number), 10)


async def as_before_the_keys(town: Town, number: str) -> None:
    """The report as a database from before migration 0010 holds one forgotten then: without
    its reporter's key, so no block can name them."""
    async with town.bot.storage.database.transaction() as tx:
        await tx.execute("UPDATE reports SET reporter_key = NULL WHERE id = ?", (int(number[2:]),))


async def plus_one_to_the_end(town: Town, words: Words) -> None:
    """A report, and a neighbour's "+1" at the same spot, who follows it in /myreports and
    hears of the fix; the grid member first gives no reason for handing it back."""
    first, plus_one = person(town, FIRST, "先报的人"), person(town, PLUS_ONE, "跟报的人")
    member = worker(town)
    await hello(member)
    spot = town.inside(WORKED)
    await hello(first)
    original = await reported_at(first, spot, "piles")
    rest(town)
    await hello(plus_one)
    await reported_at(plus_one, spot, "piles")
    await typed(plus_one, "/myreports")
    report_id = int(original[2:])
    await tap(member, NotMyArea(report_id))
    await member.wait_for(mentions(original, "/cancel"), 10)
    await typed(member, "\u200b", "/cancel")
    rest(town)
    await tap(member, AcceptTask(report_id))
    await tap(member, MarkFixed(report_id))
    await member.wait_for(mentions(original), 10)
    member.send_photo()
    await tap(member, SkipFixNote())
    await plus_one.wait_for(mentions(original, "🧹"), 10)
    await tap(first, ConfirmFixed(report_id))
    await plus_one.wait_for(mentions(original, "✅"), 10)  # the office's copy shows the +1


def worker(town: Town) -> EmulatedUser:
    """The grid member of the worked hamlet."""
    owner = town.bot.people.grid_members_of(town.hamlet_id(WORKED))[0]
    return person(town, owner, "蔗园网格")


async def a_draft_from_an_older_version(town: Town, words: Words) -> None:
    """A villager at the summary when the bot is upgraded: the draft kept for them no longer
    fits (an older shape), so ✅ Submit starts over instead of sending half a report."""
    villager = person(town, FIRST, "先报的人")
    await answered(villager, villager.send_photo)
    villager.send_location(*town.inside(WORKED))
    await choose(villager, ReportCategory, lambda b: b.category == "water")
    summary = await villager.wait_for(has_button(SubmitReport()), 10)
    await answered(villager, villager.send_sticker)  # the summary's step has finished
    town.bot.application.user_data[FIRST][ReportDraft.KEY] = {"photo": "an older shape"}
    await villager.answer_to(press(villager, summary, SubmitReport()), 10)
    await villager.next_message(timeout=10)  # the photo again
    await cancelled(villager)


async def the_office_confirms_an_order(town: Town, words: Words) -> None:
    """An order to the worked hamlet, fixed by its grid member and confirmed by the office."""
    admin, member, grid = town.admin, worker(town), town.bot.grid
    wizard = Wizard(admin)
    admin.send_text("/order")
    village = grid.hamlets[town.hamlet_id(WORKED)].village_id
    await wizard.pick(OrderVillage, lambda b: b.village_id == village)
    await wizard.pick(OrderHamlet, lambda b: b.hamlet_id == town.hamlet_id(WORKED))
    await admin.next_message(timeout=10)
    await typed(admin, "桥下一堆砖头")
    await wizard.pick(OrderSkipPhoto)
    await wizard.pick(OrderDeadline, lambda b: b.days == 3)
    await wizard.pick(IssueOrder)
    card = await member.wait_for(mentions("桥下一堆砖头"), 10)
    order = next(b.report_id for b in map(AcceptTask.parse, button_data(card)) if b is not None)
    await tap(member, AcceptTask(order))
    await tap(member, MarkFixed(order))
    await member.wait_for(mentions(f"R-{order:06d}", "/cancel"), 10)
    member.send_photo()
    await tap(member, SkipFixNote())
    await tap(admin, ConfirmFixed(order))
    await member.wait_for(mentions(f"R-{order:06d}", "👍"), 10)


async def new_notice(admin: EmulatedUser) -> Wizard:
    """/notice to all grid members, up to the question for its content."""
    wizard = Wizard(admin)
    admin.send_text("/notice")
    await wizard.pick(NoticeAudience, lambda b: b.kind == AudienceKind.GRID_MEMBERS)
    await admin.next_message(timeout=10)
    return wizard


async def a_notice_picture_that_cannot_be_used(town: Town, words: Words) -> None:
    """/notice: a broken picture sent as a file, then a good one (it goes out as a photo); a
    PDF whose preview Telegram refuses (only previews send files now)."""
    admin = town.admin
    await new_notice(admin)
    await answered(admin, lambda: admin.send_document(BROKEN, "notice.jpg", "image/jpeg"))
    await answered(
        admin, lambda: admin.send_document(WITH_GPS, "notice.jpg", "image/jpeg", caption="图片通知")
    )
    await cancelled(admin)
    rest(town)
    wizard = await new_notice(admin)
    admin.send_document(b"%PDF-1.4", "notice.pdf", "application/pdf", caption="图片通知")
    await admin.wait_for(has_button(NoticePreview()), 10)
    town.emulator.fail_next("sendDocument", 400, description="Bad Request: wrong file identifier")
    await wizard.pick(NoticePreview)
    await admin.wait_for(mentions(words("Sorry, I could not show that file.")), 10)
    await cancelled(admin)


async def groups_and_gone_buttons(town: Town, words: Words) -> None:
    """A command in a group the bot does not serve, an anonymous admin in the office's group,
    a button of data we never made and one for a report that does not exist."""
    villager, member = town.villager, town.member
    strangers = town.emulator.group(STRANGERS_GROUP, "村民群")
    strangers.send_text(villager, "/report")
    await strangers.wait_for(lambda m: m["reply_to_message"]["from"]["id"] == villager.chat_id, 10)
    town.office.send_as_group("/queue")
    await town.office.wait_for(lambda m: "reply_to_message" in m, 10)
    await typed(villager, "/help")
    await villager.answer_to(villager.press_raw(villager.messages[-1], "zz:nothing"), 10)
    await member.answer_to(member.press_raw(member.messages[-1], AcceptTask(999999).pack()), 10)


async def a_limit_and_a_flood(town: Town, words: Words) -> None:
    """One villager reports the same spot as often as an hour allows (each a "+1" after the
    first), then once more; another sends more messages at once than anyone should."""
    busy = person(town, BUSY, "常报的人")
    await hello(busy)
    spot = town.inside("那门坡")
    for _ in range(town.config.limits.reports_per_hour):
        rest(town)
        await reported_at(busy, spot, "livestock")
    await answered(busy, busy.send_photo)
    rest(town)
    flooder = person(town, FLOODER, "刷屏的人")
    await hello(flooder)
    rest(town)
    for _ in range(town.config.limits.flood_updates + 1):
        await answered(flooder, lambda: flooder.send_text("/help"))
    town.clock.advance(timedelta(seconds=town.config.limits.flood_mute_seconds + 1))
