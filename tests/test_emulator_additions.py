"""The emulator's newer people and controls, read back with python-telegram-bot itself:
channel posts, anonymous group admins, posts as a channel, albums, taking updates directly,
and calling off injected failures."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram import Bot, Update
from telegram.error import NetworkError

from bot.emulator import BotApiEmulator
from bot.emulator.users import CHANNEL_BOT, GROUP_ANONYMOUS_BOT
from tests.conftest import TOKEN


@pytest.fixture
async def bot(emulator: BotApiEmulator) -> AsyncIterator[Bot]:
    async with Bot(
        TOKEN, base_url=emulator.base_url, base_file_url=emulator.base_file_url
    ) as client:
        yield client


async def updates(bot: Bot) -> list[Update]:
    return list(await bot.get_updates(timeout=0))


async def test_channel_posts_and_their_edits(emulator: BotApiEmulator, bot: Bot) -> None:
    channel = emulator.channel(-1001234, "三塘新闻")
    post = channel.post("/start 通知")
    channel.edit_post(post, "改过的通知")
    first, second = await updates(bot)
    assert first.channel_post.chat.type == "channel" and first.channel_post.text == "/start 通知"
    assert first.effective_user is None and first.channel_post.sender_chat.id == -1001234
    assert second.edited_channel_post.text == "改过的通知"
    assert second.edited_channel_post.message_id == post["message_id"]


async def test_anonymous_admins_and_posts_as_a_channel(emulator: BotApiEmulator, bot: Bot) -> None:
    group = emulator.group(-100500, "美丽办")
    channel = emulator.channel(-1001234, "三塘新闻")
    group.send_as_group("/queue")
    group.send_as_channel(channel, "转发的频道消息")
    anonymous, as_channel = await updates(bot)
    assert anonymous.message.from_user.id == GROUP_ANONYMOUS_BOT["id"]
    assert anonymous.message.sender_chat.id == -100500
    assert as_channel.message.from_user.id == CHANNEL_BOT["id"]
    assert as_channel.message.sender_chat.type == "channel"


async def test_an_album_shares_one_media_group(emulator: BotApiEmulator, bot: Bot) -> None:
    user = emulator.user(1001, "阿婆")
    user.send_album(3, caption="三张")
    received = [update.message for update in await updates(bot)]
    assert len({message.media_group_id for message in received}) == 1
    assert [message.caption for message in received] == ["三张", None, None]
    assert all(message.photo for message in received)


async def test_updates_taken_directly_are_gone_from_polling(
    emulator: BotApiEmulator, bot: Bot
) -> None:
    user = emulator.user(1001, "阿婆")
    user.send_text("一")
    user.send_text("二")
    taken = emulator.take_updates()
    assert [Update.de_json(data, bot).message.text for data in taken] == ["一", "二"]
    assert await updates(bot) == []


async def test_failures_can_be_counted_and_called_off(emulator: BotApiEmulator, bot: Bot) -> None:
    emulator.user(1001, "阿婆")
    emulator.fail_next("sendMessage", 500, times=3)
    emulator.drop_connections(2)
    assert emulator.faults_left() == 5
    with pytest.raises(NetworkError):
        await bot.send_message(1001, "x")
    assert emulator.faults_left() == 4
    emulator.end_faults()
    assert emulator.faults_left() == 0
    assert (await bot.send_message(1001, "好了")).text == "好了"
