"""Webhook mode end to end: the emulator POSTs each update to the bot's webhook (our inbox's
server) with the secret token; the core story runs as with polling; a wrong secret is refused."""

from __future__ import annotations

import json
import re
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from bot.app import CleanVillageBot
from bot.core.clock import OffsetClock
from bot.core.config import load_config
from bot.emulator import BotApiEmulator
from bot.emulator.webhook import CONFLICT, SECRET_HEADER
from bot.reporting.buttons import AcceptTask, ConfirmFixed, MarkFixed, StillThere
from bot.reporting.lifecycle import State
from handlers.buttons import SkipFixNote
from tests.conftest import (
    CLEAN_HOMES_CHAT,
    NABI_MEMBER,
    OFFICE_ADMIN,
    OFFICE_CHAT,
    TOWN_START,
    VILLAGER,
    Town,
    config_text_for,
)
from tests.test_report_story import has_buttons, report_at

SECRET = "s3cret_token-for-tests"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
async def webhook_town(
    tmp_path: Path, emulator: BotApiEmulator, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Town]:
    """The sample town with the bot in webhook mode on a free loopback port."""
    monkeypatch.delenv("BOT_TOKEN", raising=False)
    monkeypatch.delenv("WEBHOOK_SECRET", raising=False)
    port = free_port()
    text = (
        config_text_for(tmp_path)
        .replace("{base_url}", emulator.base_url)
        .replace("{base_file_url}", emulator.base_file_url)
    )
    for key, value in {
        "webhook_url": f'"http://127.0.0.1:{port}/hook"',
        "webhook_secret": f'"{SECRET}"',
        "webhook_port": str(port),
        "webhook_path": '"hook"',
    }.items():
        text = re.sub(rf"(?m)^{key} = .*$", f"{key} = {value}", text, count=1)
    config_path = tmp_path / "config.toml"
    config_path.write_text(text, encoding="utf-8")
    clock = OffsetClock()
    clock.set(TOWN_START)
    bot = CleanVillageBot(load_config(config_path), clock=clock)
    await bot.start()
    town = Town(
        emulator=emulator,
        config_path=config_path,
        bot=bot,
        clock=clock,
        villager=emulator.user(VILLAGER, "王阿婆", language_code="zh"),
        member=emulator.user(NABI_MEMBER, "韦网格", language_code="zh"),
        admin=emulator.user(OFFICE_ADMIN, "美丽办", language_code="zh"),
        office=emulator.group(OFFICE_CHAT, "美丽办"),
        clean_homes=emulator.group(CLEAN_HOMES_CHAT, "城管中队"),
    )
    try:
        yield town
    finally:
        await town.bot.stop()


async def test_the_core_story_by_webhook(webhook_town: Town) -> None:
    town = webhook_town
    info = town.emulator.webhook.info()
    assert info["url"].endswith("/hook") and town.emulator.webhook.secret_token == SECRET
    villager, member = town.villager, town.member
    await report_at(town, villager, town.inside("那笔坡"))
    card = await member.wait_for(has_buttons(AcceptTask(1).pack(), MarkFixed(1).pack()))
    member.press(card, AcceptTask(1).pack())
    await villager.wait_for(lambda m: "R-000001" in (m.get("text") or "") and "👷" in m["text"])
    member.press(card, MarkFixed(1).pack())
    await member.wait_for(lambda m: "R-000001" in (m.get("text") or ""))
    member.send_photo()
    member.press(await member.wait_for(has_buttons(SkipFixNote().pack())), SkipFixNote().pack())
    await villager.wait_for(lambda m: "photo" in m)
    question = await villager.wait_for(has_buttons(ConfirmFixed(1).pack(), StillThere(1).pack()))
    villager.press(question, ConfirmFixed(1).pack())
    await town.office.wait_for(lambda m: "✅" in (m.get("text") or ""))
    assert (await town.bot.storage.reports.get(1)).state == State.CLOSED
    # Every update went by webhook, each taken at the first try.
    statuses = {status for _, status in town.emulator.webhook.deliveries}
    assert statuses == {200}
    assert not [m for m, _ in town.emulator.requests if m.lower() == "getupdates"]


async def test_a_wrong_secret_is_refused(webhook_town: Town) -> None:
    town = webhook_town
    url = town.emulator.webhook.url
    update = {
        "update_id": 999,
        "message": {
            "message_id": 1,
            "date": 0,
            "chat": {"id": VILLAGER, "type": "private"},
            "from": {"id": VILLAGER, "is_bot": False, "first_name": "x"},
            "text": "/help",
        },
    }
    async with aiohttp.ClientSession() as session:
        for headers in ({SECRET_HEADER: "wrong"}, {}):
            async with session.post(
                url,
                data=json.dumps(update),
                headers={"Content-Type": "application/json", **headers},
            ) as answer:
                assert answer.status == 403
    # The real thing still works, and nothing was answered to the forged update.
    town.villager.send_text("/help")
    await town.villager.next_message()
    assert len(town.villager.messages) == 1


async def test_get_updates_conflicts_while_a_webhook_is_set(webhook_town: Town) -> None:
    emulator = webhook_town.emulator
    url = f"{emulator.base_url}{emulator.token}/getUpdates"
    async with aiohttp.ClientSession() as session, session.post(url) as answer:
        body = await answer.json()
    assert answer.status == 409 and body["description"] == CONFLICT
