"""The core loop as people live it, through the real bot and the emulator over HTTP.

A villager reports with a photo and a location, the grid member of the hamlet accepts and
fixes it with a photo, the villager confirms — plus every side path of the issue.
"""

from __future__ import annotations

import json
from pathlib import Path

from bot.core.i18n import I18n
from bot.emulator import EmulatedUser
from bot.reporting.buttons import (
    AcceptTask,
    AssignReport,
    ConfirmFixed,
    MarkFixed,
    NotMyArea,
    RejectReport,
    StillThere,
)
from bot.reporting.lifecycle import State
from handlers.buttons import AssignHamlet, AssignVillage, SkipFixNote
from handlers.main_menu import MY_REPORTS_BUTTON, REPORT_BUTTON
from handlers.reporting import PHOTO_LOCATION_BUTTON, PICK_HAMLET_BUTTON
from handlers.voice import ChooseVoiceAudience
from tests.buttons import words
from tests.conftest import CLEAN_HOMES_CHAT, CLEAN_WATER_CHAT, OFFICE_CHAT, Town

SAMPLE = Path(__file__).parent.parent / "bot/sample"
ZH = I18n("zh")


def zh(message: str) -> str:
    return ZH.translator("zh").gettext(message)


def buttons(message: dict) -> list[dict]:
    markup = message.get("reply_markup") or {}
    return [button for row in markup.get("inline_keyboard", []) for button in row]


def data_of(message: dict) -> list[str]:
    return [button["callback_data"] for button in buttons(message)]


def has_buttons(*prefixes: str):
    def check(message: dict) -> bool:
        payloads = data_of(message)
        return all(any(data.startswith(prefix) for data in payloads) for prefix in prefixes)

    return check


async def report_at(
    town: Town, user: EmulatedUser, point: tuple[float, float], category: str = "household"
) -> dict:
    """Photo → location → category → submit; returns the bot's final confirmation message."""
    user.send_photo()
    await user.wait_for(lambda m: bool(m.get("reply_markup", {}).get("keyboard")))
    user.send_location(*point)
    question = await user.wait_for(has_buttons("v2:rc:"))
    user.press(question, f"v2:rc:{category}")
    summary = await user.wait_for(has_buttons("v2:rs"))
    user.press(summary, "v2:rs")
    return await user.wait_for(lambda m: "R-0" in words(m))


async def test_report_to_fix_to_confirmation(town: Town) -> None:
    villager, member = town.villager, town.member
    villager.send_text("/start")
    welcome = await villager.next_message()
    assert villager.reply_keyboard and zh(REPORT_BUTTON) in villager.reply_keyboard[0]

    villager.send_text(zh(REPORT_BUTTON))
    await villager.wait_for(lambda m: "photo" in words(m).lower() or "照片" in words(m))
    villager.send_photo(caption="路边一大堆垃圾")
    ask_place = await villager.wait_for(lambda m: bool(m.get("reply_markup", {}).get("keyboard")))
    location_button = ask_place["reply_markup"]["keyboard"][0][0]
    assert location_button.get("request_location") is True
    villager.send_location(*town.inside("那笔坡"))
    category_question = await villager.wait_for(has_buttons("v2:rc:"))
    assert len([d for d in data_of(category_question) if d.startswith("v2:rc:")]) == 8
    villager.press(category_question, "v2:rc:household")
    summary = await villager.wait_for(has_buttons("v2:rs", "v2:rb", "v2:rx"))
    assert "路边一大堆垃圾" in summary["text"]
    villager.press(summary, "v2:rs")
    done = await villager.wait_for(lambda m: "R-000001" in words(m))
    assert villager.reply_keyboard and zh(REPORT_BUTTON) in villager.reply_keyboard[0]

    # The report is stored before anyone hears of it, with its first events.
    report = await town.bot.application.bot_data["services"].reports.get(1)
    assert report is not None and report.state == State.ASSIGNED
    assert report.hamlet_id == town.hamlet_id("那笔坡")

    # The card is one message since issue #15: the photo, the card as its caption, the buttons;
    # the pin follows it.
    card = await member.wait_for(
        has_buttons(AcceptTask(1).pack(), NotMyArea(1).pack(), MarkFixed(1).pack())
    )
    assert "R-000001" in words(card) and "路边一大堆垃圾" in words(card)
    assert card["photo"][-1]["file_id"]
    pin = await member.wait_for(lambda m: "location" in m)
    assert abs(pin["location"]["latitude"] - town.inside("那笔坡")[0]) < 1e-5

    office_card = await town.office.wait_for(lambda m: "R-000001" in words(m))
    assert not data_of(office_card)  # routed: nothing for the office to do
    await town.clean_homes.wait_for(lambda m: "R-000001" in words(m))

    member.press(card, AcceptTask(1).pack())
    await villager.wait_for(lambda m: "R-000001" in words(m) and m is not done)
    member.press(card, MarkFixed(1).pack())
    await member.wait_for(lambda m: "R-000001" in words(m))
    member.send_text("not a photo")
    await member.next_message()  # a photo is required
    member.send_photo()
    skip = await member.wait_for(has_buttons(SkipFixNote().pack()))
    member.press(skip, SkipFixNote().pack())
    await member.wait_for(lambda m: "R-000001" in words(m))

    after = await villager.wait_for(lambda m: "photo" in m)
    assert after["photo"][-1]["file_id"]
    question = await villager.wait_for(has_buttons(ConfirmFixed(1).pack(), StillThere(1).pack()))
    villager.press(question, ConfirmFixed(1).pack())
    await villager.wait_for(lambda m: "R-000001" in words(m))

    services = town.bot.application.bot_data["services"]
    report = await services.reports.get(1)
    assert report.state == State.CLOSED
    events = await services.storage.reports.events(1)
    assert [(e.from_state, e.to_state) for e in events] == [
        (None, State.SUBMITTED),
        (State.SUBMITTED, State.ASSIGNED),
        (State.ASSIGNED, State.ACCEPTED),
        (State.ACCEPTED, State.FIXED),
        (State.FIXED, State.CLOSED),
    ]
    media = await services.storage.reports.media(1)
    assert len(media.photos) == 1 and len(media.after_photos) == 1
    assert all(Path(ref.local_path).exists() for ref in media.photos + media.after_photos)

    villager.send_text(zh(MY_REPORTS_BUTTON))
    mine = await villager.wait_for(lambda m: "R-000001" in words(m))
    assert services.notifier.status_label(State.CLOSED, "zh") in mine["text"]
    assert welcome


async def test_still_there_reopens_to_the_same_member_and_tells_the_office(town: Town) -> None:
    villager, member = town.villager, town.member
    await report_at(town, villager, town.inside("那笔坡"))
    card = await member.wait_for(has_buttons(MarkFixed(1).pack()))
    first_deadline = (await town.bot.application.bot_data["services"].reports.get(1)).fix_due_at
    member.press(card, MarkFixed(1).pack())
    await member.next_message()
    member.send_photo()
    skip = await member.wait_for(has_buttons(SkipFixNote().pack()))
    member.send_text("清理干净了")
    question = await villager.wait_for(has_buttons(StillThere(1).pack()))
    assert "清理干净了" in question["text"]
    assert skip
    town.clock.advance(__import__("datetime").timedelta(hours=5))
    villager.press(question, StillThere(1).pack())
    reopened = await member.wait_for(has_buttons(AcceptTask(1).pack(), MarkFixed(1).pack()))
    assert "R-000001" in words(reopened)
    await town.office.wait_for(lambda m: "R-000001" in words(m) and "🔁" in words(m))
    report = await town.bot.application.bot_data["services"].reports.get(1)
    assert report.state == State.REOPENED
    assert report.fix_due_at > first_deadline


async def test_hamlet_picker_when_gps_fails(town: Town) -> None:
    villager = town.villager
    villager.send_photo()
    await villager.wait_for(lambda m: bool(m.get("reply_markup", {}).get("keyboard")))
    villager.send_text(zh(PICK_HAMLET_BUTTON))
    villages = await villager.wait_for(has_buttons("v2:rv:"))
    nabi = next(h for h in town.bot.grid.hamlets.values() if h.name == "那笔坡")
    villager.press(villages, f"v2:rv:{nabi.village_id}")
    hamlets = await villager.wait_for(has_buttons(f"v2:rh:{nabi.id}"))
    villager.press(hamlets, "v2:rb")  # back to the villages, then forward again
    villages = await villager.wait_for(has_buttons("v2:rv:"))
    villager.press(villages, f"v2:rv:{nabi.village_id}")
    hamlets = await villager.wait_for(has_buttons(f"v2:rh:{nabi.id}"))
    villager.press(hamlets, f"v2:rh:{nabi.id}")
    categories = await villager.wait_for(has_buttons("v2:rc:"))
    villager.press(categories, "v2:rc:piles")
    summary = await villager.wait_for(has_buttons("v2:rs"))
    villager.press(summary, "v2:rs")
    await villager.wait_for(lambda m: "R-000001" in words(m))
    await town.member.wait_for(has_buttons(AcceptTask(1).pack()))
    report = await town.bot.application.bot_data["services"].reports.get(1)
    assert report.hamlet_id == nabi.id and report.latitude is None


async def test_location_from_photo_exif(town: Town) -> None:
    villager = town.villager
    data = (SAMPLE / "photos/with_gps.jpg").read_bytes()
    villager.send_text("/report")
    await villager.next_message()
    villager.send_document(data, "IMG_0001.jpg", "image/jpeg")
    ask = await villager.wait_for(lambda m: bool(m.get("reply_markup", {}).get("keyboard")))
    labels = [
        button if isinstance(button, str) else button["text"]
        for row in ask["reply_markup"]["keyboard"]
        for button in row
    ]
    assert zh(PHOTO_LOCATION_BUTTON) in labels
    villager.send_text(zh(PHOTO_LOCATION_BUTTON))
    categories = await villager.wait_for(has_buttons("v2:rc:"))
    villager.press(categories, "v2:rc:dead_corner")
    summary = await villager.wait_for(has_buttons("v2:rs"))
    villager.press(summary, "v2:rs")
    await villager.wait_for(lambda m: "R-000001" in words(m))
    report = await town.bot.application.bot_data["services"].reports.get(1)
    assert report.location_source == "exif"
    assert report.hamlet_id == town.hamlet_id("那笔坡")


async def test_voice_note_as_description(town: Town) -> None:
    villager, member = town.villager, town.member
    villager.send_photo()
    await villager.wait_for(lambda m: bool(m.get("reply_markup", {}).get("keyboard")))
    villager.send_location(*town.inside("那笔坡"))
    categories = await villager.wait_for(has_buttons("v2:rc:"))
    villager.press(categories, "v2:rc:livestock")
    await villager.wait_for(has_buttons("v2:rs"))
    villager.send_voice((SAMPLE / "voice.ogg").read_bytes(), duration=4)
    share = ChooseVoiceAudience(member_too=True).pack()  # the grid member may hear it too
    question = await villager.wait_for(has_buttons(share))
    summary = await villager.wait_for(lambda m: has_buttons("v2:rs")(m) and "🎤" in m["text"])
    villager.press(question, share)
    await villager.wait_for(
        lambda m: (
            has_buttons(share)(m)
            and m["reply_markup"]["inline_keyboard"][0][1]["text"].startswith("✓")
        )
    )
    villager.press(summary, "v2:rs")
    await villager.wait_for(lambda m: "R-000001" in words(m))
    voice = await member.wait_for(lambda m: "voice" in m)
    assert voice["voice"]["file_id"]
    media = await town.bot.application.bot_data["services"].storage.reports.media(1)
    assert (
        media.voice is not None
        and Path(media.voice.local_path).read_bytes() == (SAMPLE / "voice.ogg").read_bytes()
    )


async def test_too_long_description_is_refused_politely(town: Town) -> None:
    villager = town.villager
    villager.send_photo()
    await villager.wait_for(lambda m: bool(m.get("reply_markup", {}).get("keyboard")))
    villager.send_location(*town.inside("那笔坡"))
    categories = await villager.wait_for(has_buttons("v2:rc:"))
    villager.press(categories, "v2:rc:household")
    await villager.wait_for(has_buttons("v2:rs"))
    villager.send_text("垃" * 501)
    refusal = await villager.next_message()
    assert "501" in refusal["text"] and "500" in refusal["text"]
    villager.send_text("<b>很多</b> & 垃圾")
    summary = await villager.wait_for(has_buttons("v2:rs"))
    assert "<b>很多</b> & 垃圾" in summary["text"]  # escaped in HTML: shown as typed


async def test_far_away_location_leads_to_the_hamlet_picker(town: Town) -> None:
    villager = town.villager
    villager.send_photo()
    await villager.wait_for(lambda m: bool(m.get("reply_markup", {}).get("keyboard")))
    villager.send_location(39.9042, 116.4074)  # Beijing
    await villager.wait_for(has_buttons("v2:rv:"))


async def test_location_near_the_town_goes_to_the_office_queue(town: Town) -> None:
    villager = town.villager
    point = town.bot.grid.point_outside(1000)
    await report_at(town, villager, point)
    queued = await town.office.wait_for(has_buttons(AssignReport(1).pack(), RejectReport(1).pack()))
    assert "R-000001" in words(queued)
    report = await town.bot.application.bot_data["services"].reports.get(1)
    assert report.state == State.SUBMITTED and report.hamlet_id is None


async def test_duplicate_counts_as_plus_one(town: Town) -> None:
    first, second = town.villager, town.emulator.user(555002, "李大叔", language_code="zh")
    latitude, longitude = town.inside("那笔坡")
    await report_at(town, first, (latitude, longitude))
    await town.member.wait_for(has_buttons(AcceptTask(1).pack()))
    done = await report_at(town, second, (latitude + 0.0002, longitude))  # ~22 m away
    assert "R-000001" in done["text"] and "R-000002" in done["text"]
    services = town.bot.application.bot_data["services"]
    original, duplicate = await services.reports.get(1), await services.reports.get(2)
    assert duplicate.state == State.DUPLICATE and duplicate.duplicate_of == 1
    assert original.duplicates == 1
    town.member.send_text("/tasks")
    task = await town.member.wait_for(has_buttons(AcceptTask(1).pack()))
    assert "+1" in words(task)
    assert not [m for m in town.member.messages if has_buttons(AcceptTask(2).pack())(m)]


async def test_not_my_area_then_the_office_assigns(town: Town) -> None:
    villager, member, admin = town.villager, town.member, town.admin
    await report_at(town, villager, town.inside("那笔坡"))
    card = await member.wait_for(has_buttons(NotMyArea(1).pack()))
    member.press(card, NotMyArea(1).pack())
    await member.wait_for(lambda m: "R-000001" in words(m))
    member.send_text("这是隔壁坡的地")
    await member.wait_for(lambda m: "R-000001" in words(m))
    queued = await town.office.wait_for(has_buttons(AssignReport(1).pack()))
    assert "这是隔壁坡的地" in words(queued)

    admin.send_text("/queue")
    item = await admin.wait_for(has_buttons(AssignReport(1).pack()))
    admin.press(item, AssignReport(1).pack())
    other = next(
        h
        for h in town.bot.grid.hamlets.values()
        if town.bot.people.grid_members_of(h.id) and h.name != "那笔坡"
    )
    villages = await admin.wait_for(has_buttons(AssignVillage(1, other.village_id).pack()))
    admin.press(villages, AssignVillage(1, other.village_id).pack())
    hamlets = await admin.wait_for(has_buttons(AssignHamlet(1, other.id).pack()))
    admin.press(hamlets, AssignHamlet(1, other.id).pack())
    await admin.wait_for(lambda m: "R-000001" in words(m) and not data_of(m))
    new_member = town.emulator.user(town.bot.people.grid_members_of(other.id)[0], "覃网格")
    await new_member.wait_for(has_buttons(AcceptTask(1).pack()))
    await villager.wait_for(lambda m: "R-000001" in words(m) and "📌" in words(m))
    report = await town.bot.application.bot_data["services"].reports.get(1)
    assert report.state == State.ASSIGNED and report.hamlet_id == other.id


async def test_office_rejects_with_a_reason(town: Town) -> None:
    villager, admin = town.villager, town.admin
    await report_at(town, villager, town.bot.grid.point_outside(1000))
    admin.send_text("/queue")
    item = await admin.wait_for(has_buttons(RejectReport(1).pack()))
    admin.press(item, RejectReport(1).pack())
    await admin.wait_for(lambda m: "R-000001" in words(m))
    admin.send_text("这是私人院子，不属于公共区域")
    await admin.wait_for(lambda m: "R-000001" in words(m) and "🚫" in words(m))
    told = await villager.wait_for(lambda m: "这是私人院子" in words(m))
    assert "R-000001" in told["text"]
    report = await town.bot.application.bot_data["services"].reports.get(1)
    assert report.state == State.REJECTED


async def test_stale_and_repeated_buttons_change_nothing(town: Town) -> None:
    villager, member = town.villager, town.member
    await report_at(town, villager, town.inside("那笔坡"))
    card = await member.wait_for(has_buttons(AcceptTask(1).pack()))
    first = member.press(card, AcceptTask(1).pack())
    assert not (await member.answer_to(first))["show_alert"]
    await villager.wait_for(lambda m: "R-000001" in words(m))
    again = member.press_raw(card, AcceptTask(1).pack())  # pressed twice
    assert (await member.answer_to(again))["show_alert"]
    forged = villager.press_raw(
        card, AcceptTask(1).pack()
    )  # a villager forging the member's button
    assert (await villager.answer_to(forged))["show_alert"]
    missing = villager.press_raw(card, ConfirmFixed(999).pack())  # a report that does not exist
    assert (await villager.answer_to(missing))["text"]
    garbage = villager.press_raw(card, "garbage")
    assert (await villager.answer_to(garbage))["text"]
    not_yet = villager.press_raw(
        card, ConfirmFixed(1).pack()
    )  # confirming before anything was fixed
    assert (await villager.answer_to(not_yet))["show_alert"]
    services = town.bot.application.bot_data["services"]
    events = await services.storage.reports.events(1)
    assert [e.to_state for e in events] == [State.SUBMITTED, State.ASSIGNED, State.ACCEPTED]


async def test_restart_in_the_middle_of_a_report(town: Town) -> None:
    villager = town.villager
    villager.send_photo()
    await villager.wait_for(lambda m: bool(m.get("reply_markup", {}).get("keyboard")))
    villager.send_location(*town.inside("那笔坡"))
    categories = await villager.wait_for(has_buttons("v2:rc:"))
    await town.restart()
    villager.press(categories, "v2:rc:water")
    summary = await villager.wait_for(has_buttons("v2:rs"))
    villager.press(summary, "v2:rs")
    await villager.wait_for(lambda m: "R-000001" in words(m))
    await town.emulator.group(CLEAN_WATER_CHAT, "经贸站").wait_for(lambda m: "R-000001" in words(m))


async def test_notifications_survive_telegram_errors_and_a_restart(town: Town) -> None:
    villager, member = town.villager, town.member
    town.emulator.fail_next("sendPhoto", 500, times=2)
    town.emulator.fail_next("sendLocation", 429, retry_after=1)
    await report_at(town, villager, town.inside("那笔坡"))
    await town.restart()
    card = await member.wait_for(has_buttons(AcceptTask(1).pack()), timeout=15)
    await town.office.wait_for(lambda m: "R-000001" in words(m), timeout=15)
    await town.clean_homes.wait_for(lambda m: "R-000001" in words(m), timeout=15)
    assert card
    photos = [m for m in member.messages if "photo" in m]
    assert len(photos) == 1  # delivered once, after the failures
    services = town.bot.application.bot_data["services"]
    assert await services.storage.outbox.count("pending") == 0
    for _ in range(50):  # the emulator shows a message before the bot records it as sent
        rows = await services.storage.database.fetch_all("SELECT chat_id, state FROM outbox")
        if all(row["state"] == "sent" for row in rows):
            break
        await __import__("asyncio").sleep(0.1)
    assert [row["state"] for row in rows] == ["sent"] * 3, [tuple(row) for row in rows]


async def test_a_blocked_chat_is_dropped_not_retried(town: Town) -> None:
    villager, member = town.villager, town.member
    member.block_bot()
    await report_at(town, villager, town.inside("那笔坡"))
    await town.office.wait_for(lambda m: "R-000001" in words(m))
    services = town.bot.application.bot_data["services"]
    for _ in range(50):
        if await services.storage.outbox.count("dropped") >= 1:
            break
        await __import__("asyncio").sleep(0.1)
    assert await services.storage.outbox.count("dropped") == 1


async def test_the_grid_member_never_learns_who_reported(town: Town) -> None:
    """Every message to a non-office chat during the story is free of the reporter's identity."""
    villager, member = town.villager, town.member
    await report_at(town, villager, town.inside("那笔坡"))
    card = await member.wait_for(has_buttons(MarkFixed(1).pack()))
    member.press(card, AcceptTask(1).pack())
    member.press(card, MarkFixed(1).pack())
    await member.wait_for(lambda m: "R-000001" in words(m) and not data_of(m))
    member.send_photo()
    skip = await member.wait_for(has_buttons(SkipFixNote().pack()))
    member.press(skip, SkipFixNote().pack())
    await villager.wait_for(has_buttons(ConfirmFixed(1).pack()))
    identifiers = [str(villager.user_id), "王阿婆", "wang_apo"]
    for message in town.emulator.sent:
        if message["chat"]["id"] in (villager.user_id, OFFICE_CHAT):
            continue
        blob = json.dumps(message, ensure_ascii=False)
        for identifier in identifiers:
            assert identifier not in blob, (identifier, message)
        assert "forward_origin" not in message
    assert CLEAN_HOMES_CHAT in {m["chat"]["id"] for m in town.emulator.sent}
    assert not [r for r in town.emulator.requests if r[0] in ("forwardMessage", "copyMessage")]


async def test_accepting_a_captioned_card_adds_the_line_to_its_caption(town: Town) -> None:
    """Since issue #15 the card is a photo's caption: ✅ Accept edits that caption, keeps the
    photo, and takes only the Accept button away."""
    member = town.member
    await report_at(town, town.villager, town.inside("那笔坡"))
    card = await member.wait_for(has_buttons(AcceptTask(1).pack(), MarkFixed(1).pack()))
    member.press(card, AcceptTask(1).pack())
    edited = await member.wait_for(
        lambda m: m["message_id"] == card["message_id"] and "✅" in words(m)
    )
    assert "photo" in edited and "R-000001" in words(edited)
    assert zh("✅ Accepted by you.") in words(edited)
    assert has_buttons(MarkFixed(1).pack())(edited) and not has_buttons(AcceptTask(1).pack())(
        edited
    )
