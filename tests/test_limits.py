"""Per-person limits as arithmetic (floods, /join lockout, report quotas, text cleaning), and a
flood through the real bot that slows nobody else."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from bot.core.clock import OffsetClock
from bot.core.text import clean_text
from bot.people.limits import Flood, FloodGuard, locked_until, quota_free_at
from tests.conftest import Town
from tests.test_report_story import has_buttons
from tests.test_roles import containing


async def until(read: Callable[[], Awaitable[object]], wanted: object, failure: str) -> None:
    """Wait until `read()` gives `wanted` (the bot works in the same process), or fail."""
    for _attempt in range(1000):
        if await read() == wanted:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(failure)


T0 = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)


def guard(clock: OffsetClock) -> FloodGuard:
    return FloodGuard(
        clock, max_updates=20, window=timedelta(seconds=10), mute=timedelta(minutes=1)
    )


def test_a_flood_is_answered_once_then_dropped_for_a_minute() -> None:
    clock = OffsetClock()
    flood = guard(clock)
    assert [flood.check(1) for _ in range(20)] == [Flood.PASS] * 20
    assert flood.check(1) is Flood.WARN
    assert {flood.check(1) for _ in range(100)} == {Flood.DROP}
    assert flood.check(2) is Flood.PASS  # nobody else is touched
    clock.advance(timedelta(seconds=61))
    assert flood.check(1) is Flood.PASS


def test_a_steady_pace_and_an_album_are_not_a_flood() -> None:
    clock = OffsetClock()
    flood = guard(clock)
    for _ in range(100):
        assert flood.check(1) is Flood.PASS
        clock.advance(timedelta(seconds=0.6))
    for _ in range(3):
        assert {flood.check(2, burst="album-1") for _ in range(10)} == {Flood.PASS}
        assert {flood.check(2, burst="album-2") for _ in range(10)} == {Flood.PASS}


def test_quiet_people_are_forgotten() -> None:
    clock = OffsetClock()
    flood = guard(clock)
    for person in range(FloodGuard.PRUNE_EVERY - 1):
        flood.check(person)
    clock.advance(timedelta(seconds=11))
    flood.check(-1)
    assert len(flood._senders) == 1


def test_join_lockout_after_five_failures_within_an_hour() -> None:
    hour = timedelta(hours=1)
    spread = [T0 + timedelta(minutes=20 * index) for index in range(5)]  # 80 minutes
    assert locked_until(spread, most=5, within=hour, lock=hour) is None
    close = [T0 + timedelta(minutes=10 * index) for index in range(5)]
    assert locked_until(close, most=5, within=hour, lock=hour) == close[-1] + hour
    assert locked_until(close[:4], most=5, within=hour, lock=hour) is None


def test_report_quota_per_hour_and_per_day() -> None:
    limits = [(10, timedelta(hours=1)), (30, timedelta(days=1))]
    ten = [T0 + timedelta(minutes=index) for index in range(10)]
    assert quota_free_at(ten[:9], T0 + timedelta(minutes=30), limits) is None
    assert quota_free_at(ten, T0 + timedelta(minutes=30), limits) == T0 + timedelta(hours=1)
    thirty = [T0 + timedelta(hours=index // 10, minutes=index) for index in range(30)]
    now = T0 + timedelta(hours=5)
    assert quota_free_at(thirty, now, limits) == thirty[0] + timedelta(days=1)


def test_clean_text_removes_direction_tricks_and_invisible_characters() -> None:
    assert clean_text("\u202eabc\u202c") == "abc"
    assert clean_text("\u200b\u200b \ufeff") == ""
    assert clean_text("a\x00b\x07c\nd\te") == "abc\nd\te"
    assert clean_text("👨\u200d👩\u200d👧 ok") == "👨\u200d👩\u200d👧 ok"  # emoji joiners stay
    assert clean_text("垃" * 10, 3) == "垃垃垃"
    assert clean_text(None) == ""


async def test_a_flooding_villager_slows_nobody_else(town: Town) -> None:
    flooder = town.emulator.user(700100, "刷屏", language_code="zh")
    neighbour = town.villager
    for index in range(60):
        flooder.send_text(f"spam {index}")
    neighbour.send_photo()
    asked = await neighbour.wait_for(lambda m: bool(m.get("reply_markup", {}).get("keyboard")))
    assert asked
    await flooder.wait_for(containing("慢一点"))
    stray_replies = [m for m in flooder.messages if "没看懂" in (m.get("text") or "")]
    assert len(stray_replies) == 20  # the first 20 were answered, then one "slow down"
    assert len([m for m in flooder.messages if "慢一点" in (m.get("text") or "")]) == 1
    neighbour.send_location(*town.inside("那笔坡"))
    await neighbour.wait_for(has_buttons("v2:rc:"))
    # Every update the flooder sent has been handled (the muted ones dropped) before the clock
    # moves on; otherwise the rest would be heard after the minute instead.
    inbox = town.bot.application.bot_data["services"].storage.conversations
    await until(lambda: inbox.unhandled(), [], "the flooder's updates were never all handled")
    # A minute later (by the bot's clock) the flooder is heard again.
    town.clock.advance(timedelta(seconds=61))
    flooder.send_text("/help")
    await flooder.wait_for(containing("/report"))
