"""The office's numbers through the real bot and the emulator: /stats and /export reach the
office admin (and nobody else), and the monthly digest goes out once, after a clock jump too."""

from __future__ import annotations

import io
from datetime import datetime, time, timedelta

from openpyxl import load_workbook
from PIL import Image

from bot.stats.periods import PeriodKind, containing
from tests.conftest import NABI_MEMBER, OFFICE_CHAT, Town
from tests.test_report_story import report_at

VILLAGER_IDENTITY = ("王阿婆", "wang_apo", "555001")


def png_of(town: Town, message: dict) -> bytes:
    """The chart as Telegram stores a photo: re-encoded as JPEG, still at least 800 px."""
    data = town.emulator.file_bytes(message["photo"][-1]["file_id"])
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "JPEG" and image.size[0] >= 800 and image.size[1] >= 800
    return data


async def test_office_admin_gets_stats_chart_and_export_without_the_reporter(town: Town) -> None:
    await report_at(town, town.villager, town.inside("那笔坡"))
    admin = town.admin
    admin.send_text("/stats")
    summary = await admin.wait_for(lambda m: "三塘镇" in (m.get("text") or ""), timeout=15)
    assert "收到举报：1" in summary["text"] and "结案率" in summary["text"]
    chart = await admin.wait_for(lambda m: "photo" in m, timeout=15)
    png_of(town, chart)

    admin.send_text("/stats 本月 那笔村")
    village = await admin.wait_for(lambda m: "那笔村" in (m.get("text") or ""), timeout=15)
    assert "收到举报：1" in village["text"]

    admin.send_text("/export")
    workbook_message = await admin.wait_for(
        lambda m: (m.get("document") or {}).get("file_name", "").endswith(".xlsx"), timeout=15
    )
    csv_message = await admin.wait_for(
        lambda m: (m.get("document") or {}).get("file_name", "").startswith("reports-"),
        timeout=15,
    )
    data = town.emulator.file_bytes(workbook_message["document"]["file_id"])
    workbook = load_workbook(io.BytesIO(data))
    rows = list(workbook.worksheets[0].iter_rows(values_only=True))
    assert [row[0] for row in rows[1:]] == ["R-000001"]
    assert rows[1][8] == "那笔坡"
    text = " ".join(
        str(cell) for sheet in workbook for row in sheet.iter_rows(values_only=True) for cell in row
    )
    text += town.emulator.file_bytes(csv_message["document"]["file_id"]).decode("utf-8-sig")
    for identity in VILLAGER_IDENTITY:
        assert identity not in text

    admin.send_text("/map 2999")
    await admin.wait_for(lambda m: "2999年" in (m.get("text") or ""))
    admin.send_text("/ranking 2026-13")
    usage = await admin.wait_for(lambda m: "2026-Q4" in (m.get("text") or ""))
    assert "上月" in usage["text"]


async def test_stats_are_for_the_office_only(town: Town) -> None:
    for person in (town.villager, town.member):
        person.send_text("/export")
        refusal = await person.wait_for(lambda m: "美丽办" in (m.get("text") or ""))
        assert "document" not in refusal
    assert not [m for m in town.villager.messages if "document" in m or "photo" in m]


async def test_the_monthly_digest_goes_out_once_after_the_month_ends(town: Town) -> None:
    await report_at(town, town.villager, town.inside("那笔坡"))
    services = town.bot.application.bot_data["services"]
    tz = town.config.general.tz
    month = containing(PeriodKind.MONTH, town.clock.now(), tz)
    digest_time = datetime.combine(month.next().first_day, time(8, 1), tz)
    town.clock.advance(digest_time - town.clock.now())  # the 1st, 08:01: a clock jump

    office = town.office
    await office.wait_for(
        lambda m: "R-000001" in (m.get("text") or m.get("caption") or "")
    )  # the report's copy
    summary = await office.wait_for(
        lambda m: month.label("zh") in (m.get("text") or "") and "收到举报" in m["text"],
        timeout=20,
    )
    assert "收到举报：1" in summary["text"]
    await office.wait_for(lambda m: "十佳坡" in (m.get("text") or ""))
    png_of(town, await office.wait_for(lambda m: "photo" in m))
    workbook = await office.wait_for(lambda m: "document" in m)
    assert workbook["document"]["file_name"] == f"stats-{month.key}.xlsx"
    rows = list(
        load_workbook(io.BytesIO(town.emulator.file_bytes(workbook["document"]["file_id"])))
        .worksheets[0]
        .iter_rows(values_only=True)
    )
    assert [row[0] for row in rows[1:]] == ["R-000001"]
    own = await town.member.wait_for(lambda m: "您负责的坡" in (m.get("text") or ""), timeout=20)
    assert "那笔坡" in own["text"]

    # Checked again, and again after a restart: the period is recorded, nothing is re-sent.
    assert await services.digests.send_due() == []
    await town.restart()
    services = town.bot.application.bot_data["services"]
    assert await services.digests.send_due() == []
    town.clock.advance(timedelta(days=3))
    assert await services.digests.send_due() == []
    rows = await services.storage.database.fetch_all(
        "SELECT period_start FROM stats_digests WHERE period_kind = 'month'"
    )
    assert [row[0] for row in rows] == [month.key]
    queued = await services.storage.database.fetch_all(
        "SELECT COUNT(*) FROM outbox WHERE chat_id = ? AND payload LIKE ?",
        (OFFICE_CHAT, f"%stats-{month.key}.xlsx%"),
    )
    assert queued[0][0] == 1
    member_rows = await services.storage.database.fetch_all(
        "SELECT COUNT(*) FROM outbox WHERE chat_id = ? AND payload LIKE '%📊%'", (NABI_MEMBER,)
    )
    assert member_rows[0][0] == 1


async def test_a_new_installation_sends_no_digest_for_a_month_before_its_first_report(
    town: Town,
) -> None:
    services = town.bot.application.bot_data["services"]
    month = containing(PeriodKind.MONTH, town.clock.now(), town.config.general.tz)
    digest_time = datetime.combine(month.next().first_day, time(8, 1), town.config.general.tz)
    town.clock.advance(digest_time - town.clock.now())
    assert await services.digests.send_due() == []
    rows = await services.storage.database.fetch_all("SELECT * FROM stats_digests")
    assert rows == []
    assert not [m for m in town.office.messages if "document" in m]
