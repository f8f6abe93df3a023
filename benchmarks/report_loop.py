"""Report-loop throughput and latency against the emulator on loopback.

Prints, measured side by side in one run:
- complete report conversations per second (photo → location → category → submit), and
  the same python-telegram-bot with a bare echo handler (updates per second), and the ratio;
- p50 / p99 from the villager's Submit press to the grid member's task card;
- hamlet lookups per second over the 77 sample hamlets.

Run: `make bench` (or `.venv/bin/python -m benchmarks.report_loop [--villagers N]`).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import re
import statistics
import tempfile
import time
from pathlib import Path

from telegram import Update
from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters

from benchmarks.emulated import ROOT, write_config
from bot.app import CleanVillageBot
from bot.config import load_config
from bot.emulator import BotApiEmulator, EmulatedUser
from bot.grid import Grid

TOKEN = "123456:BENCH"
FIRST_VILLAGER = 700_000
NUMBER = re.compile(r"R-(\d+)")
QUIET_REPORTS = 30


def has_button(prefix: str):
    def check(message: dict) -> bool:
        rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
        return any(button["callback_data"].startswith(prefix) for row in rows for button in row)

    return check


async def one_report(
    villager: EmulatedUser, point: tuple[float, float], category: str
) -> tuple[int, float]:
    """Run one conversation; returns the report id and the moment Submit was pressed."""
    villager.send_photo()
    await villager.wait_for(lambda m: bool((m.get("reply_markup") or {}).get("keyboard")), 30)
    villager.send_location(*point)
    question = await villager.wait_for(has_button("v1:rc:"), 30)
    villager.press(question, f"v1:rc:{category}")
    summary = await villager.wait_for(has_button("v1:rs"), 30)
    pressed = time.perf_counter()
    villager.press(summary, "v1:rs")
    done = await villager.wait_for(lambda m: "R-" in (m.get("text") or ""), 30)
    return int(NUMBER.search(done["text"]).group(1)), pressed


async def report_conversations(
    villagers: int,
) -> tuple[float, float, list[float], list[float]]:
    """Conversations per second with everyone at once, bot messages per report, and Submit →
    task-card latencies in seconds during that burst and for reports made one at a time."""
    with tempfile.TemporaryDirectory() as folder:
        emulator = BotApiEmulator(token=TOKEN)
        await emulator.start()
        config = load_config(
            write_config(
                Path(folder),
                emulator,
                TOKEN,
                # The emulator does not enforce Telegram's 30 messages/s: lift our own pacing
                # too, so the figure measures this code rather than the limit (printed apart).
                [("messages_per_second = 25", "messages_per_second = 100000")],
            )
        )
        for person in [*config.grid_members, *config.village_leads]:
            emulator.user(person.user_id, person.name)
        for admin in config.office.admins:
            emulator.user(admin, "office")
        bot = CleanVillageBot(config, poll_timeout=1)
        await bot.start()
        hamlets = sorted(bot.grid.hamlets)
        card_seen: dict[int, float] = {}

        async def watch(message: dict) -> None:
            for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
                for button in row:
                    if button["callback_data"].startswith("v1:acc:"):
                        card_seen.setdefault(
                            int(button["callback_data"].split(":")[2]), time.perf_counter()
                        )

        emulator.on_bot_message.append(watch)
        categories = ["household", "construction", "livestock", "water", "fields"]

        def report_of(index: int, user: EmulatedUser):
            # Points spread over hamlets and categories so few reports are duplicates.
            hamlet = hamlets[index % len(hamlets)]
            category = categories[(index // len(hamlets)) % len(categories)]
            return one_report(user, bot.grid.representative_point(hamlet), category)

        async def latencies_of(pressed: list[tuple[int, float]]) -> list[float]:
            for _ in range(400):
                if all(report_id in card_seen for report_id, _ in pressed):
                    break
                await asyncio.sleep(0.05)
            return [card_seen[number] - at for number, at in pressed if number in card_seen]

        users = [emulator.user(FIRST_VILLAGER + i, f"村民{i}") for i in range(villagers)]
        started = time.perf_counter()
        burst = await asyncio.gather(*(report_of(index, user) for index, user in enumerate(users)))
        elapsed = time.perf_counter() - started
        burst_latencies = await latencies_of(burst)
        messages_per_report = len(emulator.sent) / villagers
        quiet = []
        for index in range(villagers, villagers + QUIET_REPORTS):
            user = emulator.user(FIRST_VILLAGER + index, f"村民{index}")
            quiet.append(await report_of(index, user))
            await latencies_of(quiet[-1:])
        quiet_latencies = await latencies_of(quiet)
        await bot.stop()
        await emulator.stop()
        return villagers / elapsed, messages_per_report, burst_latencies, quiet_latencies


async def echo_updates(count: int, senders: int) -> float:
    """Updates per second through the same PTB stack with a bare echo handler."""
    emulator = BotApiEmulator(token=TOKEN)
    await emulator.start()

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.effective_message.reply_text(update.effective_message.text)

    application = (
        ApplicationBuilder()
        .token(TOKEN)
        .base_url(emulator.base_url)
        .base_file_url(emulator.base_file_url)
        .build()
    )
    application.add_handler(MessageHandler(filters.TEXT, echo))
    await application.initialize()
    await application.start()
    await application.updater.start_polling(poll_interval=0, timeout=1)
    users = [emulator.user(FIRST_VILLAGER + index, f"村民{index}") for index in range(senders)]
    per_user = count // senders
    started = time.perf_counter()

    async def chat(user: EmulatedUser) -> None:
        for index in range(per_user):
            user.send_text(f"hello {index}")
            await user.next_message(30)

    await asyncio.gather(*(chat(user) for user in users))
    elapsed = time.perf_counter() - started
    await application.updater.stop()
    await application.stop()
    await application.shutdown()
    await emulator.stop()
    return per_user * senders / elapsed


def percentiles(latencies: list[float]) -> tuple[float, float]:
    """Median and 99th percentile in milliseconds."""
    if len(latencies) < 2:
        return (latencies[0] * 1000,) * 2 if latencies else (float("nan"),) * 2
    return statistics.median(latencies) * 1000, statistics.quantiles(latencies, n=100)[98] * 1000


def hamlet_lookups(seconds: float = 2.0) -> tuple[float, int]:
    grid = Grid.load(ROOT / "bot/sample/santang_grid.geojson")
    rng = random.Random(7)
    points = [(rng.uniform(22.85, 22.95), rng.uniform(108.33, 108.47)) for _ in range(10_000)]
    done = 0
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        for latitude, longitude in points:
            grid.locate(latitude, longitude)
        done += len(points)
    return done / (time.perf_counter() - started), len(grid.hamlets)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--villagers", type=int, default=200)
    arguments = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)

    conversations, messages, burst, quiet = await report_conversations(arguments.villagers)
    echo_rate = await echo_updates(arguments.villagers * 4, min(arguments.villagers, 50))
    lookups, hamlets = hamlet_lookups()
    updates_per_report = 4
    print(f"report conversations/s        {conversations:10.1f}  ({arguments.villagers} at once)")
    print(f"  = updates/s in reports      {conversations * updates_per_report:10.1f}")
    print(f"bare echo updates/s           {echo_rate:10.1f}")
    print(f"ratio report/echo (updates)   {conversations * updates_per_report / echo_rate:10.2f}")
    for label, latencies in [(f"{arguments.villagers} at once", burst), ("one at a time", quiet)]:
        p50, p99 = percentiles(latencies)
        print(f"submit → grid member p50 / p99 ({label}) {p50:8.1f} / {p99:.1f} ms")
    print(f"bot messages per report       {messages:10.1f}")
    print(f"  → at Telegram's 30 msg/s      {30 / messages:10.1f} reports/s at most")
    print(f"hamlet lookups/s ({hamlets} hamlets) {lookups:10.0f}")


if __name__ == "__main__":
    asyncio.run(main())
