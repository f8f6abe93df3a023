"""Data rights and the office's hand against abuse: /mydata, /forgetme, blocking a reporter,
/who, the per-person report limits and the media-retention job."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

from bot.core.models import FORGOTTEN_REPORTER, Draft, Location, MediaRef
from bot.reporting.buttons import MarkFixed
from bot.reporting.lifecycle import State
from bot.reporting.service import Reporter
from handlers.buttons import ForgetNo, ForgetYes, SkipFixNote
from tests.buttons import has_button, press
from tests.conftest import Town
from tests.test_report_story import SAMPLE, has_buttons, report_at
from tests.test_roles import containing, services


async def test_mydata_shows_what_is_kept(town: Town) -> None:
    villager = town.villager
    villager.send_text("/mydata")
    assert "还没有" in (await villager.next_message())["text"]
    await report_at(town, villager, town.inside("那笔坡"))
    villager.send_photo()  # a report still being written
    await villager.wait_for(lambda m: bool(m.get("reply_markup", {}).get("keyboard")))
    villager.send_text("/mydata")
    shown = await villager.wait_for(containing("555001"))
    for expected in ("王阿婆", "@wang_apo", "R-000001", "1 张照片", "365"):
        assert expected in shown["text"], expected


async def test_forgetme_erases_the_person_and_keeps_their_reports_anonymous(town: Town) -> None:
    villager, member = town.villager, town.member
    villager.send_photo()
    await villager.wait_for(lambda m: bool(m.get("reply_markup", {}).get("keyboard")))
    villager.send_location(*town.inside("那笔坡"))
    categories = await villager.wait_for(has_buttons("v2:rc:"))
    villager.press(categories, "v2:rc:household")
    await villager.wait_for(has_buttons("v2:rs"))
    villager.send_voice((SAMPLE / "voice.ogg").read_bytes())
    summary = await villager.wait_for(lambda m: has_buttons("v2:rs")(m) and "🎤" in m["text"])
    villager.press(summary, "v2:rs")
    await villager.wait_for(containing("R-000001"))
    found = services(town)
    voice = (await found.storage.reports.media(1)).voice
    assert voice is not None and Path(voice.local_path).exists()
    villager.send_photo()  # and a second report left half-way
    await villager.wait_for(lambda m: bool(m.get("reply_markup", {}).get("keyboard")))

    villager.send_text("/forgetme")
    question = await villager.wait_for(has_button(ForgetYes, ForgetNo))
    press(villager, question, ForgetNo())
    await villager.wait_for(containing("没有删除"))
    assert await found.storage.privacy.profile(villager.user_id) is not None
    villager.send_text("/forgetme")
    question = await villager.wait_for(has_button(ForgetYes))
    press(villager, question, ForgetYes())
    await villager.wait_for(containing("已删除"))

    database = found.storage.database
    assert await found.storage.privacy.profile(villager.user_id) is None
    report = await found.reports.get(1)
    assert report.reporter_id == FORGOTTEN_REPORTER and report.state == State.ASSIGNED
    assert all(
        event.actor_id != villager.user_id for event in await found.storage.reports.events(1)
    )
    assert (await found.storage.reports.media(1)).voice is None
    assert not Path(voice.local_path).exists()
    for table, column in (("user_data", "user_id"), ("outbox", "chat_id"), ("users", "user_id")):
        rows = await database.fetch_all(
            f"SELECT 1 FROM {table} WHERE {column} = ?", (villager.user_id,)
        )
        assert not rows, table
    conversations = await database.fetch_all("SELECT key FROM conversations")
    assert all(str(villager.user_id) not in row["key"] for row in conversations)

    # The report goes on without them: the fix asks nobody to confirm, nothing breaks.
    card = await member.wait_for(has_buttons(MarkFixed(1).pack()))
    member.press(card, MarkFixed(1).pack())
    await member.wait_for(containing("R-000001"))
    member.send_photo()
    skip = await member.wait_for(has_buttons(SkipFixNote().pack()))
    member.press(skip, SkipFixNote().pack())
    await member.wait_for(containing("R-000001", "🧹"))
    assert (await found.reports.get(1)).state == State.FIXED
    # Writing again starts afresh: no conversation from before is still waiting.
    villager.send_text("hello")
    assert "没看懂" in (await villager.next_message())["text"]


async def test_role_holders_are_asked_to_give_up_the_role_first(town: Town) -> None:
    town.member.send_text("/forgetme")
    assert "取消您的身份" in (await town.member.next_message())["text"]


async def test_block_unblock_and_who(town: Town) -> None:
    villager, admin = town.villager, town.admin
    await report_at(town, villager, town.inside("那笔坡"))
    admin.send_text("/block R-000001")
    assert "理由" in (await admin.next_message())["text"]
    admin.send_text("/block R-000001 <b>多次</b>发送无关照片")
    done = await admin.wait_for(containing("R-000001"))
    assert "555001" not in done["text"]  # blocking by report number reveals nobody
    told = await villager.wait_for(containing("暂停"))
    assert "<b>多次</b>发送无关照片" in told["text"]  # escaped in HTML: shown as typed
    villager.send_photo()
    refusal = await villager.wait_for(containing("关闭"))
    assert "发送无关照片" in refusal["text"]
    assert not await services(town).storage.database.fetch_all(
        "SELECT 1 FROM user_data WHERE data LIKE '%photos%'"
    )
    admin.send_text("/block 555001 again")
    assert "已经" in (await admin.next_message())["text"]
    admin.send_text("/block 900001 myself")
    assert "不能" in (await admin.next_message())["text"]

    admin.send_text("/who R-000001")
    who = await admin.next_message()
    for expected in ("王阿婆", "@wang_apo", "555001", "发送无关照片"):
        assert expected in who["text"], expected
    admin.send_text("/unblock 555001")
    await admin.wait_for(containing("已恢复"))
    await villager.wait_for(containing("可以再次发送报告"))
    admin.send_text("/unblock 555001")
    assert "没有被禁止" in (await admin.next_message())["text"]
    actions = [entry.action for entry in await services(town).audit.recent()]
    assert actions[:3] == ["unblock", "reveal_reporter", "block"]
    await report_at(town, villager, town.inside("那笔坡"), category="piles")


async def test_report_limits_per_hour_and_per_day(town: Town) -> None:
    villager = town.villager
    found = services(town)
    latitude, longitude = town.inside("那笔坡")

    async def submit_directly(count: int) -> None:
        for index in range(count):
            draft = Draft(
                photos=[MediaRef(f"f{index}", f"u{index}")],
                location=Location(latitude + index * 0.01, longitude, "gps"),
                hamlet_id=town.hamlet_id("那笔坡"),
                category="other",
            )
            await found.reports.submit(Reporter(villager.user_id), draft)

    await submit_directly(10)
    villager.send_text("/report")
    refusal = await villager.next_message()
    assert "每小时 10 条" in refusal["text"]
    town.clock.advance(timedelta(hours=1, seconds=1))
    for _ in range(2):
        await submit_directly(10)
        town.clock.advance(timedelta(hours=1, seconds=1))
    villager.send_photo()
    assert "每天 30 条" in (await villager.next_message())["text"]
    town.clock.advance(timedelta(hours=22))
    await report_at(town, villager, town.inside("那笔坡"), category="piles")


async def test_the_daily_job_deletes_media_past_retention(town: Town) -> None:
    found = services(town)
    jobs = [job.name for job in town.bot.application.job_queue.jobs()]
    assert "media-retention" in jobs
    await report_at(town, town.villager, town.inside("那笔坡"))
    photo = (await found.storage.reports.media(1)).photos[0]
    stray = Path(town.config.storage.media_dir) / "never_sent.jpg"
    stray.write_bytes(b"draft photo")
    written = town.clock.now().timestamp()  # the town's clock need not be the wall clock
    os.utime(stray, (written, written))
    os.utime(photo.local_path, (written, written))
    town.clock.advance(timedelta(days=364))
    assert (await found.privacy.purge_media()).files == 0
    town.clock.advance(timedelta(days=2))
    purged = await found.privacy.purge_media()
    assert purged.files == 2 and purged.orphans == 1
    assert not Path(photo.local_path).exists() and not stray.exists()
    kept = (await found.storage.reports.media(1)).photos[0]
    assert kept.local_path is None and kept.file_id == photo.file_id
