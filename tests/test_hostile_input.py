"""Hostile and odd input, as one table of cases driven through the emulator, and a property
test that feeds randomly built updates through the handlers.

Each row of `CASES` brings a fresh person to a point of the report journey, does one odd
thing, and says what the bot must answer (in the person's language) — or that it must stay
silent. After every row the person must still be able to start and cancel a report (no stuck
conversation) and own exactly the reports the row expects (no half-written report). After the
whole table no error has reached the error handler and the database invariants hold.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from babel.messages.pofile import read_po
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from telegram import Update

from bot.core.i18n import LOCALES_DIR, I18n
from bot.core.models import Draft, Location, MediaRef
from bot.emulator import EmulatedUser
from bot.emulator.base import Json
from bot.emulator.files import SMALL_JPEG
from bot.people.directory import Role
from bot.reporting.buttons import AcceptTask, ConfirmFixed, MarkFixed
from bot.reporting.lifecycle import TRANSITIONS, State
from bot.reporting.service import Reporter
from storage import Storage
from tests.conftest import Town
from tests.test_report_story import has_buttons

I18N = I18n("zh")
BEIJING = (39.9042, 116.4074)
TWENTY_ONE_MB = 21 * 1024 * 1024


with (LOCALES_DIR / "messages.pot").open("rb") as catalogue:
    MESSAGE_IDS = [  # a plural entry by its singular
        message.id if isinstance(message.id, str) else message.id[0]
        for message in read_po(catalogue)
        if message.id
    ]


def full_message(start: str) -> str:
    """The one catalogue message that starts with `start` (rows quote messages by their
    beginning, so a changed wording fails loudly here rather than silently passing)."""
    found = [message for message in MESSAGE_IDS if message.startswith(start)]
    assert len(found) == 1, f"{len(found)} catalogue messages start with {start!r}"
    return found[0]


def fragment(start: str, language: str) -> str:
    """What a reply must show: the message translated, up to its first placeholder."""
    translated = I18N.translator(language).gettext(full_message(start))
    return translated.split("{", 1)[0].strip()


class Scene:
    """One row's person (fresh, so rows do not meet) and what the row needs from the town."""

    def __init__(self, town: Town, user: EmulatedUser, language: str) -> None:
        self.town = town
        self.user = user
        self.language = language
        self.summary: Json = {}
        self.categories: Json = {}
        self.presses: list[Json] = []
        self.report_id = 0

    def t(self, message: str) -> str:
        return fragment(message, self.language)

    async def reach(self, point: str) -> None:
        user = self.user
        if point == "idle":
            return
        if point == "photo":
            user.send_text("/report")
            await user.wait_for(
                self.reply_showing("📷 Please send a photo of the problem (up to {count})")
            )
            return
        user.send_photo()
        await user.wait_for(lambda m: bool(m.get("reply_markup", {}).get("keyboard")))
        if point == "location":
            return
        user.send_location(*self.town.inside("那笔坡"))
        self.categories = await user.wait_for(has_buttons("v2:rc:"))
        if point == "category":
            return
        user.press(self.categories, "v2:rc:household")
        self.summary = await user.wait_for(has_buttons("v2:rs"))

    async def report_in_nabi(self) -> int:
        """A report by this person, assigned to 那笔坡's grid member (made through the service)."""
        services = self.town.bot.application.bot_data["services"]
        latitude, longitude = self.town.inside("那笔坡")
        draft = Draft(
            photos=[self.photo()],
            # Far enough from other rows' reports not to count as their duplicate.
            location=Location(latitude + (self.user.user_id % 20) * 0.0006, longitude, "gps"),
            hamlet_id=self.town.hamlet_id("那笔坡"),
            category="other",
        )
        submitted = await services.reports.submit(Reporter(self.user.user_id), draft)
        self.report_id = submitted.report.id
        return self.report_id

    async def closed_report(self) -> int:
        services = self.town.bot.application.bot_data["services"]
        report_id = await self.report_in_nabi()
        member = self.town.member.user_id
        await services.reports.accept(report_id, member)
        await services.reports.fix(report_id, member, self.photo(), None)
        await services.reports.confirm(report_id, self.user.user_id)
        return report_id

    def photo(self) -> MediaRef:
        """A photo Telegram (the emulator) knows, as if a user had sent it."""
        stored = self.town.emulator.files.add(SMALL_JPEG, "photo", mime_type="image/jpeg")
        return MediaRef(stored.file_id, stored.file_unique_id)

    async def handle_now(self, post: Callable[[], object]) -> None:
        """Post an update and run it through the handlers right away, so its effects (or
        their absence) are certain before the row goes on — for chats with nobody to ask."""
        post()
        application = self.town.bot.application
        for data in self.town.emulator.take_updates():
            await application.process_update(Update.de_json(data, application.bot))

    def reply_showing(self, message: str) -> Callable[[Json], bool]:
        wanted = self.t(message)
        return lambda m: wanted in (m.get("text") or m.get("caption") or "")


Act = Callable[[Scene], Awaitable[object]]
Expect = Callable[[Scene], Awaitable[None]]


@dataclass(frozen=True)
class Case:
    name: str
    start: str
    act: Act
    expect: Expect
    language: str = "zh"
    reports: int = 0


# -- acts ------------------------------------------------------------------------------------------


def do(action: Callable[[EmulatedUser], object]) -> Act:
    async def act(scene: Scene) -> None:
        action(scene.user)

    return act


def press(data: str | Callable[[Scene], str], on: str = "summary", times: int = 1) -> Act:
    """Press raw callback data (forged, stale or repeated) on a message of the person's."""

    async def act(scene: Scene) -> None:
        message = scene.summary or scene.categories
        if on == "own":
            scene.user.send_text("/help")
            message = await scene.user.next_message()
        payload = data(scene) if callable(data) else data
        scene.presses = [scene.user.press_raw(message, payload) for _ in range(times)]

    return act


# -- expectations ----------------------------------------------------------------------------------


def says(message: str, chat: str = "user", **values: object) -> Expect:
    """The person's next message shows this one, translated: whole when `values` fill it
    in, else up to its first placeholder. In a shared chat (`chat` names it on the town),
    where the outbox may write meanwhile, the first message that shows it."""

    async def expect(scene: Scene) -> None:
        if values:
            wanted = I18N.translator(scene.language).gettext(full_message(message)).format(**values)
        else:
            wanted = scene.t(message)
        if chat == "user":
            reply = await scene.user.next_message()
            text = reply.get("text") or reply.get("caption") or ""
            assert wanted in text, (wanted, text)
        else:
            await getattr(scene.town, chat).wait_for(lambda m: wanted in (m.get("text") or ""))

    return expect


def silent() -> Expect:
    """Nothing was said: the next thing the person hears is the answer to a /help sent now
    (one person's updates are handled in order, so a reply would have come first)."""

    async def expect(scene: Scene) -> None:
        scene.user.send_text("/help")
        reply = await scene.user.next_message()
        assert scene.t("How to report:") in reply["text"], reply["text"]

    return expect


def answered(message: str, *, alert: bool | None = None, index: int = 0) -> Expect:
    async def expect(scene: Scene) -> None:
        answer = await scene.user.answer_to(scene.presses[index])
        assert scene.t(message) in (answer["text"] or ""), answer
        if alert is not None:
            assert answer["show_alert"] is alert, answer

    return expect


def answered_quietly() -> Expect:
    """The press was answered with no text (nothing to say: the buttons are right there)."""

    async def expect(scene: Scene) -> None:
        answer = await scene.user.answer_to(scene.presses[0])
        assert not answer["text"], answer

    return expect


def then(*steps: Expect) -> Expect:
    async def expect(scene: Scene) -> None:
        for step in steps:
            await step(scene)

    return expect


# -- rows that need more than one step -------------------------------------------------------------


async def album_of_seven(scene: Scene) -> None:
    scene.user.send_album(7)


async def expect_five_kept(scene: Scene) -> None:
    await scene.user.wait_for(scene.reply_showing("📍 Photo {count} received. Now, where is it?"))
    told = await scene.user.wait_for(scene.reply_showing("I keep at most {count} photos"))
    assert "5" in told["text"]
    await silent()(scene)  # told once, not once per extra photo
    user_data = scene.town.bot.application.user_data[scene.user.user_id]
    assert len(user_data["draft"]["photos"]) == 5


async def edit_after_reply(scene: Scene) -> None:
    sent = scene.user.send_text("垃圾很多")
    await scene.user.next_message()
    scene.user.edit_text(sent, "<b>改过的</b>")


async def live_location(scene: Scene) -> None:
    latitude, longitude = scene.town.inside("那笔坡")
    sent = scene.user.send_location(latitude, longitude, live_period=900)
    await scene.user.wait_for(has_buttons("v2:rc:"))
    scene.user.edit_location(sent, *BEIJING)
    scene.user.edit_location(sent, 0.0, 0.0)


async def live_location_kept_first_point(scene: Scene) -> None:
    await silent()(scene)
    draft = scene.town.bot.application.user_data[scene.user.user_id]["draft"]
    assert draft["hamlet_id"] == scene.town.hamlet_id("那笔坡")


async def edited_description(scene: Scene) -> None:
    sent = scene.user.send_text("第一次的说明")
    scene.summary = await scene.user.wait_for(has_buttons("v2:rs"))
    scene.user.edit_text(sent, "改过的说明")


async def description_unchanged(scene: Scene) -> None:
    await says("I saw that you edited a message")(scene)
    draft = scene.town.bot.application.user_data[scene.user.user_id]["draft"]
    assert draft["description"] == "第一次的说明"


async def submit_ten_times(scene: Scene) -> None:
    scene.presses = [scene.user.press_raw(scene.summary, "v2:rs") for _ in range(10)]


async def one_report_from_ten_presses(scene: Scene) -> None:
    await scene.user.wait_for(lambda m: "R-0" in (m.get("text") or ""))
    answers = [await scene.user.answer_to(query) for query in scene.presses]
    stale = [a for a in answers if scene.t("This button is no longer active.") in (a["text"] or "")]
    assert len(stale) == 9, answers


async def accept_ten_times(scene: Scene) -> None:
    report_id = await scene.report_in_nabi()
    card = await scene.town.member.wait_for(has_buttons(AcceptTask(report_id).pack()))
    scene.presses = [
        scene.town.member.press_raw(card, AcceptTask(report_id).pack()) for _ in range(10)
    ]


async def accepted_once(scene: Scene) -> None:
    member = scene.town.member
    answers = [await member.answer_to(query) for query in scene.presses]
    assert [a["show_alert"] for a in answers] == [False] + [True] * 9, answers
    services = scene.town.bot.application.bot_data["services"]
    events = await services.storage.reports.events(scene.report_id)
    assert [e.to_state for e in events].count(State.ACCEPTED) == 1


async def forge_members_fix(scene: Scene) -> None:
    report_id = await scene.report_in_nabi()
    scene.user.send_text("/help")
    own = await scene.user.next_message()
    scene.presses = [scene.user.press_raw(own, MarkFixed(report_id).pack())]


async def confirm_closed(scene: Scene) -> None:
    report_id = await scene.closed_report()
    scene.user.send_text("/help")
    own = await scene.user.next_message()
    scene.presses = [scene.user.press_raw(own, ConfirmFixed(report_id).pack())]


async def block_mid_flow(scene: Scene) -> None:
    scene.user.block_bot()
    scene.user.send_location(*scene.town.inside("那笔坡"))  # the answer fails with 403
    scene.user.send_text("/help")  # handled after it: its reply fails too
    services = scene.town.bot.application.bot_data["services"]
    for _ in range(500):  # the bot notes the block when its reply is refused
        reachable = await services.storage.users.reachable([scene.user.user_id])
        if not reachable:
            break
        await asyncio.sleep(0.01)
    assert not reachable
    scene.user.unblock_bot()


async def continues_after_unblocking(scene: Scene) -> None:
    scene.user.send_location(*scene.town.inside("那笔坡"))
    await scene.user.wait_for(has_buttons("v2:rc:"))


async def channel_post(scene: Scene) -> None:
    channel = scene.town.emulator.channel(-1009000, "三塘新闻")
    posted: list[Json] = []
    await scene.handle_now(lambda: posted.append(channel.post("/start 大家好")))
    await scene.handle_now(lambda: channel.edit_post(posted[0], "/report 改了"))


async def nothing_in_channel(scene: Scene) -> None:
    assert not scene.town.emulator.channel(-1009000).messages


def _stranger_group(scene: Scene):
    return scene.town.emulator.group(-1008000, "村民闲聊群")


async def talk_in_unknown_group(scene: Scene) -> None:
    group = _stranger_group(scene)
    group.clear()
    await scene.handle_now(lambda: group.send_text(scene.user, "你好"))
    await scene.handle_now(lambda: group.send_photo(scene.user))
    await scene.handle_now(lambda: group.send_text(scene.user, "/report@clean_village_bot"))


async def pointer_only_for_the_command(scene: Scene) -> None:
    group = _stranger_group(scene)
    assert len(group.messages) == 1 and not group.reply_keyboard
    pointer = group.messages[0]
    assert "@clean_village_bot" in pointer["text"]
    url = pointer["reply_markup"]["inline_keyboard"][0][0]["url"]
    assert url == "https://t.me/clean_village_bot"
    services = scene.town.bot.application.bot_data["services"]
    assert not await services.reports.reports_of(scene.user.user_id)


async def press_in_unknown_group(scene: Scene) -> None:
    group = _stranger_group(scene)
    sent = group.send_text(scene.user, "按钮")
    scene.presses = [scene.user.press_raw(sent, AcceptTask(1).pack())]


async def anonymous_admin(scene: Scene) -> None:
    scene.town.office.clear()
    scene.town.office.send_as_group("/queue")


async def as_channel_in_office(scene: Scene) -> None:
    office = scene.town.office
    office.clear()
    channel = scene.town.emulator.channel(-1009001, "某频道")
    await scene.handle_now(lambda: office.send_as_channel(channel, "/queue"))


async def office_quiet(scene: Scene) -> None:
    assert not [m for m in scene.town.office.messages if "/queue" in (m.get("text") or "")]
    assert len(scene.town.office._feed) == scene.town.office._cursor


async def personal_command_in_office_group(scene: Scene) -> None:
    scene.town.office.clear()
    scene.town.office.send_text(scene.user, "/report")


async def invitation(scene: Scene) -> str:
    """A fresh village-lead code, made by the office through the service."""
    services = scene.town.bot.application.bot_data["services"]
    village = scene.town.bot.grid.hamlets[scene.town.hamlet_id("那笔坡")].village_id
    made = await services.roles.invite(scene.town.admin.user_id, Role.VILLAGE_LEAD, (village,))
    return made.code


async def join_expired(scene: Scene) -> None:
    code = await invitation(scene)
    scene.town.clock.advance(timedelta(hours=72, minutes=1))
    scene.user.send_text(f"/join {code}")


async def join_used(scene: Scene) -> None:
    code = await invitation(scene)
    first = scene.town.emulator.user(scene.user.user_id + 50_000, "先到的人")
    first.send_text(f"/join {code}")
    await first.wait_for(lambda m: "✅" in (m.get("text") or ""))
    scene.user.send_text(f"/join {code}")


async def office_blocks_garbage(scene: Scene) -> None:
    scene.town.admin.send_text("/block ../../1e9 because")


async def office_audits_garbage(scene: Scene) -> None:
    scene.town.admin.send_text("/audit -5; DROP TABLE audit_log")


async def contact_not_kept(scene: Scene) -> None:
    await says("Please do not share phone numbers here")(scene)
    services = scene.town.bot.application.bot_data["services"]
    for table in ("users", "user_data", "conversations", "reports", "outbox", "audit_log"):
        rows = await services.storage.database.fetch_all(f"SELECT * FROM {table}")
        assert "13877776666" not in json.dumps([tuple(row) for row in rows]), table


async def summary_shows(scene: Scene, *parts: str, absent: tuple[str, ...] = ()) -> None:
    summary = await scene.user.wait_for(has_buttons("v2:rs"))
    for part in parts:
        assert part in summary["text"], (part, summary["text"])
    for part in absent:
        assert part not in summary["text"], (part, summary["text"])


def shows(*parts: str, absent: tuple[str, ...] = ()) -> Expect:
    return lambda scene: summary_shows(scene, *parts, absent=absent)


FAR = "That place is outside {town}"
VILLAGES = "🏘 Which village?"
NOT_A_PICTURE = "That file is not a picture."
NO_VIDEOS = "I cannot use videos or GIFs."
THANKS_SEND_PHOTO = "Thank you! To report a problem, please send a photo of it."
NOT_UNDERSTOOD = "Sorry, I did not understand that."
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def far_away(latitude: float, longitude: float) -> Case:
    return Case(
        f"location ({latitude}, {longitude})",
        "location",
        do(lambda user: user.send_location(latitude, longitude)),
        then(says(FAR), says(VILLAGES)),
    )


CASES = [
    # Anything but a photo, outside a report.
    Case("sticker", "idle", do(lambda u: u.send_sticker()), says(THANKS_SEND_PHOTO)),
    Case("GIF", "idle", do(lambda u: u.send_animation()), says(NO_VIDEOS)),
    Case("video", "idle", do(lambda u: u.send_video()), says(NO_VIDEOS), language="en"),
    Case("video note", "idle", do(lambda u: u.send_video_note()), says(NO_VIDEOS)),
    Case("contact", "idle", do(lambda u: u.send_contact("13877776666", "阿强")), contact_not_kept),
    Case(
        "poll",
        "idle",
        do(lambda u: u.send_poll("好不好?", ["好", "不好"])),
        says(THANKS_SEND_PHOTO),
    ),
    Case("dice", "idle", do(lambda u: u.send_dice("🎯", 6)), says(THANKS_SEND_PHOTO)),
    Case(
        "PDF document",
        "idle",
        do(lambda u: u.send_document(PDF, "通知.pdf", "application/pdf")),
        says(NOT_A_PICTURE),
    ),
    Case(
        "image file over 20 MB",
        "idle",
        do(lambda u: u.send_document(SMALL_JPEG, "big.jpg", "image/jpeg", file_size=TWENTY_ONE_MB)),
        says("That file is larger than 20 MB"),
    ),
    Case("album of seven photos", "idle", album_of_seven, expect_five_kept),
    Case(
        "photo with an empty caption",
        "idle",
        do(lambda u: u.send_photo(caption="")),
        says("📍 Photo {count} received."),
    ),
    Case(
        "photo with an invisible caption",
        "idle",
        do(lambda u: u.send_photo(caption="\u200b\u200b\u2060")),
        says("📍 Photo {count} received."),
    ),
    Case("unknown command", "idle", do(lambda u: u.send_text("/rm -rf")), says(NOT_UNDERSTOOD)),
    Case(
        "HTML that is not echoed",
        "idle",
        do(lambda u: u.send_text("<script>alert(1)</script>")),
        says(NOT_UNDERSTOOD),
    ),
    Case("edited message", "idle", edit_after_reply, says("I saw that you edited a message")),
    Case(
        "/report with garbage arguments",
        "idle",
        do(lambda u: u.send_text("/report '; DROP TABLE reports; --")),
        says("📷 Please send a photo of the problem"),
    ),
    Case(
        "/join without a code",
        "idle",
        do(lambda u: u.send_text("/join")),
        says("Please send /join"),
    ),
    Case(
        "/join with garbage",
        "idle",
        do(lambda u: u.send_text("/join \u202e<b>%00</b>")),
        says("That code is not right."),
        language="en",
    ),
    Case("/join with an expired code", "idle", join_expired, says("That code has expired.")),
    Case(
        "/join with a used code",
        "idle",
        join_used,
        says("That code has already been used"),
        language="en",
    ),
    Case(
        "/audit by a villager",
        "idle",
        do(lambda u: u.send_text("/audit 5")),
        says("Sorry, {command} is for the town office.", command="/audit"),
    ),
    Case(
        "/queue by a villager",
        "idle",
        do(lambda u: u.send_text("/queue")),
        says("Sorry, /queue is"),
    ),
    Case(
        "/tasks by a villager", "idle", do(lambda u: u.send_text("/tasks x")), says("/tasks is for")
    ),
    Case(
        "/invite by a villager",
        "idle",
        do(lambda u: u.send_text("/invite")),
        says("Sorry, /invite"),
    ),
    Case(
        "/notices with garbage",
        "idle",
        do(lambda u: u.send_text("/notices maybe")),
        says("Please write /notices on"),
    ),
    Case(
        "/lang with garbage",
        "idle",
        do(lambda u: u.send_text("/lang klingon")),
        says("Choose your"),
    ),
    # In the middle of a report.
    Case(
        "text instead of a photo",
        "photo",
        do(lambda u: u.send_text("哪里")),
        says("I need a photo here"),
    ),
    Case("video instead of a photo", "photo", do(lambda u: u.send_video()), says(NO_VIDEOS)),
    Case(
        "PDF instead of a photo",
        "photo",
        do(lambda u: u.send_document(PDF, "a.pdf", "application/pdf")),
        says(NOT_A_PICTURE),
    ),
    Case(
        "sticker instead of the place",
        "location",
        do(lambda u: u.send_sticker()),
        says(THANKS_SEND_PHOTO),
    ),
    far_away(0.0, 0.0),
    far_away(90.0, 0.0),
    far_away(-90.0, 180.0),
    far_away(math.nan, math.nan),
    far_away(math.inf, -math.inf),
    far_away(91.0, 200.0),
    Case(
        "venue far away",
        "location",
        do(lambda u: u.send_venue(*BEIJING, "天安门", "北京")),
        then(says(FAR), says(VILLAGES)),
    ),
    Case(
        "live location, then its moves", "location", live_location, live_location_kept_first_point
    ),
    Case(
        "text instead of a category",
        "category",
        do(lambda u: u.send_text("垃圾")),
        says("Please tap the kind"),
    ),
    Case(
        "forged category",
        "category",
        press("v2:rc:../../etc/passwd", on="categories"),
        then(answered_quietly(), silent()),
    ),
    Case(
        "description over the limit",
        "confirm",
        do(lambda u: u.send_text("垃" * 4096)),
        says("That is {length} characters"),
    ),
    Case(
        "HTML in the description",
        "confirm",
        do(lambda u: u.send_text('<b>x</b><a href="tg://user?id=1">y</i>')),
        shows('<b>x</b><a href="tg://user?id=1">y</i>'),
    ),
    Case(
        "Markdown in the description",
        "confirm",
        do(lambda u: u.send_text("*粗体* _斜体_ [链接](http://example.com) `code`")),
        shows("*粗体* _斜体_ [链接](http://example.com) `code`"),
    ),
    Case(
        "zero-width description",
        "confirm",
        do(lambda u: u.send_text("\u200b\u200c\ufeff")),
        shows(absent=("📝",)),
    ),
    Case(
        "right-to-left override in the description",
        "confirm",
        do(lambda u: u.send_text("门口\u202e圾垃\u202c")),
        shows("门口圾垃", absent=("\u202e",)),
    ),
    Case(
        "sticker before Submit",
        "confirm",
        do(lambda u: u.send_sticker()),
        says("I can take a short text"),
    ),
    Case("edited description", "confirm", edited_description, description_unchanged),
    Case(
        "Submit pressed ten times",
        "confirm",
        submit_ten_times,
        one_report_from_ten_presses,
        reports=1,
    ),
    # Buttons that are forged, replayed or out of date.
    Case("Accept pressed ten times", "idle", accept_ten_times, accepted_once, reports=1),
    Case(
        "a grid member's button forged by a villager",
        "idle",
        forge_members_fix,
        answered("Sorry, this is not yours to do.", alert=True),
        reports=1,
    ),
    Case(
        "a button of a closed report",
        "idle",
        confirm_closed,
        answered("Nothing changed: this report is already", alert=True),
        reports=1,
    ),
    Case(
        "a button of a report that does not exist",
        "idle",
        press(ConfirmFixed(987654).pack(), on="own"),
        answered("This report no longer exists.", alert=True),
    ),
    Case(
        "garbage button data",
        "idle",
        press("}{<script>\u202e", on="own"),
        answered("This button is no longer active."),
    ),
    Case(
        "button data over 64 bytes",
        "idle",
        press("v1:acc:" + "9" * 80, on="own"),
        answered("This button is no longer active."),
        language="en",
    ),
    # Chats the bot does not serve, and senders it cannot tell apart.
    Case("a channel's posts", "idle", channel_post, nothing_in_channel),
    Case("an unknown group", "idle", talk_in_unknown_group, pointer_only_for_the_command),
    Case(
        "a button pressed in an unknown group",
        "idle",
        press_in_unknown_group,
        answered("👋 Reports and personal matters are handled in a private chat"),
    ),
    Case(
        "an anonymous admin in the office group",
        "idle",
        anonymous_admin,
        says("You are writing as the group", chat="office"),
    ),
    Case("a channel writing in the office group", "idle", as_channel_in_office, office_quiet),
    Case(
        "/report in the office group",
        "idle",
        personal_command_in_office_group,
        says("👋 Reports and personal matters", chat="office"),
    ),
    Case("blocks the bot in the middle", "location", block_mid_flow, continues_after_unblocking),
    Case(
        "/block with garbage by the office",
        "idle",
        office_blocks_garbage,
        says("Please name the person by a report number or a user id", chat="admin"),
    ),
    Case(
        "/audit with garbage by the office",
        "idle",
        office_audits_garbage,
        says("Please write /audit, or /audit with a number", chat="admin"),
    ),
]


async def not_stuck(scene: Scene) -> None:
    """A new report can start and be cancelled: no conversation is left hanging."""
    user = scene.user
    user.send_text("/report")
    await user.wait_for(scene.reply_showing("📷 Please send a photo of the problem"))
    user.send_text("/cancel")
    await user.wait_for(scene.reply_showing("Cancelled. Nothing was sent."))


def test_the_table_is_long_enough() -> None:
    assert len(CASES) >= 40
    assert len({case.name for case in CASES}) == len(CASES)


async def test_hostile_and_odd_input(town: Town, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    services = town.bot.application.bot_data["services"]
    failures: list[str] = []
    for index, case in enumerate(CASES):
        user = town.emulator.user(800_000 + index, f"村民{index}", language_code=case.language)
        scene = Scene(town, user, case.language)
        try:
            await scene.reach(case.start)
            await case.act(scene)
            await case.expect(scene)
            await not_stuck(scene)
            mine = await services.reports.reports_of(user.user_id)
            assert len(mine) == case.reports, f"{len(mine)} report(s)"
        except (AssertionError, TimeoutError) as error:
            failures.append(f"{case.name}: {error}")
        town.clock.advance(timedelta(seconds=61))  # no row's pace counts against the next
    assert not failures, "\n".join(failures)
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, [r.getMessage() for r in errors]
    await check_invariants(services.storage)


# -- the database invariants, shared with the property test ------------------------------------


async def check_invariants(storage: Storage) -> None:
    """Every report has its events, told as an unbroken chain of allowed transitions that ends
    in the report's state, and the fields its state needs are set."""
    database = storage.database
    reports = await database.fetch_all("SELECT id FROM reports ORDER BY id")
    allowed = {(before, after) for (before, _), after in TRANSITIONS.items()}
    for row in reports:
        report = await storage.reports.get(row["id"])
        events = await storage.reports.events(row["id"])
        assert events, f"report {report.id} has no events"
        assert events[0].from_state is None and events[0].to_state == State.SUBMITTED
        for before, after in itertools.pairwise(events):
            assert after.from_state == before.to_state, (report.id, events)
            assert (after.from_state, after.to_state) in allowed, (report.id, after)
        assert events[-1].to_state == report.state, (report.id, report.state, events[-1])
        media = await storage.reports.media(report.id)
        assert media.photos, f"report {report.id} has no photo"
        if report.state in (State.ASSIGNED, State.ACCEPTED, State.REOPENED):
            assert report.hamlet_id and report.fix_due_at, report
        if report.state in (State.CLOSED, State.REJECTED):
            assert report.closed_at, report
        if report.state == State.FIXED:
            assert report.fixed_at and media.after_photos, report
        if report.state == State.DUPLICATE:
            assert report.duplicate_of, report
    dangling = await database.fetch_all(
        "SELECT id FROM report_events WHERE report_id NOT IN (SELECT id FROM reports)"
    )
    assert not dangling


# -- the property test ------------------------------------------------------------------------

PEOPLE = ("villager", "neighbour", "member", "admin")
COMMANDS = (
    "/start",
    "/report",
    "/cancel",
    "/help",
    "/myreports",
    "/mydata",
    "/lang",
    "/tasks",
    "/queue",
    "/join",
    "/audit",
    "/who",
    "/block",
    "/unblock",
    "/area",
    "/team",
    "/notices",
    "/home",
    "/news",
    "/forgetme",
    "/invite",
)
ACTIONS = (
    "acc",
    "nma",
    "fix",
    "ok",
    "bad",
    "asg",
    "rej",
    "oav",
    "oah",
    "rc",
    "rv",
    "rh",
    "rs",
    "rb",
    "rx",
    "fsk",
    "lang",
    "ivr",
    "ivd",
    "rvk",
    "rvy",
    "fgy",
    "fgn",
    "hv",
    "hh",
    "nsw",
    "zz",
)
texts = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=60)
coordinates = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=22.6, max_value=22.9),
    st.sampled_from([0.0, 90.0, -90.0, 180.0, -180.0]),
)
forged = st.builds(
    lambda action, args: ":".join(["v1", action, *args]),
    st.sampled_from(ACTIONS),
    st.lists(
        st.one_of(
            st.integers(-2, 50).map(str),
            st.sampled_from(["h01", "v01", "zh", "x"]),
            texts.map(lambda t: t[:8]),
        ),
        max_size=3,
    ),
)
steps = st.tuples(
    st.sampled_from(PEOPLE),
    st.one_of(
        st.tuples(st.just("text"), texts),
        st.tuples(st.just("command"), st.tuples(st.sampled_from(COMMANDS), texts)),
        st.tuples(st.just("photo"), st.one_of(st.none(), texts)),
        st.tuples(st.just("location"), st.tuples(coordinates, coordinates)),
        st.tuples(st.just("venue"), st.tuples(coordinates, coordinates, texts)),
        st.tuples(st.just("press"), st.one_of(st.just("shown"), forged)),
        st.tuples(
            st.just("odd"),
            st.sampled_from(["sticker", "voice", "contact", "dice", "video", "pdf", "edit"]),
        ),
        st.tuples(st.just("report"), st.sampled_from(["那笔坡", "far", "picker"])),
    ),
)


class Driver:
    """Feeds steps to the bot one update at a time and waits for each to be handled."""

    def __init__(self, town: Town) -> None:
        self.town = town
        self.errors: list[BaseException] = []
        self.round = 0

    def person(self, who: str) -> EmulatedUser:
        """The grid member and the admin stay; villagers are new in every example, so each
        example starts their conversations afresh."""
        town = self.town
        if who == "member":
            return town.member
        if who == "admin":
            return town.admin
        user_id = 900_000 + self.round * 2 + (who == "neighbour")
        return town.emulator.user(user_id, f"{who}{self.round}", language_code="zh")

    async def run(self, example: list) -> None:
        self.round += 1
        self.errors.clear()
        for who, (kind, value) in example:
            await self.perform(self.person(who), kind, value)
        self.town.clock.advance(timedelta(seconds=61))

    async def handle(self) -> None:
        application = self.town.bot.application
        for data in self.town.emulator.take_updates():
            await application.process_update(Update.de_json(data, application.bot))

    async def perform(self, user: EmulatedUser, kind: str, value: object) -> None:
        match kind:
            case "text":
                user.send_text(value or ".")
            case "command":
                command, argument = value
                user.send_text(f"{command} {argument}".strip())
            case "photo":
                user.send_photo(caption=value)
            case "location":
                user.send_location(*value)
            case "venue":
                latitude, longitude, title = value
                user.send_venue(latitude, longitude, title or "x", "addr")
            case "press":
                self.press(user, value)
            case "report":
                await self.report(user, value)
            case _:
                {
                    "sticker": user.send_sticker,
                    "voice": user.send_voice,
                    "contact": lambda: user.send_contact("123", "x"),
                    "dice": user.send_dice,
                    "video": user.send_video,
                    "pdf": lambda: user.send_document(PDF, "x.pdf", "application/pdf"),
                    "edit": lambda: user.edit_text(user.send_text("x"), "y"),
                }[value]()
        await self.handle()

    def press(self, user: EmulatedUser, data: str) -> None:
        """A button of the newest keyboard in the chat ("shown"), or forged data on it."""
        keyboards = [
            m for m in user.messages if (m.get("reply_markup") or {}).get("inline_keyboard")
        ]
        if not keyboards:
            user.send_text("/start")
            return
        target = keyboards[-1]
        if data == "shown":
            buttons = [
                button["callback_data"]
                for row in target["reply_markup"]["inline_keyboard"]
                for button in row
                if "callback_data" in button
            ]
            data = buttons[self.round % len(buttons)]
        user.press_raw(target, data)

    async def report(self, user: EmulatedUser, place: str) -> None:
        """A whole report in a row of steps: photo, place, category, Submit."""
        user.send_photo()
        await self.handle()
        if place == "picker":
            user.send_text(I18N.translator("zh").gettext("🏘 Pick village and hamlet"))
        elif place == "far":
            user.send_location(*BEIJING)
        else:  # a spot per example, so that not every report is a duplicate of the last
            latitude, longitude = self.town.inside(place)
            user.send_location(latitude + (self.round % 10) * 0.0006, longitude)
        await self.handle()
        for prefix in ("v2:rv:", "v2:rh:", "v2:rc:", "v2:rs"):
            asking = [m for m in user.messages if any(d.startswith(prefix) for d in _data(m))]
            if asking:
                choice = next(d for d in _data(asking[-1]) if d.startswith(prefix))
                user.press_raw(asking[-1], choice)
                await self.handle()


def _data(message: Json) -> list[str]:
    markup = message.get("reply_markup") or {}
    return [b.get("callback_data", "") for row in markup.get("inline_keyboard", []) for b in row]


async def test_random_updates_never_reach_the_error_handler(town: Town) -> None:
    """Random sequences of what four people could send, fed through every handler: no
    exception reaches the error handler, and the database invariants hold after each one."""
    driver = Driver(town)
    application = town.bot.application

    async def record(update: object, context) -> None:
        driver.errors.append(context.error)

    application.add_error_handler(record)
    await town.bot.inbox.stop()  # this test hands every update over itself
    loop = asyncio.get_running_loop()
    storage = application.bot_data["services"].storage

    @settings(
        max_examples=100,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(st.lists(steps, min_size=2, max_size=12))
    def property_holds(example: list) -> None:
        future = asyncio.run_coroutine_threadsafe(driver.run(example), loop)
        future.result(timeout=60)
        assert not driver.errors, driver.errors
        asyncio.run_coroutine_threadsafe(check_invariants(storage), loop).result(timeout=30)

    await asyncio.to_thread(property_holds)
    states = await storage.database.fetch_all("SELECT DISTINCT state FROM reports")
    assert len(states) >= 2, "the examples should have moved some reports along"
