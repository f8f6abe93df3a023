"""The Bot API emulator, checked with python-telegram-bot itself as the client over real HTTP."""

from __future__ import annotations

import asyncio
import io
import time
from collections.abc import AsyncIterator

import aiohttp
import pytest
from PIL import Image
from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, RetryAfter
from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters

from bot.emulator import BotApiEmulator, EmulatedUser
from bot.emulator.base import Json
from bot.emulator.faults import DEACTIVATED, KICKED_FROM_SUPERGROUP

TOKEN = "123456:TEST"
ALICE = 1001
OFFICE = -100500
YES_NO = InlineKeyboardMarkup(
    [
        [
            InlineKeyboardButton("是", callback_data="yes"),
            InlineKeyboardButton("否", callback_data="no"),
        ]
    ]
)


def jpeg(width: int, height: int) -> bytes:
    """A plain JPEG picture of the given size, as a phone would upload it."""
    output = io.BytesIO()
    Image.new("RGB", (width, height), (40, 160, 60)).save(output, "JPEG")
    return output.getvalue()


@pytest.fixture
async def emu() -> AsyncIterator[BotApiEmulator]:
    emulator = BotApiEmulator(token=TOKEN)
    await emulator.start()
    try:
        yield emulator
    finally:
        await emulator.stop()


@pytest.fixture
def alice(emu: BotApiEmulator) -> EmulatedUser:
    return emu.user(ALICE, "阿婆", language_code="zh")


@pytest.fixture
async def bot(emu: BotApiEmulator) -> AsyncIterator[Bot]:
    async with Bot(TOKEN, base_url=emu.base_url, base_file_url=emu.base_file_url) as client:
        yield client


async def test_get_me_and_token_check(emu: BotApiEmulator, bot: Bot) -> None:
    me = await bot.get_me()
    assert me.id == 123456 and me.is_bot and me.username == emu.bot_user["username"]
    with pytest.raises(InvalidToken):
        async with Bot("999:WRONG", base_url=emu.base_url):
            pass  # initialize() calls getMe, which answers 401


async def test_unknown_method_answers_404(emu: BotApiEmulator) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{emu.base_url}{TOKEN}/sendTelepathy") as response,
    ):
        body = await response.json()
    assert response.status == 404
    assert body == {"ok": False, "error_code": 404, "description": "Not Found: method not found"}


async def test_message_with_inline_keyboard_reaches_the_user(
    emu: BotApiEmulator, bot: Bot, alice: EmulatedUser
) -> None:
    sent = await bot.send_message(ALICE, "<b>有</b>垃圾吗?", parse_mode="HTML", reply_markup=YES_NO)
    assert sent.reply_markup == YES_NO and sent.chat.first_name == "阿婆"
    received = await alice.next_message()
    assert received["text"] == "有垃圾吗?"
    assert received["entities"] == [{"type": "bold", "offset": 0, "length": 1}]
    assert sent.text_html == "<b>有</b>垃圾吗?"
    assert received["from"]["is_bot"] and received["chat"] == {
        "id": ALICE,
        "type": "private",
        "first_name": "阿婆",
    }
    assert emu.sent == [received] and alice.messages == [received]
    assert emu.requests[-1][0] == "sendMessage" and emu.requests[-1][1]["chat_id"] == ALICE


async def test_press_becomes_a_callback_query_and_the_answer_is_recorded(
    bot: Bot, alice: EmulatedUser
) -> None:
    await bot.send_message(ALICE, "有垃圾吗?", reply_markup=YES_NO)
    question = await alice.next_message()
    press = alice.press(question, "是")
    (update,) = await bot.get_updates()
    query = update.callback_query
    assert query is not None and query.data == "yes" and query.from_user.id == ALICE
    assert query.message is not None and query.message.message_id == question["message_id"]
    await query.answer("收到", show_alert=True)
    answer = await alice.answer_to(press)
    assert answer["text"] == "收到" and answer["show_alert"] is True
    assert alice.callback_answers == [answer]
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await query.answer("again")
    with pytest.raises(AssertionError, match="no button 'maybe'"):
        alice.press(question, "maybe")
    forged = alice.press_raw(question, "v1:forged")
    (update,) = await bot.get_updates(offset=update.update_id + 1)
    assert update.callback_query is not None and update.callback_query.data == forged["data"]


async def test_user_text_updates_and_offset_confirmation(bot: Bot, alice: EmulatedUser) -> None:
    alice.send_text("/start welcome")
    alice.send_text("123")
    first, second = await bot.get_updates()
    assert first.message is not None and first.message.text == "/start welcome"
    assert first.message.parse_entities() == {first.message.entities[0]: "/start"}
    assert second.message is not None and second.message.text == "123"
    assert second.message.from_user is not None and second.message.from_user.language_code == "zh"
    assert await bot.get_updates(offset=second.update_id + 1) == ()


async def test_every_user_action_is_an_update_ptb_accepts(
    emu: BotApiEmulator, bot: Bot, alice: EmulatedUser
) -> None:
    office = emu.group(OFFICE, "美丽办")
    live = alice.send_location(23.1, 108.2, horizontal_accuracy=15.0, live_period=600)
    alice.edit_location(live, 23.2, 108.3)
    alice.edit_text(alice.send_text("路边有垃圾"), "路边有一堆垃圾")
    alice.send_photo(caption="垃圾", media_group_id="album-1")
    alice.send_document(b"%PDF-1.4", "report.pdf", "application/pdf", caption="文件")
    alice.send_voice(duration=4)
    alice.send_venue(23.1, 108.2, "村委会", "那笔坡 1 号")
    alice.send_sticker()
    alice.send_contact("+8613800000000", "阿婆")
    alice.send_animation()
    alice.send_video()
    alice.send_video_note()
    alice.send_dice()
    alice.send_poll("哪天清理?", ["周六", "周日"])
    office.send_text(alice, "大家好")
    office.send_text({"id": 7, "is_bot": False, "first_name": "路人"}, "/help")
    updates = await bot.get_updates()
    messages = [update.effective_message for update in updates]
    assert all(message is not None for message in messages)
    assert [update.edited_message is not None for update in updates[:4]] == [
        False,
        True,
        False,
        True,
    ]
    location, moved = messages[0].location.to_dict(), messages[1].location.to_dict()
    assert location["live_period"] == 600 and moved["latitude"] == 23.2
    assert messages[3].text == "路边有一堆垃圾"
    photo = messages[4]
    assert len(photo.photo) == 1 and photo.media_group_id == "album-1" and photo.caption == "垃圾"
    assert messages[5].document.file_name == "report.pdf"
    assert messages[6].voice.to_dict()["duration"] == 4
    assert messages[7].venue.title == "村委会"
    assert messages[8].sticker.emoji and messages[9].contact.phone_number.startswith("+86")
    assert messages[10].animation and messages[11].video and messages[12].video_note
    assert messages[13].dice.value and messages[14].poll.options[1].text == "周日"
    assert messages[15].chat.type == "supergroup" and messages[15].from_user.id == ALICE
    assert messages[16].chat.title == "美丽办" and messages[16].from_user.first_name == "路人"


async def test_photos_uploaded_resent_and_downloaded(
    emu: BotApiEmulator, bot: Bot, alice: EmulatedUser
) -> None:
    uploaded = await bot.send_photo(ALICE, jpeg(1000, 750), caption="照片")
    sizes = [(size.width, size.height) for size in uploaded.photo]
    assert sizes == [(90, 68), (320, 240), (800, 600), (1000, 750)] and uploaded.caption == "照片"
    file_id = uploaded.photo[-1].file_id
    again = await bot.send_photo(ALICE, file_id)
    assert again.photo[-1].file_id == file_id
    assert [len(message["photo"]) for message in alice.messages] == [4, 1]
    with pytest.raises(BadRequest, match=r"(?i)wrong file identifier"):
        await bot.send_photo(ALICE, "no-such-file")

    users_photo = alice.send_photo(data=jpeg(64, 48))
    file = await bot.get_file(users_photo["photo"][-1]["file_id"])
    downloaded = bytes(await file.download_as_bytearray())
    assert file.file_size == len(downloaded)
    assert Image.open(io.BytesIO(downloaded)).size == (64, 48)
    huge = alice.send_document(b"x", "huge.jpg", "image/jpeg", file_size=30 * 1024 * 1024)
    with pytest.raises(BadRequest, match=r"(?i)file is too big"):
        await bot.get_file(huge["document"]["file_id"])


async def test_media_group_shares_one_group_id(
    emu: BotApiEmulator, bot: Bot, alice: EmulatedUser
) -> None:
    album = await bot.send_media_group(
        ALICE,
        [InputMediaPhoto(jpeg(40, 30), caption="之前"), InputMediaPhoto(jpeg(30, 40))],
    )
    assert len(album) == 2 and album[0].media_group_id == album[1].media_group_id is not None
    assert album[0].caption == "之前" and album[1].caption is None
    assert [(message.photo[-1].width, message.photo[-1].height) for message in album] == [
        (40, 30),
        (30, 40),
    ]
    assert [message["message_id"] for message in alice.messages] == [1, 2]


async def test_location_and_venue(bot: Bot, alice: EmulatedUser) -> None:
    sent = await bot.send_location(ALICE, 23.1, 108.2)
    assert sent.location is not None and sent.location.longitude == 108.2
    await bot.send_venue(ALICE, 23.1, 108.2, "村委会", "那笔坡 1 号")
    pin, venue = alice.messages
    assert pin["location"] == {"latitude": 23.1, "longitude": 108.2}
    assert venue["venue"]["title"] == "村委会"
    with pytest.raises(BadRequest, match=r"(?i)latitude"):
        await bot.send_location(ALICE, 91, 0)


async def test_edits_apply_in_place_and_show_up_again(bot: Bot, alice: EmulatedUser) -> None:
    sent = await bot.send_message(ALICE, "有垃圾吗?", reply_markup=YES_NO)
    original = await alice.next_message()
    edited = await bot.edit_message_text("谢谢!", ALICE, sent.message_id)
    assert isinstance(edited, type(sent)) and edited.reply_markup is None
    assert await alice.next_message() is original  # the same dict, now edited
    assert original["text"] == "谢谢!" and "reply_markup" not in original and original["edit_date"]
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text("谢谢!", ALICE, sent.message_id)
    await bot.edit_message_reply_markup(ALICE, sent.message_id, reply_markup=YES_NO)
    assert alice.press(original, "否")["data"] == "no"
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("?", ALICE, 999)


async def test_copy_forward_and_delete(emu: BotApiEmulator, bot: Bot, alice: EmulatedUser) -> None:
    office = emu.group(OFFICE, "美丽办")
    report = alice.send_text("村口有垃圾")
    forwarded = await bot.forward_message(OFFICE, ALICE, report["message_id"])
    assert forwarded.forward_origin is not None and forwarded.text == "村口有垃圾"
    copied = await bot.copy_message(OFFICE, ALICE, report["message_id"])
    forward, copy = office.messages
    assert forward["forward_origin"]["sender_user"]["id"] == ALICE
    assert copy["message_id"] == copied.message_id and "forward_origin" not in copy
    assert copy["text"] == "村口有垃圾"
    await bot.delete_message(OFFICE, forward["message_id"])
    assert office.messages == [copy] and len(emu.sent) == 2
    with pytest.raises(BadRequest, match=r"(?i)message to delete not found"):
        await bot.delete_message(OFFICE, forward["message_id"])


async def test_reply_keyboard_is_tracked(bot: Bot, alice: EmulatedUser) -> None:
    keyboard = ReplyKeyboardMarkup([["📷 举报", "📋 我的"], ["❓ 帮助"]])
    sent = await bot.send_message(ALICE, "菜单", reply_markup=keyboard)
    assert sent.reply_markup is None  # Telegram does not echo reply keyboards
    assert alice.reply_keyboard == [["📷 举报", "📋 我的"], ["❓ 帮助"]]
    await bot.send_message(ALICE, "好", reply_markup=ReplyKeyboardRemove())
    assert alice.reply_keyboard is None


async def test_refuses_what_telegram_refuses(bot: Bot, alice: EmulatedUser) -> None:
    with pytest.raises(BadRequest, match=r"(?i)Can't find end tag"):
        await bot.send_message(ALICE, "<b>很多", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r'(?i)Unsupported start tag ""'):
        await bot.send_message(ALICE, "1 < 2", parse_mode="HTML")
    await bot.send_message(ALICE, "1 &lt; 2 &amp; <i>ok</i>", parse_mode="HTML")
    await bot.send_message(ALICE, "1 < 2 without parse mode")
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(ALICE, "垃" * 4097)
    with pytest.raises(BadRequest, match=r"(?i)message caption is too long"):
        await bot.send_photo(ALICE, jpeg(10, 10), caption="垃" * 1025)
    with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
        button = InlineKeyboardButton("x", callback_data="x" * 65)
        await bot.send_message(ALICE, "?", reply_markup=InlineKeyboardMarkup([[button]]))
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(424242, "who?")
    assert len(alice.messages) == 2


async def test_blocked_user_gives_forbidden(bot: Bot, alice: EmulatedUser) -> None:
    alice.block_bot()
    with pytest.raises(Forbidden, match=r"(?i)bot was blocked by the user"):
        await bot.send_message(ALICE, "hello?")
    alice.unblock_bot()
    await bot.send_message(ALICE, "hello again")
    assert [message["text"] for message in alice.messages] == ["hello again"]


@pytest.mark.filterwarnings("ignore:.*retry_after.*:telegram.warnings.PTBDeprecationWarning")
@pytest.mark.parametrize(
    ("status", "error", "match"),
    [
        (400, BadRequest, r"(?i)chat not found"),
        (403, Forbidden, "bot was blocked by the user"),
        (429, RetryAfter, "Retry in (7 seconds|0:00:07)"),
        (500, NetworkError, "Internal Server Error"),
        (502, NetworkError, "Internal Server Error"),
    ],
)
async def test_injected_errors_map_to_ptb_exceptions(
    emu: BotApiEmulator,
    bot: Bot,
    alice: EmulatedUser,
    status: int,
    error: type[Exception],
    match: str,
) -> None:
    emu.fail_next("sendMessage", status, times=2, retry_after=7)
    for _ in range(2):
        with pytest.raises(error, match=match):
            await bot.send_message(ALICE, "try")
    await bot.send_message(ALICE, "third time lucky")
    assert [message["text"] for message in alice.messages] == ["third time lucky"]


async def test_a_fault_for_one_chat_spares_the_others(
    emu: BotApiEmulator, bot: Bot, alice: EmulatedUser
) -> None:
    """fail_next(chat_id=): only that chat's calls fail, with Telegram's own words for a
    deleted account and a group that removed the bot; everyone else is served meanwhile."""
    bob = emu.user(1002, "阿公")
    office = emu.group(-100777, "美丽办")
    emu.fail_next("sendMessage", 403, chat_id=bob.chat_id, description=DEACTIVATED)
    emu.fail_next("sendPhoto", 403, chat_id=office.chat_id, description=KICKED_FROM_SUPERGROUP)
    await bot.send_message(ALICE, "first")
    with pytest.raises(Forbidden, match="user is deactivated"):
        await bot.send_message(str(bob.chat_id), "gone")  # the id as a string is the same chat
    await bot.send_message(bob.chat_id, "back")
    await bot.send_photo(ALICE, jpeg(40, 30))
    with pytest.raises(Forbidden, match="kicked from the supergroup chat"):
        await bot.send_photo(office.chat_id, jpeg(40, 30))
    assert emu.faults_left() == 0
    emu.fail_next("sendMessage", 500, chat_id=bob.chat_id, times=5)
    emu.fail_next("sendMessage", 500, chat_id=ALICE)
    emu.end_faults(chat_id=bob.chat_id)  # called off for Bob only
    await bot.send_message(bob.chat_id, "back")
    assert emu.faults_left() == 1
    emu.end_faults()
    assert [m.get("text") for m in bob.messages] == ["back", "back"]
    assert alice.messages[0]["text"] == "first"


async def test_wildcard_fault_spares_get_updates(
    emu: BotApiEmulator, bot: Bot, alice: EmulatedUser
) -> None:
    emu.fail_next("*", 500, description="Internal Server Error: on fire")
    alice.send_text("hi")
    assert len(await bot.get_updates()) == 1
    with pytest.raises(NetworkError, match="on fire"):
        await bot.send_chat_action(ALICE, "typing")
    await bot.send_chat_action(ALICE, "typing")


async def test_dropped_connection_and_delay(
    emu: BotApiEmulator, bot: Bot, alice: EmulatedUser
) -> None:
    emu.drop_connections(1)
    with pytest.raises(NetworkError):
        await bot.send_message(ALICE, "lost")
    emu.set_delay(0.3)
    started = time.monotonic()
    await bot.send_message(ALICE, "slow")
    assert time.monotonic() - started >= 0.3
    assert [message["text"] for message in alice.messages] == ["slow"]


async def test_long_poll_wakes_as_soon_as_an_update_arrives(bot: Bot, alice: EmulatedUser) -> None:
    started = time.monotonic()
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.2)
    assert not poll.done()
    alice.send_text("在吗?")
    (update,) = await poll
    assert update.message is not None and update.message.text == "在吗?"
    assert time.monotonic() - started < 1.5


async def test_stop_answers_a_pending_long_poll(emu: BotApiEmulator, bot: Bot) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.2)
    started = time.monotonic()
    await emu.stop()
    assert await poll == ()
    assert time.monotonic() - started < 1.5


async def test_commands_are_stored_per_language(emu: BotApiEmulator, bot: Bot) -> None:
    await bot.set_my_commands([("report", "举报")], language_code="zh")
    assert [command.command for command in await bot.get_my_commands(language_code="zh")] == [
        "report"
    ]
    assert await bot.get_my_commands() == ()
    assert await bot.delete_my_commands(language_code="zh")
    assert emu.commands == {}


async def test_listeners_see_sent_and_edited_messages(
    emu: BotApiEmulator, bot: Bot, alice: EmulatedUser
) -> None:
    seen: list[tuple[str, bool]] = []

    async def listen(message: Json) -> None:
        seen.append((message["text"], "edit_date" in message))

    async def broken(message: Json) -> None:
        raise RuntimeError("a listener bug must not reach the bot")

    emu.on_bot_message.extend([broken, listen])
    sent = await bot.send_message(ALICE, "一")
    await bot.edit_message_text("二", ALICE, sent.message_id)
    assert seen == [("一", False), ("二", True)]


async def test_waiting_explains_what_did_arrive(bot: Bot, alice: EmulatedUser) -> None:
    with pytest.raises(TimeoutError, match="unread: nothing"):
        await alice.next_message(timeout=0.05)
    await bot.send_message(ALICE, "欢迎")
    with pytest.raises(TimeoutError, match="欢迎"):
        await alice.wait_for(lambda message: "再见" in message.get("text", ""), timeout=0.05)
    assert (await alice.next_message())["text"] == "欢迎"
    alice.clear()
    await bot.send_message(ALICE, "下一条")
    assert (await alice.next_message())["text"] == "下一条"


async def test_a_real_application_polls_and_echoes(
    emu: BotApiEmulator, alice: EmulatedUser
) -> None:
    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        text = f"echo: {update.effective_message.text}"
        await update.effective_message.reply_text(text, do_quote=True)

    app = (
        ApplicationBuilder()
        .token(TOKEN)
        .base_url(emu.base_url)
        .base_file_url(emu.base_file_url)
        .build()
    )
    app.add_handler(MessageHandler(filters.TEXT, echo))
    await app.initialize()
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0, timeout=1)
    try:
        alice.send_text("你好")
        reply = await alice.next_message()
        assert reply["text"] == "echo: 你好"
        assert reply["reply_to_message"]["text"] == "你好"
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()
    assert {method for method, _ in emu.requests} >= {"getMe", "deleteWebhook", "getUpdates"}
