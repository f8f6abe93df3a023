"""A person has one language (issue 14 item 13): the one Telegram gives on first contact,
stored, unless they choose another with /lang; replies and notifications agree on it."""

from __future__ import annotations

from datetime import datetime, time

from bot.stats.periods import PeriodKind
from bot.stats.periods import containing as period_containing
from tests.conftest import Town
from tests.test_report_story import report_at
from tests.test_roles import containing, services

ENGLISH_VILLAGER = 700301
JIANXIN_LEAD = 200005  # the configured village lead of 建新村


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


async def test_a_village_lead_whose_first_message_is_area_reads_the_months_figures_in_it(
    town: Town,
) -> None:
    """A role from the configuration, first message /area from an English Telegram: answered
    in English, and the month's figures (which reach them without a /start) speak English too;
    yet they are not one of "everyone registered" for notices (no users row), and /mydata
    names the language kept. A stranger's first command still keeps nothing."""
    lead = town.emulator.user(JIANXIN_LEAD, "Mei", language_code="en")
    lead.send_text("/area")
    assert "No open reports" in text_of(await lead.next_message())
    users = services(town).storage.users
    assert await users.known_language(JIANXIN_LEAD) == (False, "en")
    assert JIANXIN_LEAD not in {user_id for user_id, _ in await users.subscribers(None)}
    lead.send_text("/mydata")
    assert "• Language: English" in text_of(await lead.next_message())
    stranger = town.emulator.user(ENGLISH_VILLAGER, "Ann", language_code="en")
    stranger.send_text("/area")
    await stranger.next_message()
    assert await users.known_language(ENGLISH_VILLAGER) == (False, None)

    await report_at(town, town.villager, town.inside("那笔坡"))  # a month with a report
    tz = town.config.general.tz
    month = period_containing(PeriodKind.MONTH, town.clock.now(), tz)
    town.clock.set(datetime.combine(month.next().first_day, time(8, 1), tz))
    await town.bot.time_moved()
    figures = await lead.wait_for(lambda m: "📊" in text_of(m), timeout=20)
    assert f"Jianxin Village in {month.label('en')}" in text_of(figures), text_of(figures)


async def test_a_kept_role_language_goes_with_the_person(town: Town) -> None:
    """/forgetme (once the role is ended) erases the kept language with the rest."""
    storage, now = services(town).storage, town.clock.now()
    await storage.users.remember_role_language(ENGLISH_VILLAGER, "en", now)
    async with storage.database.transaction() as tx:
        await storage.privacy.forget(tx, ENGLISH_VILLAGER, now)
    assert await storage.users.known_language(ENGLISH_VILLAGER) == (False, None)
