"""A complete period's chart is uploaded once: asked again, it goes by the id Telegram gave it;
an id Telegram no longer knows is replaced by a fresh upload. A running period's chart is
always uploaded (it may have changed)."""

from __future__ import annotations

from bot.stats.pictures import chart_key
from bot.stats.service import TOWN
from tests.conftest import Town


def sent_photos(town: Town, first: int) -> list[object]:
    """The `photo` field of each sendPhoto the bot made since request number `first`."""
    return [
        params["photo"]
        for method, params in town.emulator.requests[first:]
        if method == "sendPhoto"
    ]


async def ask(town: Town, words: str) -> dict:
    town.admin.send_text(f"/stats {words}")
    return await town.admin.wait_for(lambda m: "photo" in m, timeout=15)


async def test_a_kept_chart_is_sent_again_by_its_file_id(town: Town) -> None:
    first = await ask(town, "上月")
    seen = len(town.emulator.requests)
    again = await ask(town, "上月")
    assert sent_photos(town, seen) == [first["photo"][-1]["file_id"]]
    assert again["photo"][-1]["file_id"] == first["photo"][-1]["file_id"]


async def test_an_unknown_file_id_is_replaced_by_an_upload(town: Town) -> None:
    await ask(town, "上月")
    services = town.bot.application.bot_data["services"]
    period = services.stats.parse(["上月"]).period
    figures = await services.stats.figures(period)
    figures.sent[chart_key(TOWN, "zh")] = "no-such-file"
    seen = len(town.emulator.requests)
    again = await ask(town, "上月")
    photos = sent_photos(town, seen)
    assert photos[0] == "no-such-file" and not isinstance(photos[1], str)
    seen = len(town.emulator.requests)
    await ask(town, "上月")
    assert sent_photos(town, seen) == [again["photo"][-1]["file_id"]]


async def test_a_running_period_is_uploaded_each_time(town: Town) -> None:
    await ask(town, "本月")
    seen = len(town.emulator.requests)
    await ask(town, "本月")
    assert [isinstance(photo, str) for photo in sent_photos(town, seen)] == [False]
