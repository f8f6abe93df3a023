"""A person has one language (issue 14 item 13): the one Telegram gives on first contact,
stored, unless they choose another with /lang; replies and notifications agree on it."""

from __future__ import annotations

from tests.conftest import Town
from tests.test_report_story import report_at
from tests.test_roles import containing, services

ENGLISH_VILLAGER = 700301


def text_of(message: dict) -> str:
    return message.get("text") or message.get("caption") or ""


async def test_an_english_telegram_villager_hears_about_their_report_in_english(
    town: Town,
) -> None:
    villager = town.emulator.user(ENGLISH_VILLAGER, "Ann", language_code="en")
    member = town.member
    villager.send_text("/start")
    await villager.next_message()
    assert await services(town).storage.users.language(ENGLISH_VILLAGER) == "en"

    await report_at(town, villager, town.inside("那笔坡"))
    card = await member.wait_for(lambda m: "✅ 接单" in str(m.get("reply_markup")), timeout=10)
    member.press(card, "✅ 接单")
    accepted = await villager.wait_for(lambda m: text_of(m).startswith("👷"))
    assert "Someone is on it: report R-000001" in text_of(accepted)

    member.press(card, "🧹 已处理")
    await member.wait_for(containing("R-000001"))
    member.send_photo()
    skip = await member.wait_for(lambda m: "跳过 ➡" in str(m.get("reply_markup")))
    member.press(skip, "跳过 ➡")
    fixed = await villager.wait_for(lambda m: text_of(m).startswith("🧹"))
    assert "R-000001 has been marked fixed. Is it really clean now?" in text_of(fixed)
    labels = [b["text"] for row in fixed["reply_markup"]["inline_keyboard"] for b in row]
    assert labels == ["Fixed 👍", "Still there 👎"]


async def test_a_language_chosen_with_lang_is_not_overwritten_by_telegrams(town: Town) -> None:
    villager = town.emulator.user(ENGLISH_VILLAGER, "Ann", language_code="en")
    villager.send_text("/lang")
    question = await villager.next_message()
    villager.press(question, "中文")
    await villager.next_message()
    villager.send_text("/help")
    await villager.next_message()
    assert await services(town).storage.users.language(ENGLISH_VILLAGER) == "zh"
