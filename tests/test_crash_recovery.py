"""A crash never loses or bends a report (issue 11).

The bot runs as its own process (`python -m bot`) against the emulator and is killed with a
real SIGKILL at an exact step: either the instant it sends the reply to that step (the emulator
holds the bot's request while the process is killed, so nothing after the reply runs) or once
the database shows the step stored. Then it is started again and the villager carries on.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from benchmarks.crash_soak import (
    STEP_SECONDS,
    CrashTown,
    Filed,
    asks_for_place,
    has_buttons,
    number_in,
    reached,
    until,
)
from bot.emulator import BotApiEmulator, EmulatedUser
from handlers.reporting import CATEGORY, LOCATION

Json = dict
VILLAGER_A, VILLAGER_B = 555101, 555102


@pytest.fixture
async def crash_town(tmp_path: Path, emulator: BotApiEmulator) -> AsyncIterator[CrashTown]:
    town = CrashTown(emulator, tmp_path)
    await town.bot.start()
    try:
        yield town
    finally:
        await town.bot.stop()


def to(user: EmulatedUser, matches: Callable[[Json], bool]) -> Callable[[Json], bool]:
    """A message of the bot to this user that matches."""
    return lambda message: message["chat"]["id"] == user.chat_id and matches(message)


def conversation_of(town: CrashTown, user: EmulatedUser) -> int | None:
    rows = town.query(
        "SELECT state FROM conversations WHERE name = 'reporting' AND key = ?",
        (json.dumps([user.chat_id, user.user_id]),),
    )
    return json.loads(rows[0]["state"]) if rows else None


def draft_of(town: CrashTown, user: EmulatedUser) -> Json | None:
    rows = town.query("SELECT data FROM user_data WHERE user_id = ?", (user.user_id,))
    return json.loads(rows[0]["data"]).get("draft") if rows else None


async def outbox_done(town: CrashTown) -> None:
    """Every notification the bot queued has been delivered."""
    await until(
        lambda: (
            not town.query("SELECT id FROM outbox WHERE state IN ('pending', 'sending') LIMIT 1")
        ),
        STEP_SECONDS,
        lambda: "the outbox still holds notifications",
    )


async def photo_and_place(villager: EmulatedUser, point: tuple[float, float]) -> tuple[str, Json]:
    """Photo, then the location; returns the photo's unique id and the category question."""
    sent = villager.send_photo()
    await villager.wait_for(asks_for_place, STEP_SECONDS)
    villager.send_location(*point)
    question = await villager.wait_for(has_buttons("v2:rc:"), STEP_SECONDS)
    return sent["photo"][-1]["file_unique_id"], question


async def to_summary(villager: EmulatedUser, question: Json) -> Json:
    villager.press(question, "v2:rc:household")
    return await villager.wait_for(has_buttons("v2:rs"), STEP_SECONDS)


@pytest.mark.parametrize("kill", ["at the reply", "once stored"])
async def test_a_place_shared_just_before_a_crash_stays_with_the_report(
    crash_town: CrashTown, kill: str
) -> None:
    """A sends /report and a photo, B sends /start, A shares the location → kill -9 →
    restart → A carries on: the report has its place and reaches the grid member."""
    town = crash_town
    a = town.emulator.user(VILLAGER_A, "甲", language_code="zh")
    b = town.emulator.user(VILLAGER_B, "乙", language_code="zh")
    hamlet_id = town.hamlet_id("那笔坡")
    point = town.spot(hamlet_id, 0)
    a.send_text("/report")
    await a.next_message(STEP_SECONDS)
    sent = a.send_photo()
    await a.wait_for(asks_for_place, STEP_SECONDS)
    await until(
        lambda: conversation_of(town, a) == LOCATION,
        STEP_SECONDS,
        lambda: "A's photo step was never stored",
    )
    b.send_text("/start")
    await b.next_message(STEP_SECONDS)
    await until(
        lambda: bool(
            town.query(
                "SELECT 1 FROM inbox WHERE handled = 1 AND json_extract(payload, ?) = ?",
                ("$.message.from.id", b.user_id),
            )
        ),
        STEP_SECONDS,
        lambda: "B's /start was never handled completely",
    )
    # A's draft is stored with the photo by now (PTB's own write-through stored it only when
    # someone else's update came, as B's did): A's next step starts from a stored draft.
    await until(
        lambda: len((draft_of(town, a) or {}).get("photos", [])) == 1,
        STEP_SECONDS,
        lambda: "A's photo was never stored",
    )
    killed = town.kill_when(to(a, has_buttons("v2:rc:"))) if kill == "at the reply" else None
    a.send_location(*point)
    question = await a.wait_for(has_buttons("v2:rc:"), STEP_SECONDS)
    if killed is not None:
        await until(killed.is_set, STEP_SECONDS, lambda: "the bot was not killed")
    else:
        await until(
            lambda: conversation_of(town, a) == CATEGORY,
            STEP_SECONDS,
            lambda: "A's step was never stored",
        )
        town.bot.kill_now()
    # The stored step never runs ahead of its draft: at the category step the place is there.
    if conversation_of(town, a) == CATEGORY:
        assert (draft_of(town, a) or {}).get("hamlet_id") == hamlet_id
    await town.bot.crash_and_restart()

    summary = await to_summary(a, question)
    assert "那笔坡" in summary["text"]
    a.press(summary, "v2:rs")
    number = number_in(await a.wait_for(lambda m: number_in(m) is not None, STEP_SECONDS))
    assert number is not None
    (row,) = town.query("SELECT * FROM reports")
    assert row["hamlet_id"] == hamlet_id and row["latitude"] is not None
    filed = Filed(a.user_id, sent["photo"][-1]["file_unique_id"], hamlet_id, point, number)
    await until(lambda: reached(town, filed), STEP_SECONDS, lambda: f"{number} not delivered")
    # Handled once after the restart: at most the one question sent again, then nothing more.
    questions = [m for m in a.messages if has_buttons("v2:rc:")(m)]
    assert len(questions) <= 2
    # The grid member's card can go out before Submit's inbox row is marked handled.
    await until(
        lambda: not town.query("SELECT update_id FROM inbox WHERE handled = 0"),
        STEP_SECONDS,
        lambda: "an update stayed unhandled",
    )


async def test_b_a_submit_handled_again_after_a_restart_makes_one_report(
    crash_town: CrashTown,
) -> None:
    """Killed the instant it confirms the number: the Submit was stored but not marked handled,
    so it is handled again after the restart and shows the same number; a second tap on the
    same Submit makes nothing either."""
    town = crash_town
    a = town.emulator.user(VILLAGER_A, "甲", language_code="zh")
    hamlet_id = town.hamlet_id("那笔坡")
    point = town.spot(hamlet_id, 0)
    photo, question = await photo_and_place(a, point)
    summary = await to_summary(a, question)
    killed = town.kill_when(to(a, lambda m: number_in(m) is not None))
    a.press(summary, "v2:rs")
    first = number_in(await a.wait_for(lambda m: number_in(m) is not None, STEP_SECONDS))
    await until(killed.is_set, STEP_SECONDS, lambda: "the bot was not killed")
    await town.bot.crash_and_restart()

    again = number_in(await a.wait_for(lambda m: number_in(m) is not None, STEP_SECONDS))
    assert again == first
    tap = a.press_raw(summary, "v2:rs")
    await a.answer_to(tap, STEP_SECONDS)
    await outbox_done(town)
    (row,) = town.query("SELECT id, duplicate_of FROM reports")
    assert row["duplicate_of"] is None
    filed = Filed(a.user_id, photo, hamlet_id, point, first or "")
    assert reached(town, filed)
    # One notification was queued for the member (the outbox may repeat one that was in flight
    # at the kill, as it promises), and every card they got is of this one report.
    member = town.members[town.people.grid_members_of(hamlet_id)[0]]
    assert {number_in(m) for m in member.messages if number_in(m)} == {first}
    assert len(town.query("SELECT id FROM outbox WHERE chat_id = ?", (member.chat_id,))) == 1


@pytest.mark.parametrize("kill", ["at the confirmation", "once the draft is cleared"])
async def test_c_a_submitted_draft_never_comes_back_nor_its_photo(
    crash_town: CrashTown, kill: str
) -> None:
    """After a crash around Submit, the submitted draft is gone for good, and the next report
    carries only its own photo to its own grid member."""
    town = crash_town
    a = town.emulator.user(VILLAGER_A, "甲", language_code="zh")
    first_hamlet, second_hamlet = town.hamlet_id("那笔坡"), town.hamlet_id("南塘坡")
    first_point, second_point = town.spot(first_hamlet, 0), town.spot(second_hamlet, 0)
    first_photo, question = await photo_and_place(a, first_point)
    summary = await to_summary(a, question)
    if kill == "at the confirmation":
        killed = town.kill_when(to(a, lambda m: number_in(m) is not None))
    a.press(summary, "v2:rs")
    first = number_in(await a.wait_for(lambda m: number_in(m) is not None, STEP_SECONDS))
    if kill == "at the confirmation":
        await until(killed.is_set, STEP_SECONDS, lambda: "the bot was not killed")
    else:
        await until(
            lambda: conversation_of(town, a) is None and draft_of(town, a) is None,
            STEP_SECONDS,
            lambda: "the submitted draft was never cleared",
        )
        town.bot.kill_now()
    await town.bot.crash_and_restart()

    second_photo, question = await photo_and_place(a, second_point)
    summary = await to_summary(a, question)
    assert "📷 照片：1 张" in summary["text"] and "南塘坡" in summary["text"]
    a.press(summary, "v2:rs")
    second = await a.wait_for(lambda m: number_in(m) not in (None, first), STEP_SECONDS)
    second_number = number_in(second)
    assert second_number is not None
    await outbox_done(town)

    photos = {
        row["report_id"]: row["file_unique_id"]
        for row in town.query("SELECT report_id, file_unique_id FROM report_media")
    }
    assert sorted(photos.items()) == [(1, first_photo), (2, second_photo)]
    rows = town.query("SELECT id, hamlet_id, draft_id FROM reports ORDER BY id")
    assert [(row["id"], row["hamlet_id"]) for row in rows] == [
        (1, first_hamlet),
        (2, second_hamlet),
    ]
    assert rows[0]["draft_id"] != rows[1]["draft_id"]
    assert conversation_of(town, a) is None and draft_of(town, a) is None
    second_member = town.members[town.people.grid_members_of(second_hamlet)[0]]
    received = {m["photo"][-1]["file_unique_id"] for m in second_member.messages if "photo" in m}
    assert received == {second_photo}
    assert reached(town, Filed(a.user_id, second_photo, second_hamlet, second_point, second_number))


async def test_d_a_category_chosen_just_before_a_crash_is_chosen_once(
    crash_town: CrashTown,
) -> None:
    """Killed the instant it turns the category question into the summary, with the villager's
    Submit already on its way: after the restart the press is handled again (Telegram refuses
    the same edit as not modified, which is no error) and the Submit makes the report."""
    town = crash_town
    a = town.emulator.user(VILLAGER_A, "甲", language_code="zh")
    hamlet_id = town.hamlet_id("那笔坡")
    point = town.spot(hamlet_id, 0)
    photo, question = await photo_and_place(a, point)
    killed = town.kill_when(to(a, has_buttons("v2:rs")))
    summary = await to_summary(a, question)
    await until(killed.is_set, STEP_SECONDS, lambda: "the bot was not killed")
    a.press(summary, "v2:rs")
    await town.bot.crash_and_restart()

    number = number_in(await a.wait_for(lambda m: number_in(m) is not None, STEP_SECONDS))
    assert number is not None
    filed = Filed(a.user_id, photo, hamlet_id, point, number)
    await until(lambda: reached(town, filed), STEP_SECONDS, lambda: f"{number} not delivered")
    await until(
        lambda: not town.query("SELECT update_id FROM inbox WHERE handled = 0"),
        STEP_SECONDS,
        lambda: "an update stayed unhandled",
    )
    assert "unexpected error" not in (town.folder / "bot.log").read_text(encoding="utf-8")
