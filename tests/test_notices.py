"""Office notices through the real bot and the emulator: home question, targeting, languages,
photo and PDF notices, Telegram errors, scheduling, cancelling and the progress message."""

from __future__ import annotations

import asyncio

from bot.emulator import EmulatedUser
from bot.i18n import I18n
from bot.notices import Audience, AudienceKind
from tests.conftest import Town

I18N = I18n("zh")
HEADING_ZH = I18N.translator("zh").gettext("📢 <b>Notice from the town office</b>")
HEADING_EN = I18N.translator("en").gettext("📢 <b>Notice from the town office</b>")


def data_of(message: dict) -> list[str]:
    markup = message.get("reply_markup") or {}
    return [button["callback_data"] for row in markup.get("inline_keyboard", []) for button in row]


def with_button(prefix: str):
    return lambda message: any(data.startswith(prefix) for data in data_of(message))


def notices_in(user: EmulatedUser) -> list[dict]:
    """Notices this person received (messages whose text or caption has the heading)."""
    marks = ("镇美丽办通知", "Notice from the town office")
    return [
        message
        for message in user.messages
        if any(mark in (message.get("text") or message.get("caption") or "") for mark in marks)
    ]


async def living_in(town: Town, user_id: int, hamlet: str, language: str = "zh") -> EmulatedUser:
    """A registered villager of `hamlet` (registered the quick way: straight into storage)."""
    user = town.emulator.user(user_id, f"村民{user_id}", language_code=language)
    users = town.bot.storage.users
    await users.set_home(user_id, town.hamlet_id(hamlet), town.clock.now())
    await users.set_language(user_id, language, town.clock.now())
    return user


async def compose(
    town: Town, audience: str, text: str, *, english: str | None = None, pick=None
) -> dict:
    """The admin walks /notice up to the preview; returns the message with Send now/later."""
    admin = town.admin
    admin.send_text("/notice")
    question = await admin.wait_for(with_button("v1:na:"))
    admin.press(question, f"v1:na:{audience}")
    if pick is not None:
        await pick(admin)
    await admin.wait_for(lambda m: "发送对象" in (m.get("text") or ""))
    admin.send_text(text)
    languages = await admin.wait_for(with_button("v1:ntd"))
    if english is not None:
        admin.press(languages, "v1:ntl:en")
        await admin.wait_for(lambda m: "English" in (m.get("text") or ""))
        admin.send_text(english)
        languages = await admin.wait_for(with_button("v1:ntd"))
    admin.press(languages, "v1:ntd")
    return await admin.wait_for(with_button("v1:nsn"))


async def send_now(town: Town, preview: dict) -> None:
    town.admin.press(preview, "v1:nsn")
    confirm = await town.admin.wait_for(with_button("v1:nok"))
    town.admin.press(confirm, "v1:nok")


async def final_summary(town: Town) -> dict:
    return await town.admin.wait_for(lambda m: "已发送完毕" in (m.get("text") or ""), timeout=15)


async def test_villagers_are_asked_once_where_they_live(town: Town) -> None:
    villager = town.villager
    villager.send_text("/start")
    question = await villager.wait_for(with_button("v1:hv:"))
    village_id = town.bot.grid.hamlets[town.hamlet_id("那笔坡")].village_id
    villager.press(question, f"v1:hv:{village_id}")
    hamlets = await villager.wait_for(with_button("v1:hh:"))
    villager.press(hamlets, f"v1:hh:{town.hamlet_id('那笔坡')}")
    saved = await villager.wait_for(lambda m: "已保存" in (m.get("text") or ""))
    assert "那笔坡" in saved["text"]
    home, asked = await town.bot.storage.users.home(villager.chat_id)
    assert home == town.hamlet_id("那笔坡") and asked

    villager.send_text("/start")
    await villager.next_message()
    await asyncio.sleep(0.3)
    assert not any(with_button("v1:hv:")(message) for message in villager.messages[-2:])

    other = town.emulator.user(555777, "李叔")
    other.send_text("/start")
    question = await other.wait_for(with_button("v1:hsk"))
    other.press(question, "v1:hsk")
    await other.wait_for(lambda m: "/home" in (m.get("text") or ""))
    assert await town.bot.storage.users.home(555777) == (None, True)


async def test_a_village_notice_reaches_exactly_that_village(town: Town) -> None:
    nabi_village = town.bot.grid.hamlets[town.hamlet_id("那笔坡")].village_id
    same_village = next(h for h in town.bot.grid.hamlets_of(nabi_village) if h.name != "那笔坡")
    inside = [
        await living_in(town, 610001, "那笔坡"),
        await living_in(town, 610002, same_village.name, language="en"),
    ]
    elsewhere_hamlet = next(
        h for h in town.bot.grid.hamlets.values() if h.village_id != nabi_village
    )
    outside = await living_in(town, 610003, elsewhere_hamlet.name)
    muted = await living_in(town, 610004, "那笔坡")
    await town.bot.storage.users.set_notices_on(610004, False, town.clock.now())
    blocked = await living_in(town, 610005, "那笔坡")
    blocked.block_bot()

    async def pick_village(admin: EmulatedUser) -> None:
        toggles = await admin.wait_for(with_button("v1:nv:"))
        admin.press(toggles, f"v1:nv:{nabi_village}")
        await asyncio.sleep(0.2)
        admin.press(toggles, "v1:nvd")

    preview = await compose(
        town,
        "villages",
        "周六 8 点 <大扫除>",
        english="Cleanup on Saturday 8:00",
        pick=pick_village,
    )
    assert "收件人数：3" in preview["text"]
    await send_now(town, preview)
    summary = await final_summary(town)
    assert "已送达 2 / 3" in summary["text"] and "屏蔽了机器人 1" in summary["text"]

    [zh_notice] = notices_in(inside[0])
    assert zh_notice["text"].startswith("📢") and "周六 8 点 &lt;大扫除&gt;" in zh_notice["text"]
    [en_notice] = notices_in(inside[1])
    assert "Cleanup on Saturday 8:00" in en_notice["text"]
    assert notices_in(outside) == [] and notices_in(muted) == [] and notices_in(blocked) == []
    progress = [m for m in town.admin.messages if "第 1 号通知" in (m.get("text") or "")]
    assert progress, "the admin sees the progress message"

    # Blocked people are skipped by later notices until they talk to the bot again.
    assert (await town.bot.notices.recipients(_village(nabi_village))).count((610005, "zh")) == 0
    blocked.unblock_bot()
    blocked.send_text("/news")
    await blocked.next_message()
    assert (610005, "zh") in await town.bot.notices.recipients(_village(nabi_village))


def _village(village_id: str) -> Audience:
    return Audience(AudienceKind.VILLAGES, (village_id,))
