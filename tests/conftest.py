"""Fixtures that run the real bot against the project's Bot API emulator on 127.0.0.1."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.app import CleanVillageBot
from bot.core.clock import OffsetClock
from bot.core.config import Config, load_config
from bot.emulator import BotApiEmulator, EmulatedUser

pytest_plugins = ["tests.playground_setup"]  # the playground fixtures: site, http

ROOT = Path(__file__).parent.parent
TOKEN = "123456:TEST_token-shaped-like-one-from-BotFather"  # `python -m bot` checks the shape

OFFICE_ADMIN = 900001
OFFICE_CHAT = -100500
CLEAN_HOMES_CHAT = -100601
CLEAN_WATER_CHAT = -100602
NABI_MEMBER = 100001  # the sample grid member of 那笔坡 (h-id looked up by name)
VILLAGER = 555001
# Every town starts on a Wednesday morning, Santang time: no seeded schedule (Saturday's
# cleanup day, the 25th's assessment) and no quiet hours get in the way of a test that does
# not move the clock there on purpose.
TOWN_START = datetime(2026, 12, 2, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@dataclass
class Town:
    """The emulator, a running bot, and the people of the sample town."""

    emulator: BotApiEmulator
    config_path: Path
    bot: CleanVillageBot
    clock: OffsetClock
    villager: EmulatedUser
    member: EmulatedUser
    admin: EmulatedUser
    office: object
    clean_homes: object
    extra: dict[str, EmulatedUser] = field(default_factory=dict)

    @property
    def config(self) -> Config:
        return self.bot.config

    async def restart(self, *, down_until: datetime | None = None) -> None:
        """Stop the bot and start a new one on the same database (a deploy or a crash),
        optionally after staying down until `down_until`."""
        await self.bot.stop()
        if down_until is not None:
            self.clock.set(down_until)
        self.bot = CleanVillageBot(load_config(self.config_path), clock=self.clock, poll_timeout=1)
        await self.bot.start()

    def hamlet_id(self, name: str) -> str:
        return next(h.id for h in self.bot.grid.hamlets.values() if h.name == name)

    def inside(self, name: str) -> tuple[float, float]:
        """A point well inside the named hamlet."""
        point = self.bot.grid.representative_point(self.hamlet_id(name))
        return point


def config_text_for(tmp_path: Path) -> str:
    """The sample config pointed at a temporary database, with office and department groups."""
    text = (ROOT / "config.toml").read_text(encoding="utf-8")
    text = text.replace('base_url = "https://api.telegram.org/bot"', 'base_url = "{base_url}"')
    text = text.replace(
        'base_file_url = "https://api.telegram.org/file/bot"', 'base_file_url = "{base_file_url}"'
    )
    text = text.replace('token = ""', f'token = "{TOKEN}"')
    text = text.replace(
        'database = "data/cleanvillage.sqlite3"', f'database = "{tmp_path}/bot.sqlite3"'
    )
    text = text.replace('media_dir = "data/media"', f'media_dir = "{tmp_path}/media"')
    text = text.replace('geojson = "bot/sample/', f'geojson = "{ROOT}/bot/sample/')
    # The emulator does not limit rates; follow notices closely so tests do not wait.
    text = text.replace("messages_per_second = 25", "messages_per_second = 500")
    text = text.replace("telegram_max_per_second = 30", "telegram_max_per_second = 100000")
    text = text.replace("progress_every_seconds = 3", "progress_every_seconds = 0.3")
    text = text.replace("check_every_seconds = 60", "check_every_seconds = 0.2")
    text = text.replace("admins = [900001]", f"admins = [{OFFICE_ADMIN}]\nchat_id = {OFFICE_CHAT}")
    text = re.sub(
        r"(\[departments\.clean_homes\]\nname = .*\n)", rf"\1chat_id = {CLEAN_HOMES_CHAT}\n", text
    )
    text = re.sub(
        r"(\[departments\.clean_water\]\nname = .*\n)", rf"\1chat_id = {CLEAN_WATER_CHAT}\n", text
    )
    return text


@pytest.fixture
async def emulator() -> AsyncIterator[BotApiEmulator]:
    emu = BotApiEmulator(token=TOKEN)
    await emu.start()
    try:
        yield emu
    finally:
        await emu.stop()


Adapt = Callable[[str, Path], str]
"""Changes a town's config text (the town's folder given): another town than the sample."""


async def start_town(
    tmp_path: Path, emulator: BotApiEmulator, language: str = "zh", adapt: Adapt | None = None
) -> Town:
    """The bot started on the emulator with the sample town (or the one `adapt` makes of it),
    its people speaking `language`."""
    config_path = tmp_path / "config.toml"
    text = (
        config_text_for(tmp_path)
        .replace("{base_url}", emulator.base_url)
        .replace("{base_file_url}", emulator.base_file_url)
    )
    config_path.write_text(adapt(text, tmp_path) if adapt else text, encoding="utf-8")
    clock = OffsetClock()
    clock.set(TOWN_START)
    bot = CleanVillageBot(load_config(config_path), clock=clock, poll_timeout=1)
    await bot.start()
    emulator.group(CLEAN_WATER_CHAT, "经贸站")
    return Town(
        emulator=emulator,
        config_path=config_path,
        bot=bot,
        clock=clock,
        villager=emulator.user(VILLAGER, "王阿婆", language_code=language, username="wang_apo"),
        member=emulator.user(NABI_MEMBER, "韦网格", language_code=language),
        admin=emulator.user(OFFICE_ADMIN, "美丽办", language_code=language),
        office=emulator.group(OFFICE_CHAT, "美丽办"),
        clean_homes=emulator.group(CLEAN_HOMES_CHAT, "城管中队"),
    )


@pytest.fixture
async def town(
    tmp_path: Path, emulator: BotApiEmulator, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Town]:
    monkeypatch.delenv("BOT_TOKEN", raising=False)
    town = await start_town(tmp_path, emulator)
    try:
        yield town
    finally:
        await town.bot.stop()
