"""The sample configuration made ready for a playground under test (a temporary data folder,
any free port, no browser opened, every path absolute), and the fixtures the playground tests
share: the running playground with its web server, an HTTP session to it, and its people."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from bot.core.config import load_config
from bot.emulator import EmulatedUser
from bot.playground import Playground, PlaygroundServer

ROOT = Path(__file__).parent.parent


def playground_config(tmp_path: Path) -> Path:
    """Write the sample config.toml, pointed at `tmp_path`, and return its path."""
    text = (ROOT / "config.toml").read_text(encoding="utf-8")
    replacements = {
        "port = 8765": "port = 0",
        'data_dir = "data/playground"': f'data_dir = "{tmp_path}/playground"',
        "open_browser = true": "open_browser = false",
        'database = "data/cleanvillage.sqlite3"': f'database = "{tmp_path}/real.sqlite3"',
        'media_dir = "data/media"': f'media_dir = "{tmp_path}/real-media"',
        '"bot/sample/': f'"{ROOT}/bot/sample/',
    }
    for old, new in replacements.items():
        assert old in text, f"config.toml no longer has {old!r}"
        text = text.replace(old, new)
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
async def site(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[Playground, PlaygroundServer]]:
    """The playground and its web server, running on a free port until the test ends."""
    monkeypatch.delenv("BOT_TOKEN", raising=False)
    playground = Playground(load_config(playground_config(tmp_path)))
    server = PlaygroundServer(playground, 0)
    await server.start()
    await playground.start()
    try:
        yield playground, server
    finally:
        await server.stop()
        await playground.stop()


@pytest.fixture
async def http(site: tuple[Playground, PlaygroundServer]) -> AsyncIterator[aiohttp.ClientSession]:
    """An HTTP session to the playground's page and API."""
    async with aiohttp.ClientSession(base_url=site[1].url) as session:
        yield session


def user_of(playground: Playground, key: str) -> EmulatedUser:
    """The emulated Telegram user behind one of the playground's personas."""
    assert playground.emulator is not None
    return playground.emulator.user(playground.persona(key).user_id)
