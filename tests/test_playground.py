"""The playground's engine and web API, in process: the real bot on the built-in emulator.

What a page does is an HTTP request here; what the bot answers is read from the emulator or
from the page's event stream. The browser itself is in test_playground_browser.py, and
`make run` as a process in test_playground_run.py.
"""

from __future__ import annotations

import asyncio
import io
import json
import re
from datetime import timedelta
from pathlib import Path
from xml.etree import ElementTree

import aiohttp
import pytest
from PIL import Image

from bot.core.config import ConfigError, load_config
from bot.places.grid import Fit
from bot.playground import Playground, PlaygroundServer
from bot.playground.personas import DEPARTMENT_GROUP_BASE
from bot.reporting.buttons import AcceptTask
from bot.reporting.lifecycle import State
from tests.playground_setup import playground_config, user_of

VILLAGER, MEMBER, OFFICE = "villager:555001", "grid_member:100001", "office:900001"
VILLAGER_CHAT = 555001
WAIT_SECONDS = 10


def has_buttons(prefix: str):
    def check(message: dict) -> bool:
        rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
        return any(button["callback_data"].startswith(prefix) for row in rows for button in row)

    return check


async def post(http: aiohttp.ClientSession, path: str, body: object) -> tuple[int, dict]:
    async with http.post(path, json=body) as response:
        return response.status, await response.json()


async def press(http: aiohttp.ClientSession, key: str, message: dict, data: str) -> None:
    path = f"/api/personas/{key}/press"
    status, _ = await post(http, path, {"message_id": message["message_id"], "data": data})
    assert status == 200


async def report_by_clicks(http: aiohttp.ClientSession, playground: Playground) -> None:
    """Sample photo → a point inside 那笔坡 → household garbage → submit, as the page does it."""
    villager = user_of(playground, VILLAGER)
    await post(http, f"/api/personas/{VILLAGER}/photo", {"sample": "garbage_by_road"})
    await villager.wait_for(lambda m: bool(m.get("reply_markup", {}).get("keyboard")))
    latitude, longitude = playground.grid.representative_point("h01")
    status, _ = await post(
        http,
        f"/api/personas/{VILLAGER}/location",
        {"latitude": latitude, "longitude": longitude},
    )
    assert status == 200
    question = await villager.wait_for(has_buttons("v2:rc:"))
    await press(http, VILLAGER, question, "v2:rc:household")
    summary = await villager.wait_for(has_buttons("v2:rs"))
    await press(http, VILLAGER, summary, "v2:rs")
    await villager.wait_for(lambda m: "R-000001" in (m.get("text") or ""))


# -- people, map and configuration ----------------------------------------------------------


async def test_state_lists_the_towns_people_map_samples_and_three_default_panes(
    site: tuple[Playground, PlaygroundServer], http: aiohttp.ClientSession
) -> None:
    async with http.get("/api/state") as response:
        state = await response.json()
    kinds = {persona["kind"] for persona in state["personas"]}
    assert kinds == {"villager", "grid_member", "village_lead", "office", "department"}
    assert state["panes"] == [VILLAGER, MEMBER, OFFICE]
    assert len([p for p in state["personas"] if p["kind"] == "grid_member"]) == 42
    departments = [p for p in state["personas"] if p["kind"] == "department"]
    assert [p["chat_id"] for p in departments] == [DEPARTMENT_GROUP_BASE - i for i in (1, 2, 3)]
    assert all(p["group"] for p in departments)
    assert len(state["map"]["hamlets"]) == 77 and len(state["map"]["rivers"]) == 5
    assert all(hamlet["path"].startswith("M") for hamlet in state["map"]["hamlets"])
    assert set(state["photos"]) >= {"garbage_by_road", "cleaned_up"}
    assert state["clock"]["offset_hours"] == 0 and state["clock"]["timezone"] == "Asia/Shanghai"


async def test_the_page_declares_its_language_fonts_and_viewport(
    http: aiohttp.ClientSession,
) -> None:
    async with http.get("/") as response:
        assert response.status == 200
        page = await response.text()
    assert '<html lang="zh-CN">' in page and '<meta charset="utf-8">' in page
    assert 'name="viewport"' in page
    async with http.get("/static/playground.css") as response:
        css = await response.text()
    assert "Noto Sans CJK SC" in css and "WenQuanYi Micro Hei" in css
    assert "@media (max-width: 700px)" in css


async def test_the_page_has_an_icon_and_browsers_asking_for_favicon_ico_get_it(
    http: aiohttp.ClientSession,
) -> None:
    async with http.get("/") as response:
        page = await response.text()
    icon = re.search(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', page)
    assert icon is not None
    pictures = []
    for path in (icon.group(1), "/favicon.ico"):
        async with http.get(path) as response:
            assert response.status == 200, path
            assert response.content_type == "image/svg+xml"
            pictures.append(await response.read())
    assert pictures[0] == pictures[1]
    svg = ElementTree.fromstring(pictures[0])
    assert svg.tag == "{http://www.w3.org/2000/svg}svg" and svg.get("viewBox") == "0 0 64 64"


async def test_map_clicks_land_in_the_hamlet_the_bot_routes_to(
    site: tuple[Playground, PlaygroundServer],
) -> None:
    """The page inverts the map's projection: check that inverse against the grid."""
    playground = site[0]
    projection = playground.map["projection"]
    for hamlet in playground.map["hamlets"]:
        x, y = hamlet["label"]
        latitude = projection["north"] - y / projection["y_per_degree"]
        longitude = projection["west"] + x / projection["x_per_degree"]
        match = playground.grid.locate(latitude, longitude)
        assert match.hamlet is not None and match.hamlet.id == hamlet["id"]


def test_a_villager_in_an_unknown_hamlet_is_named(tmp_path: Path) -> None:
    path = playground_config(tmp_path)
    path.write_text(path.read_text().replace('hamlet = "h07"', 'hamlet = "h999"'))
    with pytest.raises(ConfigError, match=r"playground.villagers\[1\].hamlet: no hamlet 'h999'"):
        Playground(load_config(path))


def test_the_playground_refuses_to_share_the_real_database(tmp_path: Path) -> None:
    path = playground_config(tmp_path)
    path.write_text(
        path.read_text().replace(
            f'database = "{tmp_path}/real.sqlite3"',
            f'database = "{tmp_path}/playground/playground.sqlite3"',
        )
    )
    with pytest.raises(ConfigError, match=r"playground\.data_dir"):
        Playground(load_config(path))


# -- chatting through the API ---------------------------------------------------------------


async def test_text_photo_voice_and_commands_reach_the_bot_and_come_back_as_events(
    site: tuple[Playground, PlaygroundServer], http: aiohttp.ClientSession
) -> None:
    playground = site[0]
    villager = user_of(playground, VILLAGER)
    with playground.events.subscribe() as events:
        status, _ = await post(http, f"/api/personas/{VILLAGER}/text", {"text": "/start"})
        assert status == 200
        welcome = await villager.next_message()
        home = await villager.next_message()  # asked right after the welcome, same update
        seen = [await asyncio.wait_for(events.get(), WAIT_SECONDS) for _ in range(2)]
    assert [event["message"]["message_id"] for event in seen] == [1, welcome["message_id"]]
    assert seen[0]["message"]["text"] == "/start" and not seen[0]["message"]["from"]["is_bot"]

    async with http.get(f"/api/chats/{villager.chat_id}") as response:
        messages = (await response.json())["messages"]
    assert [m["message_id"] for m in messages] == [1, welcome["message_id"], home["message_id"]]
    assert messages[1]["entities"]  # the page renders the bot's formatting from them

    await post(http, f"/api/personas/{VILLAGER}/photo", {"sample": "garbage_by_road"})
    await villager.wait_for(lambda m: bool(m.get("reply_markup", {}).get("keyboard")))
    # the villager's photo, wherever the home question (asked after /start) landed around it
    photo = next(m for m in playground.transcript(villager.chat_id) if "photo" in m)
    async with http.get(f"/api/files/{photo['photo'][-1]['file_id']}") as response:
        assert response.content_type == "image/jpeg"
        assert Image.open(io.BytesIO(await response.read())).format == "JPEG"

    status, _ = await post(http, f"/api/personas/{VILLAGER}/voice", {})
    assert status == 200
    voice = playground.transcript(villager.chat_id)[-1]
    assert voice["voice"]["duration"] == 4
    async with http.get(f"/api/files/{voice['voice']['file_id']}") as response:
        assert response.content_type == "audio/ogg" and (await response.read())[:4] == b"OggS"

    async with http.get(f"/api/personas/{VILLAGER}/commands") as response:
        commands = (await response.json())["commands"]
    assert "report" in [command["command"] for command in commands]


async def test_uploads_are_compressed_like_telegram_photos_and_non_pictures_refused(
    site: tuple[Playground, PlaygroundServer], http: aiohttp.ClientSession
) -> None:
    playground = site[0]
    picture = io.BytesIO()
    Image.new("RGB", (3000, 2000), "green").save(picture, "PNG")
    form = aiohttp.FormData()
    form.add_field("file", picture.getvalue(), filename="big.png", content_type="image/png")
    async with http.post(f"/api/personas/{VILLAGER}/photo", data=form) as response:
        assert response.status == 200
    photo = playground.transcript(VILLAGER_CHAT)[0]["photo"][-1]
    with Image.open(io.BytesIO(playground.file(photo["file_id"], download=False)[0])) as sent:
        assert sent.format == "JPEG" and max(sent.size) == 1280

    form = aiohttp.FormData()
    form.add_field("file", b"%PDF-1.4", filename="x.pdf", content_type="application/pdf")
    async with http.post(f"/api/personas/{VILLAGER}/photo", data=form) as response:
        assert response.status == 400
        assert "not a picture" in (await response.json())["error"]
    assert len(playground.transcript(VILLAGER_CHAT)) == 1


async def test_gps_fails_sends_a_far_fix_and_the_bot_offers_the_hamlet_picker(
    site: tuple[Playground, PlaygroundServer], http: aiohttp.ClientSession
) -> None:
    playground = site[0]
    villager = user_of(playground, VILLAGER)
    await post(http, f"/api/personas/{VILLAGER}/photo", {"sample": "river_bank"})
    await villager.wait_for(lambda m: bool(m.get("reply_markup", {}).get("keyboard")))
    status, _ = await post(http, f"/api/personas/{VILLAGER}/location", {"gps_fails": True})
    assert status == 200
    await villager.wait_for(has_buttons("v2:rv:"))
    shared = next(m for m in playground.transcript(VILLAGER_CHAT) if "location" in m)
    assert playground.grid.locate(**shared["location"]).fit == Fit.FAR


async def test_a_department_member_writes_in_the_group_but_sends_no_photos_there(
    site: tuple[Playground, PlaygroundServer], http: aiohttp.ClientSession
) -> None:
    playground = site[0]
    key = "department:clean_homes"
    status, _ = await post(http, f"/api/personas/{key}/text", {"text": "收到"})
    assert status == 200
    message = playground.transcript(DEPARTMENT_GROUP_BASE - 1)[0]
    assert message["chat"]["type"] == "supergroup" and message["text"] == "收到"
    status, body = await post(http, f"/api/personas/{key}/photo", {"sample": "river_bank"})
    assert status == 400 and "group" in body["error"]


@pytest.mark.parametrize(
    ("path", "body", "error"),
    [
        (f"/api/personas/{VILLAGER}/press", {"message_id": 99, "data": "v2:rs"}, "no longer"),
        (f"/api/personas/{VILLAGER}/text", {"text": "   "}, "empty"),
        (f"/api/personas/{VILLAGER}/location", {"latitude": "north"}, "latitude"),
        (f"/api/personas/{VILLAGER}/location", {"latitude": 95, "longitude": 0}, "Earth"),
        (f"/api/personas/{VILLAGER}/photo", {"sample": "../config"}, "no sample photo"),
        ("/api/personas/villager:1/text", {"text": "hi"}, "nobody"),
        ("/api/clock", {"hours": -1}, "fast-forward"),
        ("/api/clock", {"hours": 24 * 40}, "fast-forward"),
    ],
)
async def test_wrong_requests_get_a_clear_answer(
    http: aiohttp.ClientSession, path: str, body: dict, error: str
) -> None:
    status, answer = await post(http, path, body)
    assert status == 400 and error in answer["error"]


async def test_other_sites_and_other_host_names_are_refused(
    site: tuple[Playground, PlaygroundServer], http: aiohttp.ClientSession
) -> None:
    playground, server = site
    path = f"/api/personas/{VILLAGER}/text"
    async with http.post(
        path, json={"text": "hi"}, headers={"Origin": "http://evil.example"}
    ) as response:
        assert response.status == 403
    async with http.post(path, data={"text": "hi"}) as response:  # a plain cross-site form
        assert response.status == 400
    async with http.get("/api/state", headers={"Host": f"evil.example:{server.port}"}) as response:
        assert response.status == 403
    async with http.post(
        path, json={"text": "hi"}, headers={"Origin": f"http://localhost:{server.port}"}
    ) as response:
        assert response.status == 200
    assert [m["text"] for m in playground.transcript(VILLAGER_CHAT)] == ["hi"]


async def test_the_event_stream_carries_changes_to_the_page(
    site: tuple[Playground, PlaygroundServer], http: aiohttp.ClientSession
) -> None:
    async with http.get("/api/events") as stream:
        assert stream.content_type == "text/event-stream"
        assert await stream.content.readline() == b": connected\n"
        await post(http, f"/api/personas/{VILLAGER}/text", {"text": "/help"})
        kinds = []
        async with asyncio.timeout(WAIT_SECONDS):
            while len(kinds) < 2:
                line = await stream.content.readline()
                if line.startswith(b"data: "):
                    event = json.loads(line.removeprefix(b"data: "))
                    kinds.append((event["kind"], event["message"]["from"]["is_bot"]))
    assert kinds == [("message", False), ("message", True)]


# -- time and starting over -----------------------------------------------------------------


async def test_fast_forward_moves_the_bots_clock_past_a_pause_and_delivery_resumes(
    site: tuple[Playground, PlaygroundServer], http: aiohttp.ClientSession
) -> None:
    """Telegram says "retry after an hour"; fast-forwarding two hours delivers the task now."""
    playground = site[0]
    assert playground.emulator is not None
    playground.emulator.fail_next("sendPhoto", 429, retry_after=3600)
    await report_by_clicks(http, playground)
    refused = await _wait_for_request(playground, "sendPhoto")  # the first photo: refused
    chat = playground.emulator.chats[int(refused["chat_id"])]
    assert not any("photo" in message for message in chat.messages)

    status, clock = await post(http, "/api/clock", {"hours": 2})
    assert status == 200 and clock["offset_hours"] == 2
    assert playground.clock.offset == timedelta(hours=2)
    card = await chat.wait_for(lambda message: "photo" in message, timeout=WAIT_SECONDS)
    assert int(refused["chat_id"]) == playground.persona(MEMBER).user_id  # the grid member's card
    assert has_buttons(AcceptTask(1).pack())(card)  # one captioned photo since issue 15


async def test_reset_starts_clean_chats_database_and_clock(
    site: tuple[Playground, PlaygroundServer], http: aiohttp.ClientSession
) -> None:
    playground = site[0]
    await report_by_clicks(http, playground)
    await post(http, "/api/clock", {"hours": 24})
    assert playground.media_dir.exists() and any(playground.media_dir.iterdir())
    with playground.events.subscribe() as events:
        status, clock = await post(http, "/api/reset", {})
        assert status == 200 and clock["offset_hours"] == 0
        async with asyncio.timeout(WAIT_SECONDS):
            while (await events.get())["kind"] != "reset":
                pass  # the bot's last deliveries before the reset
    assert playground.transcript(VILLAGER_CHAT) == []
    assert not any(playground.media_dir.glob("**/*.jpg"))
    services = playground.bot.application.bot_data["services"]
    assert await services.reports.get(1) is None
    await report_by_clicks(http, playground)  # the numbering starts again at R-000001
    report = await services.reports.get(1)
    assert report is not None and report.state == State.ASSIGNED


async def _wait_for_request(playground: Playground, method: str) -> dict:
    """The first call of `method` the bot made, once it has made one (checked every 20 ms)."""
    assert playground.emulator is not None
    async with asyncio.timeout(WAIT_SECONDS):
        while True:
            for name, params in playground.emulator.requests:
                if name == method:
                    return params
            await asyncio.sleep(0.02)
