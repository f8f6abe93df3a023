"""The playground is not a door into the machine: its built-in Bot API server answers only
the local bot, with a token no other page can know, serves no stored file as a page, and
refuses URL buttons that would run script (issue 13). Each test fails on the open server."""

from __future__ import annotations

import re

import aiohttp
import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest

from bot.emulator import BotApiEmulator
from bot.playground import Playground, PlaygroundServer

VILLAGER = "villager:555001"
BOT_TOKEN_SHAPE = re.compile(r"^\d{5,}:[A-Za-z0-9_-]{35}$")
PAGE = b"<!doctype html><script>document.title = 'pwned'</script>"


def emulator_of(playground: Playground) -> BotApiEmulator:
    assert playground.emulator is not None
    return playground.emulator


async def call(url: str, headers: dict[str, str], **params: object) -> tuple[int, dict]:
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, data=params, headers=headers) as response,
    ):
        return response.status, await response.json()


async def test_the_emulator_refuses_other_sites_and_other_host_names(
    site: tuple[Playground, PlaygroundServer],
) -> None:
    emulator = emulator_of(site[0])
    send = f"{emulator.base_url}{emulator.token}/sendMessage"
    message = {"chat_id": "555001", "text": "injected"}
    before = len(emulator.sent)
    for headers in (
        {"Origin": "http://evil.example"},
        {"Origin": "null"},
        {"Host": "evil.example"},  # DNS rebinding: a foreign name resolved to 127.0.0.1
        {"Sec-Fetch-Site": "cross-site"},  # a browser's request started by another page
    ):
        status, body = await call(send, headers, **message)
        assert status == 403, headers
        assert body["ok"] is False and body["description"].startswith("Forbidden"), headers
    assert len(emulator.sent) == before

    status, body = await call(send, {"Origin": f"http://127.0.0.1:{emulator.port}"}, **message)
    assert status == 200 and body["ok"] is True  # the local bot itself still gets through


async def test_the_token_is_random_shaped_like_a_bot_token_and_new_at_every_start(
    site: tuple[Playground, PlaygroundServer],
) -> None:
    playground = site[0]
    first = emulator_of(playground).token
    await playground.reset()
    second = emulator_of(playground).token
    assert BOT_TOKEN_SHAPE.match(first) and BOT_TOKEN_SHAPE.match(second)
    assert first != second
    status, body = await call(f"{emulator_of(playground).base_url}{first}/getMe", {})
    assert status == 401 and body["ok"] is False  # yesterday's token opens nothing


async def test_an_uploaded_html_file_downloads_as_an_attachment_never_as_a_page(
    site: tuple[Playground, PlaygroundServer],
) -> None:
    playground, server = site
    emulator = emulator_of(playground)
    villager = emulator.user(playground.persona(VILLAGER).user_id)
    sent_by_villager = villager.send_document(PAGE, "notes.html", "text/html")
    assert playground.bot is not None and playground.bot.application is not None
    bot = playground.bot.application.bot
    sent_by_bot = await bot.send_document(villager.chat_id, PAGE, filename="page.html")

    async with aiohttp.ClientSession() as session:
        for file_id in (sent_by_villager["document"]["file_id"], sent_by_bot.document.file_id):
            for query in ("", "?download"):
                async with session.get(f"{server.url}api/files/{file_id}{query}") as response:
                    assert response.status == 200
                    assert "html" not in response.content_type
                    assert response.content_type == "application/octet-stream"
                    assert response.headers["X-Content-Type-Options"] == "nosniff"
                    assert response.headers["Content-Disposition"].startswith("attachment")
        stored = await bot.get_file(sent_by_bot.document.file_id)
        async with session.get(stored.file_path) as response:  # the emulator's own download
            assert response.status == 200 and await response.read() == PAGE
            assert response.content_type == "application/octet-stream"
            assert response.headers["X-Content-Type-Options"] == "nosniff"
            assert response.headers["Content-Disposition"].startswith("attachment")


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(document.domain)",
        "JavaScript:alert(1)",
        "data:text/html,<b>x</b>",
        "file:///etc/passwd",
        "http:alert(1)",
    ],
)
async def test_a_url_button_other_than_http_or_tg_is_refused_as_telegram_does(
    site: tuple[Playground, PlaygroundServer], url: str
) -> None:
    playground = site[0]
    assert playground.bot is not None and playground.bot.application is not None
    bot = playground.bot.application.bot
    chat_id = playground.persona(VILLAGER).chat_id
    evil = InlineKeyboardMarkup([[InlineKeyboardButton("open", url=url)]])
    with pytest.raises(BadRequest, match=r"(?i)button_url_invalid"):
        await bot.send_message(chat_id, "look", reply_markup=evil)
    fine = await bot.send_message(chat_id, "look", reply_markup=_links())
    with pytest.raises(BadRequest, match=r"(?i)button_url_invalid"):
        await bot.edit_message_reply_markup(chat_id, fine.message_id, reply_markup=evil)
    assert emulator_of(playground).sent[-1]["reply_markup"] == _links().to_dict()


def _links() -> InlineKeyboardMarkup:
    """URL buttons Telegram accepts: web pages and tg: links."""
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton("web", url="https://example.org/a?b=1")],
            [InlineKeyboardButton("plain web", url="http://example.org")],
            [InlineKeyboardButton("chat", url="tg://resolve?domain=clean_village_bot")],
        ]
    )
