"""Forgetting is no way round the abuse controls, and the office's records and the logs name
nobody: report limits, reporting blocks and /join lockouts outlive a /forgetme (they are keyed
by an HMAC of the Telegram id), /audit names a blocked reporter by report number, and the
error log shows an update's kind and ids only. End to end through the emulator, plus the
keyed storage itself: the secret, the pepper and the migration of existing rows."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiosqlite
import pytest

import handlers.start
from bot.core.models import FORGOTTEN_REPORTER, Draft, Location, MediaRef
from bot.emulator import EmulatedUser
from bot.reporting.service import Reporter
from handlers.buttons import ForgetYes, InviteVillage
from storage import Storage
from storage.database import _migrations
from storage.keys import SecretMismatch
from tests.buttons import has_button, press
from tests.conftest import Town
from tests.test_report_story import report_at
from tests.test_roles import containing, invite, join, nabi_village, services, text_of


async def forget(user: EmulatedUser) -> None:
    """/forgetme (which says what is kept, and why) and the confirming tap."""
    user.send_text("/forgetme")
    question = await user.wait_for(has_button(ForgetYes))
    assert "看不出您是谁" in question["text"] and "限制仍然有效" in question["text"]
    press(user, question, ForgetYes())
    await user.wait_for(containing("已删除"))


async def submit_directly(town: Town, user: EmulatedUser, count: int) -> None:
    """`count` confirmed reports of `user`, spread out so none is a duplicate."""
    latitude, longitude = town.inside("那笔坡")
    for index in range(count):
        draft = Draft(
            photos=[MediaRef(f"f{user.user_id}-{index}", f"u{user.user_id}-{index}")],
            location=Location(latitude + index * 0.01, longitude, "gps"),
            hamlet_id=town.hamlet_id("那笔坡"),
            category="other",
        )
        await services(town).reports.submit(Reporter(user.user_id), draft)


# -- end to end ---------------------------------------------------------------------------------


async def test_a_spammer_who_reports_forgets_and_reports_again_is_still_limited(
    town: Town,
) -> None:
    villager = town.villager
    await submit_directly(town, villager, 10)
    await forget(villager)
    villager.send_text("/report")
    assert "每小时 10 条" in (await villager.next_message())["text"]
    reports = await services(town).storage.reports.by_reporter(FORGOTTEN_REPORTER, limit=100)
    assert len(reports) == 10  # anonymised, and still counted against the person
    villager.send_text("/mydata")  # which says so
    assert "/forgetme 之前的 10 条举报" in (await villager.next_message())["text"]
    town.clock.advance(timedelta(hours=1, seconds=1))
    for _ in range(2):
        await submit_directly(town, villager, 10)
        await forget(villager)
        town.clock.advance(timedelta(hours=1, seconds=1))
    villager.send_photo()
    assert "每天 30 条" in (await villager.next_message())["text"]
    town.clock.advance(timedelta(hours=22))
    await report_at(town, villager, town.inside("那笔坡"), category="piles")


async def test_a_blocked_reporter_who_forgets_is_still_blocked(town: Town) -> None:
    villager, admin = town.villager, town.admin
    await report_at(town, villager, town.inside("那笔坡"))
    admin.send_text("/block R-000001 多次发送无关照片")
    await admin.wait_for(containing("R-000001"))
    await villager.wait_for(containing("暂停"))
    await forget(villager)
    villager.send_photo()
    refusal = await villager.wait_for(containing("关闭"))
    assert "发送无关照片" in refusal["text"]
    admin.send_text("/unblock R-000001")
    await admin.wait_for(containing("已恢复"))
    await report_at(town, villager, town.inside("那笔坡"), category="piles")


async def test_block_and_who_by_report_number_work_after_the_reporter_forgot(town: Town) -> None:
    villager, admin = town.villager, town.admin
    await report_at(town, villager, town.inside("那笔坡"))
    await forget(villager)
    admin.send_text("/who R-000001")
    answer = await admin.next_message()
    assert "删除" in answer["text"] and "R-000001" in answer["text"]
    assert "王阿婆" not in answer["text"] and "555001" not in answer["text"]
    admin.send_text("/block R-000001 多次发送无关照片")
    done = await admin.next_message()
    assert "⛔" in done["text"] and "555001" not in done["text"]
    admin.send_text("/block R-000001 again")
    assert "已经" in (await admin.next_message())["text"]
    admin.send_text("/who R-000001")
    assert "发送无关照片" in (await admin.next_message())["text"]  # the block shows
    villager.send_photo()  # the forgotten person, back: blocked, and told why
    assert "发送无关照片" in (await villager.wait_for(containing("关闭")))["text"]
    admin.send_text("/unblock R-000001")
    assert "已恢复" in (await admin.next_message())["text"]


async def test_a_join_lockout_survives_a_forget(town: Town) -> None:
    admin = town.admin
    guesser = town.emulator.user(700011, "Ann", language_code="en")
    for _ in range(4):
        await join(guesser, "NOT-A-CODE")
    assert "Too many wrong codes" in (await join(guesser, "ANOTHER-GUESS"))["text"]
    await forget_in_english(guesser)
    code = await invite(town, admin, "village_lead", InviteVillage(nabi_village(town)))
    assert "Too many wrong codes" in (await join(guesser, code))["text"]
    town.clock.advance(timedelta(minutes=61))
    assert "village lead" in (await join(guesser, code))["text"]


async def forget_in_english(user: EmulatedUser) -> None:
    user.send_text("/forgetme")
    question = await user.wait_for(has_button(ForgetYes))
    press(user, question, ForgetYes())
    await user.wait_for(containing("Done"))


async def test_the_audit_log_names_a_blocked_reporter_by_report_number_only(town: Town) -> None:
    villager, admin = town.villager, town.admin
    await report_at(town, villager, town.inside("那笔坡"))
    admin.send_text("/block R-000001 多次发送无关照片")
    await admin.wait_for(containing("R-000001"))
    admin.send_text("/unblock R-000001")
    await admin.wait_for(containing("已恢复"))
    admin.send_text("/audit")
    shown = text_of(await admin.wait_for(containing("R-000001")))
    assert str(villager.user_id) not in shown
    assert "王阿婆" not in shown and "wang_apo" not in shown
    entries = await services(town).audit.recent()
    assert [(entry.action, entry.subject) for entry in entries[:2]] == [
        ("unblock", "R-000001"),
        ("block", "R-000001"),
    ]
    assert all(str(villager.user_id) not in entry.subject + entry.detail for entry in entries)


async def test_the_error_log_shows_the_update_its_kind_and_the_error_type_only(
    town: Town, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*_arguments: object) -> str:
        raise RuntimeError("a bug in our code")

    monkeypatch.setattr(handlers.start, "unusable", broken)
    villager = town.villager
    with caplog.at_level(logging.INFO):
        villager.send_text("我叫王芳，住村口第三家，电话13812345678")
        await villager.wait_for(containing("出了点问题"))
    errors = [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert errors
    line = errors[0].getMessage()
    assert re.search(r"RuntimeError in .*\nupdate \d+ \(message\)", line), line
    assert "handlers/start.py" in line, line
    for personal in ("王芳", "13812345678", "王阿婆", "wang_apo", "村口"):
        assert personal not in caplog.text, personal


# -- the keyed storage --------------------------------------------------------------------------


async def test_keys_are_stable_secret_and_refuse_a_changed_pepper(tmp_path: Path) -> None:
    path = tmp_path / "keys.sqlite3"
    storage = await Storage.open(path)
    first = storage.keys.of(555001)
    assert len(first) == 64 and "555001" not in first and first != storage.keys.of(555002)
    await storage.close()
    storage = await Storage.open(path)
    assert storage.keys.of(555001) == first  # the stored secret, again
    await storage.close()
    with pytest.raises(SecretMismatch):
        await Storage.open(path, pepper="a pepper set too late")

    peppered = tmp_path / "peppered.sqlite3"
    storage = await Storage.open(peppered, pepper="kept in config")
    keyed = storage.keys.of(555001)
    assert keyed != first
    stored = await storage.database.fetch_all("SELECT name, value FROM secrets")
    assert [row["name"] for row in stored] == ["abuse_key_check"]  # the pepper is not stored
    assert all("kept in config" not in row["value"] for row in stored)
    await storage.close()
    storage = await Storage.open(peppered, pepper="kept in config")
    assert storage.keys.of(555001) == keyed
    await storage.close()
    with pytest.raises(SecretMismatch):
        await Storage.open(peppered)


async def test_the_migration_keys_existing_rows(tmp_path: Path) -> None:
    """A database from before 0010 with a report, a block and wrong /join codes: after the
    migration they are keyed, the ids are gone from blocks and failures, and they still count."""
    path = tmp_path / "old.sqlite3"
    now = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)
    async with aiosqlite.connect(path, isolation_level=None) as connection:
        for number, _name, sql in _migrations():
            if number < 10:
                await connection.executescript(f"{sql}\n;\nPRAGMA user_version = {number};")
        stamp = now.isoformat()
        await connection.execute(
            "INSERT INTO users (user_id, created_at, updated_at) VALUES (555001, ?, ?)",
            (stamp, stamp),
        )
        await connection.execute(
            """INSERT INTO reports (reporter_id, category, state, location_source, created_at,
                                    updated_at)
               VALUES (555001, 'other', 'submitted', 'gps', ?, ?)""",
            (stamp, stamp),
        )
        await connection.execute(
            """INSERT INTO reporting_blocks (user_id, reason, blocked_by, blocked_at)
               VALUES (555001, 'spam', 900001, ?)""",
            (stamp,),
        )
        await connection.execute(
            "INSERT INTO join_failures (user_id, at) VALUES (700011, ?)", (stamp,)
        )
    storage = await Storage.open(path)
    keys = storage.keys
    assert await storage.reports.reporter_key(1) == keys.of(555001)
    assert await storage.reports.created_since(555001, now - timedelta(hours=1)) == [now]
    block = await storage.privacy.active_block(555001)
    assert block is not None and block.reason == "spam" and block.user_key == keys.of(555001)
    assert await storage.roles.join_failures_since(700011, now - timedelta(hours=1)) == [now]
    for table in ("reporting_blocks", "join_failures"):
        columns = await storage.database.fetch_all(f"PRAGMA table_info({table})")
        assert "user_id" not in {column["name"] for column in columns}, table
    await storage.close()
