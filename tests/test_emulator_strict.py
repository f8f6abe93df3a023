"""The emulator refuses what Telegram refuses and answers what Telegram answers (issue 10).

Each test talks to the emulator over real HTTP, through python-telegram-bot where it can and
with a raw request where the exact JSON answer (error text, retry_after) is the point. The
table in bot/emulator/README.md maps each behaviour to its test.
"""

from __future__ import annotations

import io
import json
from collections.abc import AsyncIterator

import aiohttp
import pytest
from PIL import Image
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaAudio,
    InputMediaDocument,
    InputMediaPhoto,
    InputMediaVideo,
    MessageEntity,
)
from telegram.error import BadRequest

from bot.emulator import BotApiEmulator, EmulatedGroup, EmulatedUser
from bot.emulator.base import Json
from bot.emulator.limits import FloodLimits

TOKEN = "123456:TEST"
ALICE = 1001
OFFICE = -100500
BUTTON = InlineKeyboardMarkup([[InlineKeyboardButton("好", callback_data="ok")]])
CARD = (
    "<b>R-000001</b> 路边垃圾 😀\n"
    '<i>那笔坡</i> · <a href="https://example.org/r?id=1&amp;x=2">地图</a>\n'
    "<code>23.1, 108.2</code> &lt;备注&gt; <u>下划</u> <s>删</s> "
    '<span class="tg-spoiler">秘</span>\n<blockquote>原话</blockquote>'
)


class Clock:
    """A clock the test moves by hand, for the emulator's time limits."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def emu() -> AsyncIterator[BotApiEmulator]:
    emulator = BotApiEmulator(token=TOKEN)
    await emulator.start()
    try:
        yield emulator
    finally:
        await emulator.stop()


@pytest.fixture
def clock(emu: BotApiEmulator) -> Clock:
    fake = Clock()
    emu.clock = fake
    return fake


@pytest.fixture
def alice(emu: BotApiEmulator) -> EmulatedUser:
    return emu.user(ALICE, "阿婆")


@pytest.fixture
def office(emu: BotApiEmulator) -> EmulatedGroup:
    return emu.group(OFFICE, "美丽办")


@pytest.fixture
async def bot(emu: BotApiEmulator) -> AsyncIterator[Bot]:
    async with Bot(TOKEN, base_url=emu.base_url, base_file_url=emu.base_file_url) as client:
        yield client


async def call(emu: BotApiEmulator, method: str, **params: object) -> tuple[int, Json]:
    """A raw Bot API call as PTB makes it (form fields, non-strings JSON-encoded)."""
    form = {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{emu.base_url}{TOKEN}/{method}", data=form) as response,
    ):
        return response.status, await response.json()


def picture(width: int, height: int, *, gps: bool = False) -> bytes:
    """A JPEG of the given size; with `gps`, carrying EXIF (a camera make and GPS data)."""
    output = io.BytesIO()
    image = Image.new("RGB", (width, height), (200, 80, 40))
    exif = Image.Exif()
    if gps:
        exif[0x010F] = "VillagePhone"  # Make
        exif[0x8825] = {1: "N", 2: (23.0, 6.0, 0.0), 3: "E", 4: (108.0, 12.0, 0.0)}
    image.save(output, "JPEG", exif=exif.tobytes())
    return output.getvalue()


def has_exif(data: bytes) -> bool:
    with Image.open(io.BytesIO(data)) as image:
        return bool(image.getexif())


# -- files by kind ---------------------------------------------------------------------------


async def test_a_file_id_is_sent_again_only_as_its_own_kind(
    emu: BotApiEmulator, bot: Bot, alice: EmulatedUser
) -> None:
    document = alice.send_document(picture(40, 30), "IMG_1.jpg", "image/jpeg")["document"]
    voice = alice.send_voice()["voice"]
    photo = alice.send_photo()["photo"][-1]
    gif = alice.send_animation()["animation"]
    with pytest.raises(BadRequest, match=r"(?i)^Can't use file of type Document as Photo$"):
        await bot.send_photo(ALICE, document["file_id"])
    with pytest.raises(BadRequest, match=r"(?i)^Can't use file of type Photo as Document$"):
        await bot.send_document(ALICE, photo["file_id"])
    with pytest.raises(BadRequest, match=r"(?i)^Can't use file of type VoiceNote as Document$"):
        await bot.send_document(ALICE, voice["file_id"])
    with pytest.raises(BadRequest, match=r"(?i)wrong file identifier"):
        await bot.send_photo(ALICE, photo["file_unique_id"])
    await bot.send_document(ALICE, document["file_id"])
    await bot.send_photo(ALICE, photo["file_id"])
    await bot.send_voice(ALICE, voice["file_id"])
    await bot.send_document(ALICE, gif["file_id"])  # a GIF is also a document
    assert len(alice.messages) == 4


async def test_media_group_item_rules(bot: Bot, alice: EmulatedUser) -> None:
    photo = alice.send_photo()["photo"][-1]["file_id"]
    video = alice.send_video()["video"]["file_id"]
    document = alice.send_document(b"%PDF-1.4", "a.pdf", "application/pdf")["document"]
    audio = await bot.send_audio(ALICE, b"ID3 song", filename="song.mp3")
    with pytest.raises(BadRequest, match=r"(?i)must contain 2-10 items"):
        await bot.send_media_group(ALICE, [InputMediaPhoto(photo)])
    with pytest.raises(BadRequest, match=r"(?i)must contain 2-10 items"):
        await bot.send_media_group(ALICE, [InputMediaPhoto(photo)] * 11)
    with pytest.raises(BadRequest, match=r"(?i)only with their own kind"):
        await bot.send_media_group(
            ALICE, [InputMediaPhoto(photo), InputMediaDocument(document["file_id"])]
        )
    with pytest.raises(BadRequest, match=r"(?i)only with their own kind"):
        await bot.send_media_group(
            ALICE, [InputMediaAudio(audio.audio.file_id), InputMediaPhoto(photo)]
        )
    with pytest.raises(BadRequest, match=r"(?i)^Can't use file of type Photo as Video$"):
        await bot.send_media_group(ALICE, [InputMediaPhoto(photo), InputMediaVideo(photo)])
    mixed = await bot.send_media_group(ALICE, [InputMediaPhoto(photo), InputMediaVideo(video)])
    files = [InputMediaDocument(document["file_id"])] * 2
    documents = await bot.send_media_group(ALICE, files)
    assert len({message.media_group_id for message in mixed}) == 1
    assert [bool(message.document) for message in documents] == [True, True]


# -- photos are re-encoded, documents kept -----------------------------------------------------


async def test_a_users_photo_is_re_encoded_without_exif_a_document_keeps_it(
    emu: BotApiEmulator, alice: EmulatedUser
) -> None:
    original = picture(1600, 1200, gps=True)
    sizes = alice.send_photo(original)["photo"]
    assert [(size["width"], size["height"]) for size in sizes] == [
        (90, 68),
        (320, 240),
        (800, 600),
        (1280, 960),
        (1600, 1200),
    ]
    largest = emu.file_bytes(sizes[-1]["file_id"])
    assert largest != original and not has_exif(largest)
    assert all(emu.file_bytes(size["file_id"]).startswith(b"\xff\xd8") for size in sizes)
    document = alice.send_document(original, "IMG_2.jpg", "image/jpeg")["document"]
    kept = emu.file_bytes(document["file_id"])
    assert kept == original and has_exif(kept)
    with pytest.raises(ValueError, match="IMAGE_PROCESS_FAILED"):
        alice.send_photo(b"not a picture")


async def test_the_bots_photo_upload_is_re_encoded_a_document_upload_is_not(
    emu: BotApiEmulator, bot: Bot, alice: EmulatedUser
) -> None:
    original = picture(300, 200, gps=True)
    photo = await bot.send_photo(ALICE, original)
    stored = emu.file_bytes(photo.photo[-1].file_id)
    assert not has_exif(stored) and photo.photo[-1].width == 300
    document = await bot.send_document(ALICE, original, filename="IMG.jpg")
    assert emu.file_bytes(document.document.file_id) == original
    with pytest.raises(BadRequest, match=r"(?i)^Image_process_failed$"):
        await bot.send_photo(ALICE, b"GIF89a not really")
    with pytest.raises(BadRequest, match=r"(?i)^Photo_invalid_dimensions$"):
        await bot.send_photo(ALICE, picture(420, 20))  # a ratio of 21
    with pytest.raises(BadRequest, match=r"(?i)^Photo_save_file_invalid$"):
        await bot.send_photo(ALICE, b"\xff\xd8" + bytes(10 * 1024 * 1024))
    with pytest.raises(BadRequest, match=r"(?i)file must be non-empty"):
        await bot.send_document(ALICE, b"", filename="empty.txt")
    form = aiohttp.FormData({"chat_id": str(ALICE)})
    form.add_field("document", bytes(50 * 1024 * 1024 + 1), filename="big.bin")
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{emu.base_url}{TOKEN}/sendDocument", data=form) as response,
    ):
        refused = await response.json()
    assert refused == {"ok": False, "error_code": 413, "description": "Request Entity Too Large"}
    assert len(alice.messages) == 2


# -- formatting ------------------------------------------------------------------------------


async def test_html_becomes_text_and_entities_and_round_trips(
    bot: Bot, alice: EmulatedUser
) -> None:
    sent = await bot.send_message(ALICE, CARD, parse_mode="HTML")
    assert "<" not in sent.text.replace("<备注>", "") and "&" not in sent.text
    assert sent.text.startswith("R-000001 路边垃圾 😀\n那笔坡")
    kinds = [entity.type for entity in sent.entities]
    assert kinds == [
        "bold",
        "italic",
        "text_link",
        "code",
        "underline",
        "strikethrough",
        "spoiler",
        "blockquote",
    ]
    link = sent.entities[2]
    assert link.url == "https://example.org/r?id=1&x=2"
    assert sent.entities[1].offset == 17  # "R-000001 路边垃圾 😀\n": 😀 is two UTF-16 units
    # text_html rebuilds exactly what was sent, so the same edit changes nothing
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text(sent.text_html, ALICE, sent.message_id, parse_mode="HTML")
    await bot.edit_message_text(sent.text_html + " ✅", ALICE, sent.message_id, parse_mode="HTML")
    edited = alice.messages[0]
    assert edited["text"] == sent.text + " ✅" and len(edited["entities"]) == 8


async def test_markdown_v2_and_markdown_are_parsed(bot: Bot, alice: EmulatedUser) -> None:
    v2 = await bot.send_message(
        ALICE, r"*粗* _斜_ __下__ ~删~ ||秘|| `码` [图](https://a.org/x\)y) 1\.5", "MarkdownV2"
    )
    assert v2.text == "粗 斜 下 删 秘 码 图 1.5"
    assert [entity.type for entity in v2.entities] == [
        "bold",
        "italic",
        "underline",
        "strikethrough",
        "spoiler",
        "code",
        "text_link",
    ]
    assert v2.entities[-1].url == "https://a.org/x)y"
    legacy = await bot.send_message(ALICE, "*a_b* _i_ `c`", parse_mode="Markdown")
    assert legacy.text == "a_b i c" and legacy.entities[0].length == 3
    with pytest.raises(BadRequest, match=r"(?i)Character '\.' is reserved"):
        await bot.send_message(ALICE, "1.5", parse_mode="MarkdownV2")
    with pytest.raises(BadRequest, match=r"(?i)end of the entity starting at byte offset 2"):
        await bot.send_message(ALICE, "a *b", parse_mode="MarkdownV2")


@pytest.mark.parametrize(
    ("markup", "detail"),
    [
        ("<p>段</p>", 'Unsupported start tag "p" at byte offset 0'),
        ("<br/>x", 'Unsupported start tag "br" at byte offset 0'),
        ("<b>粗", 'Can\'t find end tag corresponding to start tag "b"'),
        ("好</b>", "Unexpected end tag at byte offset 3"),
        ("<b><i>x</b></i>", 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"'),
        ("<b", "Unclosed start tag at byte offset 0"),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        (
            "<a href>x</a>",
            'Expected equal sign in declaration of an attribute of the tag "a" at byte offset 0',
        ),
    ],
)
async def test_html_telegram_cannot_parse_is_refused(
    bot: Bot, alice: EmulatedUser, markup: str, detail: str
) -> None:
    with pytest.raises(BadRequest) as refused:
        await bot.send_message(ALICE, markup, parse_mode="HTML")
    assert refused.value.message.lower() == f"can't parse entities: {detail}".lower()
    assert alice.messages == []


async def test_html_entities_and_offsets(bot: Bot, alice: EmulatedUser) -> None:
    sent = await bot.send_message(
        ALICE, "&lt;a&gt; &amp; &quot; &#26449; &#x6751; &nbsp; 🧹<b>扫</b>", parse_mode="HTML"
    )
    assert sent.text == '<a> & " 村 村 &nbsp; 🧹扫'
    assert sent.entities == (MessageEntity("bold", 21, 1),)  # 🧹 counts 2 UTF-16 units


async def test_lengths_are_counted_after_parsing(bot: Bot, alice: EmulatedUser) -> None:
    full = await bot.send_message(ALICE, "<b>" + "垃" * 4096 + "</b>", parse_mode="HTML")
    assert len(full.text) == 4096
    with pytest.raises(BadRequest, match=r"(?i)^Message is too long$"):
        await bot.send_message(ALICE, "垃" * 4097)
    with pytest.raises(BadRequest, match=r"(?i)^Message text is empty$"):
        await bot.send_message(ALICE, "<b> </b>\n", parse_mode="HTML")
    trimmed = await bot.send_message(ALICE, "  \n<i>好</i>  \n", parse_mode="HTML")
    assert trimmed.text == "好" and trimmed.entities[0].offset == 0
    photo = alice.send_photo()["photo"][-1]["file_id"]
    caption = "<b>" + "图" * 1024 + "</b>"
    captioned = await bot.send_photo(ALICE, photo, caption=caption, parse_mode="HTML")
    assert len(captioned.caption) == 1024 and captioned.caption_entities[0].type == "bold"
    with pytest.raises(BadRequest, match=r"(?i)^Message caption is too long$"):
        await bot.send_photo(ALICE, photo, caption="图" * 1025)
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await bot.send_document(ALICE, b"%PDF", filename="a.pdf", caption="<x>", parse_mode="HTML")


async def test_captions_are_parsed_everywhere(bot: Bot, alice: EmulatedUser) -> None:
    photo = alice.send_photo()["photo"][-1]["file_id"]
    album = await bot.send_media_group(
        ALICE,
        [InputMediaPhoto(photo, "<b>前</b>", parse_mode="HTML"), InputMediaPhoto(photo, "后")],
    )
    assert album[0].caption == "前" and album[0].caption_entities[0].type == "bold"
    copied = await bot.copy_message(ALICE, ALICE, album[0].message_id, "<i>抄</i>", "HTML")
    copy = alice.messages[-1]
    assert copied.message_id == copy["message_id"] and copy["caption"] == "抄"
    assert copy["caption_entities"] == [{"type": "italic", "offset": 0, "length": 1}]
    edited = await bot.edit_message_caption(
        ALICE, album[1].message_id, caption="<u>改</u>", parse_mode="HTML"
    )
    assert not isinstance(edited, bool) and edited.caption_html == "<u>改</u>"


# -- edits -----------------------------------------------------------------------------------


async def test_edit_rules(emu: BotApiEmulator, bot: Bot, alice: EmulatedUser) -> None:
    sent = await bot.send_message(ALICE, "<b>卡</b>", parse_mode="HTML", reply_markup=BUTTON)
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text(
            "<strong>卡</strong>", ALICE, sent.message_id, parse_mode="HTML", reply_markup=BUTTON
        )
    plain = await bot.edit_message_text("卡", ALICE, sent.message_id, reply_markup=BUTTON)
    assert not isinstance(plain, bool) and plain.entities == ()
    removed = await bot.edit_message_text("卡", ALICE, sent.message_id)
    assert not isinstance(removed, bool) and removed.reply_markup is None
    assert "reply_markup" not in alice.messages[0]
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_reply_markup(ALICE, sent.message_id)
    await bot.edit_message_reply_markup(ALICE, sent.message_id, reply_markup=BUTTON)
    keyboard = {"keyboard": [["是"]]}
    status, body = await call(
        emu, "editMessageReplyMarkup", chat_id=ALICE, message_id=1, reply_markup=keyboard
    )
    assert status == 400 and body["description"] == "Bad Request: inline keyboard expected"
    with pytest.raises(BadRequest, match=r"(?i)there is no caption in the message to edit"):
        await bot.edit_message_caption(ALICE, sent.message_id, caption="?")
    photo = await bot.send_photo(ALICE, alice.send_photo()["photo"][-1]["file_id"])
    with pytest.raises(BadRequest, match=r"(?i)there is no text in the message to edit"):
        await bot.edit_message_text("?", ALICE, photo.message_id)
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("?", ALICE, 999)
    with pytest.raises(BadRequest, match=r"(?i)message can't be edited"):
        await bot.edit_message_text("?", ALICE, alice.send_text("我的")["message_id"])


# -- callback queries ------------------------------------------------------------------------


async def test_a_callback_query_is_answered_once_within_15_seconds(
    emu: BotApiEmulator, bot: Bot, alice: EmulatedUser, clock: Clock
) -> None:
    card = await bot.send_message(ALICE, "卡", reply_markup=BUTTON)
    too_old = r"(?i)^Query is too old and response timeout expired or query id is invalid$"
    first = alice.press(card.to_dict(), "ok")
    with pytest.raises(BadRequest, match=r"(?i)^message_too_long$"):
        await bot.answer_callback_query(first["id"], "长" * 201)
    clock.now += 14.9
    assert await bot.answer_callback_query(first["id"], "好")
    with pytest.raises(BadRequest, match=too_old):
        await bot.answer_callback_query(first["id"])
    late = alice.press(card.to_dict(), "ok")
    clock.now += 15.1
    with pytest.raises(BadRequest, match=too_old):
        await bot.answer_callback_query(late["id"])
    assert [answer["text"] for answer in alice.callback_answers] == ["好"]


# -- flood control ---------------------------------------------------------------------------


async def test_flood_control_is_off_unless_switched_on(emu: BotApiEmulator, bot: Bot) -> None:
    emu.user(ALICE)
    for number in range(40):
        await bot.send_message(ALICE, f"第 {number} 条")
    assert emu.too_many_requests == 0


async def test_private_chat_limit_allows_a_short_burst(
    emu: BotApiEmulator, alice: EmulatedUser, clock: Clock
) -> None:
    emu.enforce_limits()
    for _ in range(3):
        assert (await call(emu, "sendMessage", chat_id=ALICE, text="嗨"))[0] == 200
    status, body = await call(emu, "sendMessage", chat_id=ALICE, text="嗨")
    assert status == 429 and body == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 3",
        "parameters": {"retry_after": 3},
    }
    await call(emu, "sendChatAction", chat_id=ALICE, action="typing")  # not a message
    clock.now += 1.0
    assert (await call(emu, "editMessageText", chat_id=ALICE, message_id=1, text="改"))[0] == 200
    clock.now += 2.0
    assert (await call(emu, "sendMessage", chat_id=ALICE, text="嗨"))[0] == 200
    assert emu.too_many_requests == 1


async def test_group_and_overall_limits(
    emu: BotApiEmulator, office: EmulatedGroup, clock: Clock
) -> None:
    emu.enforce_limits()
    for _ in range(20):
        clock.now += 0.5
        assert (await call(emu, "sendMessage", chat_id=OFFICE, text="通知"))[0] == 200
    status, body = await call(emu, "sendMessage", chat_id=OFFICE, text="通知")
    assert status == 429 and body["parameters"]["retry_after"] == 51
    emu.enforce_limits(FloodLimits(private_burst=None, group_per_minute=None))
    for user_id in range(30):
        emu.user(2000 + user_id)
        assert (await call(emu, "sendMessage", chat_id=2000 + user_id, text="嗨"))[0] == 200
    status, body = await call(emu, "sendMessage", chat_id=OFFICE, text="通知")
    assert status == 429 and body["description"] == "Too Many Requests: retry after 1"
    clock.now += 1.0
    assert (await call(emu, "sendMessage", chat_id=OFFICE, text="通知"))[0] == 200


# -- commands --------------------------------------------------------------------------------


async def test_set_my_commands_checks_what_telegram_checks(emu: BotApiEmulator, bot: Bot) -> None:
    ok = [BotCommand("report", "举报垃圾"), BotCommand("my_reports", " 我的举报 ")]
    private = BotCommandScopeAllPrivateChats()
    assert await bot.set_my_commands(ok, scope=private, language_code="zh")
    assert await bot.set_my_commands(ok[:1], scope=BotCommandScopeChat(ALICE))
    listed = await bot.get_my_commands(scope=private, language_code="zh")
    assert [(c.command, c.description) for c in listed] == [
        ("report", "举报垃圾"),
        ("my_reports", "我的举报"),
    ]
    assert await bot.get_my_commands(scope=private, language_code="en") == ()
    assert len(await bot.get_my_commands(scope=BotCommandScopeChat(ALICE))) == 1
    refusals = [
        ({"language_code": "zho"}, "invalid language code specified"),
        ({"language_code": "ZH"}, "invalid language code specified"),
        ({"scope": {"type": "everyone"}}, "unsupported bot command scope type"),
        ({"scope": {"type": "chat"}}, "chat_id is empty"),
        ({"scope": {"type": "chat_member", "chat_id": OFFICE}}, "user_id is empty"),
        ({"commands": [{"command": "Report", "description": "x"}]}, "BOT_COMMAND_INVALID"),
        ({"commands": [{"command": "举报", "description": "x"}]}, "BOT_COMMAND_INVALID"),
        ({"commands": [{"command": "a" * 33, "description": "x"}]}, "must not exceed 32"),
        ({"commands": [{"command": "", "description": "x"}]}, "command must be non-empty"),
        ({"commands": [{"command": "a", "description": " "}]}, "description must be non-empty"),
        ({"commands": [{"command": "a", "description": "x" * 257}]}, "must not exceed 256"),
        ({"commands": [{"command": f"c{n}", "description": "x"} for n in range(101)]}, "TOO_MUCH"),
    ]
    for change, detail in refusals:
        params: Json = {"commands": [{"command": "a", "description": "x"}], **change}
        status, body = await call(emu, "setMyCommands", **params)
        assert status == 400 and detail in body["description"], (change, body)


# -- parameters ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("button", "detail"),
    [
        ({"text": "", "callback_data": "x"}, "Text must be non-empty"),
        ({"text": "x"}, "must have exactly one optional field"),
        ({"text": "x", "callback_data": "垃" * 22}, "BUTTON_DATA_INVALID"),  # 66 bytes
        ({"text": "x", "callback_data": ""}, "BUTTON_DATA_INVALID"),
        ({"text": "x", "url": "javascript:alert(1)"}, "BUTTON_URL_INVALID"),
        ({"text": "x", "url": "ftp://example.org"}, "BUTTON_URL_INVALID"),
    ],
)
async def test_inline_keyboards_telegram_refuses(
    emu: BotApiEmulator, alice: EmulatedUser, button: Json, detail: str
) -> None:
    markup = {"inline_keyboard": [[button]]}
    status, body = await call(emu, "sendMessage", chat_id=ALICE, text="?", reply_markup=markup)
    assert status == 400 and detail in body["description"]
    fine = {"inline_keyboard": [[{"text": "x", "callback_data": "垃" * 21}]]}  # 63 bytes
    assert (await call(emu, "sendMessage", chat_id=ALICE, text="?", reply_markup=fine))[0] == 200


async def test_replies_and_chat_ids(emu: BotApiEmulator, bot: Bot, alice: EmulatedUser) -> None:
    with pytest.raises(BadRequest, match=r"(?i)message to be replied not found"):
        await bot.send_message(ALICE, "回", reply_to_message_id=77)
    lenient = {"message_id": 77, "allow_sending_without_reply": True}
    status, _ = await call(emu, "sendMessage", chat_id=ALICE, text="回", reply_parameters=lenient)
    asked = alice.send_text("问")
    answer = await bot.send_message(ALICE, "答", reply_to_message_id=asked["message_id"])
    assert status == 200 and answer.reply_to_message.text == "问"
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message("@nobody_here", "?")
    status, body = await call(emu, "sendMessage", text="?")
    assert status == 400 and body["description"] == "Bad Request: chat_id is empty"
    status, body = await call(emu, "sendMessage", chat_id=ALICE)
    assert status == 400 and body["description"] == "Bad Request: message text is empty"
    assert await bot.send_chat_action(ALICE, "upload_photo")
    status, body = await call(emu, "sendChatAction", chat_id=ALICE, action="dancing")
    assert status == 400 and body["description"] == "Bad Request: wrong parameter action in request"
