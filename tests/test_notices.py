"""Office notices through the real bot and the emulator: home question, targeting, languages,
photo and PDF notices, Telegram errors, scheduling, cancelling and the progress message."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta

from benchmarks.notice_blast import blast
from bot.core.i18n import I18n
from bot.core.when import moment_text
from bot.delivery.audiences import Audience, AudienceKind
from bot.emulator import EmulatedUser
from handlers.buttons import (
    CancelNotice,
    HomeHamlet,
    HomeVillage,
    NoticeAddLanguage,
    NoticeAudience,
    NoticeConfirm,
    NoticeHamlet,
    NoticeHamletVillage,
    NoticePreview,
    NoticeSendLater,
    NoticeSendNow,
    NoticeToggleVillage,
    NoticeVillagesDone,
    SkipHome,
    SwitchNotices,
)
from tests.buttons import has_button, no_buttons, press
from tests.conftest import Town
from tests.test_report_story import report_at

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
    marks = ("美丽办通知", "Notice from the town cleaning office")
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
    question = await admin.wait_for(has_button(NoticeAudience))
    press(admin, question, NoticeAudience(AudienceKind(audience)))
    if pick is not None:
        await pick(admin)
    await admin.wait_for(lambda m: "发送对象" in (m.get("text") or ""))
    admin.send_text(text)
    languages = await admin.wait_for(has_button(NoticePreview))
    if english is not None:
        press(admin, languages, NoticeAddLanguage("en"))
        await admin.wait_for(lambda m: "英语" in (m.get("text") or ""))  # named in 中文
        admin.send_text(english)
        languages = await admin.wait_for(has_button(NoticePreview))
    press(admin, languages, NoticePreview())
    return await admin.wait_for(has_button(NoticeSendNow))


async def send_now(town: Town, preview: dict, before_confirm=None) -> None:
    press(town.admin, preview, NoticeSendNow())
    confirm = await town.admin.wait_for(has_button(NoticeConfirm))
    assert no_buttons(town.emulator.current(preview))  # Send now / later are used up
    if before_confirm is not None:
        before_confirm()
    press(town.admin, confirm, NoticeConfirm())


async def final_summary(town: Town) -> dict:
    return await town.admin.wait_for(lambda m: "已发送完毕" in (m.get("text") or ""), timeout=15)


async def the_final_result_is_shown_once(town: Town) -> None:
    """The progress message became the summary; the same totals are not sent again. (The
    summary would be queued in the transaction that closes the notice, before the edit.)"""
    queued = await town.bot.storage.database.fetch_all(
        "SELECT payload FROM outbox WHERE chat_id = ?", (town.admin.chat_id,)
    )
    assert not [row for row in queued if "已发送完毕" in row["payload"]]
    finals = [m for m in town.admin.messages if "已发送完毕" in (m.get("text") or "")]
    assert len(finals) == 1 and finals[0].get("edit_date"), "one summary, edited in place"


async def test_villagers_are_asked_once_where_they_live(town: Town) -> None:
    villager = town.villager
    villager.send_text("/start")
    question = await villager.wait_for(has_button(HomeVillage))
    village_id = town.bot.grid.hamlets[town.hamlet_id("那笔坡")].village_id
    press(villager, question, HomeVillage(village_id))
    hamlets = await villager.wait_for(has_button(HomeHamlet))
    press(villager, hamlets, HomeHamlet(town.hamlet_id("那笔坡")))
    saved = await villager.wait_for(lambda m: "已保存" in (m.get("text") or ""))
    assert "那笔坡" in saved["text"]
    home, asked = await town.bot.storage.users.home(villager.chat_id)
    assert home == town.hamlet_id("那笔坡") and asked

    villager.send_text("/start")
    await villager.next_message()
    await asyncio.sleep(0.3)
    assert not any(has_button(HomeVillage)(message) for message in villager.messages[-2:])

    other = town.emulator.user(555777, "李叔")
    other.send_text("/start")
    question = await other.wait_for(has_button(SkipHome))
    press(other, question, SkipHome())
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
        toggles = await admin.wait_for(has_button(NoticeToggleVillage))
        press(admin, toggles, NoticeToggleVillage(nabi_village))
        await asyncio.sleep(0.2)
        press(admin, toggles, NoticeVillagesDone())

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
    await the_final_result_is_shown_once(town)

    [zh_notice] = notices_in(inside[0])
    assert zh_notice["text"].startswith("📢") and "周六 8 点 <大扫除>" in zh_notice["text"]
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


async def test_photo_and_pdf_notices(town: Town) -> None:
    hamlet_id = town.hamlet_id("那笔坡")
    village_id = town.bot.grid.hamlets[hamlet_id].village_id
    resident = await living_in(town, 620001, "那笔坡")

    async def pick_hamlet(admin: EmulatedUser) -> None:
        villages = await admin.wait_for(has_button(NoticeHamletVillage))
        press(admin, villages, NoticeHamletVillage(village_id))
        hamlets = await admin.wait_for(has_button(NoticeHamlet))
        press(admin, hamlets, NoticeHamlet(hamlet_id))

    admin = town.admin
    admin.send_text("/notice")
    press(
        admin, await admin.wait_for(has_button(NoticeAudience)), NoticeAudience(AudienceKind.HAMLET)
    )
    await pick_hamlet(admin)
    await admin.wait_for(lambda m: "发送对象" in (m.get("text") or ""))
    admin.send_photo(caption="这里不许倒垃圾")
    press(admin, await admin.wait_for(has_button(NoticePreview)), NoticePreview())
    preview = await admin.wait_for(has_button(NoticeSendNow))
    assert any("photo" in message for message in admin.messages), "the preview shows the photo"
    await send_now(town, preview)
    await final_summary(town)
    [photo] = notices_in(resident)
    assert "photo" in photo and "这里不许倒垃圾" in photo["caption"]

    member = town.member
    admin.send_text("/notice")
    press(
        admin,
        await admin.wait_for(has_button(NoticeAudience)),
        NoticeAudience(AudienceKind.GRID_MEMBERS),
    )
    await admin.wait_for(lambda m: "发送对象" in (m.get("text") or ""))
    admin.send_document(b"%PDF-1.4 sample", "检查表.pdf", "application/pdf", caption="月度检查表")
    press(admin, await admin.wait_for(has_button(NoticePreview)), NoticePreview())
    await send_now(town, await admin.wait_for(has_button(NoticeSendNow)))
    summary = await admin.wait_for(lambda m: "第 2 号通知已发送完毕" in (m.get("text") or ""), 15)
    grid_members = len(town.config.grid_members)
    # Only one sample grid member has a chat with the bot; the others count as "chat gone".
    assert f"已送达 1 / {grid_members}" in summary["text"]
    assert f"对话已不存在 {grid_members - 1}" in summary["text"]
    [document] = notices_in(member)
    assert "document" in document and "月度检查表" in document["caption"]
    assert notices_in(resident) == [photo]


async def test_a_notice_sent_later_and_one_cancelled_before_its_time(town: Town) -> None:
    resident = await living_in(town, 630001, "那笔坡")
    zone = town.config.general.tz
    admin = town.admin
    for text in ("明天大扫除", "取消的通知"):
        preview = await compose(town, "everyone", text)
        press(admin, preview, NoticeSendLater())
        await admin.wait_for(lambda m: "本地时间" in (m.get("text") or ""))
        when = (town.clock.now() + timedelta(hours=2)).astimezone(zone)
        admin.send_text(when.strftime("%Y-%m-%d %H:%M"))
        confirm = await admin.wait_for(has_button(NoticeConfirm))
        assert moment_text(when, "zh", zone) in confirm["text"]  # read back in when.py's form (#14)
        press(admin, confirm, NoticeConfirm())
        scheduled = await admin.wait_for(lambda m: "将于" in (m.get("text") or ""))
        assert moment_text(when, "zh", zone) in scheduled["text"]  # the one form, in 中文

    admin.send_text("/notices")
    listed = await admin.wait_for(
        lambda m: "第 2 号通知" in (m.get("text") or "") and has_button(CancelNotice)(m)
    )
    press(admin, listed, CancelNotice(2))
    await admin.wait_for(lambda m: "第 2 号通知已取消" in (m.get("text") or ""))
    await asyncio.sleep(0.5)
    assert notices_in(resident) == [], "nothing goes out before its time"

    town.clock.advance(timedelta(hours=2, minutes=1))
    await final_summary(town)
    [notice] = notices_in(resident)
    assert "明天大扫除" in notice["text"]
    await asyncio.sleep(0.5)
    assert len(notices_in(resident)) == 1, "the cancelled notice never goes out"


async def test_telegram_errors_during_a_notice(town: Town) -> None:
    residents = [await living_in(town, 640000 + index, "那笔坡") for index in range(6)]
    await town.bot.storage.users.set_home(640099, town.hamlet_id("那笔坡"), town.clock.now())

    def telegram_struggles() -> None:
        town.emulator.fail_next("sendMessage", 429, retry_after=1)
        town.emulator.fail_next("sendMessage", 502, times=2)

    preview = await compose(town, "everyone", "防汛期间请勿向河道倒垃圾")
    await send_now(town, preview, before_confirm=telegram_struggles)
    summary = await final_summary(town)
    assert "已送达 6 / 7" in summary["text"] and "对话已不存在 1" in summary["text"]
    for resident in residents:
        assert len(notices_in(resident)) == 1


async def test_cancelling_a_notice_while_it_is_sending(town: Town) -> None:
    residents = [await living_in(town, 650000 + index, "那笔坡") for index in range(300)]
    town.emulator.set_delay(0.3)
    preview = await compose(town, "everyone", "全镇通知")
    await send_now(town, preview)
    under_way = re.compile(r"正在发送第 1 号通知… [1-9][0-9]* / 300")
    sending = await town.admin.wait_for(
        lambda m: bool(under_way.search(m.get("text") or "")) and has_button(CancelNotice(1))(m),
        timeout=10,
    )
    press(town.admin, sending, CancelNotice(1))
    cancelled = await town.admin.wait_for(
        lambda m: "第 1 号通知已取消" in (m.get("text") or ""), timeout=10
    )
    town.emulator.set_delay(0)
    await asyncio.sleep(1)
    received = sum(len(notices_in(resident)) for resident in residents)
    assert 0 < received < 300
    progress = await town.bot.notices.progress(1)
    assert progress.counts.delivered == received
    assert progress.counts.delivered + progress.counts.cancelled == 300
    assert "未发送（已取消）" in cancelled["text"]


async def test_news_shows_the_notices_a_villager_received(town: Town) -> None:
    resident = await living_in(town, 660001, "那笔坡")
    await send_now(town, await compose(town, "everyone", "垃圾车改为每周二、五来"))
    await final_summary(town)
    first = await resident.wait_for(lambda m: "垃圾车改为每周二、五来" in (m.get("text") or ""))
    resident.send_text("/news")
    again = await resident.wait_for(lambda m: "垃圾车改为每周二、五来" in (m.get("text") or ""))
    assert again["message_id"] != first["message_id"] and again["text"] == first["text"]

    resident.send_text("/notices off")
    await resident.wait_for(lambda m: "已关闭" in (m.get("text") or ""))
    assert not await town.bot.storage.users.notices_on(660001)
    resident.send_text("/notices")
    switch = await resident.wait_for(has_button(SwitchNotices(on=True)))
    press(resident, switch, SwitchNotices(on=True))
    await resident.wait_for(lambda m: "已打开" in (m.get("text") or ""))
    assert await town.bot.storage.users.notices_on(660001)


async def test_a_killed_bot_resumes_a_2000_recipient_notice() -> None:
    """SIGKILL half-way through, start again: everyone gets it; only messages that were in
    flight at the kill may arrive twice."""
    result = await blast(2000, 1000, kill_at=0.5, timeout=120)
    assert result.in_flight_at_kill is not None
    assert result.lost == 0
    assert result.duplicated <= result.in_flight_at_kill


async def test_a_report_is_not_stuck_behind_a_town_wide_notice(town: Town) -> None:
    hamlet_id = town.hamlet_id("那笔坡")
    residents = [(670000 + index, hamlet_id, "zh") for index in range(600)]
    for user_id, _, _ in residents:
        town.emulator.user(user_id, f"村民{user_id}")
    await town.bot.storage.users.import_residents(residents, town.clock.now())
    town.emulator.set_delay(0.1)
    await send_now(town, await compose(town, "everyone", "全镇通知"))
    await town.admin.wait_for(lambda m: "正在发送第 1 号通知" in (m.get("text") or ""), 10)

    await report_at(town, town.villager, town.inside("那笔坡"))
    await town.member.wait_for(with_button("v2:acc:"), timeout=10)
    progress = await town.bot.notices.progress(1)
    assert progress.counts.waiting > 0, "the task card arrived while the notice was going out"
    town.emulator.set_delay(0)
    await final_summary(town)


def test_the_confirmation_counts_people_with_plural_forms() -> None:
    """One person, two people (and 人 for any number in 中文): `ngettext`, not "1 people"."""
    i18n = I18n("zh")
    en, zh = i18n.translator("en").ngettext, i18n.translator("zh").ngettext
    one, many = (
        "Send this notice to {count:,} person now?",
        "Send this notice to {count:,} people now?",
    )
    assert en(one, many, 1).format(count=1) == "Send this notice to 1 person now?"
    assert en(one, many, 2).format(count=2) == "Send this notice to 2 people now?"
    assert zh(one, many, 1).format(count=1) == "现在把这条通知发给 1 人？"
