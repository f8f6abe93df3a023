"""Soak (issue 11): villagers file 100 reports while the bot process is killed 10 times at
seeded random moments; every confirmed report reaches its grid member with its own photo and
place, and nothing is stored twice. `benchmarks/crash_soak.py` runs the long round."""

from __future__ import annotations

from pathlib import Path

from benchmarks.crash_soak import CrashTown, soak
from bot.emulator import BotApiEmulator


async def test_reports_survive_ten_kills(tmp_path: Path, emulator: BotApiEmulator) -> None:
    town = CrashTown(emulator, tmp_path)
    await town.bot.start()
    try:
        figures = await soak(town, reports=100, kills=10, villagers=20, seed=11)
    finally:
        await town.bot.stop()
    assert figures.problems == []
    assert figures.kills == 10
    assert figures.reports == figures.reached_grid_member == 100
    assert figures.created_twice == figures.stored_without_place == figures.wrong_evidence == 0
