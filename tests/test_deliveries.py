"""A 400 is our bug, not an unreachable person: the rest of the notification still goes, and the
office sees what failed (/deliveries, with Retry, and a batched line in the office chat)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from bot.emulator import BotApiEmulator
from bot.emulator.checks import ApiError
from bot.reporting.buttons import AcceptTask, MarkFixed
from handlers.buttons import RetryDelivery
from tests.buttons import has_button, words
from tests.conftest import NABI_MEMBER, OFFICE_CHAT, VILLAGER, Town
from tests.test_report_story import has_buttons, report_at

REFUSAL = "Bad Request: wrong file identifier/HTTP URL specified"


def refuse_once(
    emulator: BotApiEmulator, method: str, chat_id: int, description: str, status: int = 400
) -> None:
    """The next `method` call to `chat_id` answers `status` with `description` (others go)."""
    original: Callable = getattr(emulator, f"_api_{method}")
    left = [1]

    async def refusing(params: dict):
        if left[0] and int(params.get("chat_id", 0)) == chat_id:
            left[0] -= 1
            raise ApiError(status, description)
        return await original(params)

    setattr(emulator, f"_api_{method}", refusing)


def services(town: Town):
    return town.bot.application.bot_data["services"]


async def test_a_refused_photo_does_not_cost_the_task_card(town: Town) -> None:
    member, admin = town.member, town.admin
    refuse_once(town.emulator, "sendphoto", NABI_MEMBER, REFUSAL)
    await report_at(town, town.villager, town.inside("那笔坡"))
    # The card is one message since issue #15; its photo refused, it goes alone, then the pin.
    card = await member.wait_for(has_buttons(AcceptTask(1).pack(), MarkFixed(1).pack()))
    pin = await member.wait_for(lambda m: "location" in m)
    assert pin and card and not [m for m in member.messages if "photo" in m]

    admin.send_text("/deliveries")
    await admin.wait_for(lambda m: "1" in words(m))
    listed = await admin.wait_for(has_button(RetryDelivery))
    assert "R-000001" in listed["text"] and "那笔坡" in listed["text"]
    # The office reads what was refused, in its words; Telegram's own error text is in the log.
    assert "Telegram 拒收了照片" in listed["text"] and "12月2日 周三 10:00" in listed["text"]
    assert str(VILLAGER) not in listed["text"] and "王阿婆" not in listed["text"]

    # The office chat hears of it once, in one line; nothing new, nothing said.
    assert await services(town).deliveries.tell_office() == 1
    line = await town.office.wait_for(lambda m: "/deliveries" in words(m))
    assert "R-000001" in line["text"]
    assert await services(town).deliveries.tell_office() == 0

    [button] = [b for row in listed["reply_markup"]["inline_keyboard"] for b in row]
    admin.press(listed, button["callback_data"])
    photo = await member.wait_for(lambda m: "photo" in m)
    assert photo["photo"][-1]["file_id"]
    # Only the photo was sent again, not the pin and the card.
    assert len([m for m in member.messages if has_buttons(AcceptTask(1).pack())(m)]) == 1
    admin.send_text("/deliveries")
    await admin.wait_for(lambda m: "✅" in words(m))
    entries = await services(town).audit.recent()
    assert any(entry.action == "retry_delivery" for entry in entries)


@pytest.mark.parametrize(
    "status, description",
    [
        (403, "Forbidden: bot was blocked by the user"),
        (400, "Bad Request: chat not found"),
        (403, "Forbidden: user is deactivated"),
    ],
)
async def test_only_403_and_a_gone_chat_make_a_person_unreachable(
    town: Town, status: int, description: str
) -> None:
    # The card is one message since issue #15: a photo, sent by sendPhoto.
    refuse_once(town.emulator, "sendphoto", NABI_MEMBER, description, status)
    await report_at(town, town.villager, town.inside("那笔坡"))
    failures = await _failures(town, 1)
    assert failures[0].chat_id == NABI_MEMBER and failures[0].gave_up
    row = await town.bot.storage.database.fetch_one(
        "SELECT state, outcome FROM outbox WHERE chat_id = ? ORDER BY id LIMIT 1", (NABI_MEMBER,)
    )
    assert row["state"] == "dropped" and row["outcome"] in ("blocked", "gone")


async def test_deliveries_are_for_office_admins_only(town: Town) -> None:
    town.villager.send_text("/deliveries")
    refused = await town.villager.next_message()
    assert "/deliveries" in refused["text"] and not has_button(RetryDelivery)(refused)


async def test_the_office_line_never_announces_its_own_failure(town: Town) -> None:
    refuse_once(town.emulator, "sendphoto", NABI_MEMBER, REFUSAL)
    await report_at(town, town.villager, town.inside("那笔坡"))
    await _failures(town, 1)
    await town.office.wait_for(lambda m: "R-000001" in words(m))
    await town.clean_homes.wait_for(lambda m: "R-000001" in words(m))
    refuse_once(town.emulator, "sendmessage", OFFICE_CHAT, "Bad Request: can't parse entities")
    assert await services(town).deliveries.tell_office() == 1
    await _failures(town, 2)
    assert await services(town).deliveries.tell_office() == 0


async def _failures(town: Town, count: int) -> list:
    """Wait until `count` failures are kept (polling the database, never a fixed sleep)."""
    for _ in range(500):
        failures = await services(town).deliveries.open(town.admin.user_id)
        if len(failures) >= count:
            return failures
        await asyncio.sleep(0.01)
    raise AssertionError(f"fewer than {count} failures were kept")
