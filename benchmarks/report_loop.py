"""Report-loop throughput and latency against the emulator on loopback.

Prints, measured side by side in one run:
- intake: complete report conversations per second (photo → location → category → submit)
  with N villagers at once, times the 4 updates of a conversation, against a bare echo bot's
  updates per second — the echo bot on the bot's own update processor (`PerPersonUpdateProcessor`,
  the same concurrency limit, connection pool and rate limiter), N senders at once each
  waiting for its answer as a villager does, the same emulator — and the ratio (target ≥ 0.5);
- p50 / p99 from the villager's Submit press to the grid member's task card;
- Bot API calls per report (villager + grid member + office), by method, and file downloads.

Run: `make bench` (or `.venv/bin/python -m benchmarks.report_loop [--villagers N]`).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import re
import statistics
import tempfile
import time
from collections import Counter
from pathlib import Path

from telegram import Update
from telegram.ext import AIORateLimiter, ApplicationBuilder, ContextTypes, MessageHandler, filters

from benchmarks.emulated import write_config
from bot.app import CleanVillageBot
from bot.clients import CONCURRENT_UPDATES
from bot.core.config import load_config
from bot.emulator import BotApiEmulator, EmulatedUser
from handlers.ordering import PerPersonUpdateProcessor

TOKEN = "123456:BENCH_report-loop_token-shaped-like-a-real1"  # `python -m bot` checks it
FIRST_VILLAGER = 700_000
NUMBER = re.compile(r"R-(\d+)")
QUIET_REPORTS = 30
UPDATES_PER_REPORT = 4
"""A conversation's updates: the photo, the location, the category button, Submit."""
INTAKE_TARGET = 0.5


def has_button(prefix: str):
    def check(message: dict) -> bool:
        rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
        return any(button["callback_data"].startswith(prefix) for row in rows for button in row)

    return check


async def one_report(
    villager: EmulatedUser, point: tuple[float, float], category: str
) -> tuple[int, float, float]:
    """Run one conversation; returns the report id, the moment Submit was pressed and how long
    the villager waited for the bot's answer to it."""
    villager.send_photo()
    await villager.wait_for(lambda m: bool((m.get("reply_markup") or {}).get("keyboard")), 30)
    villager.send_location(*point)
    question = await villager.wait_for(has_button("v2:rc:"), 30)
    villager.press(question, f"v2:rc:{category}")
    summary = await villager.wait_for(has_button("v2:rs"), 30)
    pressed = time.perf_counter()
    villager.press(summary, "v2:rs")
    done = await villager.wait_for(lambda m: "R-" in (m.get("text") or ""), 30)
    return int(NUMBER.search(done["text"]).group(1)), pressed, time.perf_counter() - pressed


async def report_conversations(
    villagers: int,
) -> tuple[float, Counter[str], list[float], list[float], list[float]]:
    """Conversations per second with everyone at once, Bot API calls of the burst by method,
    Submit → task-card latencies in seconds during that burst and for reports made one at a
    time, and Submit → the villager's answer in the burst (the card cannot come sooner than
    the update is handled)."""
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
                    if button["callback_data"].startswith("v2:acc:"):
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

        async def latencies_of(pressed: list[tuple[int, float, float]]) -> list[float]:
            for _ in range(400):
                if all(report_id in card_seen for report_id, _, _ in pressed):
                    break
                await asyncio.sleep(0.05)
            return [card_seen[number] - at for number, at, _ in pressed if number in card_seen]

        users = [emulator.user(FIRST_VILLAGER + i, f"村民{i}") for i in range(villagers)]
        before = len(emulator.requests)
        started = time.perf_counter()
        burst = await asyncio.gather(*(report_of(index, user) for index, user in enumerate(users)))
        elapsed = time.perf_counter() - started
        burst_latencies = await latencies_of(burst)
        await settled(emulator)
        calls = Counter(method for method, _ in emulator.requests[before:])
        del calls["getUpdates"]
        quiet = []
        for index in range(villagers, villagers + QUIET_REPORTS):
            user = emulator.user(FIRST_VILLAGER + index, f"村民{index}")
            quiet.append(await report_of(index, user))
            await latencies_of(quiet[-1:])
        quiet_latencies = await latencies_of(quiet)
        await bot.stop()
        await emulator.stop()
        answers = [answered for _, _, answered in burst]
        return villagers / elapsed, calls, burst_latencies, quiet_latencies, answers


async def settled(emulator: BotApiEmulator, quiet_for: float = 1.0) -> None:
    """Wait until the bot has made no call but getUpdates for `quiet_for` seconds (the outbox
    has delivered everything)."""
    seen, still = len(emulator.requests), 0.0
    while still < quiet_for:
        await asyncio.sleep(0.1)
        calls = [method for method, _ in emulator.requests[seen:] if method != "getUpdates"]
        seen, still = len(emulator.requests), 0.0 if calls else still + 0.1


async def echo_updates(senders: int, per_sender: int) -> float:
    """Updates per second of a bare echo bot built as ours is (update processor, concurrency,
    connection pool, rate limiter), `senders` at once, each waiting for its answer."""
    emulator = BotApiEmulator(token=TOKEN)
    await emulator.start()

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.effective_message.reply_text(update.effective_message.text)

    application = (
        ApplicationBuilder()
        .token(TOKEN)
        .base_url(emulator.base_url)
        .base_file_url(emulator.base_file_url)
        .concurrent_updates(PerPersonUpdateProcessor(CONCURRENT_UPDATES))
        .connection_pool_size(16)
        .rate_limiter(AIORateLimiter(overall_max_rate=0, group_max_rate=20, max_retries=0))
        .build()
    )
    application.add_handler(MessageHandler(filters.TEXT, echo))
    await application.initialize()
    await application.start()
    await application.updater.start_polling(poll_interval=0, timeout=1)
    users = [emulator.user(FIRST_VILLAGER + index, f"村民{index}") for index in range(senders)]
    started = time.perf_counter()

    async def chat(user: EmulatedUser) -> None:
        for index in range(per_sender):
            user.send_text(f"hello {index}")
            await user.next_message(30)

    await asyncio.gather(*(chat(user) for user in users))
    elapsed = time.perf_counter() - started
    await application.updater.stop()
    await application.stop()
    await application.shutdown()
    await emulator.stop()
    return per_sender * senders / elapsed


def percentiles(latencies: list[float]) -> tuple[float, float]:
    """Median and 99th percentile in milliseconds."""
    if len(latencies) < 2:
        return (latencies[0] * 1000,) * 2 if latencies else (float("nan"),) * 2
    return statistics.median(latencies) * 1000, statistics.quantiles(latencies, n=100)[98] * 1000


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--villagers", type=int, default=200)
    arguments = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    villagers = arguments.villagers

    conversations, calls, burst, quiet, answers = await report_conversations(villagers)
    echo_rate = await echo_updates(villagers, UPDATES_PER_REPORT)
    intake = conversations * UPDATES_PER_REPORT
    print(f"report conversations/s        {conversations:10.1f}  ({villagers} at once)")
    print(f"  × {UPDATES_PER_REPORT} updates = updates/s      {intake:10.1f}")
    print(
        f"bare echo updates/s (reference) {echo_rate:8.1f}  (same processor, {villagers} at once)"
    )
    print(f"ratio report/echo (updates)   {intake / echo_rate:10.2f}  (target ≥ {INTAKE_TARGET})")
    for label, latencies in [(f"{villagers} at once", burst), ("one at a time", quiet)]:
        p50, p99 = percentiles(latencies)
        print(f"submit → grid member p50 / p99 ({label}) {p50:8.1f} / {p99:.1f} ms")
    p50, p99 = percentiles(answers)
    print(
        f"  reference: submit → villager's answer p50 / p99 ({villagers} at once) "
        f"{p50:8.1f} / {p99:.1f} ms"
    )
    total = sum(calls.values())
    downloads = calls["getFile"]
    print(
        f"Bot API calls per report      {total / villagers:10.1f}  (villager + grid member + "
        f"office; {downloads / villagers:.1f} of them getFile, each a download)"
    )
    for method, count in calls.most_common():
        print(f"  {method:<27} {count / villagers:10.2f}")
    print(f"  → at Telegram's 30 msg/s      {30 * villagers / total:10.1f} reports/s at most")


if __name__ == "__main__":
    asyncio.run(main())
