"""The bot as a process of its own (`python -m bot`) against the emulator on loopback: start-up
time, memory, and `/stats` for a year end to end.

The bot's modules are compiled to bytecode first, as its installation does
(docs/deployment.md): a deployed checkout is read-only to the bot, and a shell with
PYTHONDONTWRITEBYTECODE would otherwise have every start compile ~150 modules again, a cost
the echo bot (its library compiled by pip) never pays. The first start with a new database
also has GEOS check the grid file (and notes that it passed, next to the database); the
starts after it, as every later start of a deployed bot, do not import shapely for it.

Prints, each with the reference measured in the same run and the ratio:
- start-up: from starting the process to its first getUpdates (target < 0.6 s), with a new
  database (each start makes it: its migrations) and with the full one, the median of
  `--repeats` (5) starts, against a bare python-telegram-bot echo bot started the same way
  just before each (the median of those starts); every start is printed too;
- idle RSS after start-up, with 25,000 people and 100,000 reports in the database (target
  < 80 MiB), against the bare echo bot's;
- peak RSS after the office's `/stats` for five years and a report (target < 120 MiB), and
  the peaks of the bot's child processes (the drawing process, its fork server, the resource
  tracker) still running then, summed, and the RSS after each step;
- `/stats` for a complete year, command → chart photo (target < 500 ms): the median of three
  complete years each asked for the first time, the year just ended last (each printed);
  that year asked again (the kept figures and chart; target < 50 ms), and the running year
  (never kept), each against an echo's round trip (/help → answer) through the same process;
  the process's first chart (two years ago, which also imports matplotlib) is printed apart.

Run: `make bench` (or `.venv/bin/python -m benchmarks.footprint [--reports N]`).
"""

from __future__ import annotations

import argparse
import asyncio
import compileall
import logging
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.emulated import ROOT, write_config
from benchmarks.report_loop import TOKEN, has_button
from benchmarks.stats import fill
from bot.core.config import load_config
from bot.emulator import BotApiEmulator, EmulatedUser
from bot.people.directory import People
from bot.places.grid import Grid
from bot.stats.periods import PeriodKind, containing
from storage import Storage

PEOPLE = 25_000
OFFICE = 900_001
ECHO_BOT = f"""
from telegram.ext import ApplicationBuilder, MessageHandler, filters
async def echo(update, context):
    await update.effective_message.reply_text(update.effective_message.text)
application = (
    ApplicationBuilder().token({TOKEN!r}).base_url(sys.argv[1]).base_file_url(sys.argv[2]).build()
)
application.add_handler(MessageHandler(filters.TEXT, echo))
application.run_polling(poll_interval=0, timeout=1)
"""
TARGETS = {"start-up": 0.6, "idle": 80, "peak": 120, "stats": 500, "again": 50}


def memory_mib(pid: int) -> tuple[float, float]:
    """(current, peak) resident memory of the process, from /proc."""
    fields = dict(
        line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
    )
    return tuple(int(fields[key].split()[0]) / 1024 for key in ("VmRSS", "VmHWM"))


def installed() -> None:
    """Compile the bot's packages to bytecode, as `pip install .` or the deployment's
    `compileall` step does."""
    for package in ("bot", "handlers", "storage"):
        compileall.compile_dir(ROOT / package, quiet=1)


def new_database(folder: Path) -> None:
    """No database in `folder`: the next start creates one (every start of the new-database
    row, not only the first of them)."""
    for file in folder.glob("bot.sqlite3*"):
        file.unlink()


def descendants(pid: int) -> list[int]:
    """The process's children, theirs, and so on (the bot's drawing process, its fork server
    and multiprocessing's resource tracker), from /proc."""
    children = [
        int(child)
        for task in Path(f"/proc/{pid}/task").iterdir()
        for child in (task / "children").read_text().split()
    ]
    return children + [grandchild for child in children for grandchild in descendants(child)]


def children_peak_mib(pid: int) -> tuple[float, int]:
    """The sum of the peaks of the process's descendants still running, and how many."""
    peaks = [memory_mib(child)[1] for child in descendants(pid)]
    return sum(peaks), len(peaks)


async def first_poll(
    emulator: BotApiEmulator, command: list[str]
) -> tuple[subprocess.Popen, float]:
    """Start `command`; return it and the seconds until its first getUpdates reached us."""
    seen = len(emulator.requests)
    started = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    while not any(method == "getUpdates" for method, _ in emulator.requests[seen:]):
        if process.poll() is not None:
            raise RuntimeError(f"{command} exited with {process.returncode}")
        await asyncio.sleep(0.005)
    return process, time.perf_counter() - started


async def settle(seconds: float = 2.0) -> None:
    """Let a freshly started process finish its start-up work before it is measured."""
    await asyncio.sleep(seconds)


async def stop(process: subprocess.Popen) -> None:
    """SIGTERM, then wait for the exit while the emulator keeps answering its last calls."""
    process.terminate()
    for _ in range(600):
        if process.poll() is not None:
            return
        await asyncio.sleep(0.05)
    process.kill()


async def round_trip(user: EmulatedUser, text: str, answer: object) -> float:
    """Milliseconds from `text` sent to the first message matching `answer`."""
    started = time.perf_counter()
    user.send_text(text)
    await user.wait_for(answer, 120)
    return (time.perf_counter() - started) * 1000


async def prepared_database(path: Path, config_path: Path, reports: int) -> None:
    """25,000 people and `reports` reports over ten years; the digests already due marked sent
    (a running bot would have sent them), so start-up does no digest work."""
    config = load_config(config_path)
    grid = Grid.load(config.grid.geojson)
    storage = await Storage.open(path)
    try:
        await fill(storage, config, grid, People(config, grid), reports)
        now, tz = datetime.now(UTC), config.general.tz
        async with storage.database.transaction() as connection:
            await connection.executemany(
                "INSERT OR IGNORE INTO users (user_id, created_at, updated_at) VALUES (?, ?, ?)",
                [(600_000 + number, now.isoformat(), now.isoformat()) for number in range(PEOPLE)],
            )
            for kind in PeriodKind:
                period = containing(kind, now, tz).previous()
                await storage.stats.claim_digest(connection, kind, period.key, now)
    finally:
        await storage.close()


async def one_report(emulator: BotApiEmulator) -> None:
    """A villager's report, start to finish, so the peak includes the report path."""
    grid = Grid.load(ROOT / "bot/sample/santang_grid.geojson")
    villager = emulator.user(650_000, "村民")
    villager.send_photo()
    await villager.wait_for(lambda m: bool((m.get("reply_markup") or {}).get("keyboard")), 60)
    villager.send_location(*grid.representative_point(sorted(grid.hamlets)[0]))
    question = await villager.wait_for(has_button("v2:rc:"), 60)
    villager.press(question, "v2:rc:household")
    summary = await villager.wait_for(has_button("v2:rs"), 60)
    villager.press(summary, "v2:rs")
    await villager.wait_for(lambda m: "R-" in (m.get("text") or ""), 60)


async def measure(reports: int, repeats: int) -> None:
    installed()
    emulator = BotApiEmulator(token=TOKEN)
    await emulator.start()
    try:
        echo_command = [
            sys.executable,
            "-c",
            "import sys" + ECHO_BOT,
            emulator.base_url,
            emulator.base_file_url,
        ]
        echo, seconds = await first_poll(emulator, echo_command)
        echo_starts = [seconds]
        await settle()
        echo_idle, _ = memory_mib(echo.pid)
        await stop(echo)

        async def echo_again() -> None:
            """The echo bot started again just before each start of ours, under the same load."""
            echo, seconds = await first_poll(emulator, echo_command)
            echo_starts.append(seconds)
            await stop(echo)

        with tempfile.TemporaryDirectory() as folder:
            config_path = write_config(Path(folder), emulator, TOKEN, [])
            command = [sys.executable, "-m", "bot", "--config", str(config_path)]
            empty = []
            for _ in range(repeats):
                new_database(Path(folder))
                await echo_again()
                bot, seconds = await first_poll(emulator, command)
                empty.append(seconds)
                await stop(bot)
            new_database(Path(folder))
            started = time.perf_counter()
            await prepared_database(Path(folder) / "bot.sqlite3", config_path, reports)
            print(
                f"filled {PEOPLE:,} people and {reports:,} reports in "
                f"{time.perf_counter() - started:.1f} s"
            )
            office = emulator.user(OFFICE, "office")
            times = []
            for _ in range(repeats):
                await echo_again()
                bot, seconds = await first_poll(emulator, command)
                times.append(seconds)
                await settle()
                idle, _ = memory_mib(bot.pid)
                if len(times) < repeats:
                    await stop(bot)
            try:
                echo_ms = statistics.median(
                    [
                        await round_trip(office, "/help", lambda m: "photo" not in m)
                        for _ in range(5)
                    ]
                )
                photo = lambda message: "photo" in message  # noqa: E731
                year = containing(
                    PeriodKind.YEAR, datetime.now(UTC), load_config(config_path).general.tz
                )
                older = year.previous().previous().key
                steps = [("idle", memory_mib(bot.pid)[0])]
                first_chart = await round_trip(office, f"/stats {older}", photo)
                steps.append((f"/stats {older}", memory_mib(bot.pid)[0]))
                # Each complete year asked for the first time (one is kept at a time), the last
                # of them the year just ended: the median of three, as one ask varies by a fifth.
                complete_years = [year.previous().previous().previous(), year.previous()]
                complete_years.insert(0, complete_years[0].previous())
                completes = [
                    await round_trip(office, f"/stats {complete.key}", photo)
                    for complete in complete_years
                ]
                complete = statistics.median(completes)
                again = statistics.median(
                    [
                        await round_trip(office, f"/stats {year.previous().key}", photo)
                        for _ in range(3)
                    ]
                )
                steps.append(
                    (
                        f"/stats {', '.join(c.key for c in complete_years)} ×4",
                        memory_mib(bot.pid)[0],
                    )
                )
                running = statistics.median(
                    [await round_trip(office, f"/stats {year.key}", photo) for _ in range(3)]
                )
                steps.append((f"/stats {year.key} ×3", memory_mib(bot.pid)[0]))
                await one_report(emulator)
                steps.append(("a report", memory_mib(bot.pid)[0]))
                _, peak = memory_mib(bot.pid)
                children_peak, children = children_peak_mib(bot.pid)
            finally:
                await stop(bot)
    finally:
        await emulator.stop()
    rows = [
        (
            "start-up to first getUpdates, new database (s)",
            statistics.median(empty),
            statistics.median(echo_starts),
            TARGETS["start-up"],
        ),
        (
            "  the same with the full database (s)",
            statistics.median(times),
            statistics.median(echo_starts),
            TARGETS["start-up"],
        ),
        ("idle RSS (MiB)", idle, echo_idle, TARGETS["idle"]),
        ("peak RSS after /stats and a report (MiB)", peak, echo_idle, TARGETS["peak"]),
        (
            f"  its {children} child processes' peaks, summed (MiB)",
            children_peak,
            echo_idle,
            TARGETS["peak"],
        ),
        ("  the bot and its children (MiB)", peak + children_peak, echo_idle, TARGETS["peak"]),
        (
            f"/stats {older}, the first chart (imports matplotlib) (ms)",
            first_chart,
            echo_ms,
            TARGETS["stats"],
        ),
        (
            "/stats for a complete year → chart photo, median (ms)",
            complete,
            echo_ms,
            TARGETS["stats"],
        ),
        (f"  {year.previous().key} again (kept) (ms)", again, echo_ms, TARGETS["again"]),
        (f"/stats {year.key}, running (ms)", running, echo_ms, TARGETS["stats"]),
    ]
    print(f"{'':<48} {'ours':>8} {'reference':>10} {'ratio':>6} {'target':>7}")
    for label, ours, reference, target in rows:
        print(f"{label:<48} {ours:>8.2f} {reference:>10.2f} {ours / reference:>6.2f} {target:>7}")
    print(
        "references: a bare PTB echo bot's start-up and idle RSS; an echo round trip "
        "(/help → answer) through the bot for /stats"
    )
    print(
        "start-ups (s), new database: "
        + ", ".join(f"{seconds:.2f}" for seconds in empty)
        + "; full: "
        + ", ".join(f"{seconds:.2f}" for seconds in times)
        + "; the echo bot: "
        + ", ".join(f"{seconds:.2f}" for seconds in echo_starts)
    )
    print(
        "/stats for each complete year asked first (ms): "
        + ", ".join(
            f"{complete.key} {ms:.0f}"
            for complete, ms in zip(complete_years, completes, strict=True)
        )
    )
    print("the bot's RSS after each step (MiB): " + ", ".join(f"{a} {b:.1f}" for a, b in steps))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=5, help="start-ups to take the median of")
    arguments = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    asyncio.run(measure(arguments.reports, arguments.repeats))
