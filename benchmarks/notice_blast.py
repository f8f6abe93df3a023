"""A town-wide notice against an emulator that enforces Telegram's flood limit.

The bot runs as its own process (`python -m bot`), so its memory can be read and it can be
killed with SIGKILL half-way, as a power cut would. Prints, for each run: achieved rate ÷ the
enforced limit and ÷ the configured rate, 429 answers, recipients lost, recipients who got
the notice twice (and how many messages were in flight at the kill), and the bot's peak RSS.

Run: `make bench` (or `.venv/bin/python -m benchmarks.notice_blast [--recipients N]`).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.emulated import ROOT, write_config
from bot.core.clock import SystemClock
from bot.core.config import Config, load_config
from bot.core.i18n import I18n
from bot.delivery.audiences import Audience, AudienceKind, Audiences
from bot.delivery.outbox import Outbox
from bot.emulator import BotApiEmulator
from bot.notices.service import Content, ContentKind, NoticeService
from bot.people.directory import People
from bot.places.grid import Grid
from storage import Storage

TOKEN = "123456:BLAST_bench-token_shaped-like-a-real1"  # `python -m bot` checks the shape
FIRST_RESIDENT = 3_000_000
AUTHOR = 900001
HEADING = "美丽办通知"
# The bot is configured to use this share of the enforced limit (production: 25 of Telegram's
# 30 per second, the rest is room for live replies). Network jitter needs no room of its own:
# the pace counts each send until a second after its answer (`bot/delivery/pace.py`).
RATE_SHARE = 0.98
RUNS = ("scaled", "kill", "real")


@dataclass
class Delivery:
    """What the emulator saw: notice messages per chat, with the time of each."""

    per_chat: Counter[int] = field(default_factory=Counter)
    times: list[float] = field(default_factory=list)

    async def watch(self, message: dict) -> None:
        if HEADING in (message.get("text") or ""):
            self.per_chat[message["chat"]["id"]] += 1
            self.times.append(time.monotonic())


async def seed(config: Config, residents: int) -> int:
    """Register `residents` villagers over the sample hamlets and queue a notice to everyone."""
    grid = Grid.load(config.grid.geojson)
    hamlets = sorted(grid.hamlets)
    storage = await Storage.open(config.storage.database)
    clock = SystemClock()
    try:
        await storage.users.import_residents(
            [
                (FIRST_RESIDENT + index, hamlets[index % len(hamlets)], "zh")
                for index in range(residents)
            ],
            clock.now(),
        )
        i18n = I18n(config.general.default_language)
        people = People(config, grid)
        notices = NoticeService(
            storage=storage,
            config=config,
            i18n=i18n,
            outbox=Outbox(storage.outbox, clock),
            clock=clock,
            audiences=Audiences(
                config=config, grid=grid, people=people, i18n=i18n, users=storage.users
            ),
            people=people,
        )
        text = "本周六上午 8 点全镇大扫除，请各户清理门前三包区域。"
        notice = await notices.create(
            AUTHOR, Audience(AudienceKind.EVERYONE), Content(ContentKind.TEXT, {"zh": text}), None
        )
        return notice.id
    finally:
        await storage.close()


async def in_flight(config: Config, notice_id: int) -> int:
    """Rows the dead bot had marked as being sent: the only ones that may arrive twice."""
    storage = await Storage.open(config.storage.database)
    try:
        return (await storage.notices.counts(notice_id)).in_flight
    finally:
        await storage.close()


class BotProcess:
    """`python -m bot` in its own process, with its log in the run's folder."""

    def __init__(self, config_path: Path) -> None:
        self._config_path = config_path
        self._process: subprocess.Popen | None = None
        self.peak_rss_kib = 0

    def start(self) -> None:
        log = (self._config_path.parent / "bot.log").open("ab")
        environment = {key: value for key, value in os.environ.items() if key != "BOT_TOKEN"}
        self._process = subprocess.Popen(
            [sys.executable, "-m", "bot", "--config", str(self._config_path)],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=environment,
        )

    def sample_memory(self) -> None:
        """Read the process's peak resident memory so far (VmHWM)."""
        if self._process is None:
            return
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{self._process.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    self.peak_rss_kib = max(self.peak_rss_kib, int(line.split()[1]))

    def kill(self) -> None:
        """SIGKILL: no clean-up, as a power cut."""
        assert self._process is not None
        self.sample_memory()
        self._process.send_signal(signal.SIGKILL)
        self._process.wait()

    def stop(self) -> None:
        if self._process is None or self._process.poll() is not None:
            return
        self.sample_memory()
        self._process.send_signal(signal.SIGTERM)
        try:
            self._process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()


@dataclass
class Result:
    recipients: int
    limit: float
    rate: float
    achieved: float
    too_many_requests: int
    lost: int
    duplicated: int
    in_flight_at_kill: int | None
    peak_rss_mib: float


async def blast(
    recipients: int,
    limit: float,
    *,
    share: float = RATE_SHARE,
    kill_at: float | None = None,
    timeout: float = 600,
) -> Result:
    """Send one notice to `recipients` with the emulator enforcing `limit` messages/s and the
    bot configured for `share` of it; with `kill_at`, SIGKILL the bot once that share has
    arrived, start it again, and let it finish."""
    rate = round(limit * share, 1)
    with tempfile.TemporaryDirectory() as folder:
        emulator = BotApiEmulator(token=TOKEN)
        await emulator.start()
        try:
            emulator.user(AUTHOR, "美丽办")
            for index in range(recipients):
                emulator.user(FIRST_RESIDENT + index, f"村民{index}")
            emulator.enforce_rate(limit)
            delivery = Delivery()
            emulator.on_bot_message.append(delivery.watch)
            config_path = write_config(
                Path(folder),
                emulator,
                TOKEN,
                [
                    ("messages_per_second = 25", f"messages_per_second = {rate}"),
                    ("progress_every_seconds = 3", "progress_every_seconds = 1"),
                    ("concurrency = 16", "concurrency = 32"),
                ],
            )
            config = load_config(config_path)
            notice_id = await seed(config, recipients)
            bot = BotProcess(config_path)
            bot.start()
            killed_in_flight = None
            deadline = time.monotonic() + timeout
            try:
                while len(delivery.per_chat) < recipients and time.monotonic() < deadline:
                    await asyncio.sleep(0.2)
                    bot.sample_memory()
                    kill_now = (
                        kill_at is not None and len(delivery.per_chat) >= recipients * kill_at
                    )
                    if kill_now and killed_in_flight is None:
                        bot.kill()
                        killed_in_flight = await in_flight(config, notice_id)
                        bot.start()
            finally:
                bot.stop()
            times = sorted(delivery.times)
            elapsed = times[-1] - times[0] if len(times) > 1 else float("nan")
            return Result(
                recipients=recipients,
                limit=limit,
                rate=rate,
                achieved=(len(times) - 1) / elapsed if kill_at is None else float("nan"),
                too_many_requests=emulator.too_many_requests,
                lost=recipients - len(delivery.per_chat),
                duplicated=sum(1 for count in delivery.per_chat.values() if count > 1),
                in_flight_at_kill=killed_in_flight,
                peak_rss_mib=bot.peak_rss_kib / 1024,
            )
        finally:
            await emulator.stop()


def show(label: str, result: Result) -> None:
    print(f"{label}: {result.recipients:,} recipients, limit {result.limit:g}/s")
    if result.achieved == result.achieved:  # not NaN: a run without a kill
        print(f"  achieved rate                {result.achieved:10.1f} /s")
        print(f"  ÷ enforced limit             {result.achieved / result.limit:10.3f}")
        print(f"  ÷ configured rate ({result.rate:g}/s)  {result.achieved / result.rate:7.3f}")
    print(f"  429 answers                  {result.too_many_requests:10d}")
    print(f"  lost                         {result.lost:10d}")
    print(f"  received twice               {result.duplicated:10d}")
    if result.in_flight_at_kill is not None:
        print(f"  in flight at the kill        {result.in_flight_at_kill:10d}")
    print(f"  bot peak RSS                 {result.peak_rss_mib:10.1f} MiB")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=25_000)
    parser.add_argument("--limit", type=float, default=300, help="scaled flood limit, per second")
    parser.add_argument("--real-recipients", type=int, default=1_500)
    parser.add_argument(
        "--share", type=float, default=RATE_SHARE, help="configured rate ÷ the limit"
    )
    parser.add_argument("--repeat", type=int, default=1, help="runs of each kind")
    parser.add_argument("--only", choices=RUNS, action="append", help="these runs (repeatable)")
    arguments = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    # A killed bot drops its connections mid-request; the emulator's server would log each.
    logging.getLogger("aiohttp.server").setLevel(logging.CRITICAL)
    share, chosen = arguments.share, arguments.only or RUNS
    for _ in range(arguments.repeat):
        if "scaled" in chosen:
            show("scaled", await blast(arguments.recipients, arguments.limit, share=share))
        if "kill" in chosen:
            show(
                "scaled, SIGKILL at 50 %",
                await blast(arguments.recipients, arguments.limit, share=share, kill_at=0.5),
            )
        if "real" in chosen:
            show("Telegram's 30/s", await blast(arguments.real_recipients, 30, share=share))


if __name__ == "__main__":
    asyncio.run(main())
