"""A report costs the villager few Bot API calls (what was understood of the place rides on
the category question, which then becomes the summary) and few SQLite transactions (#15)."""

from __future__ import annotations

import asyncio
from collections import Counter

from tests.conftest import Town
from tests.test_report_story import has_buttons, report_at, zh


def villager_calls(town: Town, since: int) -> Counter[str]:
    """Bot API calls since `since` made in (or about a button of) the villager's chat."""
    chat = town.villager.chat_id
    return Counter(
        method
        for method, params in town.emulator.requests[since:]
        if str(params.get("chat_id")) == str(chat) or "callback_query_id" in params
    )


async def test_the_place_is_confirmed_on_the_category_question(town: Town) -> None:
    villager = town.villager
    villager.send_photo()
    ask_place = await villager.wait_for(lambda m: bool(m.get("reply_markup", {}).get("keyboard")))
    assert ask_place["reply_markup"].get("one_time_keyboard") is True
    villager.send_location(*town.inside("那笔坡"))
    question = await villager.wait_for(has_buttons("v2:rc:"))
    assert "那笔坡" in question["text"] and zh("🗂 What kind of problem is it?") in question["text"]


async def test_a_report_sends_the_villager_three_messages(town: Town) -> None:
    before = len(town.emulator.requests)
    await report_at(town, town.villager, town.inside("那笔坡"))
    calls = villager_calls(town, before)
    assert calls["sendMessage"] == 3  # place question, category question, thanks
    assert calls["editMessageText"] == 1  # the category question becomes the summary
    assert calls["editMessageReplyMarkup"] == 1  # Submit leaves the summary
    assert calls["answerCallbackQuery"] == 2  # category and Submit, each answered once
    assert sum(calls.values()) == 7


async def settled(town: Town) -> None:
    """Wait until every update is handled and every notification is out (or fail)."""
    database = town.bot.storage.database
    for _ in range(200):
        busy = await database.fetch_all(
            """SELECT 1 FROM inbox WHERE handled = 0 UNION ALL
               SELECT 1 FROM outbox WHERE state IN ('pending', 'sending')"""
        )
        if not busy:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("updates or notifications still waiting")


async def test_a_report_costs_few_sqlite_transactions(town: Town) -> None:
    """One at a time (no checkpoint waits to join another): the four updates' inbox and
    checkpoint writes, the photo kept, the submit, and the outbox's claims and progress for the
    grid member's card and the office's copy. Under load checkpoints share transactions."""
    for hamlet in ["那笔坡", "岭头坡"]:
        await settled(town)
        before = town.bot.storage.database.transactions
        await report_at(town, town.villager, town.inside(hamlet))
        await settled(town)
        assert town.bot.storage.database.transactions - before <= 16
