"""Telegram failing while villagers report: the Bot API answering 500s, 429 storms, slow
answers and dropped connections (all through the emulator). No report is lost, every
notification arrives exactly once, and the bot recovers by itself, without a restart.

The bot's clock is moved forward while the storm lasts, so the outbox's back-off (minutes of
bot time) passes in a moment of test time.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta

from bot.emulator import EmulatedUser
from bot.emulator.base import Json, Signal
from bot.reporting.buttons import AcceptTask
from bot.reporting.lifecycle import State
from tests.buttons import words
from tests.conftest import Town
from tests.test_report_story import has_buttons, report_at
from tests.test_roles import services

ROUNDS = 600


def hamlets_with_members(town: Town, count: int) -> list[str]:
    """`count` hamlets with different grid members, so each report goes to someone else."""
    chosen: dict[int, str] = {}
    for hamlet_id in sorted(town.bot.grid.hamlets):
        members = town.bot.people.grid_members_of(hamlet_id)
        if members and members[0] not in chosen:
            chosen[members[0]] = hamlet_id
    return list(chosen.values())[:count]


async def ready_to_submit(town: Town, villager: EmulatedUser, hamlet_id: str) -> Json:
    """Photo, place and category done: the summary with Submit."""
    villager.send_photo()
    await villager.wait_for(lambda m: bool(m.get("reply_markup", {}).get("keyboard")))
    villager.send_location(*town.bot.grid.representative_point(hamlet_id))
    categories = await villager.wait_for(has_buttons("v2:rc:"))
    villager.press(categories, "v2:rc:household")
    return await villager.wait_for(has_buttons("v2:rs"))


async def outbox_settled(town: Town) -> bool:
    outbox = services(town).storage.outbox
    return await outbox.count("pending") == 0 and await outbox.count("sending") == 0


async def let_time_pass(town: Town, done: Callable[[], Awaitable[bool]], what: str) -> None:
    """Move the bot's clock on, a few seconds a step, until `done` — waking on every message
    the bot sends — so back-offs and pauses run out; fail after ROUNDS steps."""
    sent = Signal()

    async def heard(_message: Json) -> None:
        sent.fire()

    town.emulator.on_bot_message.append(heard)
    try:
        for _ in range(ROUNDS):
            if await done():
                return
            town.clock.advance(timedelta(seconds=5))
            await town.bot.time_moved()
            await sent.wait(0.1)
    finally:
        town.emulator.on_bot_message.remove(heard)
    raise AssertionError(f"the bot did not recover: {what}")


def count(chat: EmulatedUser | object, predicate: Callable[[Json], bool]) -> int:
    return len([message for message in chat.messages if predicate(message)])


def mentions(number: str, *parts: str) -> Callable[[Json], bool]:
    def check(message: Json) -> bool:
        text = message.get("text") or message.get("caption") or ""
        return number in text and all(part in text for part in parts)

    return check


async def assert_each_delivered_once(town: Town, reports: dict[EmulatedUser, int]) -> None:
    """Every report is stored and routed; its reporter, grid member, the office and the
    department each heard of it exactly once."""
    found = services(town)
    for villager, report_id in reports.items():
        report = await found.reports.get(report_id)
        assert report is not None and report.state == State.ASSIGNED, report
        number = report.number
        member = town.emulator.user(town.bot.people.grid_members_of(report.hamlet_id)[0])
        assert count(villager, mentions(number, "✅")) == 1, villager.messages
        assert count(member, has_buttons(AcceptTask(report_id).pack())) == 1, member.messages
        assert count(member, lambda m: "photo" in m) == 1
        assert count(town.office, mentions(number, "🆕")) == 1
        assert count(town.clean_homes, mentions(number)) == 1
    rows = await found.storage.database.fetch_all("SELECT state FROM outbox")
    assert {row["state"] for row in rows} == {"sent"}, [tuple(row) for row in rows]


async def recovers(town: Town, villager: EmulatedUser) -> None:
    """After the storm, a new report goes all the way without anyone restarting anything."""
    done = await report_at(town, villager, town.inside("那笔坡"), category="piles")
    number = next(part for part in done["text"].split() if part.startswith("R-0"))[:8]
    await town.member.wait_for(lambda m: number in words(m))
    await town.office.wait_for(lambda m: number in words(m))


def people(town: Town, hamlets: list[str], first_id: int) -> list[EmulatedUser]:
    """Villagers, and the grid members of `hamlets` made known to the emulator."""
    for hamlet_id in hamlets:
        member_id = town.bot.people.grid_members_of(hamlet_id)[0]
        town.emulator.user(member_id, f"网格员{member_id}")
    return [
        town.emulator.user(first_id + index, f"村民{index}", language_code="zh")
        for index in range(len(hamlets))
    ]


async def storm(town: Town, villagers: dict[EmulatedUser, Json], lasting: timedelta) -> None:
    """While the injected failures last `lasting` of bot time, the villagers press Submit;
    then the failures stop and the bot is left to catch up on its own."""
    started = town.clock.now()
    for villager, summary in villagers.items():
        villager.press(summary, "v2:rs")

    async def over() -> bool:
        stored = await services(town).storage.database.fetch_all("SELECT id FROM reports")
        return len(stored) == len(villagers) and town.clock.now() - started >= lasting

    await let_time_pass(town, over, "the reports were not stored")
    town.emulator.end_faults()
    await let_time_pass(town, lambda: outbox_settled(town), "notifications still waiting")


async def delivered_once(town: Town) -> None:
    rows = await services(town).storage.database.fetch_all("SELECT id, reporter_id FROM reports")
    await assert_each_delivered_once(
        town, {town.emulator.user(row["reporter_id"]): row["id"] for row in rows}
    )


async def test_a_minute_of_500s_dropped_connections_and_lost_polls(town: Town) -> None:
    hamlets = hamlets_with_members(town, 3)
    villagers = people(town, hamlets, 610_000)
    summaries = {
        villager: await ready_to_submit(town, villager, hamlet)
        for villager, hamlet in zip(villagers, hamlets, strict=True)
    }
    emulator = town.emulator
    emulator.drop_connections(5)
    emulator.fail_next("*", 500, times=100_000)
    emulator.fail_next("getUpdates", 502, times=2)
    await storm(town, summaries, timedelta(minutes=1))
    await delivered_once(town)
    await recovers(town, town.villager)  # polling too, after its failed getUpdates
    requests = [method.lower() for method, _ in emulator.requests]
    assert requests.count("sendphoto") > len(villagers) * 2  # many attempts, one delivery each


async def test_a_429_storm_and_slow_answers(town: Town) -> None:
    hamlets = hamlets_with_members(town, 3)
    villagers = people(town, hamlets, 620_000)
    summaries = {
        villager: await ready_to_submit(town, villager, hamlet)
        for villager, hamlet in zip(villagers, hamlets, strict=True)
    }
    emulator = town.emulator
    emulator.set_delay(0.05)  # slow, but within the bot's timeouts: nothing is sent twice
    emulator.fail_next("*", 429, times=100_000, retry_after=5)
    await storm(town, summaries, timedelta(seconds=30))
    await delivered_once(town)
    emulator.set_delay(0)
    await recovers(town, town.villager)
