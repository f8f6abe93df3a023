"""Disk and decoding: a person's unsent drafts hold a bounded number of files, strays go after a
day and at /forgetme, a picture the bot will not decode gets a polite answer, and the office is
warned (once a day) before the media folder is full."""

from __future__ import annotations

import struct
import zlib
from datetime import timedelta
from pathlib import Path

from bot.emulator.base import Json
from bot.reporting.buttons import AcceptTask, MarkFixed
from handlers.buttons import SkipFixNote
from tests.conftest import OFFICE_CHAT, Town
from tests.test_report_story import has_buttons, report_at
from tests.test_roles import containing


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims `width`×`height` pixels (a decompression bomb's shape)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\0" * 16)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )


def draft_files(town: Town) -> list[Path]:
    media = town.config.storage.media_dir
    return sorted(path for path in media.iterdir() if path.is_file()) if media.is_dir() else []


def asks_for_place(message: Json) -> bool:
    """The place step's keyboard: a photo was taken."""
    return "📍 发送我的位置" in str(message.get("reply_markup", {}).get("keyboard"))


async def start_draft(town: Town, photos: int) -> None:
    """`photos` photos, one by one, for a new report, left at the place step."""
    for _ in range(photos):
        town.villager.send_photo()
        await town.villager.wait_for(asks_for_place)


async def cancel(town: Town) -> None:
    town.villager.send_text("/cancel")
    await town.villager.wait_for(containing("已取消"))


def errors_to_office(town: Town) -> list[Json]:
    return [
        m
        for m in town.emulator.sent
        if m["chat"]["id"] == OFFICE_CHAT and "⚠" in (m.get("text") or "")
    ]


async def test_a_picture_claiming_400_megapixels_gets_a_polite_answer(town: Town) -> None:
    villager = town.villager
    bomb = png_claiming(20000, 20000)
    assert len(bomb) < 80
    villager.send_text("/report")
    await villager.next_message()
    villager.send_document(bomb, "big.png", "image/png")
    await villager.wait_for(containing("无法打开这张图片"))
    assert not errors_to_office(town)
    assert not draft_files(town), "the refused file is not kept"
    # The report goes on: a normal photo is taken.
    villager.send_photo()
    await villager.wait_for(asks_for_place)
    assert len(draft_files(town)) == 1


async def test_an_unreadable_picture_gets_a_polite_answer_in_english(town: Town) -> None:
    visitor = town.emulator.user(555077, "Ann", language_code="en")
    visitor.send_text("/report")
    await visitor.next_message()
    visitor.send_document(b"\x89PNG\r\n\x1a\n not really a picture", "x.png", "image/png")
    await visitor.wait_for(containing("I cannot open this picture"))
    assert not errors_to_office(town)


async def test_draft_files_are_bounded_per_person_and_strays_go_after_a_day(town: Town) -> None:
    villager = town.villager
    assert town.config.privacy.draft_files_per_person == 10
    await start_draft(town, 5)
    await cancel(town)
    await start_draft(town, 5)
    await cancel(town)
    assert len(draft_files(town)) == 10
    villager.send_photo()  # an eleventh file of drafts never sent
    await villager.wait_for(containing("10", "30 MB"))
    assert len(draft_files(town)) == 10
    # Someone else is not limited by it.
    other = town.emulator.user(555078, "李大叔", language_code="zh")
    other.send_photo()
    await other.wait_for(asks_for_place)
    assert len(draft_files(town)) == 11

    privacy = town.bot.application.bot_data["services"].privacy
    town.clock.advance(timedelta(hours=23))
    await privacy.purge_media()
    assert len(draft_files(town)) == 11  # not a day old yet
    town.clock.advance(timedelta(hours=2))
    purged = await privacy.purge_media()
    assert purged.files == 11 and not draft_files(town)
    villager.send_photo()  # room again
    await villager.wait_for(asks_for_place)
    assert len(draft_files(town)) == 1


async def test_a_submitted_report_keeps_its_files_through_the_purge(town: Town) -> None:
    villager = town.villager
    villager.send_photo()
    await villager.wait_for(asks_for_place)
    villager.send_location(*town.inside("那笔坡"))
    categories = await villager.wait_for(has_buttons("v2:rc:"))
    villager.press(categories, "v2:rc:household")
    summary = await villager.wait_for(has_buttons("v2:rs"))
    villager.press(summary, "v2:rs")
    await villager.wait_for(containing("R-000001"))
    town.clock.advance(timedelta(days=2))
    await town.bot.application.bot_data["services"].privacy.purge_media()
    assert len(draft_files(town)) == 1


async def test_forgetme_deletes_the_files_of_unsent_drafts(town: Town) -> None:
    villager = town.villager
    await start_draft(town, 2)
    assert len(draft_files(town)) == 2
    villager.send_text("/forgetme")
    question = await villager.wait_for(has_buttons("v2:fgy"))
    villager.press(question, "v2:fgy")
    await villager.wait_for(containing("已删除"))
    assert not draft_files(town)


async def test_the_office_is_warned_once_a_day_before_the_media_folder_is_full(
    town: Town,
) -> None:
    text = town.config_path.read_text(encoding="utf-8")
    town.config_path.write_text(
        text.replace("media_folder_megabytes = 10000", "media_folder_megabytes = 1"),
        encoding="utf-8",
    )
    await town.restart()
    media = town.config.storage.media_dir
    media.mkdir(parents=True, exist_ok=True)
    (media / "old-evidence.jpg").write_bytes(b"\0" * 850_000)  # 81 % of 1 MB
    villager = town.villager
    villager.send_photo()
    await villager.wait_for(asks_for_place)
    warning = await town.office.wait_for(containing("💾", "1 MB"))
    assert "81%" in warning["text"]
    (media / "more-evidence.jpg").write_bytes(b"\0" * 200_000)  # now past the limit
    await cancel(town)
    villager.send_photo()
    await villager.wait_for(asks_for_place)
    assert len([m for m in town.emulator.sent if "💾" in (m.get("text") or "")]) == 1
    # Past the limit the photo is still taken, by Telegram's file id only.
    draft = town.bot.application.user_data[villager.user_id]["draft"]
    assert draft["photos"][0]["file_id"] and draft["photos"][0]["local_path"] is None
    town.clock.advance(timedelta(days=1))
    villager.send_photo()
    await town.office.wait_for(containing("💾"))
    assert len([m for m in town.emulator.sent if "💾" in (m.get("text") or "")]) == 2


async def test_an_after_photo_that_cannot_be_opened_gets_a_polite_answer(town: Town) -> None:
    """The grid member's after-photo too: a picture file the bot will not decode is answered,
    not kept, and the fix goes on with a normal photo."""
    member = town.member
    await report_at(town, town.villager, town.inside("那笔坡"))
    card = await member.wait_for(has_buttons(AcceptTask(1).pack()))
    member.press(card, AcceptTask(1).pack())
    await town.villager.wait_for(lambda m: "👷" in (m.get("text") or ""))
    member.press(card, MarkFixed(1).pack())
    await member.wait_for(containing("R-000001"))
    member.send_document(png_claiming(20000, 20000), "after.png", "image/png")
    await member.wait_for(containing("无法打开这张图片"))
    assert not errors_to_office(town)
    member.send_photo()
    await member.wait_for(has_buttons(SkipFixNote().pack()))
