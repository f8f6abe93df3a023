"""Sixteen villagers' photos downloading over a slow link do not freeze anybody's replies:
downloads have their own connections (bot.app.download_client)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from bot.clients import DOWNLOAD_CONNECTIONS
from bot.emulator import BotApiEmulator
from tests.conftest import TOKEN, Town

VILLAGERS = 16


class HeldDownloads:
    """File downloads wait at a gate until the test opens it (a link that has stalled)."""

    def __init__(self) -> None:
        self.gate = asyncio.Event()
        self.waiting = 0


@pytest.fixture
def held() -> HeldDownloads:
    return HeldDownloads()


@pytest.fixture
async def emulator(held: HeldDownloads) -> AsyncIterator[BotApiEmulator]:
    """The usual emulator, with file downloads held at `held.gate`."""
    emu = BotApiEmulator(token=TOKEN)
    answer = emu._handle_file

    async def slow(request: web.Request) -> web.StreamResponse:
        held.waiting += 1
        await held.gate.wait()
        return await answer(request)

    emu._handle_file = slow  # the route is bound at start: patch before it
    await emu.start()
    try:
        yield emu
    finally:
        held.gate.set()
        await emu.stop()


async def test_replies_go_while_photos_download_slowly(town: Town, held: HeldDownloads) -> None:
    villagers = [town.emulator.user(560000 + n, f"村民{n}") for n in range(VILLAGERS)]
    for villager in villagers:
        villager.send_photo()
    for _ in range(1000):  # until the download connections are all stuck
        if held.waiting >= DOWNLOAD_CONNECTIONS:
            break
        await asyncio.sleep(0.01)
    assert held.waiting == DOWNLOAD_CONNECTIONS

    # Everybody else is still answered, and so is the office.
    town.villager.send_text("/help")
    assert await town.villager.next_message()
    town.admin.send_text("/queue")
    assert await town.admin.next_message()

    held.gate.set()
    for villager in villagers:
        await villager.wait_for(lambda m: bool(m.get("reply_markup", {}).get("keyboard")), 30)
    assert held.waiting == VILLAGERS
