"""Does one person's flood slow anyone else? Against the emulator on loopback.

Prints:
- flood checks per second (the pure `FloodGuard`, over 10,000 people);
- villagers' round trips (/help → answer), p50 / p99, with the town quiet and while another
  person floods the bot with 1,000 messages a second, and the ratio of the two;
- how many of the flood's messages the bot answered (20, then one "slow down").

Run: `make bench` (or `.venv/bin/python -m benchmarks.flood`).
"""

from __future__ import annotations

import asyncio
import logging
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from benchmarks.emulated import write_config
from benchmarks.report_loop import TOKEN
from bot.app import CleanVillageBot
from bot.core.clock import SystemClock
from bot.core.config import load_config
from bot.emulator import BotApiEmulator, EmulatedUser
from bot.people.limits import FloodGuard

ROUND_TRIPS = 300
FLOOD_PER_SECOND = 1000


def guard_checks_per_second() -> float:
    guard = FloodGuard(
        SystemClock(), max_updates=20, window=timedelta(seconds=10), mute=timedelta(minutes=1)
    )
    checks = 500_000
    started = time.perf_counter()
    for index in range(checks):
        guard.check(index % 10_000)
    return checks / (time.perf_counter() - started)


async def round_trips(emulator: BotApiEmulator, first_id: int) -> list[float]:
    """One /help each from ROUND_TRIPS villagers, one after the other (each well within the
    flood limit)."""
    times = []
    for index in range(ROUND_TRIPS):
        user = emulator.user(first_id + index, f"村民{index}")
        started = time.perf_counter()
        user.send_text("/help")
        await user.wait_for(lambda m: "/report" in (m.get("text") or ""), 30)
        times.append(time.perf_counter() - started)
        await asyncio.sleep(0.01)  # one after another, not all at once
    return times


async def flood(user: EmulatedUser, stop: asyncio.Event) -> int:
    """Messages at FLOOD_PER_SECOND until `stop` (the round trips take a few seconds);
    returns how many were sent."""
    sent = 0
    while not stop.is_set():
        for _ in range(FLOOD_PER_SECOND // 20):
            user.send_text(f"spam {sent}")
            sent += 1
        await asyncio.sleep(0.05)
    return sent


async def measure() -> None:
    with tempfile.TemporaryDirectory() as folder:
        emulator = BotApiEmulator(token=TOKEN)
        await emulator.start()
        bot = CleanVillageBot(
            load_config(write_config(Path(folder), emulator, TOKEN, [])), poll_timeout=1
        )
        await bot.start()
        try:
            flooder = emulator.user(700_000, "刷屏的人")
            quiet = await round_trips(emulator, 710_000)
            stop = asyncio.Event()
            spamming = asyncio.create_task(flood(flooder, stop))
            during = await round_trips(emulator, 720_000)
            stop.set()
            spam = await spamming
            answered = len(flooder.messages)
        finally:
            await bot.stop()
            await emulator.stop()
    p50_quiet, p50_flood = statistics.median(quiet), statistics.median(during)
    p99_quiet = statistics.quantiles(quiet, n=100)[98]
    p99_flood = statistics.quantiles(during, n=100)[98]
    print(f"flood checks: {guard_checks_per_second():,.0f} /s (10,000 people)")
    print(
        f"villagers' round trips, town quiet: p50 {p50_quiet * 1000:.1f} ms, "
        f"p99 {p99_quiet * 1000:.1f} ms"
    )
    print(
        f"the same during a flood of {FLOOD_PER_SECOND}/s by someone else ({spam} messages): "
        f"p50 {p50_flood * 1000:.1f} ms, p99 {p99_flood * 1000:.1f} ms"
    )
    print(f"ratio, p50 during flood / quiet: {p50_flood / p50_quiet:.2f}")
    print(f"flood messages answered: {answered} of {spam}")


if __name__ == "__main__":
    logging.basicConfig(level=logging.ERROR)
    asyncio.run(measure())
