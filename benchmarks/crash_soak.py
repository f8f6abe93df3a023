"""Villagers file reports while the bot process is killed with SIGKILL at random moments.

`python -m benchmarks.crash_soak [--reports N] [--kills K] [--villagers V] [--seed S]` runs
`python -m bot` against the Bot API emulator; V villagers file N reports between them (photo →
location → category → Submit) while the bot is killed K times, at seeded random moments: the
instant it sends its n-th message (a reply to a villager, or a card the outbox delivers) or a
few milliseconds after. Then it checks, from what people received and what is stored, that
every report a villager was given a number for reached its grid member with its own photo and
place, and that nothing was stored twice. `tests/test_crash_soak.py` runs a short round.
Set CRASH_SOAK_FOLDER to keep the run's database and bot log there.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import random
import re
import signal
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.emulated import ROOT, write_config
from bot.core.config import load_config
from bot.emulator import BotApiEmulator, EmulatedUser
from bot.people.directory import People
from bot.places.grid import Fit, Grid

TOKEN = "123456:CRASH_soak-token_shaped-like-a-real-one"  # `python -m bot` checks the shape
OFFICE_ADMIN = 900001
OFFICE_CHAT = -100500
DEPARTMENT_CHATS = {"clean_homes": -100601, "clean_fields": -100603, "clean_water": -100602}
START_SECONDS = 120
"""A start on a loaded machine imports everything and compiles the catalogues."""
STEP_SECONDS = 180
"""How long a villager waits for the bot's next answer, kills and restarts included."""
NUMBER = re.compile(r"R-\d{6}")
Json = dict


def crash_config(folder: Path, emulator: BotApiEmulator) -> Path:
    """The sample config for the emulator: office and department groups, no quiet hours, and
    limits and duplicate matching out of the way of many reports from few people."""
    changes = [
        ("admins = [900001]", f"admins = [{OFFICE_ADMIN}]\nchat_id = {OFFICE_CHAT}"),
        ('end = "07:00"', 'end = "22:00"'),  # the same time twice: no quiet hours
        ("reports_per_hour = 10", "reports_per_hour = 100000"),
        ("reports_per_day = 30", "reports_per_day = 100000"),
        ("flood_updates = 20", "flood_updates = 100000"),
        ("\nradius_m = 50", "\nradius_m = 1"),
        ("messages_per_second = 25", "messages_per_second = 500"),
        ("telegram_max_per_second = 30", "telegram_max_per_second = 100000"),
    ]
    for key, chat_id in DEPARTMENT_CHATS.items():
        changes.append((f"[departments.{key}]\n", f"[departments.{key}]\nchat_id = {chat_id}\n"))
    return write_config(folder, emulator, emulator.token, changes)


SPARE = (
    "import sys; from bot.__main__ import main; sys.stdin.readline(); "
    "sys.argv = ['python -m bot', '--config', sys.argv[1]]; sys.exit(main())"
)
"""`python -m bot` with its imports done ahead, waiting for a line on stdin to start."""


class BotProcess:
    """`python -m bot` in its own process: started, killed with SIGKILL, started again.

    A spare process imports everything while the bot runs and starts when told, so a restart
    costs the start-up alone (imports take seconds on a loaded machine); only one runs the bot.
    """

    def __init__(self, emulator: BotApiEmulator, config_path: Path) -> None:
        self._emulator = emulator
        self._config_path = config_path
        self._process: asyncio.subprocess.Process | None = None
        self._spare: asyncio.subprocess.Process | None = None
        self.kills = 0

    async def _spawn(self) -> asyncio.subprocess.Process:
        with (self._config_path.parent / "bot.log").open("ab") as log:
            return await asyncio.create_subprocess_exec(
                sys.executable,
                "-c",
                SPARE,
                str(self._config_path),
                cwd=ROOT,
                stdin=asyncio.subprocess.PIPE,
                stdout=log,
                stderr=asyncio.subprocess.STDOUT,
                env={key: value for key, value in os.environ.items() if key != "BOT_TOKEN"},
                start_new_session=True,
            )

    async def start(self) -> None:
        """Start it and return once it polls for updates (it has resumed what it had)."""
        mark = len(self._emulator.requests)
        process = self._process = self._spare or await self._spawn()
        assert process.stdin is not None
        process.stdin.write(b"start\n")
        await process.stdin.drain()
        self._spare = await self._spawn()
        await until(
            lambda: any(m == "getUpdates" for m, _ in self._emulator.requests[mark:]),
            START_SECONDS,
            lambda: f"the bot did not start polling; see {self._config_path.parent}/bot.log",
            abort=lambda: process.returncode is not None,
        )

    def kill_now(self) -> asyncio.subprocess.Process | None:
        """SIGKILL, at once (callable while the emulator holds the bot's request): as a power
        cut, nothing of the bot runs after this; returns the process to wait for."""
        process = self._process
        if process is None or process.returncode is not None:
            return None
        # Killed already but not yet reaped by asyncio (its child watcher reaps in a thread):
        # the process is gone either way.
        with contextlib.suppress(ProcessLookupError):
            os.kill(process.pid, signal.SIGKILL)
        self.kills += 1
        return process

    async def crash_and_restart(self) -> None:
        process = self.kill_now()
        if process is not None:
            await process.wait()
        await self.start()

    async def stop(self) -> None:
        """SIGTERM and wait: a clean stop (the unused spare is simply ended)."""
        if self._spare is not None:
            self._spare.kill()
            await self._spare.wait()
            self._spare = None
        process = self._process
        if process is None or process.returncode is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            async with asyncio.timeout(60):
                await process.wait()
        except TimeoutError:
            process.kill()
            await process.wait()


async def until(
    condition: Callable[[], bool],
    seconds: float,
    explain: Callable[[], str],
    *,
    abort: Callable[[], bool] = lambda: False,
) -> None:
    """Wait for a condition another process brings about (checked every 20 ms), or fail."""
    deadline = time.monotonic() + seconds
    while not condition():
        if abort() or time.monotonic() > deadline:
            raise AssertionError(explain())
        await asyncio.sleep(0.02)


class CrashTown:
    """The emulator, the bot in its own process, and the sample town's people and places."""

    def __init__(self, emulator: BotApiEmulator, folder: Path) -> None:
        self.emulator = emulator
        self.folder = folder
        self.config_path = crash_config(folder, emulator)
        config = load_config(self.config_path)
        self.database = Path(config.storage.database)
        self.grid = Grid.load(
            config.grid.geojson,
            snap_distance_m=config.grid.snap_distance_m,
            far_outside_m=config.grid.far_outside_m,
        )
        self.people = People(config, self.grid)
        self.bot = BotProcess(emulator, self.config_path)
        self.members: dict[int, EmulatedUser] = {}
        self.served = sorted(h for h in self.grid.hamlets if self.people.grid_members_of(h))
        """Hamlets with a grid member, where a report is routed at once."""
        for hamlet_id in self.served:
            for member_id in self.people.grid_members_of(hamlet_id):
                self.members.setdefault(member_id, emulator.user(member_id, f"网格{member_id}"))
        emulator.user(OFFICE_ADMIN, "美丽办", language_code="zh")
        self.office = emulator.group(OFFICE_CHAT, "美丽办")
        for chat_id in DEPARTMENT_CHATS.values():
            emulator.group(chat_id, "部门")

    def hamlet_id(self, name: str) -> str:
        return next(h.id for h in self.grid.hamlets.values() if h.name == name)

    def spot(self, hamlet_id: str, index: int) -> tuple[float, float]:
        """The index-th distinct point inside the hamlet (a spiral about 4 m apart), so that
        no two reports are taken for duplicates of each other."""
        base_lat, base_lon = self.grid.representative_point(hamlet_id)
        for step in range(index, index + 500):
            angle, radius = step * 2.4, 4.0 * math.sqrt(step)
            latitude = base_lat + radius * math.sin(angle) / 111_000
            longitude = base_lon + radius * math.cos(angle) / (
                111_000 * math.cos(math.radians(base_lat))
            )
            match = self.grid.locate(latitude, longitude)
            if match.fit == Fit.INSIDE and match.hamlet and match.hamlet.id == hamlet_id:
                return latitude, longitude
        raise AssertionError(f"no free spot left in {hamlet_id}")

    def query(self, sql: str, parameters: tuple = ()) -> list[sqlite3.Row]:
        """Read the bot's database from outside, as it is committed now."""
        connection = sqlite3.connect(f"file:{self.database}?mode=ro", uri=True, timeout=30)
        connection.row_factory = sqlite3.Row
        try:
            return connection.execute(sql, parameters).fetchall()
        finally:
            connection.close()

    def kill_when(self, matches: Callable[[Json], bool]) -> asyncio.Event:
        """SIGKILL the bot the instant it sends a matching message (before it hears back);
        the returned event is set once that happened."""
        killed = asyncio.Event()

        async def listener(message: Json) -> None:
            if not killed.is_set() and matches(message):
                process = self.bot.kill_now()
                if process is not None:
                    await process.wait()
                killed.set()
                self.emulator.on_bot_message.remove(listener)

        self.emulator.on_bot_message.append(listener)
        return killed


# -- one villager's report -----------------------------------------------------------------------


def has_buttons(prefix: str) -> Callable[[Json], bool]:
    def check(message: Json) -> bool:
        markup = message.get("reply_markup") or {}
        return any(
            button.get("callback_data", "").startswith(prefix)
            for row in markup.get("inline_keyboard", [])
            for button in row
        )

    return check


def asks_for_place(message: Json) -> bool:
    rows = (message.get("reply_markup") or {}).get("keyboard") or []
    return any(isinstance(b, dict) and b.get("request_location") for row in rows for b in row)


def number_in(message: Json) -> str | None:
    found = NUMBER.search(message.get("text") or message.get("caption") or "")
    return found.group(0) if found else None


@dataclass
class Filed:
    """A report as the villager made it and the number they were given for it."""

    villager: int
    photo: str
    """The photo's file_unique_id."""
    hamlet_id: str
    point: tuple[float, float]
    number: str


async def file_report(
    villager: EmulatedUser, hamlet_id: str, point: tuple[float, float], category: str
) -> Filed:
    """Photo → location → category → Submit, as a villager taps it; waits through restarts."""
    sent = villager.send_photo()
    await villager.wait_for(asks_for_place, STEP_SECONDS)
    villager.send_location(*point)
    question = await villager.wait_for(has_buttons("v2:rc:"), STEP_SECONDS)
    villager.press(question, f"v2:rc:{category}")
    summary = await villager.wait_for(has_buttons("v2:rs"), STEP_SECONDS)
    villager.press(summary, "v2:rs")
    confirmation = await villager.wait_for(lambda m: number_in(m) is not None, STEP_SECONDS)
    number = number_in(confirmation)
    assert number is not None
    return Filed(villager.user_id, sent["photo"][-1]["file_unique_id"], hamlet_id, point, number)


# -- the soak ------------------------------------------------------------------------------------


@dataclass
class Figures:
    reports: int = 0
    kills: int = 0
    reached_grid_member: int = 0
    created_twice: int = 0
    stored_without_place: int = 0
    wrong_evidence: int = 0
    confirmations_repeated: int = 0
    cards_repeated: int = 0
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"reports {self.reports}, kills {self.kills}, reached grid member "
            f"{self.reached_grid_member}, created twice {self.created_twice}, stored without "
            f"place {self.stored_without_place}, wrong evidence {self.wrong_evidence}, "
            f"messages repeated: confirmations {self.confirmations_repeated}, grid member cards "
            f"{self.cards_repeated}; {self.seconds:.1f} s"
        )


async def soak(town: CrashTown, *, reports: int, kills: int, villagers: int, seed: int) -> Figures:
    """File `reports` reports from `villagers` people while killing the bot `kills` times."""
    started = time.monotonic()
    chooser = random.Random(seed)
    categories = ["household", "construction", "water"]
    # Each report makes at least seven messages and edits (five to the villager, the grid
    # member's card and pin), and the office's copy:
    # one kill point in each of `kills` equal stretches of the first 6 × reports is reached.
    stretch = 6 * reports / kills
    kill_at = [int(stretch * index + chooser.uniform(1, stretch)) for index in range(kills)]
    delays = [chooser.choice([0.0, 0.0, 0.002, 0.01, 0.03]) for _ in range(kills)]
    seen = 0
    restarts: list[asyncio.Task] = []

    async def killer(message: Json) -> None:
        nonlocal seen
        seen += 1
        done = town.bot.kills
        if done < kills and seen >= kill_at[done] and not any(not t.done() for t in restarts):
            if delays[done]:
                restarts.append(asyncio.create_task(_later(delays[done], town.bot)))
            else:
                process = town.bot.kill_now()
                if process is not None:
                    await process.wait()
                restarts.append(asyncio.create_task(town.bot.start()))

    town.emulator.on_bot_message.append(killer)
    people = [
        town.emulator.user(700000 + index, f"村民{index}", language_code="zh")
        for index in range(villagers)
    ]
    plan: list[list[tuple[str, tuple[float, float], str]]] = [[] for _ in people]
    used: dict[str, int] = {}
    for index in range(reports):
        hamlet_id = chooser.choice(town.served)
        point = town.spot(hamlet_id, used.get(hamlet_id, 0))
        used[hamlet_id] = used.get(hamlet_id, 0) + 1
        plan[index % villagers].append((hamlet_id, point, chooser.choice(categories)))

    async def villager_files(person: EmulatedUser, mine: list) -> list[Filed]:
        return [await file_report(person, *report) for report in mine]

    filed_lists = await asyncio.gather(
        *(villager_files(person, mine) for person, mine in zip(people, plan, strict=True))
    )
    filed = [report for mine in filed_lists for report in mine]
    for task in restarts:
        await task
    town.emulator.on_bot_message.remove(killer)
    numbers = {report.number for report in filed}
    await until(
        lambda: numbers <= _numbers_received(town.members.values()),
        STEP_SECONDS,
        lambda: (
            f"never reached a grid member: {numbers - _numbers_received(town.members.values())}"
        ),
    )
    await town.bot.stop()
    figures = check(town, filed, people)
    figures.kills = town.bot.kills
    figures.seconds = time.monotonic() - started
    return figures


async def _later(delay: float, bot: BotProcess) -> None:
    await asyncio.sleep(delay)  # a random instant after the message: mid-handling, mid-commit
    await bot.crash_and_restart()


def _numbers_received(chats: object) -> set[str]:
    return {
        number
        for chat in chats
        for message in chat.messages
        if (number := number_in(message)) is not None
    }


def check(town: CrashTown, filed: list[Filed], people: list[EmulatedUser]) -> Figures:
    """Compare what people were told with what is stored and what grid members received."""
    figures = Figures(reports=len(filed))
    stored = {row["id"]: row for row in town.query("SELECT * FROM reports")}
    photos: dict[int, list[str]] = {}
    for row in town.query(
        "SELECT report_id, file_unique_id FROM report_media WHERE role = 'photo' ORDER BY position"
    ):
        photos.setdefault(row["report_id"], []).append(row["file_unique_id"])
    figures.created_twice = len(stored) - len({report.number for report in filed})
    figures.stored_without_place = sum(1 for row in stored.values() if row["hamlet_id"] is None)
    for report in filed:
        report_id = int(report.number[2:])
        row = stored.get(report_id)
        if row is None:
            figures.problems.append(f"{report.number} was confirmed but is not stored")
            continue
        if photos.get(report_id) != [report.photo] or row["reporter_id"] != report.villager:
            figures.wrong_evidence += 1
            figures.problems.append(f"{report.number} holds {photos.get(report_id)}")
        if row["hamlet_id"] != report.hamlet_id or (
            abs(row["latitude"] - report.point[0]) > 1e-7
            or abs(row["longitude"] - report.point[1]) > 1e-7
        ):
            figures.problems.append(f"{report.number} is stored at another place")
        if reached(town, report):
            figures.reached_grid_member += 1
        else:
            figures.problems.append(f"{report.number} did not reach its grid member whole")
    for person in people:
        numbers = [n for m in person.messages if (n := number_in(m)) is not None]
        figures.confirmations_repeated += len(numbers) - len(set(numbers))
    for member in town.members.values():
        cards = [n for m in member.messages if (n := number_in(m)) is not None]
        figures.cards_repeated += len(cards) - len(set(cards))
    if figures.created_twice:
        figures.problems.append(f"{figures.created_twice} reports stored beyond those confirmed")
    return figures


def reached(town: CrashTown, report: Filed) -> bool:
    """A grid member of the hamlet got the card with the number, the photo and the pin."""
    for member_id in town.people.grid_members_of(report.hamlet_id):
        messages = town.members[member_id].messages
        card = any(number_in(m) == report.number for m in messages)
        photo = any(
            m.get("photo") and m["photo"][-1]["file_unique_id"] == report.photo for m in messages
        )
        pin = any(
            "location" in m
            and abs(m["location"]["latitude"] - report.point[0]) < 1e-6
            and abs(m["location"]["longitude"] - report.point[1]) < 1e-6
            for m in messages
        )
        if card and photo and pin:
            return True
    return False


async def run(reports: int, kills: int, villagers: int, seed: int) -> Figures:
    emulator = BotApiEmulator(token=TOKEN)
    await emulator.start()
    try:
        with tempfile.TemporaryDirectory(prefix="crash-soak-") as folder:
            town = CrashTown(emulator, Path(os.environ.get("CRASH_SOAK_FOLDER") or folder))
            await town.bot.start()
            try:
                return await soak(
                    town, reports=reports, kills=kills, villagers=villagers, seed=seed
                )
            finally:
                with contextlib.suppress(Exception):
                    await town.bot.stop()
    finally:
        await emulator.stop()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.crash_soak", description=__doc__)
    parser.add_argument("--reports", type=int, default=1000)
    parser.add_argument("--kills", type=int, default=50)
    parser.add_argument("--villagers", type=int, default=250)
    parser.add_argument("--seed", type=int, default=11)
    arguments = parser.parse_args()
    figures = asyncio.run(
        run(arguments.reports, arguments.kills, arguments.villagers, arguments.seed)
    )
    print(f"crash soak: {figures.summary()}")
    print(json.dumps({"problems": figures.problems[:20]}, ensure_ascii=False))
    sys.exit(1 if figures.problems else 0)


if __name__ == "__main__":
    main()
