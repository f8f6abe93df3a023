"""The emulator's webhooks, method by method: setWebhook's checks, getWebhookInfo,
deleteWebhook, getUpdates' 409, and delivery with the secret header, repeated until 2xx."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web

from bot.emulator import BotApiEmulator
from bot.emulator.webhook import CONFLICT, SECRET_HEADER
from tests.conftest import TOKEN


class Receiver:
    """A webhook endpoint that answers the statuses it is given, then 200."""

    def __init__(self, statuses: list[int]) -> None:
        self.statuses = statuses
        self.received: list[tuple[dict, str | None]] = []
        self.arrived = asyncio.Event()
        self.url = ""

    async def handle(self, request: web.Request) -> web.Response:
        self.received.append((await request.json(), request.headers.get(SECRET_HEADER)))
        status = self.statuses.pop(0) if self.statuses else 200
        if status == 200:
            self.arrived.set()
        return web.Response(status=status)


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    found = Receiver([500, 502])
    app = web.Application()
    app.router.add_post("/hook", found.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    found.url = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
    try:
        yield found
    finally:
        await runner.cleanup()


async def call(emulator: BotApiEmulator, method: str, **params: object) -> tuple[int, dict]:
    """A Bot API call as PTB makes it: a form, non-string values JSON-encoded."""
    form = {
        key: value if isinstance(value, str) else json.dumps(value) for key, value in params.items()
    }
    url = f"{emulator.base_url}{TOKEN}/{method}"
    async with aiohttp.ClientSession() as session, session.post(url, data=form) as answer:
        return answer.status, await answer.json()


@pytest.mark.parametrize(
    "params, description",
    [
        ({"url": "http://example.org/hook"}, "An HTTPS URL must be provided"),
        ({"url": "ftp://127.0.0.1/hook"}, "invalid URL"),
        ({"url": "https://example.org/h", "secret_token": "has space"}, "unallowed characters"),
        ({"url": "https://example.org/h", "secret_token": "x" * 257}, "unallowed characters"),
        ({"url": "https://example.org/h", "max_connections": 101}, "max_connections"),
    ],
)
async def test_set_webhook_refuses_what_telegram_refuses(
    emulator: BotApiEmulator, params: dict, description: str
) -> None:
    status, body = await call(emulator, "setWebhook", **params)
    assert status == 400 and description in body["description"]
    assert not emulator.webhook.active


async def test_updates_are_posted_with_the_secret_until_taken(
    emulator: BotApiEmulator, receiver: Receiver
) -> None:
    user = emulator.user(555001, "王阿婆")
    user.send_text("early")
    status, _ = await call(
        emulator,
        "setWebhook",
        url=receiver.url,
        secret_token="Ab_9-" * 51 + "x",
        drop_pending_updates=True,
        max_connections=5,
    )
    assert status == 200
    user.send_text("你好")
    await asyncio.wait_for(receiver.arrived.wait(), 10)
    texts = [update["message"]["text"] for update, _ in receiver.received]
    assert texts == ["你好", "你好", "你好"]  # the early one was dropped; 500 and 502 repeated
    assert {secret for _, secret in receiver.received} == {"Ab_9-" * 51 + "x"}
    status, body = await call(emulator, "getWebhookInfo")
    info = body["result"]
    assert info["url"] == receiver.url and info["max_connections"] == 5
    assert info["pending_update_count"] == 0 and "502" in info["last_error_message"]

    status, body = await call(emulator, "getUpdates")
    assert status == 409 and body["description"] == CONFLICT

    assert (await call(emulator, "deleteWebhook"))[0] == 200
    user.send_text("polling again")
    status, body = await call(emulator, "getUpdates")
    assert status == 200 and body["result"][-1]["message"]["text"] == "polling again"
    assert (await call(emulator, "getWebhookInfo"))[1]["result"]["url"] == ""


async def test_allowed_updates_filter_what_is_posted(
    emulator: BotApiEmulator, receiver: Receiver
) -> None:
    receiver.statuses.clear()
    await call(emulator, "setWebhook", url=receiver.url, allowed_updates=["callback_query"])
    user = emulator.user(555001, "王阿婆")
    user.send_text("not asked for")
    message = user.send_text("also not")
    emulator.post_callback_query(user, message, "v1:x")
    await asyncio.wait_for(receiver.arrived.wait(), 10)
    assert [list(update)[1] for update, _ in receiver.received] == ["callback_query"]
