"""What the playground page is given to show (issue 14, items 14–17): message times on the
bot's clock, what quiet hours hold back and until when, documents as named downloads, and a
voice note's real length all the way to the grid member."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import datetime, time, timedelta
from urllib.parse import unquote

import aiohttp
from openpyxl import load_workbook

from bot.delivery.outbox import Notification, Part
from bot.playground import Playground, PlaygroundServer
from handlers.voice import ChooseVoiceAudience
from tests.playground_setup import user_of

VILLAGER, MEMBER, OFFICE = "villager:555001", "grid_member:100001", "office:900001"
HOUR_MS = 3_600_000
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def post(http: aiohttp.ClientSession, path: str, body: object) -> int:
    async with http.post(path, json=body) as response:
        return response.status


def has_buttons(prefix: str) -> Callable[[dict], bool]:
    def check(message: dict) -> bool:
        rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
        return any(button["callback_data"].startswith(prefix) for row in rows for button in row)

    return check


def next_local(playground: Playground, at: time) -> datetime:
    """The next moment, a minute ahead at least, the bot's clock reads `at` in its time zone."""
    zone = playground.config.general.tz
    now = playground.clock.now().astimezone(zone)
    moment = datetime.combine(now.date(), at, tzinfo=zone)
    return moment if moment > now + timedelta(minutes=1) else moment + timedelta(days=1)


async def test_messages_carry_the_bots_time_which_moves_on_fast_forward(
    site: tuple[Playground, PlaygroundServer], http: aiohttp.ClientSession
) -> None:
    playground = site[0]
    villager = user_of(playground, VILLAGER)
    assert await post(http, f"/api/personas/{VILLAGER}/text", {"text": "/start"}) == 200
    await villager.next_message()
    assert await post(http, "/api/clock", {"hours": 30}) == 200
    assert await post(http, f"/api/personas/{VILLAGER}/text", {"text": "/help"}) == 200
    await villager.next_message()

    async with http.get(f"/api/chats/{villager.chat_id}") as response:
        messages = (await response.json())["messages"]
    first, last = messages[0]["bot_time_ms"], messages[-1]["bot_time_ms"]
    assert last - first >= 30 * HOUR_MS  # not the emulator's wall-clock `date`
    assert abs(last - playground.clock.now().timestamp() * 1000) < HOUR_MS
    async with http.get("/api/state") as response:
        clock = (await response.json())["clock"]
    assert clock["timezone"] == playground.config.general.timezone  # the page formats in it


async def test_quiet_hours_show_what_is_held_and_until_when_then_it_arrives(
    site: tuple[Playground, PlaygroundServer], http: aiohttp.ClientSession
) -> None:
    playground = site[0]
    bot = playground.bot
    assert bot is not None and bot.storage is not None and bot.outbox is not None
    villager = user_of(playground, VILLAGER)
    late_evening = next_local(playground, time(23, 0))
    await playground.fast_forward(late_evening - playground.clock.now())

    reminder = Notification(
        villager.chat_id, (Part("text", text="⏰ a reminder"),), hold_at_night=True
    )
    async with bot.storage.database.transaction() as connection:
        await bot.outbox.add(connection, reminder)
    bot.outbox.poke()

    async with http.get("/api/held") as response:
        held = (await response.json())["held"]
    morning = next_local(playground, time(7, 0))
    assert held == [
        {"chat_id": villager.chat_id, "count": 1, "until_ms": int(morning.timestamp() * 1000)}
    ]
    assert playground.transcript(villager.chat_id) == []
    async with http.get("/api/state") as response:
        clock = (await response.json())["clock"]
    assert clock["quiet_until_ms"] == int(morning.timestamp() * 1000)  # the header says so

    assert await post(http, "/api/clock", {"hours": 9}) == 200
    arrived = await villager.wait_for(lambda message: message.get("text") == "⏰ a reminder")
    assert arrived["text"] == "⏰ a reminder"
    async with http.get("/api/held") as response:
        assert (await response.json())["held"] == []
    assert playground.clock_state()["quiet_until_ms"] is None


async def test_export_documents_download_under_their_names_with_their_types(
    site: tuple[Playground, PlaygroundServer], http: aiohttp.ClientSession
) -> None:
    playground = site[0]
    office = user_of(playground, OFFICE)
    assert await post(http, f"/api/personas/{OFFICE}/text", {"text": "/export"}) == 200
    documents = [
        (await office.wait_for(lambda message: "document" in message, 20))["document"]
        for _ in range(3)
    ]
    names = [document["file_name"] for document in documents]
    assert names[0].endswith(".xlsx") and all(name.endswith(".csv") for name in names[1:])

    async with http.get(f"/api/files/{documents[0]['file_id']}?download") as response:
        assert response.status == 200 and response.content_type == XLSX
        disposition = response.headers["Content-Disposition"]
        assert disposition.startswith("attachment") and unquote(disposition).endswith(names[0])
        workbook = load_workbook(io.BytesIO(await response.read()))
        assert workbook.sheetnames
    async with http.get(f"/api/files/{documents[1]['file_id']}") as response:
        assert response.content_type == "text/csv"  # a CSV always downloads, never renders
        assert response.headers["Content-Disposition"].startswith("attachment")


async def test_a_four_second_voice_note_reaches_the_grid_member_as_four_seconds(
    site: tuple[Playground, PlaygroundServer], http: aiohttp.ClientSession
) -> None:
    playground = site[0]
    villager, member = user_of(playground, VILLAGER), user_of(playground, MEMBER)
    await post(http, f"/api/personas/{VILLAGER}/photo", {"sample": "garbage_by_road"})
    await villager.wait_for(lambda message: bool(message.get("reply_markup", {}).get("keyboard")))
    latitude, longitude = playground.grid.representative_point("h01")
    await post(
        http, f"/api/personas/{VILLAGER}/location", {"latitude": latitude, "longitude": longitude}
    )
    question = await villager.wait_for(has_buttons("v2:rc:"))
    await post(
        http,
        f"/api/personas/{VILLAGER}/press",
        {"message_id": question["message_id"], "data": "v2:rc:household"},
    )
    await villager.wait_for(has_buttons("v2:rs"))
    assert await post(http, f"/api/personas/{VILLAGER}/voice", {}) == 200
    assert playground.transcript(villager.chat_id)[-1]["voice"]["duration"] == 4
    share = ChooseVoiceAudience(member_too=True).pack()  # the grid member may hear it too
    audience = await villager.wait_for(has_buttons(share))
    summary = await villager.wait_for(has_buttons("v2:rs"))
    await post(
        http,
        f"/api/personas/{VILLAGER}/press",
        {"message_id": audience["message_id"], "data": share},
    )
    await villager.wait_for(
        lambda message: (
            message["message_id"] == audience["message_id"]
            and message["reply_markup"]["inline_keyboard"][0][1]["text"].startswith("✓")
        )
    )
    await post(
        http,
        f"/api/personas/{VILLAGER}/press",
        {"message_id": summary["message_id"], "data": "v2:rs"},
    )
    forwarded = await member.wait_for(lambda message: "voice" in message, 20)
    assert forwarded["voice"]["duration"] == 4
