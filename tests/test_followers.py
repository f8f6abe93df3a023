"""A "+1" reporter follows the original report, and the grid member hears how their work
ended: through the real bot and the emulator (issue 14, items 9 and 10)."""

from __future__ import annotations

from datetime import timedelta

from bot.reporting.buttons import AcceptTask, ConfirmFixed, MarkFixed
from handlers.buttons import SkipFixNote
from storage.reports import followers_of
from tests.conftest import Town
from tests.test_report_story import has_buttons, report_at, zh

NEIGHBOUR = 555002


def words(message: dict) -> str:
    return message.get("text") or message.get("caption") or ""


def mentions(*marks: str):
    return lambda message: all(mark in words(message) for mark in marks)


async def fix_it(town: Town) -> None:
    """The grid member accepts R-000001 and marks it fixed with a photo."""
    member = town.member
    card = await member.wait_for(has_buttons(AcceptTask(1).pack()))
    member.press(card, AcceptTask(1).pack())
    await town.villager.wait_for(mentions("👷", "R-000001"))
    member.press(card, MarkFixed(1).pack())
    await member.wait_for(mentions("R-000001"))
    member.send_photo()
    skip = await member.wait_for(has_buttons(SkipFixNote().pack()))
    member.press(skip, SkipFixNote().pack())


async def test_a_plus_one_reporter_follows_the_original_to_its_close(town: Town) -> None:
    first = town.villager
    neighbour = town.emulator.user(NEIGHBOUR, "李大叔", language_code="zh")
    latitude, longitude = town.inside("那笔坡")
    await report_at(town, first, (latitude, longitude))
    await report_at(town, neighbour, (latitude + 0.0002, longitude))  # R-000002, a "+1"
    header = zh("Your report {number} is about the same place as {original}:").format(
        number="R-000002", original="R-000001"
    )

    await fix_it(town)
    accepted = await neighbour.wait_for(mentions(header, "👷"))
    assert "R-000001" in accepted["text"]
    await neighbour.wait_for(mentions(header, "🧹"))
    assert not [m for m in neighbour.messages if has_buttons(ConfirmFixed(1).pack())(m)]

    question = await first.wait_for(has_buttons(ConfirmFixed(1).pack()))
    first.press(question, ConfirmFixed(1).pack())
    await neighbour.wait_for(mentions(header, "✅"))
    thanks = zh("👍 {number} is closed: the reporter confirmed your fix. Thank you!")
    await town.member.wait_for(mentions(thanks.format(number="R-000001")))

    neighbour.send_text("/myreports")
    mine = await neighbour.wait_for(mentions("R-000002"))
    assert zh("closed") in mine["text"] and "R-000001" in mine["text"]
    assert zh("already known (+1)") not in mine["text"]


async def test_the_grid_member_is_told_when_a_fix_closes_by_itself(town: Town) -> None:
    await report_at(town, town.villager, town.inside("那笔坡"))
    await fix_it(town)
    await town.villager.wait_for(has_buttons(ConfirmFixed(1).pack()))
    fixed_at = (await town.bot.storage.reports.get(1)).fixed_at
    town.clock.set(fixed_at + timedelta(days=3, seconds=1))
    await town.bot.time_moved()
    told = zh(
        "✅ {number} is closed: the reporter did not answer within {days:g} days of your fix."
    ).format(number="R-000001", days=3.0)
    await town.member.wait_for(mentions(told))


async def test_reporting_a_spot_again_counts_and_tells_each_person_once(town: Town) -> None:
    """A villager who reports their own spot again is no "more villager" for the office, and
    hears of it as its reporter only; a neighbour's two "+1"s make one follower."""
    first = town.villager
    neighbour = town.emulator.user(NEIGHBOUR, "李大叔", language_code="zh")
    spot = town.inside("那笔坡")
    for reporter in (first, first, neighbour, neighbour):  # R-000001, then three "+1"s
        await report_at(town, reporter, spot)
    storage = town.bot.storage
    assert (await storage.reports.get(1)).duplicates == 1
    async with storage.database.transaction() as tx:
        assert [report.number for report in await followers_of(tx, 1)] == ["R-000003"]
